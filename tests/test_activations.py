import math

import numpy as np
import pytest
import torch

import helpers

REQUIRED = {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softsign"}
# Avoid the kinks at 0, where the derivative of ReLU-like functions is a convention.
Z = np.concatenate([np.linspace(-6, -0.01, 50), np.linspace(0.01, 6, 50)])


def test_registry_has_every_required_activation():
    assert REQUIRED <= set(helpers.ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(helpers.ACTIVATIONS))
def test_derivative_matches_autograd(name):
    act = helpers.ACTIVATIONS[name]
    z = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    act.module().double()(z).sum().backward()
    np.testing.assert_allclose(act.derivative(Z), z.grad.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(helpers.ACTIVATIONS))
def test_numpy_function_matches_torch_module(name):
    act = helpers.ACTIVATIONS[name]
    torch_values = act.module().double()(torch.tensor(Z)).numpy()
    np.testing.assert_allclose(act.function(Z), torch_values, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(helpers.ACTIVATIONS))
def test_peak_derivative_is_the_maximum_slope(name):
    act = helpers.ACTIVATIONS[name]
    grid = np.linspace(-10, 10, 200_001)
    assert act.derivative(grid).max() == pytest.approx(act.peak_derivative, rel=1e-6)


def test_tanh_saturation_matches_karpathys_rule():
    act = helpers.ACTIVATIONS["tanh"]
    z = torch.tensor([0.0, 2.0, 2.1, -2.1, 5.0], dtype=torch.float64)
    expected = z.tanh().abs() > 0.97
    assert torch.equal(act.saturated(torch.tensor(act.derivative(z.numpy()))), expected)


def test_relu_never_counts_as_saturated():
    act = helpers.ACTIVATIONS["relu"]
    assert not act.saturated(torch.zeros(5, dtype=torch.float64)).any()


def test_sigmoid_does_not_overflow_for_large_inputs():
    with np.errstate(all="raise"):
        values = helpers.ACTIVATIONS["sigmoid"].function(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(values, [0.0, 1.0])


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="activation must be one of .*'tanh'.*got 'tahn'"):
        helpers.get_activation("tahn")


@pytest.mark.parametrize("name", sorted(helpers.ACTIVATIONS))
def test_the_recursions_gaussian_expectations_are_accurate(name):
    """helpers.theory integrates against an adaptive reference (scipy's quad, split where the
    integrands are steep): E[f²], E[f'²] and E[f] within 1e-9 over six decades of q."""
    import math

    from scipy.integrate import quad

    from helpers.theory import gaussian_expectation

    act = helpers.ACTIVATIONS[name]
    pieces = [(0, 1e-3), (1e-3, 1e-2), (1e-2, 0.1), (0.1, 1), (1, 40)]
    for q in [1e-3, 0.1, 1.0, 3.0, 30.0, 1e3]:
        for f in (lambda z: act.function(z) ** 2, lambda z: act.derivative(z) ** 2, act.function):
            g = lambda z: (
                f(np.array(math.sqrt(q) * z)) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
            )
            reference = sum(
                quad(g, a, b, limit=200, epsabs=1e-15)[0]
                + quad(g, -b, -a, limit=200, epsabs=1e-15)[0]
                for a, b in pieces
            )
            assert gaussian_expectation(f, q) == pytest.approx(reference, rel=1e-9, abs=1e-13), (
                q,
                f,
            )


@pytest.mark.parametrize("kink, variance", [(0.5, 1.0), (1.3, 2.0), (-0.7, 0.3), (3.0, 4.0)])
def test_gaussian_expectations_split_at_a_kink_away_from_zero(kink, variance):
    """A hinge at a kink k != 0 has a closed form; the unsplit rule misses it in the 4th-5th
    digit, the rule told of the kink does not."""
    import math

    from helpers.theory import gaussian_expectation

    s = math.sqrt(variance)
    u = abs(kink) / s
    density, tail = math.exp(-u * u / 2) / math.sqrt(2 * math.pi), 0.5 * math.erfc(u / math.sqrt(2))
    exact = s * (density - u * tail)  # E[max(±z - |k|, 0)]
    hinge = (lambda z: np.maximum(z - kink, 0)) if kink > 0 else (lambda z: np.maximum(kink - z, 0))
    assert gaussian_expectation(hinge, variance, kinks=(kink,)) == pytest.approx(
        exact, rel=1e-12, abs=1e-15
    )
    c = abs(kink)  # the clip of chapter 08: E[z clip(z)] = P(|z| < c), by Stein's lemma
    clip_value = gaussian_expectation(lambda z: z * np.clip(z, -c, c), variance, kinks=(-c, c))
    assert clip_value == pytest.approx(variance * math.erf(c / s / math.sqrt(2)), rel=1e-12)
    with pytest.raises(ValueError, match="a kink must be a number"):
        gaussian_expectation(hinge, variance, kinks=("edge",))


def test_the_correlation_map_against_monte_carlo_and_its_slope_at_one():
    """E[tanh(u₁)tanh(u₂)] by the Hermite rule against 2·10⁶ draws; the map's slope at c = 1 is
    χ₁ (Poole et al.), so in the ordered phase ξ_c = ξ; in the chaotic phase c* < 1."""
    from helpers import theory

    w2, b2 = 3.0, 0.05
    q = theory.length_map_fixed_point(w2, b2)
    z = np.random.default_rng(0).standard_normal((2, 2_000_000))
    c = 0.4
    u1, u2 = np.sqrt(q) * z[0], np.sqrt(q) * (c * z[0] + np.sqrt(1 - c * c) * z[1])
    monte_carlo = (w2 * np.mean(np.tanh(u1) * np.tanh(u2)) + b2) / q
    assert abs(theory.correlation_map(c, w2, b2, q) - monte_carlo) < 4e-3
    # q* is the map's fixed point (to the two quadratures' agreement: q* comes from Gauss–Legendre)
    assert abs(theory.correlation_map(1.0, w2, b2, q) - 1) < 1e-6
    h = 1e-4
    slope = (theory.correlation_map(1.0, w2, b2, q) - theory.correlation_map(1 - h, w2, b2, q)) / h
    assert abs(slope - theory.chi1(w2, b2)) < 2e-3 * theory.chi1(w2, b2)
    q_o, c_o, xi_c = theory.correlation_fixed_point(0.8, 0.05)
    assert (
        abs(c_o - 1) < 1e-6
        and abs(xi_c - theory.gradient_depth_scale(theory.chi1(0.8, 0.05))) < 1e-3
    )
    _, c_star, xi_chaos = theory.correlation_fixed_point(w2, b2)
    assert 0 < c_star < 0.9 and abs(theory.correlation_map(c_star, w2, b2, q) - c_star) < 1e-9
    assert math.isfinite(xi_chaos) and xi_chaos > 0
    with pytest.raises(ValueError, match="σ_b² > 0"):
        theory.correlation_fixed_point(0.9, 0.0)
    with pytest.raises(ValueError, match="tanh"):
        theory.correlation_map(0.5, 2.0, 0.0, 1.0, activation="relu")
