import pytest
import torch
from torch import nn

import helpers
from helpers.nets import mlp_view


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


@pytest.mark.parametrize(
    "norm, kind", [("batch", nn.BatchNorm1d), ("layer", nn.LayerNorm), (None, type(None))]
)
def test_norm_sits_between_linear_and_activation(norm, kind):
    model = helpers.mlp(2, 8, norm=norm)
    assert all(isinstance(layer.norm, kind) for layer in model.hidden)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(depth=0, width=8), "depth must be a whole number >= 1; got 0"),
        (dict(depth=2, width=0), "width must be a whole number >= 1; got 0"),
        (dict(depth=2.5, width=8), "depth must be a whole number"),
        (dict(depth=2, width=8, activation="sigmod"), "activation must be one of"),
        (dict(depth=2, width=8, init="glorot"), "init must be one of"),
        (dict(depth=2, width=8, init=-0.1), "must be a number in"),
        (dict(depth=2, width=8, norm="group"), "norm must be None, 'batch' or 'layer'"),
        (dict(depth=2, width=8, out_features=0), "out_features must be"),
    ],
)
def test_bad_arguments_raise_value_error_naming_valid_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.mlp(**kwargs)
    with pytest.raises(ValueError, match=message):
        mlp_view(**kwargs)


@pytest.mark.parametrize(
    "settings",
    [
        dict(width=12, activation="tanh", init="xavier_normal"),
        dict(
            width=16,
            activation="relu",
            init=0.3,
            in_features=64,
            out_features=10,
            residual=True,
            norm="batch",
        ),
        dict(width=8, activation="sigmoid", init="he_normal", out_features=3, norm="layer", seed=4),
    ],
)
def test_a_view_is_the_network_mlp_builds_cut_from_a_deeper_one(settings):
    """Depths in any order, across the build step: every weight, bias and output as mlp's."""
    views = {}
    for depth in (7, 3, 12, 10, 1, 25, 20):
        view, built = mlp_view(depth, **settings), helpers.mlp(depth, **settings)
        views[depth] = view
        state = built.state_dict()  # parameters and buffers (a batch norm's statistics)
        assert view.state_dict().keys() == state.keys()
        for name, value in view.state_dict().items():
            assert torch.equal(value, state[name]), (depth, name)
        assert all(m.training for m in view.modules()) and view.settings == built.settings
        x = torch.randn(16, settings.get("in_features") or settings["width"])
        assert torch.equal(view(x), built(x))  # in training mode: this updates the shared norms,
        assert torch.equal(
            view.eval()(x), built.eval()(x)
        )  # and this leaves the blocks in eval mode
    # the blocks are shared (that is what makes a view cheap)
    assert views[3].hidden[0] is views[7].hidden[0]


@pytest.mark.parametrize("block", ["post", "pre"])
def test_two_layer_blocks_have_two_weight_layers_and_add_their_input(block):
    model = helpers.mlp(3, 8, "relu", "he_normal", residual=True, block=block, seed=1)
    assert len(helpers.nets.layers(model)) == 6
    x = torch.randn(5, 8)
    first = model.hidden[0]
    with torch.no_grad():
        # branch output 0 (biases start at 0): the block is its shortcut
        first.linear2.weight.zero_()
    expected = (
        torch.relu(x) if block == "post" else x
    )  # the lecture's block puts a ReLU after the sum
    assert torch.allclose(first(x), expected)


def test_branch_variants_start_as_their_definitions_say():
    depth = 9
    fixup = helpers.mlp(
        depth, 8, "relu", "he_normal", residual=True, block="pre", branch="fixup", seed=3
    )
    plain = helpers.mlp(depth, 8, "relu", "he_normal", residual=True, block="pre", seed=3)
    for f, p in zip(fixup.hidden, plain.hidden):
        assert torch.count_nonzero(f.linear2.weight) == 0
        assert torch.allclose(
            f.linear1.weight, p.linear1.weight / 3
        )  # depth^(-1/2) for two-layer branches
    skip = helpers.mlp(depth, 8, residual=True, branch="skipinit")
    assert all(
        block.gate is not None and float(block.gate.detach()) == 0.0 for block in skip.hidden
    )
    assert "hidden.0.gate" in dict(skip.named_parameters())  # trained like any weight
    scaled = helpers.mlp(depth, 8, residual=True, branch="scaled")
    assert all(block.branch_scale == pytest.approx(1 / 3) for block in scaled.hidden)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(block="dense"), "block must be one of 'single', 'post', 'pre'"),
        (dict(branch="fixup"), "needs residual=True"),
        (dict(residual=True, branch="fixup"), "needs two weight layers"),
        (dict(residual=True, branch="wide"), "branch must be one of"),
    ],
)
def test_block_and_branch_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.mlp(3, 8, **kwargs)


def test_stream_profile_measures_the_gradient_between_blocks():
    # One residual block with zero weights is the identity: the gradient at its input equals
    # the seeded gradient at its output; without the shortcut its input gets none.
    for residual, expected in [(True, 1.0), (False, 0.0)]:
        model = helpers.mlp(1, 6, "tanh", "zeros", residual=residual)
        stream = helpers.probe.stream_profile(model, torch.randn(50, 6), seed=2)
        assert stream.gradient_rms[0] == pytest.approx(expected * stream.gradient_rms[1])
    with pytest.raises(ValueError, match="helpers.mlp"):
        helpers.probe.stream_profile(torch.nn.Linear(3, 3), torch.randn(2, 3))


def test_profile_of_two_layer_blocks_sees_every_activation():
    model = helpers.mlp(4, 16, "relu", "he_normal", residual=True, block="post", norm="batch")
    assert helpers.profile(model, torch.randn(32, 16)).depth == 8
