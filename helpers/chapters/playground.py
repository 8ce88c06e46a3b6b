"""10_playground: every knob of the course on one panel — the network at initialization, layer by
layer, with the variance recursion's prediction where it applies, and (on request) a short
training run on the digits."""

from __future__ import annotations

import numpy as np

from ..data import digits
from ..exercises import exercise
from ..figures import BoolParam, ChoiceParam, FloatParam, interactive_figure, knob
from ..inits import INITS
from ..nets import layers, mlp, mlp_view
from ..plots import COLORS, layer_limits, mark_diverged, per_layer
from ..probe import profile
from ..seeding import seeded_cache
from ..theory import predict, weight_variance_gain
from ..training import train
from .activation_functions import RECTIFIERS

NOTEBOOK = "10_playground"
CUSTOM = "custom std"
PROBE_BATCH = 64
TRAIN_BATCH = 64
CLIPS = ("off", "0.1", "0.5", "1", "5")
DECAYS = ("0", "1e-4", "1e-3", "1e-2")
MOMENTA = ("0", "0.9")
STEPS = ("100", "200", "400")


def network(depth, width, activation, init, std, residual, norm, seed=0, build=mlp):
    """The playground's network: ``depth`` hidden layers of ``width`` on the digits (64 inputs,
    10 classes). ``build=mlp_view``: the same network cut from a deeper one (not to be trained)."""
    return build(
        depth,
        width,
        activation,
        std if init == CUSTOM else init,
        in_features=64,
        out_features=10,
        residual=residual,
        norm=None if norm == "none" else norm,
        seed=seed,
    )


@seeded_cache(maxsize=32)
def at_initialization(depth, width, activation, init, std, residual, norm, seed: int = 0):
    """(profile on a batch of digits, each layer's weight norm) of a fresh network. (A view:
    the depth slider costs no new network, see ``mlp_view``.)"""
    model = network(depth, width, activation, init, std, residual, norm, seed, build=mlp_view)
    data = digits(seed=seed)
    result = profile(model, data.x_train[:PROBE_BATCH], data.y_train[:PROBE_BATCH], seed=seed)
    weight_norms = np.array(
        [float(layer.weight_module.weight.detach().norm()) for layer in layers(model)]
    )
    return result, weight_norms[: result.depth]


@seeded_cache(maxsize=32)
def training_run(
    depth,
    width,
    activation,
    init,
    std,
    residual,
    norm,
    lr,
    clip,
    weight_decay,
    momentum,
    steps,
    seed: int = 0,
):
    """The playground's training run on the digits (minibatches of 64)."""
    model = network(depth, width, activation, init, std, residual, norm, seed)
    return train(
        model,
        digits(seed=seed),
        steps=int(steps),
        lr=lr,
        batch_size=TRAIN_BATCH,
        momentum=float(momentum),
        weight_decay=float(weight_decay),
        clip_norm=None if clip == "off" else float(clip),
        seed=seed,
    )


def first_update_ratio(result, weight_norms, lr, clip) -> np.ndarray:
    """Per layer, the size of the first SGD step relative to the weights, lr·‖∂L/∂W‖/‖W‖, with
    norm clipping applied to the layers' weight gradients together (biases left out)."""
    if result.weight_grad_norm is None:
        return np.full(len(weight_norms), np.nan)
    grads = np.asarray(result.weight_grad_norm, dtype=float)
    total = float(np.sqrt(np.sum(grads**2)))
    scale = (
        1.0
        if clip == "off" or not np.isfinite(total)
        else min(1.0, float(clip) / max(total, 1e-30))
    )
    with np.errstate(all="ignore"):
        return lr * scale * grads / weight_norms


def prediction_applies(values) -> bool:
    """The variance recursion describes plain stacks: no shortcut, no normalisation."""
    return not values["residual"] and values["norm"] == "none"


def _relevant(values):
    names = [n for n in values if n != "std" or values["init"] == CUSTOM]
    if not values["train"]:  # the training knobs act only on a training run, except lr and clip,
        names = [
            n for n in names if n not in ("weight_decay", "momentum", "steps")
        ]  # which the update ratio uses
    return names


@interactive_figure(
    explore={"depth": [2, 5, 10, 20, 30, 50]},
    notebook=NOTEBOOK,
    title="The playground: every knob of the course",
    params={
        "depth": knob("depth", low=2, high=50, default=10),
        "width": knob("width", low=16, high=128, default=64, step=16),
        "activation": knob("activation", default="tanh"),
        "init": ChoiceParam(tuple(INITS) + (CUSTOM,), "xavier_normal", label="init"),
        "std": FloatParam(1e-3, 1.0, 0.05, label="std (custom init)"),
        "residual": BoolParam(False, label="residual"),
        "norm": knob("norm"),
        "lr": FloatParam(1e-3, 10.0, 0.1, label="learning rate"),
        "clip": ChoiceParam(CLIPS, "off", label="clip norm"),
        "weight_decay": ChoiceParam(DECAYS, "0", label="weight decay"),
        "momentum": ChoiceParam(MOMENTA, "0", label="momentum"),
        "steps": ChoiceParam(STEPS, "200", label="steps"),
        "train": BoolParam(False, label="train on the digits"),
    },
    presets={
        "deep sigmoid: vanishes": {"depth": 20, "activation": "sigmoid"},
        "std 0.01: collapses": {"init": CUSTOM, "std": 0.01},
        "std 0.4: saturates": {"init": CUSTOM, "std": 0.4},
        "Xavier + ReLU: shrinks": {"depth": 30, "activation": "relu", "init": "lecun_normal"},
        "He + ReLU": {"depth": 30, "activation": "relu", "init": "he_normal"},
        "depth 50, plain": {"depth": 50, "activation": "sigmoid"},
        "depth 50, residual": {"depth": 50, "activation": "sigmoid", "residual": True},
        "lr 3, no BN": {
            "depth": 10,
            "activation": "relu",
            "init": "he_normal",
            "lr": 3.0,
            "steps": "200",
            "train": True,
        },
        "lr 3, BN": {
            "depth": 10,
            "activation": "relu",
            "init": "he_normal",
            "norm": "batch",
            "lr": 3.0,
            "steps": "200",
            "train": True,
        },
        "lr 2: explodes": {
            "depth": 6,
            "activation": "relu",
            "init": "he_normal",
            "lr": 2.0,
            "steps": "200",
            "train": True,
        },
        "lr 2, clipped at 0.5": {
            "depth": 6,
            "activation": "relu",
            "init": "he_normal",
            "lr": 2.0,
            "clip": "0.5",
            "steps": "200",
            "train": True,
        },
        "momentum 0.9: blows up": {
            "depth": 6,
            "activation": "relu",
            "init": "he_normal",
            "lr": 0.1,
            "momentum": "0.9",
            "steps": "400",
            "train": True,
        },
        "… with weight decay": {
            "depth": 6,
            "activation": "relu",
            "init": "he_normal",
            "lr": 0.1,
            "momentum": "0.9",
            "weight_decay": "1e-2",
            "steps": "400",
            "train": True,
        },
    },
    figsize=(10, 7.5),
    expensive={"depth": 50, "width": 128},
    relevant=_relevant,
    frame=lambda v: (
        [{"xlim": layer_limits(v["depth"])}] * 3
        + [
            {"xlim": (0, int(v["steps"]))}
            if v["train"]
            else {"xlim": layer_limits(v["depth"]), "ylim": (0, 1)}
        ]
    ),
)
def playground(
    fig,
    depth,
    width,
    activation,
    init,
    std,
    residual,
    norm,
    lr,
    clip,
    weight_decay,
    momentum,
    steps,
    train,
):
    result, weight_norms = at_initialization(depth, width, activation, init, std, residual, norm)
    (signal, gradient), (update, learning) = fig.subplots(2, 2)
    color = COLORS.get(activation)
    values = dict(residual=residual, norm=norm)
    if prediction_applies(values) and result.finite:
        weights = std if init == CUSTOM else init
        predicted = predict(depth, activation, weight_variance_gain(weights, width))
        # the recursion predicts how the gradient changes from layer to layer: anchor it at the
        # last hidden layer's measured value
        scale = (
            result.grad_std[-1] / predicted.grad_std[-1] if predicted.grad_std[-1] > 0 else np.nan
        )
        per_layer(
            signal,
            predicted.activation_std,
            color=COLORS["predicted"],
            linestyle="--",
            marker="",
            label="predicted (recursion)",
        )
        per_layer(
            gradient,
            predicted.grad_std * scale,
            color=COLORS["predicted"],
            linestyle="--",
            marker="",
            label="predicted (recursion)",
        )
    per_layer(signal, result.activation_std, color=color, linestyle="", label="measured")
    per_layer(gradient, result.grad_std, color=color, linestyle="", label="measured")
    signal.set_title("std of the activations")
    gradient.set_title(r"std of $\partial L/\partial z$")
    ratio = first_update_ratio(result, weight_norms, lr, clip)
    per_layer(update, ratio, color=color, linestyle="-", label="first step")
    update.axhline(
        1e-3, color=COLORS["predicted"], linestyle=":", linewidth=1.5, label="10⁻³ (rule of thumb)"
    )
    update.set_title(r"first step, lr·$\|\partial L/\partial W\|/\|W\|$")

    if train:
        run = training_run(
            depth,
            width,
            activation,
            init,
            std,
            residual,
            norm,
            lr,
            clip,
            weight_decay,
            momentum,
            steps,
        )
        learning.plot(
            np.arange(1, len(run.loss) + 1),
            run.loss,
            color=color or COLORS["measured"],
            linewidth=1.5,
        )
        learning.set_yscale("log")
        mark_diverged(learning, run.diverged_at)
        verdict = (
            f"diverged at step {run.diverged_at}"
            if run.diverged
            else f"test accuracy {run.test_accuracy:.0%}"
        )
        clipped = f", clipped {run.clipped_fraction:.0%}" if clip != "off" else ""
        learning.set_title(f"{verdict}{clipped}")
        learning.set_xlabel("training step")
        learning.set_ylabel("loss")
    else:  # until a run is asked for: the share of units that pass no gradient, per layer
        saturated = np.ma.filled(np.ma.asarray(result.saturated_fraction, dtype=float), np.nan)
        if activation in RECTIFIERS or np.isnan(saturated).all():  # no saturation, but dead units
            per_layer(
                learning, result.dead_fraction, color=color, log=False, ylabel="share of units"
            )
            learning.set_title("dead units (tick “train” to train)")
        else:
            per_layer(learning, saturated, color=color, log=False, ylabel="share of units")
            learning.set_title("saturated units (tick “train” to train)")
        learning.set_ylim(0, 1)
    learning.set_xlim(*((0, int(steps)) if train else layer_limits(depth)))
    for ax in (signal, gradient, update):
        ax.set_xlim(*layer_limits(depth))
    handles, labels = gradient.get_legend_handles_labels()
    extra = update.get_legend_handles_labels()
    fig.legend(
        handles + extra[0][-1:],
        labels + extra[1][-1:],
        loc="outside lower center",
        ncols=3,
        frameon=False,
    )
    status = "" if result.finite else f" — non-finite at initialization: {result.summary()}"
    shape = " + ".join(
        filter(None, ["residual" if residual else "", "" if norm == "none" else f"{norm} norm"])
    )
    knobs = f"lr {lr:.3g}" + ("" if clip == "off" else f", clip {clip}")
    if train:
        knobs += (f", momentum {momentum}" if momentum != "0" else "") + (
            f", decay {weight_decay}" if weight_decay != "0" else ""
        )
    weights = f"std {std:.3g}" if init == CUSTOM else init
    fig.suptitle(
        f"{depth} × {width} {activation}, {weights}{', ' + shape if shape else ''}{status}"
        f"\n{knobs}",
        fontsize=14,
    )


@exercise(
    "10.1",
    "Predict, then run: tanh, a custom std of 0.01, width 64. Small signals pass tanh "
    "almost unchanged; by what factor does each layer multiply the activations' variance?",
    hint="σ_w² = n·std² with n = 64 inputs per unit.",
)
def _variance_factor():
    return 64 * 0.01**2


@exercise(
    "10.2",
    "Learning rate 2 and the gradient clipped by norm at 0.5: how long is the longest "
    "step an update can take?",
    hint="the step is lr × the clipped gradient, whose norm is at most 0.5.",
)
def _longest_step():
    return 1.0


@exercise(
    "10.3",
    "A layer's first update is lr·‖∂L/∂W‖/‖W‖ = 0.1. By what factor would you divide the "
    "learning rate to bring it to the rule of thumb, 1e-3?",
    hint="the ratio is proportional to lr.",
)
def _lr_factor():
    return 100.0
