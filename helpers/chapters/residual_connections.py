"""05_residual_connections: the identity path, what residual stacks do to the signal's variance,
the bottleneck's arithmetic and the ILSVRC results."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..architectures import block_cost
from ..data import gaussian_batch
from ..exercises import exercise
from ..figures import BoolParam, ChoiceParam, IntParam, interactive_figure, knob
from ..nets import mlp
from ..plots import COLORS, decade_labels, decade_limits, layer_limits, per_layer
from ..probe import stream_profile
from ..seeding import seeded_cache
from .activation_functions import RECTIFIERS, matched_init

NOTEBOOK = "05_residual_connections"
WIDTH = 64
BATCH = 128


def predicted_stream_gradient(model, profile) -> np.ndarray:
    """The backward recursion along the stream, from the measured gradient at the last block:
    E‖∂L/∂h_{l−1}‖² = E‖∂L/∂h_l‖² · (r + σ_w²·mean φ′(z_l)²), r = 1 with a shortcut, 0 without.
    The slopes φ′(z_l) are the network's own (z_l = W_l h_{l−1} + b_l); what is predicted is
    how the blocks multiply the gradient, assuming W_l independent of the gradient it carries."""
    factors = []
    for block, h in zip(model.hidden, profile.signals[:-1]):
        z = (
            h @ block.linear.weight.detach().double().numpy().T
            + block.linear.bias.detach().double().numpy()
        )
        slope_ms = float(np.mean(ACTIVATIONS[block.activation_name].derivative(z) ** 2))
        sigma_w2 = block.linear.in_features * float(block.linear.weight.detach().double().var())
        factors.append((1.0 if block.residual else 0.0) + sigma_w2 * slope_ms)
    # back from the last block: the gradient at h_l is the one at h_L times blocks l+1..L
    squared = np.cumprod(np.array(factors[:0:-1]))[::-1]
    return profile.gradient_rms[-1] * np.append(np.sqrt(squared), 1.0)


@seeded_cache(maxsize=64)
def stream(depth: int, activation: str, residual: bool, seed: int = 0):
    """(stream profile, predicted gradient per block) of a fresh width-64 net, each activation
    with its matched init (Xavier; He for the rectifiers)."""
    model = mlp(depth, WIDTH, activation, matched_init(activation), residual=residual, seed=seed)
    profile = stream_profile(model, gaussian_batch(BATCH, WIDTH, seed=seed), seed=seed)
    return profile, predicted_stream_gradient(model, profile)


def _flow_frame(values):
    return [{"xlim": layer_limits(values["depth"])}] * 2


@interactive_figure(
    explore={"depth": [1, 5, 10, 20, 30, 50]},
    notebook=NOTEBOOK,
    title="The gradient along a plain and a residual stack",
    params={
        "depth": knob("depth", high=50, default=30),
        "activation": knob("activation", default="sigmoid"),
        "residual": BoolParam(True, label="residual"),
    },
    presets={
        "sigmoid, 50 plain": {"depth": 50, "activation": "sigmoid", "residual": False},
        "sigmoid, 50 residual": {"depth": 50, "activation": "sigmoid", "residual": True},
        "tanh, 50 plain": {"depth": 50, "activation": "tanh", "residual": False},
        "tanh, 50 residual": {"depth": 50, "activation": "tanh", "residual": True},
    },
    expensive={"depth": 50},
    frame=_flow_frame,
)
def residual_gradient_flow(fig, depth, activation, residual):
    profile, predicted = stream(depth, activation, residual)
    left, right = fig.subplots(1, 2)
    color = COLORS[activation]
    per_layer(
        left,
        profile.gradient_rms[1:],
        color=color,
        label="measured",
        ylabel=r"rms of $\partial L/\partial h_l$",
    )
    if residual and activation in RECTIFIERS:
        # Every block adds a non-negative φ(z) to the stream, which piles up a common mean that
        # the recursion (weights independent of what they carry) does not see: no prediction.
        left.text(
            0.5,
            0.08,
            "no prediction: the stream's growing mean breaks its assumption",
            transform=left.transAxes,
            ha="center",
            color=COLORS["predicted"],
            fontsize=11,
        )
    else:
        per_layer(
            left, predicted, color=COLORS["predicted"], linestyle="--", marker="", label="predicted"
        )
    left.set_title("backward: the gradient at each block's output")
    per_layer(right, profile.signal_rms[1:], color=color, ylabel="rms of $h_l$")
    right.set_title("forward: the signal")
    for ax in (left, right):
        ax.set_xlabel("block l (1 = nearest the input)")
    fig.legend(
        *left.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False
    )
    kind = "residual" if residual else "plain"
    if profile.finite:
        ratio = profile.gradient_rms[1] / profile.gradient_rms[-1]
        fig.suptitle(
            f"{activation}, {depth} {kind} blocks: block 1 gets {ratio:.2g} × the gradient of "
            f"block {depth}"
        )
    else:
        fig.suptitle(
            f"{activation}, {depth} {kind} blocks: non-finite values", color=COLORS["diverged"]
        )


# --- what a residual stack does to the signal's second moment --------------------------------

# name → (mlp options, the prediction q_l/q_0 as a function of the block l and the depth L)
BRANCH_VARIANTS = {
    "plain branch": (dict(branch="plain"), lambda l, L: 2.0**l),
    "BN in the branch": (dict(branch="plain", norm="batch"), lambda l, L: 1.0 + l),
    "branch × 1/√L": (dict(branch="scaled"), lambda l, L: (1 + 1 / L) ** l),
    "Fixup": (dict(branch="fixup"), lambda l, L: np.ones_like(l, dtype=float)),
    "SkipInit": (dict(branch="skipinit"), lambda l, L: np.ones_like(l, dtype=float)),
}


def stack_second_moment(
    variant: str, depth: int, width: int = 128, batch: int = 256, seed: int = 0
) -> np.ndarray:
    """q_l / q_0, the stream's mean square after each block over the input's (l = 0..depth), for
    a pre-activation ReLU stack with He init and the branch ``variant`` (BRANCH_VARIANTS)."""
    options, _ = BRANCH_VARIANTS[variant]
    model = mlp(depth, width, "relu", "he_normal", residual=True, block="pre", seed=seed, **options)
    signal = stream_profile(model, gaussian_batch(batch, width, seed=seed), seed=seed).signal_rms
    return signal**2 / signal[0] ** 2


# --- the bottleneck calculator -----------------------------------------------------------------

CHANNELS = IntParam(64, 2048, 256, step=64, label="channels")
MAP_SIZES = ("7", "14", "28", "56")
COSTS = (
    ("weights", "weights"),
    ("multiply_adds", "multiply-adds"),
)  # (block_cost's key, what it is)


def _block_costs(channels: int, size: int) -> list[dict]:
    """A basic block on C channels, one on C/4, a bottleneck on C."""
    return [
        block_cost("basic", channels, size),
        block_cost("basic", channels // 4, size),
        block_cost("bottleneck", channels, size),
    ]


# Log axes over every cost the controls can ask for (from 4,608 weights to 2.4e11 multiply-adds),
# so that the axes never change: the bars move, the labels say the numbers, and the slider's
# frames cost no redraw of the axes. (On linear axes every step rescaled them.)
COST_LIMITS = {
    key: decade_limits(
        [
            c[key]
            for channels in (CHANNELS.low, CHANNELS.high)
            for size in (int(MAP_SIZES[0]), int(MAP_SIZES[-1]))
            for c in _block_costs(channels, size)
        ],
        spare=1,
    )
    for key, _ in COSTS
}


@interactive_figure(
    explore={"channels": [64, 128, 256, 512, 1024, 2048]},
    notebook=NOTEBOOK,
    title="Basic block or bottleneck: what a block costs",
    params={"channels": CHANNELS, "size": ChoiceParam(MAP_SIZES, "56", label="map size")},
    presets={
        "64 channels": {"channels": 64},
        "256 channels (Fig. 5)": {"channels": 256},
        "2048 channels, 7×7": {"channels": 2048, "size": "7"},
    },
    frame=lambda v: [{"ylim": COST_LIMITS[key]} for key, _ in COSTS],
)
def bottleneck_costs(fig, channels, size):
    size = int(size)  # a choice is text
    costs = _block_costs(channels, size)
    names = ["basic, C\n(two 3×3)", "basic, C/4\n(two 3×3)", "bottleneck, C\n(1×1, 3×3, 1×1)"]
    widths = [channels, channels // 4, channels]
    colors = [COLORS["predicted"], COLORS["saturated"], COLORS["relu"]]
    for ax, (key, what) in zip(fig.subplots(1, 2), COSTS):
        bars = ax.bar(range(len(names)), [cost[key] for cost in costs], color=colors, width=0.6)
        ax.set_xticks(range(len(names)), names)
        ax.bar_label(
            bars,
            labels=[f"{cost[key]:,}\n({n} ch.)" for n, cost in zip(widths, costs)],
            padding=3,
            fontsize=10,
        )
        ax.set_yscale("log")
        ax.set_ylim(*COST_LIMITS[key])
        decade_labels(ax.yaxis)
        ax.set_ylabel(f"{what} (log scale)")
        ax.set_title(what if key == "weights" else f"{what} on a {size}×{size} map")
    thin, wide = costs[2]["weights"], costs[1]["weights"]
    fig.suptitle(
        f"C = {channels}: a bottleneck on C costs {thin / wide:.2f} × a basic block on C/4 = "
        f"{channels // 4}"
    )


# --- ILSVRC ----------------------------------------------------------------------------------

# Top-5 classification error (%) of each year's winning entry (Russakovsky et al. 2015 for
# 2010–2014; He et al. 2016 for 2015; the ILSVRC 2016 and 2017 results pages). 2012 is
# AlexNet's entry trained on the challenge data only; with extra data (ImageNet Fall 2011) it
# reached 15.3 %.
ILSVRC_WINNERS = {
    2010: ("NEC-UIUC", 28.2),
    2011: ("XRCE", 25.8),
    2012: ("AlexNet", 16.4),
    2013: ("Clarifai", 11.7),
    2014: ("GoogLeNet", 6.7),
    2015: ("ResNet", 3.57),
    2016: ("Trimps-Soushen", 2.99),
    2017: ("SENet", 2.25),
}
ILSVRC_VGG_2014 = 7.3  # second in 2014
HUMAN_TOP5 = 5.1  # one trained annotator, Russakovsky et al. 2015


@exercise(
    "05.1",
    "Predict, then run: in a residual sigmoid stack each block multiplies the "
    "gradient's mean square by 1 + σ_w²·mean σ′(z)². With Xavier (σ_w² = 1) and every slope "
    "at its largest, σ′ = 1/4, by what factor at most can the gradient's norm grow over 50 blocks?",
    hint="the norm grows by √(1 + 1/16) per block.",
)
def _largest_growth():
    return (1 + 1 / 16) ** 25


@exercise(
    "05.2",
    "How many weights has a bottleneck block on 512 channels (1×1 to 128, 3×3 at "
    "128, 1×1 back to 512, no biases)?",
    hint="512·128 + 9·128·128 + 128·512.",
)
def _bottleneck_512():
    return block_cost("bottleneck", 512)["weights"]


@exercise(
    "05.3",
    "A pre-activation ReLU stack with He init and batch norm in each branch: each "
    "block adds a branch of mean square 1 to a stream that starts at mean square 1. What "
    "is the stream's mean square after 30 blocks?",
    hint="q_l = q_{l−1} + 1.",
)
def _bn_branch_growth():
    return 31.0
