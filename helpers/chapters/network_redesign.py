"""09_network_redesign_and_regularization: depth and batch size on a net whose gradients explode,
and weight decay on a run whose weights blow up."""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ..data import digits
from ..exercises import exercise
from ..figures import FloatParam, interactive_figure
from ..nets import mlp
from ..plots import COLORS, layer_colors, mark_diverged
from ..seeding import seeded_cache
from ..training import train

NOTEBOOK = "09_network_redesign_and_regularization"

# The run that blows up without weight decay: 6 ReLU layers of 64 (He init) on the digits, SGD
# with momentum 0.9 at lr 0.1 (an effective step of lr/(1 − momentum) = 1), 400 steps of 64.
DECAY_RUN = dict(depth=6, width=64, lr=0.1, momentum=0.9, steps=400, batch_size=64)
DECAY_GRID = (1e-3, 3.16e-3, 1e-2, 3e-2)  # the slider's stops, half a decade apart


@seeded_cache(maxsize=16)
def decay_run(weight_decay: float, seed: int = 0):
    """DECAY_RUN trained with L2 weight decay ``weight_decay`` (0: none)."""
    model = mlp(
        DECAY_RUN["depth"],
        DECAY_RUN["width"],
        "relu",
        "he_normal",
        in_features=64,
        out_features=10,
        seed=seed,
    )
    return train(
        model,
        digits(seed=seed),
        steps=DECAY_RUN["steps"],
        lr=DECAY_RUN["lr"],
        momentum=DECAY_RUN["momentum"],
        batch_size=DECAY_RUN["batch_size"],
        weight_decay=weight_decay,
        seed=seed,
    )


def decay_sweep(seed: int = 0) -> dict:
    """``decay_run`` at 0 and at every stop of the figure's slider: trained all at once on the
    figure's first draw (3–4 s, with a progress bar after 2 s), so that moving the slider only
    redraws."""
    strengths = (0.0, *DECAY_GRID)
    return {
        wd: decay_run(wd, seed)
        for wd in tqdm(strengths, delay=2, desc="weight decay runs", leave=False)
    }


def _accuracy_note(run) -> str:
    return (
        f"diverged at step {run.diverged_at}"
        if run.diverged
        else f"test accuracy {run.test_accuracy:.0%}"
    )


@interactive_figure(
    explore={"weight_decay": [0.001, 0.003, 0.01, 0.03]},
    notebook=NOTEBOOK,
    title="Weight decay bounds the weights of a run that blows up",
    params={
        "weight_decay": FloatParam(1e-3, 3e-2, 1e-2, log=True, step=0.5, label="weight decay λ")
    },
    presets={
        "λ = 0.001": {"weight_decay": 1e-3},
        "λ = 0.01": {"weight_decay": 1e-2},
        "λ = 0.03": {"weight_decay": 3e-2},
    },
    frame=lambda v: [
        {"xlim": (0, DECAY_RUN["steps"]), "ylim": (1, 1e8)},
        {"xlim": (0, DECAY_RUN["steps"]), "ylim": (0, 1)},
    ],
)
def weight_decay_norms(fig, weight_decay):
    sweep = decay_sweep()
    run, reference = sweep.get(weight_decay) or decay_run(weight_decay), sweep[0.0]
    norms_ax, accuracy_ax = fig.subplots(1, 2)
    colors = layer_colors(run.layer_weight_norm.shape[1])
    steps = np.arange(1, len(run.layer_weight_norm) + 1)
    for layer, color in enumerate(colors):
        norms_ax.plot(steps, run.layer_weight_norm[:, layer], color=color, linewidth=2)
    biggest = np.max(reference.layer_weight_norm, axis=1)
    norms_ax.plot(
        np.arange(1, len(biggest) + 1),
        biggest,
        color=COLORS["unclipped"],
        linestyle=":",
        label="largest layer, no decay",
    )
    mark_diverged(norms_ax, reference.diverged_at)
    norms_ax.set_yscale("log")
    norms_ax.set_ylim(1, 1e8)
    norms_ax.set_xlim(0, DECAY_RUN["steps"])
    norms_ax.set_xlabel("training step")
    norms_ax.set_ylabel("‖W‖ per layer (dark: input side)")
    norms_ax.set_title(
        f"with λ = {weight_decay:.2g}: largest ‖W‖ {run.layer_weight_norm.max():.3g}"
    )
    norms_ax.legend(loc="upper left", fontsize=11)

    accuracy_ax.plot(
        reference.eval_steps,
        reference.test_accuracy_curve,
        color=COLORS["unclipped"],
        linestyle=":",
        marker="o",
        markersize=3,
        label=f"no decay: {_accuracy_note(reference)}",
    )
    accuracy_ax.plot(
        run.eval_steps,
        run.test_accuracy_curve,
        color=COLORS["norm clipping"],
        marker="o",
        markersize=3,
        label=f"λ = {weight_decay:.2g}: {_accuracy_note(run)}",
    )
    accuracy_ax.set_ylim(0, 1)
    accuracy_ax.set_xlim(0, DECAY_RUN["steps"])
    accuracy_ax.set_xlabel("training step")
    accuracy_ax.set_ylabel("test accuracy")
    accuracy_ax.set_title("test accuracy")
    accuracy_ax.legend(loc="center right", fontsize=11)  # between the two runs once they part
    fig.suptitle("6 ReLU layers, SGD lr 0.1 with momentum 0.9, on the digits")


@exercise(
    "09.1",
    "Predict, then run: a ReLU net whose weights are 1.2× He's scale. By what factor "
    "does the gradient's norm grow from the last hidden layer to the first, over 20 layers?",
    hint="each layer multiplies the gradient's norm by the gain: 1.2 per layer, 19 factors "
    "between layer 20 and layer 1.",
    rel_tolerance=0.02,
)
def _gain_product():
    return 1.2**19


@exercise(
    "09.2",
    "Weight decay λ = 0.01 with plain SGD at lr 0.1 and a zero gradient: after 100 "
    "steps, what fraction of its size is a weight left with?",
    hint="each step multiplies w by (1 − lr·λ).",
    rel_tolerance=0.01,
)
def _decay_alone():
    return (1 - 0.1 * 0.01) ** 100


@exercise(
    "09.3",
    "Does halving the batch size change the expected gradient of the mean loss? (True or False)",
    hint="the minibatch mean is an unbiased estimate of the full mean, "
    "whatever the batch size; only its variance changes.",
)
def _batch_size_mean():
    return False
