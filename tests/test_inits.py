import math

import numpy as np
import pytest
import torch

import helpers

REQUIRED = {
    "small",
    "standard",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
    "orthogonal",
    "zeros",
}
FAN_IN, FAN_OUT = 400, 300


def test_registry_has_every_required_init():
    assert REQUIRED <= set(helpers.INITS)


@pytest.mark.parametrize("name", sorted(helpers.INITS))
def test_empirical_std_matches_formula(name):
    init = helpers.INITS[name]
    weight = torch.empty(FAN_OUT, FAN_IN)
    init(weight, torch.Generator().manual_seed(0))
    expected = init.std(FAN_IN, FAN_OUT)
    assert weight.mean().item() == pytest.approx(0, abs=0.02 * max(expected, 1e-3))
    assert weight.std().item() == pytest.approx(expected, rel=0.02, abs=1e-12)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("small", 0.01),
        ("standard", 1 / math.sqrt(3 * FAN_IN)),  # Glorot eq. 1: n·Var[W] = 1/3
        ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("he_normal", math.sqrt(2 / FAN_IN)),
        ("lecun_normal", 1 / math.sqrt(FAN_IN)),
    ],
)
def test_formulas_are_the_papers(name, expected):
    assert helpers.INITS[name].std(FAN_IN, FAN_OUT) == pytest.approx(expected)


def test_uniform_inits_respect_their_bounds():
    weight = torch.empty(FAN_OUT, FAN_IN)
    helpers.INITS["standard"](weight, torch.Generator().manual_seed(0))
    assert weight.abs().max() <= 1 / math.sqrt(FAN_IN)
    helpers.INITS["xavier_uniform"](weight, torch.Generator().manual_seed(0))
    assert weight.abs().max() <= math.sqrt(6 / (FAN_IN + FAN_OUT))


def test_orthogonal_has_orthonormal_rows():
    weight = torch.empty(FAN_OUT, FAN_IN)
    helpers.INITS["orthogonal"](weight, torch.Generator().manual_seed(0))
    np.testing.assert_allclose((weight @ weight.T).numpy(), np.eye(FAN_OUT), atol=1e-5)


def test_a_float_means_a_normal_with_that_std():
    init = helpers.get_init(0.3)
    weight = torch.empty(FAN_OUT, FAN_IN)
    init(weight, torch.Generator().manual_seed(0))
    assert weight.std().item() == pytest.approx(0.3, rel=0.02)


def test_same_generator_seed_same_weights():
    a, b = torch.empty(20, 10), torch.empty(20, 10)
    helpers.INITS["he_normal"](a, torch.Generator().manual_seed(3))
    helpers.INITS["he_normal"](b, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_bad_inits_name_the_valid_choices():
    with pytest.raises(ValueError, match="init must be one of .*'he_normal'.*got 'kaiming'"):
        helpers.get_init("kaiming")
    with pytest.raises(
        ValueError, match=r"standard deviation\) must be a number in \[0.0, inf\]; got -1"
    ):
        helpers.get_init(-1)
