"""01_vanishing_gradients: activations and their derivatives; gradient flow through depth."""

from __future__ import annotations

import numpy as np

from ..activations import ACTIVATIONS
from ..exercises import exercise
from ..figures import FloatParam, interactive_figure, knob
from ..plots import COLORS, layer_limits, per_layer, z_frame
from ..probe import profile_fresh_mlp

NOTEBOOK = "01_vanishing_gradients"
PROBE_BATCH = 128


@interactive_figure(
    explore={"z_range": [1.0, 2.0, 4.0, 6.0, 10.0, 20.0]},
    notebook=NOTEBOOK,
    title="An activation and its derivative",
    params={
        "activation": knob("activation", default="sigmoid"),
        "z_range": FloatParam(1.0, 20.0, 6.0, log=False, step=0.5, label="z range ±"),
    },
    presets={
        "sigmoid": {"activation": "sigmoid"},
        "tanh": {"activation": "tanh"},
        "relu": {"activation": "relu"},
    },
    frame=lambda v: [
        z_frame(
            [ACTIVATIONS[v["activation"]].function, ACTIVATIONS[v["activation"]].derivative],
            v["z_range"],
        )
    ],
)
def activation_and_derivative(fig, activation, z_range):
    act = ACTIVATIONS[activation]
    z = np.linspace(-z_range, z_range, 801)
    ax = fig.subplots()
    ax.plot(z, act.function(z), color=COLORS[activation], label=f"{activation}(z)")
    ax.plot(
        z,
        act.derivative(z),
        color=COLORS[activation],
        linestyle="--",
        label=f"{activation}′(z), at most {act.peak_derivative:.3g}",
    )
    ax.axhline(act.peak_derivative, color="gray", linestyle=":", linewidth=1.5)
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("value")
    ax.set_title(f"{activation}: the slope never exceeds {act.peak_derivative:.3g}")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)


def gradient_profile(depth: int, width: int, activation: str, init: str, seed: int = 0):
    """This chapter's probe: a fresh mlp on PROBE_BATCH Gaussian inputs."""
    return profile_fresh_mlp(depth, width, activation, init, PROBE_BATCH, seed)


@interactive_figure(
    explore={"depth": [1, 5, 10, 20, 30, 50]},
    notebook=NOTEBOOK,
    title="Gradient flow through depth",
    params={
        "depth": knob("depth", high=50, default=20),
        "width": knob("width", high=128),
        "activation": knob("activation", default="sigmoid"),
        "init": knob("init", default="xavier_normal"),
    },
    presets={
        "deep sigmoid: vanishes": {"activation": "sigmoid", "init": "xavier_normal"},
        "tanh + Xavier": {"activation": "tanh", "init": "xavier_normal"},
        "ReLU + He": {"activation": "relu", "init": "he_normal"},
    },
    expensive={"depth": 50, "width": 128},
    frame=lambda v: [{"xlim": layer_limits(v["depth"])}],
)
def gradient_flow(fig, depth, width, activation, init):
    result = gradient_profile(depth, width, activation, init)
    ax = fig.subplots()
    per_layer(
        ax,
        result.grad_std,
        label="std of ∂L/∂z (back-propagated)",
        color=COLORS[activation],
        ylabel="gradient size",
    )
    per_layer(
        ax,
        result.weight_grad_norm,
        label="‖∂L/∂W‖ (weight gradient)",
        color=COLORS[activation],
        linestyle="--",
        marker="s",
    )
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    if result.finite:
        ratio = result.grad_std[0] / result.grad_std[-1]
        fig.suptitle(
            f"{activation}, {init}: layer 1 gets {ratio:.2g} × the gradient of layer {depth}"
        )
    else:
        fig.suptitle(
            f"{activation}, {init}: overflow — {result.summary()}", color=COLORS["diverged"]
        )


@exercise(
    "01.1",
    "What is the largest value the sigmoid's derivative σ'(z) takes?",
    hint="evaluate σ'(z) = σ(z)(1 − σ(z)) where σ(z) = 1/2.",
)
def _sigmoid_peak():
    return 0.25


@exercise(
    "01.2",
    "Use helpers.profile on helpers.mlp(10, 64, 'sigmoid', 'xavier_normal') with "
    "x = helpers.gaussian_batch(128, 64): what is grad_std[0] / grad_std[-1]?",
    hint="profile(model, x).grad_std is one value per hidden layer, input side first.",
    rel_tolerance=0.05,
)
def _ten_layer_ratio():
    result = gradient_profile(10, 64, "sigmoid", "xavier_normal")
    return float(result.grad_std[0] / result.grad_std[-1])


@exercise(
    "01.3",
    "In the same 10-layer sigmoid net, by what factor does the back-propagated "
    "gradient shrink per layer on average (the geometric mean of grad_std[i] / grad_std[i+1])?",
    hint="a ratio over 9 layer-to-layer steps: take its 9th root.",
    rel_tolerance=0.05,
)
def _shrink_per_layer():
    result = gradient_profile(10, 64, "sigmoid", "xavier_normal")
    return float((result.grad_std[0] / result.grad_std[-1]) ** (1 / 9))
