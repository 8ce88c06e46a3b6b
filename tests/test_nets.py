import pytest
import torch
from torch import nn

import helpers


def test_shapes_and_layer_count():
    model = helpers.mlp(5, 16, in_features=64, out_features=10)
    assert len(model.hidden) == 5
    assert model(torch.zeros(3, 64)).shape == (3, 10)
    assert helpers.mlp(3, 8)(torch.zeros(2, 8)).shape == (2, 8)  # no readout: width out


def test_biases_start_at_zero_and_init_is_applied():
    model = helpers.mlp(3, 256, "tanh", "he_normal", out_features=4)
    for layer in model.hidden:
        assert torch.count_nonzero(layer.linear.bias) == 0
        assert layer.linear.weight.std().item() == pytest.approx((2 / 256) ** 0.5, rel=0.05)
    assert torch.count_nonzero(model.readout.bias) == 0


def test_same_seed_same_model_and_different_seed_differs():
    a, b, c = helpers.mlp(2, 8, seed=1), helpers.mlp(2, 8, seed=1), helpers.mlp(2, 8, seed=2)
    assert torch.equal(a.hidden[0].linear.weight, b.hidden[0].linear.weight)
    assert not torch.equal(a.hidden[0].linear.weight, c.hidden[0].linear.weight)


def test_residual_layer_adds_its_input():
    model = helpers.mlp(1, 4, "relu", "zeros", residual=True)
    x = torch.randn(2, 4)
    assert torch.equal(model(x), x + torch.relu(torch.zeros(2, 4)))


def test_first_layer_that_changes_width_is_not_residual():
    model = helpers.mlp(3, 8, residual=True, in_features=5)
    assert [layer.residual for layer in model.hidden] == [False, True, True]


@pytest.mark.parametrize("norm, kind", [("batch", nn.BatchNorm1d), ("layer", nn.LayerNorm), (None, type(None))])
def test_norm_sits_between_linear_and_activation(norm, kind):
    model = helpers.mlp(2, 8, norm=norm)
    assert all(isinstance(layer.norm, kind) for layer in model.hidden)


@pytest.mark.parametrize("kwargs, message", [
    (dict(depth=0, width=8), "depth must be a whole number >= 1; got 0"),
    (dict(depth=2, width=0), "width must be a whole number >= 1; got 0"),
    (dict(depth=2.5, width=8), "depth must be a whole number"),
    (dict(depth=2, width=8, activation="sigmod"), "activation must be one of"),
    (dict(depth=2, width=8, init="glorot"), "init must be one of"),
    (dict(depth=2, width=8, init=-0.1), "must be a number in"),
    (dict(depth=2, width=8, norm="group"), "norm must be None, 'batch' or 'layer'"),
    (dict(depth=2, width=8, out_features=0), "out_features must be"),
])
def test_bad_arguments_raise_value_error_naming_valid_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.mlp(**kwargs)
