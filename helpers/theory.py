"""Signal propagation theory: what the variance recursion predicts, layer by layer, for a wide
network with i.i.d. weights of variance σ_w²/n and zero biases (Glorot & Bengio 2010 in the
linear regime; Poole et al. 2016 / Schoenholz et al. 2017 in general).

Forward, for the pre-activation variance q_l:

    q_1 = σ_w² · E[x²],        q_{l+1} = σ_w² · E_{z~N(0,1)}[ φ(√q_l · z)² ]

Backward, for the variance of ∂L/∂z_l when a unit-variance gradient is injected at the output:

    g_L = E[φ'(√q_L z)²],      g_l = σ_w² · E[φ'(√q_l z)²] · g_{l+1}

The expectations over a standard normal are one-dimensional integrals. Gauss–Hermite quadrature,
the textbook rule, is exact for polynomials but poor where the integrand has a kink (ReLU, leaky
ReLU, ELU and softsign at z = 0: 100 nodes put ELU's backward factor 2.5 % low, 30 % over 30
layers) or a steep step (σ and tanh at large q). So the integral is split at 0 and each half-line
is integrated by Gauss–Legendre on a few pieces bunched near 0: within 10⁻¹¹ of an adaptive
reference for every activation in ACTIVATIONS and q from 10⁻⁴ to 5·10⁴ (checked in the tests).
Notebook 04 writes the recursion out in a few lines of numpy and checks it against this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial.legendre import leggauss

from .activations import get_activation
from .inits import get_init
from .validation import check_float, check_int

# Gauss–Legendre on the pieces [0, 0.02], [0.02, 0.2], [0.2, 1.5], [1.5, 12] of each half-line
# (beyond 12 standard deviations the Gaussian weight is below 10⁻³¹), 24 nodes each.
_EDGES = (0.0, 0.02, 0.2, 1.5, 12.0)


@lru_cache(maxsize=64)
def _half_line_rule(edges: tuple = _EDGES, nodes_per_piece: int = 24):
    x, w = leggauss(nodes_per_piece)
    z = np.concatenate([a + (b - a) * (x + 1) / 2 for a, b in zip(edges[:-1], edges[1:])])
    weights = np.concatenate([(b - a) / 2 * w for a, b in zip(edges[:-1], edges[1:])])
    return z, weights * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


_NODES, _WEIGHTS = _half_line_rule()


def gaussian_expectation(f, variance: float, kinks=()) -> float:
    """E[f(z)] for z ~ N(0, variance): the two half-lines z > 0 and z < 0 integrated apart.

    The rule is accurate for integrands smooth on each half-line. Where ``f`` has a kink or a
    jump elsewhere, name it in ``kinks`` (in units of z, e.g. ``(-c, c)`` for a clip at ±c):
    each half-line is then also split there. (Unsplit, a clip at ±0.5 puts E[z·clip(z)] off in
    the fourth digit: enough to move a predicted angle by a measurable 0.03°.)"""
    scale = np.sqrt(check_float("variance", variance, 0.0))
    points = [check_float("a kink", k, -math.inf) for k in kinks]
    if not points or scale == 0:
        nodes_up = nodes_down = _NODES
        weights_up = weights_down = _WEIGHTS
    else:

        def rule(side):  # the kinks on one half-line, in standard deviations from 0
            cuts = {abs(k) / scale for k in points if side * k > 0 and abs(k) / scale < _EDGES[-1]}
            return _half_line_rule(tuple(sorted(set(_EDGES) | cuts)))

        (nodes_up, weights_up), (nodes_down, weights_down) = rule(+1), rule(-1)
    with np.errstate(all="ignore"):
        return float(
            np.dot(weights_up, f(scale * nodes_up)) + np.dot(weights_down, f(-scale * nodes_down))
        )


@dataclass
class Prediction:
    pre_activation_var: np.ndarray  # q_l
    activation_std: np.ndarray  # std of φ(z_l)
    grad_std: np.ndarray  # std of ∂L/∂z_l


def weight_variance_gain(init, width: int) -> float:
    """σ_w² = fan_in · Var(w) for a square width×width layer."""
    return width * get_init(init).std(width, width) ** 2


def predict(depth: int, activation: str, sigma_w2: float, input_var: float = 1.0) -> Prediction:
    """The recursion above for ``depth`` layers. ``sigma_w2`` = fan_in · Var(w)."""
    check_int("depth", depth, 1)
    check_float("sigma_w2", sigma_w2, 0.0)
    check_float("input_var", input_var, 0.0)
    phi = get_activation(activation)
    q = np.empty(depth)
    q[0] = sigma_w2 * input_var
    for l in range(1, depth):
        q[l] = sigma_w2 * gaussian_expectation(lambda z: phi.function(z) ** 2, q[l - 1])
    mean = np.array([gaussian_expectation(phi.function, ql) for ql in q])
    second = np.array([gaussian_expectation(lambda z: phi.function(z) ** 2, ql) for ql in q])
    slope2 = np.array([gaussian_expectation(lambda z: phi.derivative(z) ** 2, ql) for ql in q])
    g = np.empty(depth)
    g[-1] = slope2[-1]
    for l in range(depth - 2, -1, -1):
        g[l] = sigma_w2 * slope2[l] * g[l + 1]
    return Prediction(q, np.sqrt(np.maximum(second - mean**2, 0)), np.sqrt(g))


# The forward variances q_l do not depend on how deep the network is, so one recursion down to
# this depth serves every shallower prediction (a depth slider then costs no quadrature).
_RATIO_DEPTH = 64


@lru_cache(maxsize=64)
def _backward_factors(activation: str, sigma_w2: float) -> np.ndarray:
    """σ_w²·E[φ'(z_l)²] for l = 1.._RATIO_DEPTH: the per-layer factor of the gradient's variance."""
    phi = get_activation(activation)
    q = predict(_RATIO_DEPTH, activation, sigma_w2).pre_activation_var
    return np.array(
        [sigma_w2 * gaussian_expectation(lambda z: phi.derivative(z) ** 2, ql) for ql in q]
    )


def gradient_ratio(depth: int, activation: str, sigma_w2: float) -> float:
    """The predicted std of ∂L/∂z at layer 1 divided by that at layer ``depth``:
    √(∏_{l<depth} σ_w²·E[φ'(z_l)²]), the same number as ``predict(depth, …).grad_std[0] /
    grad_std[-1]``."""
    check_int("depth", depth, 1)
    check_float("sigma_w2", sigma_w2, 0.0)
    if depth > _RATIO_DEPTH:
        prediction = predict(depth, activation, sigma_w2)
        return float(prediction.grad_std[0] / prediction.grad_std[-1])
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.prod(_backward_factors(activation, float(sigma_w2))[: depth - 1])))


# --- mean field: the length map, its fixed point q* and the gradient's factor χ₁ (chapter 11) ---


def length_map_fixed_point(
    sigma_w2: float,
    sigma_b2: float,
    activation: str = "tanh",
    q0: float = 1.0,
    iterations: int = 500,
) -> float:
    """q* of the length map q ← σ_w²·E[φ(√q·z)²] + σ_b² (Poole et al. 2016), iterated from
    ``q0``: the squared length per unit that a deep random network's pre-activations settle at."""
    check_float("sigma_w2", sigma_w2, 0.0)
    check_float("sigma_b2", sigma_b2, 0.0)
    check_int("iterations", iterations, 1)
    phi = get_activation(activation)
    q = check_float("q0", q0, 0.0)
    for _ in range(iterations):
        q = sigma_w2 * gaussian_expectation(lambda z: phi.function(z) ** 2, q) + sigma_b2
    return float(q)


def mean_field(
    sigma_w2: float, sigma_b2: float, activation: str = "tanh", iterations: int = 500
) -> tuple[float, float]:
    """(q*, χ₁): the length map's fixed point and χ₁ = σ_w²·E[φ′(√q*·z)²] (Schoenholz et al. 2017),
    the factor by which each layer multiplies the gradient's *second moment* (squared norm) once
    the pre-activations sit at q*. χ₁ < 1: ordered, gradients vanish; χ₁ > 1: chaotic, they
    explode; χ₁ = 1: the edge of chaos."""
    q = length_map_fixed_point(sigma_w2, sigma_b2, activation, iterations=iterations)
    phi = get_activation(activation)
    return q, float(sigma_w2 * gaussian_expectation(lambda z: phi.derivative(z) ** 2, q))


def chi1(
    sigma_w2: float, sigma_b2: float, activation: str = "tanh", iterations: int = 500
) -> float:
    """χ₁ alone (see ``mean_field``)."""
    return mean_field(sigma_w2, sigma_b2, activation, iterations)[1]


def gradient_depth_scale(chi: float) -> float:
    """ξ = −1/ln χ₁: over ξ layers the gradient's second moment changes by a factor e (infinite
    at χ₁ = 1). Schoenholz et al. find networks trainable to a depth of about 6ξ."""
    check_float("chi", chi, 0.0, low_inclusive=False)
    return math.inf if chi == 1 else float(-1 / math.log(chi))


# --- the correlation map: how two inputs' correlation evolves with depth (Poole et al. 2016) ---

_HERMITE_NODES = 64


def _bivariate_expectation(f, g, q: float, c: float) -> float:
    """E[f(u₁)·g(u₂)] for (u₁, u₂) Gaussian with variances q and correlation c, by a 64 × 64
    probabilists' Gauss–Hermite rule (f and g smooth, as tanh and its slope are: not for kinks)."""
    z1, z2, weights = _hermite_grid()
    u1 = math.sqrt(q) * z1
    u2 = math.sqrt(q) * (c * z1 + math.sqrt(max(0.0, 1 - c * c)) * z2)
    return float((weights * f(u1) * g(u2)).sum())


@lru_cache(maxsize=1)
def _hermite_grid():
    nodes, weights = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    weights = weights / weights.sum()
    z1, z2 = np.meshgrid(nodes, nodes, indexing="ij")
    return z1, z2, np.outer(weights, weights)


def correlation_map(
    c: float, sigma_w2: float, sigma_b2: float, q_star: float, activation: str = "tanh"
) -> float:
    """One layer of the correlation map at the length fixed point q*: two inputs whose
    pre-activations have correlation c come out with
    c' = (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²) / q*. Its slope at c = 1 is χ₁ (Poole et al. 2016)."""
    check_float("c", c, -1.0, 1.0)
    if activation != "tanh":
        raise ValueError(
            f"correlation_map is computed for activation='tanh' (smooth); got {activation!r}"
        )
    return (sigma_w2 * _bivariate_expectation(np.tanh, np.tanh, q_star, c) + sigma_b2) / q_star


def correlation_fixed_point(
    sigma_w2: float, sigma_b2: float, iterations: int = 300, c0: float = 0.5
) -> tuple[float, float, float]:
    """(q*, c*, ξ_c) for tanh: the correlation map iterated from ``c0`` to its fixed point c*
    (1 in the ordered phase, below 1 in the chaotic one), and the correlation depth scale
    ξ_c = −1/ln χ_c with χ_c = σ_w²·E[φ′(u₁)φ′(u₂)] at c*, the map's slope there — the depth over
    which the correlation's distance to c* shrinks by e (Schoenholz et al. 2017, eq. 9). In the
    ordered phase χ_c = χ₁, so ξ_c = ξ; in the chaotic phase they differ."""
    check_int("iterations", iterations, 1)
    q = length_map_fixed_point(sigma_w2, sigma_b2, iterations=iterations)
    if q < 1e-12:
        raise ValueError(
            "q* = 0 (σ_b² = 0 and σ_w² ≤ 1): every input goes to 0 and the correlation "
            "is undefined; give σ_b² > 0"
        )
    c = check_float("c0", c0, -1.0, 1.0)
    for _ in range(iterations):
        c, previous = min(1.0, correlation_map(c, sigma_w2, sigma_b2, q)), c
        if abs(c - previous) < 1e-12:
            break
    slope = lambda z: 1 - np.tanh(z) ** 2
    chi_c = sigma_w2 * _bivariate_expectation(slope, slope, q, c)
    return q, float(c), gradient_depth_scale(min(chi_c, 1.0)) if chi_c < 1 else math.inf
