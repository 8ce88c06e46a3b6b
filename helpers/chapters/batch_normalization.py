"""07_batch_normalization: saturation with and without batch norm; a unit's input over training."""

from __future__ import annotations

import numpy as np
import torch

from ..data import gaussian_batch
from ..exercises import exercise
from ..figures import BoolParam, ChoiceParam, FloatParam, interactive_figure, knob
from ..nets import mlp
from ..plots import COLORS, layer_limits, per_layer
from ..probe import profile
from ..seeding import seeded_cache

NOTEBOOK = "07_batch_normalization"
WIDTH = 64
BATCH = 128


@seeded_cache(maxsize=64)
def fresh_profile(depth: int, activation: str, std: float, batch_norm: bool, seed: int = 0):
    """``profile`` of a fresh width-64 net with weights N(0, std²), with or without batch norm
    (training mode: each norm uses the probe batch's own statistics)."""
    model = mlp(depth, WIDTH, activation, std, norm="batch" if batch_norm else None, seed=seed)
    return profile(model, gaussian_batch(BATCH, WIDTH, seed=seed), seed=seed)


@interactive_figure(
    explore={"std": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]},
    notebook=NOTEBOOK,
    title="Saturation and the gradient, with and without batch norm",
    params={
        "depth": knob("depth", high=30, default=20),
        "activation": ChoiceParam(("sigmoid", "tanh"), "sigmoid", label="activation"),
        "std": FloatParam(0.01, 3.0, 1.0, label="weight std"),
        "batch_norm": BoolParam(False, label="batch norm"),
    },
    presets={
        "sigmoid, std 1: saturated": {"activation": "sigmoid", "std": 1.0, "batch_norm": False},
        "sigmoid, std 1, BN": {"activation": "sigmoid", "std": 1.0, "batch_norm": True},
        "sigmoid, std 0.01: vanishing": {"activation": "sigmoid", "std": 0.01, "batch_norm": False},
        "sigmoid, std 0.01, BN": {"activation": "sigmoid", "std": 0.01, "batch_norm": True},
    },
    expensive={"depth": 30},
    frame=lambda v: [
        {"xlim": layer_limits(v["depth"]), "ylim": (0, 1)},
        {"xlim": layer_limits(v["depth"])},
    ],
)
def bn_saturation(fig, depth, activation, std, batch_norm):
    result = fresh_profile(depth, activation, std, batch_norm)
    left, right = fig.subplots(1, 2)
    color = COLORS[activation]
    per_layer(
        left,
        np.ma.filled(result.saturated_fraction, np.nan),
        color=color,
        log=False,
        ylabel="share of saturated units",
    )
    per_layer(
        right,
        result.grad_std,
        color=color,
        linestyle="--",
        ylabel=r"std of $\partial L/\partial z$",
    )
    right.set_title("backward: gradients")
    mean_saturated = float(np.mean(result.saturated_fraction))
    ratio = result.grad_std[0] / result.grad_std[-1]
    left.set_title(f"forward: {mean_saturated:.0%} of the units saturated")
    fig.suptitle(
        f"{activation}, std {std:.3g}, {'BN' if batch_norm else 'no BN'}: "
        f"layer 1 gets {ratio:.2g} × layer {depth}'s gradient"
    )


def unit_input_percentiles(model, x, unit: int = 0) -> np.ndarray:
    """The 15th, 50th and 85th percentiles over the examples ``x`` of one unit's input to the
    last hidden layer's activation (after batch norm, where there is one), in evaluation mode
    (a norm uses its running statistics, and this forward pass does not change them): the
    quantity of the BN paper's Fig. 1(b, c). For ``train(..., callbacks=…)``."""
    seen = {}
    hook = model.hidden[-1].activation.register_forward_hook(
        lambda module, inputs, output: seen.update(z=inputs[0][:, unit].detach())
    )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
        hook.remove()
    return np.percentile(seen["z"].numpy(), [15, 50, 85])


@exercise(
    "07.1",
    "A batch norm unit (γ = 1, β = 0, ε = 0) sees the batch 1, 2, 3, 6. What does it "
    "output for the 6?",
    hint="the batch variance divides by the batch size: (4 + 1 + 0 + 9)/4.",
)
def _normalised_six():
    batch = np.array([1.0, 2.0, 3.0, 6.0])
    return float((6 - batch.mean()) / batch.std())


@exercise(
    "07.2",
    "Predict, then run: the weights W of a layer followed by batch norm are "
    "multiplied by 10. By what factor does the gradient with respect to the weights change?",
    hint="BN((aW)u) = BN(Wu), so ∂L/∂(aW) = (1/a)·∂L/∂W.",
)
def _gradient_scale():
    return 0.1


@exercise(
    "07.3",
    "With batch norm, a weight matrix's norm has doubled during training. By what "
    "factor is the relative size of its SGD update, ‖ΔW‖/‖W‖, divided?",
    hint="the gradient scales as 1/a and the norm as a.",
)
def _effective_learning_rate():
    return 4.0
