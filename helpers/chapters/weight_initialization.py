"""04_weight_initialization: the variance recursion's prediction drawn over the measurement."""

from __future__ import annotations

import math

from ..exercises import exercise
from ..figures import ChoiceParam, FloatParam, interactive_figure, knob
from ..inits import INITS, describe, get_init
from ..plots import COLORS, layer_limits, per_layer
from ..probe import profile_fresh_mlp
from ..theory import predict, weight_variance_gain

NOTEBOOK = "04_weight_initialization"
CUSTOM = "custom std"


def measured_and_predicted(
    depth: int, width: int, activation: str, init: str | float, seed: int = 0
):
    """One network's per-layer statistics (measured) and the recursion's (predicted). ``init``
    is a name from INITS or a float std."""
    measured = profile_fresh_mlp(depth, width, activation, init, seed=seed)
    predicted = predict(depth, activation, weight_variance_gain(init, width))
    return measured, predicted


# Widths up to 128: the live panel profiles a fresh network on every change, and wider ones cost
# more than a redraw may take (the notebook's own checks go to 1024).
@interactive_figure(
    explore={"depth": [1, 5, 10, 20, 30, 50]},
    notebook=NOTEBOOK,
    title="Theory over measurement: the variance recursion layer by layer",
    params={
        "depth": knob("depth", high=50, default=20),
        "width": knob("width", low=16, high=128, default=64),
        "activation": knob("activation", default="tanh"),
        "init": ChoiceParam(tuple(INITS) + (CUSTOM,), "xavier_normal", label="init"),
        "std": FloatParam(1e-3, 1.0, 0.25, label="std (custom init)"),
    },
    presets={
        "zeros": {"init": "zeros"},
        "too small": {"init": "small"},
        "too large": {"init": CUSTOM, "std": 0.25},
        "Xavier": {"init": "xavier_normal"},
        "He (ReLU)": {"activation": "relu", "init": "he_normal"},
        "orthogonal": {"init": "orthogonal"},
    },
    expensive={"depth": 50, "width": 128},
    relevant=lambda v: [n for n in v if n != "std" or v["init"] == CUSTOM],
    frame=lambda v: [{"xlim": layer_limits(v["depth"])}] * 2,
)
def variance_theory(fig, depth, width, activation, init, std):
    weights = std if init == CUSTOM else init
    measured, predicted = measured_and_predicted(depth, width, activation, weights)
    left, right = fig.subplots(1, 2)
    for ax, ours, theirs, what in [
        (left, measured.activation_std, predicted.activation_std, "activations"),
        (right, measured.grad_std, predicted.grad_std, r"gradients $\partial L/\partial z$"),
    ]:
        per_layer(
            ax,
            theirs,
            color=COLORS["predicted"],
            linestyle="--",
            marker="",
            label="predicted (recursion)",
        )
        per_layer(ax, ours, color=COLORS[activation], linestyle="", marker="o", label="measured")
        ax.set_title(f"std of the {what}")
    fig.legend(
        *left.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False
    )
    weight_std = get_init(weights).std(width, width)
    fig.suptitle(
        f"{activation}, {describe(weights)}: weight std {weight_std:.3g}, "
        f"σ_w² = n·Var(w) = {weight_variance_gain(weights, width):.3g}"
    )


@exercise(
    "04.1",
    "What standard deviation does Xavier's normal init give a 256 → 256 layer?",
    hint="std = √(2 / (n_in + n_out)).",
)
def _xavier_std():
    return math.sqrt(2 / (256 + 256))


@exercise(
    "04.2",
    "What standard deviation does He's init give a layer with fan-in 4096 (the lecture's step 7)?",
    hint="std = √(2 / n_in).",
)
def _he_std():
    return math.sqrt(2 / 4096)


@exercise(
    "04.3",
    "With LeCun's init (Var(w) = 1/n_in, the lecture's 'Xavier') in a ReLU network, by what factor "
    "does the "
    "variance of the pre-activations change from one layer to the next?",
    hint="E[relu(z)²] = Var(z)/2 for zero-mean symmetric z.",
)
def _relu_xavier_factor():
    return 0.5
