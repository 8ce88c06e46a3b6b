"""00_backprop_chain_rule: the lecture's chain of sigmoid neurons, one weight and bias each."""

from __future__ import annotations

import math

import numpy as np

from ..activations import ACTIVATIONS
from ..exercises import exercise
from ..figures import FloatParam, interactive_figure, knob
from ..plots import COLORS, decade_limits, layer_colors, layer_limits

NOTEBOOK = "00_backprop_chain_rule"
sigmoid = ACTIVATIONS["sigmoid"]
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def chain_gradients(weights, biases, a0: float = 1.0, target: float = 0.0):
    """Forward and backward through a chain of sigmoid neurons z_k = w_k·a_{k-1} + b_k,
    a_k = σ(z_k), cost J = ½(a_L − target)². Returns (factors, dJ/db_k for k = 1..L), where
    factors[k] = σ'(z_k)·w_k is what back-propagation multiplies by when it passes neuron k."""
    weights, biases = np.asarray(weights, dtype=float), np.asarray(biases, dtype=float)
    depth = len(weights)
    z, a = np.empty(depth), np.empty(depth + 1)
    a[0] = a0
    for k in range(depth):
        z[k] = weights[k] * a[k] + biases[k]
        a[k + 1] = sigmoid.function(z[k : k + 1])[0]
    slopes = sigmoid.derivative(z)
    # dJ/db_k = dJ/da_L · σ'(z_L) w_L · … · σ'(z_{k+1}) w_{k+1} · σ'(z_k): walk down the chain,
    # multiplying by one slope and one weight per neuron passed.
    grads = np.empty(depth)
    upstream = a[-1] - target  # dJ/da_L
    for k in reversed(range(depth)):
        grads[k] = upstream * slopes[k]
        upstream = grads[k] * weights[k]
    return slopes * weights, grads


def _chain_frame(v):
    """Limits from the parameters alone: the longest chain on this stretch of the neuron axis
    (a few µs), in whole decades, so that dragging the depth grows the bars and the curve inside
    a fixed frame."""
    end = int(layer_limits(v["depth"])[1])
    factors, grads = chain_gradients(np.full(end, v["weight"]), np.full(end, v["bias"]))
    return [
        {"xlim": layer_limits(v["depth"]), "ylim": decade_limits([*factors, 1.0, v["weight"] / 4])},
        {"xlim": layer_limits(v["depth"]), "ylim": decade_limits(grads)},
    ]


@interactive_figure(
    explore={"depth": [1, 2, 4, 8, 12, 16, 20, 30]},
    notebook=NOTEBOOK,
    title="The chain-rule product as the chain grows",
    params={
        "depth": knob("depth", high=30, default=8),
        "weight": FloatParam(0.1, 20.0, 1.0, label="weight w"),
        "bias": FloatParam(-10.0, 10.0, 0.0, log=False, step=0.5, label="bias b"),
    },
    presets={
        "w = 1 (typical)": {"depth": 8, "weight": 1.0, "bias": 0.0},
        "w = 4, b = −2 (the bound's edge)": {"depth": 8, "weight": 4.0, "bias": -2.0},
        "w = 8, b = −4 (pushed into the tails)": {"depth": 8, "weight": 8.0, "bias": -4.0},
        "w = 8, b = 0 (saturated)": {"depth": 8, "weight": 8.0, "bias": 0.0},
    },
    expensive={"depth": 30},
    frame=_chain_frame,
)
def chain_product(fig, depth, weight, bias):
    factors, grads = chain_gradients(np.full(depth, weight), np.full(depth, bias))
    left, right = fig.subplots(1, 2)
    neurons = np.arange(1, depth + 1)
    # A log axis: a factor of 10⁻⁴ is as visible as one of 2, and products are what matter.
    # One bar per neuron, as one thick line each from the frame's floor (one artist for all).
    floor = _chain_frame({"depth": depth, "weight": weight, "bias": bias})[0]["ylim"][0]
    left.vlines(
        neurons,
        floor,
        np.abs(factors),
        colors=layer_colors(depth),
        linewidth=14 if depth <= 10 else 6,
    )
    left.set_yscale("log")
    left.axhline(1, color="black", linestyle="--", linewidth=1.5, label="|factor| = 1")
    left.axhline(weight / 4, color=COLORS["sigmoid"], linestyle=":", label="bound w/4")
    left.set_xlabel("neuron k")
    left.set_ylabel(r"$|\sigma'(z_k)\, w_k|$")
    left.set_title("one factor per neuron")
    magnitude = np.abs(grads)
    right.plot(neurons, np.where(magnitude > 0, magnitude, np.nan), "o-", color=COLORS["sigmoid"])
    right.set_yscale("log")
    right.set_xlabel("neuron k")
    right.set_ylabel(r"$|\partial J / \partial b_k|$")
    ratio = magnitude[0] / magnitude[-1] if magnitude[-1] > 0 else math.nan
    last = str(depth).translate(SUBSCRIPT_DIGITS)
    right.set_title(f"∂J/∂b₁ = {ratio:.2g} × ∂J/∂b{last}")
    fig.suptitle(f"{depth} sigmoid neurons, w = {weight:.3g}, b = {bias:.3g}")
    fig.legend(
        *left.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False
    )


@exercise(
    "00.1",
    "In a chain of 4 sigmoid neurons whose weights all have |w| ≤ 1, what is the "
    "largest |∂J/∂b₁| can be, as a fraction of |∂J/∂a₄|?",
    hint="four slopes σ'(z) and three weights stand between them; σ' is at most 1/4.",
)
def _largest_fraction():
    return 0.25**4


@exercise(
    "00.2",
    "With every |w| ≤ 1, how many sigmoid neurons does the chain need before the "
    "bound on |∂J/∂b₁| / |∂J/∂a_L| drops below one millionth (10⁻⁶)?",
    hint="find the smallest L with (1/4)^L < 1e-6.",
    rel_tolerance=0.0,
)
def _neurons_for_a_millionth():
    return math.floor(6 / math.log10(4)) + 1


@exercise(
    "00.3",
    "Above what weight magnitude |w| does the bound |σ'(z)·w| ≤ |w|/4 stop "
    "guaranteeing that each factor shrinks the gradient?",
    rel_tolerance=0.0,
)
def _critical_weight():
    return 4.0
