"""02_exploding_gradients: products of random matrices; deep nets with a large init."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..exercises import exercise
from ..figures import FloatParam, interactive_figure, knob
from ..plots import COLORS, layer_limits, per_layer
from ..probe import profile_fresh_mlp
from ..seeding import generator as random_stream
from ..seeding import seeded_cache

NOTEBOOK = "02_exploding_gradients"
MAX_FACTORS = 100
N_SEEDS = 10


@seeded_cache(maxsize=16)
def unit_scale_log_norms(width: int, n_draws: int = N_SEEDS) -> np.ndarray:
    """log ‖G_k ⋯ G_1 x‖ for k = 1..MAX_FACTORS, G entries N(0, 1/width), ‖x‖ = 1, one row per
    draw. Scaling every factor by s multiplies the k-factor product by s^k, so one set of draws
    serves every scale: log ‖(sG_k) ⋯ (sG_1) x‖ = k·log s + log ‖G_k ⋯ G_1 x‖.

    No matrix is drawn: for a Gaussian G independent of a unit vector v, Gv is distributed as
    g/√width with g ~ N(0, I) whatever v is (the Gaussian looks the same in every direction).
    So each factor multiplies the norm by an independent ‖g‖/√width, and the log-norm after k
    factors is a sum of k independent log ‖g‖/√width: exactly the law of the matrix product
    (notebook 02 multiplies the matrices out by hand), at a width-th of the cost."""
    rows = []
    for draw in range(n_draws):
        g = torch.randn(
            MAX_FACTORS, width, generator=random_stream(draw, "weights"), dtype=torch.float64
        )
        rows.append(torch.cumsum(torch.log(g.norm(dim=1) / math.sqrt(width)), dim=0).numpy())
    return np.array(rows)


CRITICAL_DRAWS = 200  # the median of 200 draws pins the critical scale to ~0.1 %


def critical_scale(width: int) -> float:
    """The scale at which the typical (median over draws) product neither grows nor shrinks."""
    per_factor = np.median(unit_scale_log_norms(width, CRITICAL_DRAWS)[:, -1]) / MAX_FACTORS
    return math.exp(-per_factor)


def _product_frame(values):
    """Limits that depend on the number of factors only: while the scale slider moves, the curves
    swing through a fixed frame (and may leave it; the title gives the number)."""
    span = max(2, math.ceil(values["factors"] / 10))
    return [{"xlim": layer_limits(values["factors"]), "ylim": (10.0**-span, 10.0**span)}]


@interactive_figure(
    explore={"factors": [1, 5, 10, 20, 50, 100]},
    notebook=NOTEBOOK,
    title="The norm of a product of random matrices",
    params={
        "scale": FloatParam(0.5, 2.0, 1.1, label="scale s"),
        "factors": knob("depth", high=MAX_FACTORS, default=50, label="factors L", unit="matrices"),
        "width": knob("width", low=8, high=256, default=64),
    },
    presets={
        "s = 0.9: vanishes": {"scale": 0.9},
        "s = 1: critical": {"scale": 1.0},
        "s = 1.1: explodes": {"scale": 1.1},
    },
    expensive={"width": 256, "factors": MAX_FACTORS},
    frame=_product_frame,
)
def matrix_product_norm(fig, scale, factors, width):
    logs = unit_scale_log_norms(width)[:, :factors] + np.arange(1, factors + 1) * math.log(scale)
    k = np.arange(1, factors + 1)
    ax = fig.subplots()
    for row in logs:
        ax.plot(k, np.exp(row), color=COLORS["measured"], alpha=0.3, linewidth=1)
    ax.plot(
        k, np.exp(np.median(logs, axis=0)), color=COLORS["measured"], label="median of 10 draws"
    )
    ax.plot(k, scale ** k.astype(float), color=COLORS["predicted"], linestyle="--", label="$s^L$")
    ax.set_yscale("log")
    ax.axhline(1, color="gray", linewidth=1)
    ax.set_xlabel("number of factors L")
    ax.set_ylabel(r"$\|W_L \cdots W_1 x\| \,/\, \|x\|$")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    final = math.exp(np.median(logs[:, -1]))
    ax.set_title(
        f"s = {scale:.3g}: after {factors} factors the norm is ×{final:.2g}"
        f"  (critical s ≈ {critical_scale(width):.3f} at width {width})"
    )


def gain_profile(depth: int, width: int, activation: str, gain: float):
    """This chapter's probe: weights of std gain/√width."""
    return profile_fresh_mlp(depth, width, activation, gain / math.sqrt(width))


@interactive_figure(
    explore={"gain": [0.5, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0]},
    notebook=NOTEBOOK,
    title="Forward and backward through a net with weight std gain/√n",
    params={
        "depth": knob("depth", high=50, default=20),
        "width": knob("width", high=128, default=64),
        "activation": knob("activation", default="tanh"),
        "gain": FloatParam(0.1, 10.0, 3.0, label="gain (std·√n)"),
    },
    presets={
        "linear, gain 1.2": {"activation": "identity", "gain": 1.2},
        "tanh, gain 3: chaotic": {"activation": "tanh", "gain": 3.0},
        "ReLU, gain 2": {"activation": "relu", "gain": 2.0},
        "ReLU, gain 10, 50 layers: overflow": {"activation": "relu", "gain": 10.0, "depth": 50},
    },
    expensive={"depth": 50, "width": 128},
    frame=lambda v: [{"xlim": layer_limits(v["depth"])}] * 2,
)
def exploding_gradient_flow(fig, depth, width, activation, gain):
    result = gain_profile(depth, width, activation, gain)
    left, right = fig.subplots(1, 2)
    per_layer(
        left, result.activation_std, color=COLORS[activation], ylabel="std of the activations"
    )
    left.set_title("forward: activations")
    per_layer(
        right,
        result.grad_std,
        color=COLORS[activation],
        linestyle="--",
        ylabel=r"std of $\partial L/\partial z$",
    )
    right.set_title("backward: gradients")
    if result.finite:
        ratio = result.grad_std[0] / result.grad_std[-1]
        fig.suptitle(
            f"{activation}, gain {gain:.3g}: layer 1 gets {ratio:.2g} × the gradient of layer "
            f"{depth}"
        )
    else:
        fig.suptitle(f"{activation}, gain {gain:.3g}: {result.summary()}", color=COLORS["diverged"])


@exercise(
    "02.1",
    "Each factor has scale s = 1.1. By the s^L rule, by what factor has the norm "
    "grown after L = 50 factors?",
    hint="compute 1.1 ** 50.",
)
def _growth_after_50():
    return 1.1**50


@exercise(
    "02.2",
    "What gain (std·√n) keeps a deep ReLU network's signal from growing or "
    "shrinking (He et al. 2015)?",
    hint="ReLU keeps half of the second moment: E[relu(z)²] = Var(z)/2 for zero-mean symmetric z.",
)
def _relu_gain():
    return math.sqrt(2)


@exercise(
    "02.3",
    "A linear network (identity activation) has 10 layers with gain 1.5. By the "
    "one-line condition, by what factor is the gradient at layer 1 larger than at layer 10?",
    hint="nine layer-to-layer steps, each multiplying by |f'·w| = 1.5.",
)
def _linear_gain_ratio():
    return 1.5**9
