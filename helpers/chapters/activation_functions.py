"""03_activation_functions: the ReLU family against σ/tanh; saturation and dead units."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..exercises import exercise
from ..figures import ChoiceParam, FloatParam, interactive_figure, knob
from ..inits import INITS
from ..plots import COLORS, decade_limits, z_frame
from ..probe import profile_fresh_mlp
from ..theory import gradient_ratio, weight_variance_gain

NOTEBOOK = "03_activation_functions"
RECTIFIERS = {"relu", "leaky_relu", "elu", "gelu"}


def matched_init(activation: str) -> str:
    """He for the rectifier family, Xavier for the rest: each activation with its own init."""
    return "he_normal" if activation in RECTIFIERS else "xavier_normal"


@interactive_figure(
    explore={"z_range": [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0]},
    notebook=NOTEBOOK,
    title="Two activations and their slopes",
    params={
        "first": knob("activation", default="sigmoid", label="first"),
        "second": knob("activation", default="relu", label="second"),
        "z_range": FloatParam(1.0, 10.0, 4.0, log=False, step=0.5, label="z range ±"),
    },
    presets={
        "sigmoid vs tanh": {"first": "sigmoid", "second": "tanh"},
        "ReLU vs leaky ReLU": {"first": "relu", "second": "leaky_relu"},
        "ELU vs GELU": {"first": "elu", "second": "gelu"},
        "tanh vs softsign": {"first": "tanh", "second": "softsign"},
    },
    frame=lambda v: [
        z_frame([ACTIVATIONS[v[n]].function for n in ("first", "second")], v["z_range"]),
        z_frame([ACTIVATIONS[v[n]].derivative for n in ("first", "second")], v["z_range"]),
    ],
)
def compare_activations(fig, first, second, z_range):
    z = np.linspace(-z_range, z_range, 801)
    left, right = fig.subplots(1, 2)
    for name, style in [(first, "-"), (second, "--")]:
        act = ACTIVATIONS[name]
        # the slope at the left edge in the legend: 0.01 (leaky ReLU) is too small to see
        edge_slope = act.derivative(np.array([-z_range]))[0]
        left.plot(
            z,
            act.function(z),
            color=COLORS[name],
            linestyle=style,
            label=f"{name} (slope at z = −{z_range:g}: {edge_slope:.2g})",
        )
        right.plot(z, act.derivative(z), color=COLORS[name], linestyle=style)
    left.set_title("f(z)")
    right.set_title("f′(z): what back-propagation multiplies by")
    right.axhline(1, color="gray", linewidth=1, linestyle=":")
    for ax in (left, right):
        ax.set_xlabel("pre-activation z")
    fig.legend(
        *left.get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False
    )


def depth_profile(activation: str, depth: int, init: str, width: int = 32, seed: int = 0):
    """This chapter's probe: narrow layers, a small batch and no weight gradients, since the
    sweep profiles eight networks on every slider change."""
    return profile_fresh_mlp(
        depth, width, activation, init, batch=64, seed=seed, weight_gradients=False
    )


INIT_RULES = ("matched",) + tuple(INITS)
SWEEP_DEPTHS = (2, 50)


def sweep_profiles(depth: int, init: str) -> list:
    """Every activation's probe at one depth; ``init`` is an init's name or "matched"."""
    return [
        depth_profile(n, depth, matched_init(n) if init == "matched" else init) for n in ACTIVATIONS
    ]


def gradient_ratios(profiles) -> np.ndarray:
    """Each probe's gradient at layer 1 ÷ at the last layer (NaN where it is not finite)."""
    with np.errstate(all="ignore"):  # 0/0 with an all-zero init: NaN, left out of the drawing
        return np.array([r.grad_std[0] / r.grad_std[-1] if r.finite else np.nan for r in profiles])


@interactive_figure(
    explore={"depth": [2, 5, 10, 20, 30, 40, 50]},
    notebook=NOTEBOOK,
    title="Every activation at one depth",
    params={
        "depth": knob("depth", low=SWEEP_DEPTHS[0], high=SWEEP_DEPTHS[1], default=30),
        "init": ChoiceParam(INIT_RULES, "matched", label="init"),
    },
    presets={
        "30 layers, matched init": {"depth": 30, "init": "matched"},
        "30 layers, all Xavier": {"depth": 30, "init": "xavier_normal"},
        "10 layers, matched init": {"depth": 10, "init": "matched"},
    },
    expensive={"depth": SWEEP_DEPTHS[1]},
)
def activation_depth_sweep(fig, depth, init):
    names = list(ACTIVATIONS)
    results = sweep_profiles(depth, init)
    ratios = gradient_ratios(results)

    def predicted_at(layers):
        return [
            gradient_ratio(
                layers, n, weight_variance_gain(matched_init(n) if init == "matched" else init, 32)
            )
            for n in names
        ]

    predicted = predicted_at(depth)
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    y = np.arange(len(names))
    shown = np.where(np.isfinite(ratios) & (ratios > 0), ratios, np.nan)
    drawn = np.isfinite(shown)  # (an all-zero init has no ratio to draw)
    left.barh(y[drawn], shown[drawn], color=[COLORS[n] for n, d in zip(names, drawn) if d])
    left.set_xscale("log")
    # The frame also holds what the deepest network the slider reaches gives, so that dragging
    # the depth slider grows the bars inside a fixed frame.
    reachable = np.concatenate(
        [gradient_ratios(sweep_profiles(SWEEP_DEPTHS[1], init)), predicted_at(SWEEP_DEPTHS[1])]
    )
    left.set_xlim(*decade_limits(np.concatenate([shown, predicted, reachable, [0.1, 10]]), spare=1))
    # hollow, so that it shows on a black bar (GELU's) as on any other
    left.plot(
        predicted,
        y,
        "D",
        markerfacecolor="white",
        markeredgecolor="black",
        markeredgewidth=2,
        markersize=8,
        linestyle="",
        label="predicted (recursion)",
    )
    if not drawn.any():
        left.text(
            0.5,
            0.5,
            "no gradient reaches layer 1:\nno ratio to draw",
            transform=left.transAxes,
            ha="center",
            va="center",
            color=COLORS["diverged"],
            fontsize=13,
        )
    left.axvline(1, color="black", linewidth=1.5)
    left.axvspan(0.1, 10, color="gray", alpha=0.15)
    left.text(
        1,
        1.02,
        "grey: within ×10   ◆ predicted",
        transform=left.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=10,
    )
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel("gradient at layer 1 ÷ at the last layer")
    saturated = [np.nanmean(r.saturated_fraction) for r in results]
    dead = [np.nanmean(r.dead_fraction) for r in results]
    right.barh(y - 0.2, saturated, height=0.4, color=COLORS["saturated"], label="saturated")
    right.barh(y + 0.2, dead, height=0.4, color=COLORS["dead"], hatch="//", label="dead")
    right.set_yticks(y, [])
    right.invert_yaxis()
    right.set_xlim(0, 1)
    right.set_xlabel("fraction of units")
    right.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=10, frameon=False)
    fig.suptitle(
        f"{depth} layers, 32 units wide, "
        f"{'each with its matched init' if init == 'matched' else init}"
    )


@exercise(
    "03.1",
    "On zero-mean, symmetric inputs, what fraction of a ReLU layer's units is "
    "active (z > 0) on average?",
)
def _active_fraction():
    return 0.5


@exercise("03.2", "What is tanh'(2), the slope of tanh at z = 2?", hint="tanh'(z) = 1 − tanh²(z).")
def _tanh_slope_at_2():
    return float(1 - np.tanh(2.0) ** 2)


@exercise(
    "03.3",
    "What is ELU's slope at z = −1 (α = 1)? A unit sitting there still learns, which makes ELU "
    "units harder to kill (not unkillable: the slope e^z goes to 0 far below zero).",
    hint="for z < 0, ELU(z) = e^z − 1.",
)
def _elu_slope():
    return float(np.exp(-1.0))
