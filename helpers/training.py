"""A small training loop for the demos: minibatch SGD (or Adam) on a Dataset, a few hundred
steps, recording what the chapters plot: the loss and the gradient norms at every step. The loss
is cross-entropy for classification (the digits) or the mean squared error for a regression
target (the adding problem, with a sequence model).

Divergence is part of the lesson: the loop stops at the first non-finite loss, gradient or
parameter and says at which step and in which parameters, instead of crashing. Runs that take
longer than about two seconds show a progress bar (tqdm's ``delay``); shorter ones stay quiet.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from . import nets
from .data import Dataset
from .seeding import generator as random_stream
from .validation import check_choice, check_float, check_int


@torch.no_grad()
def sgd_step(parameters, buffers, *, lr, momentum, weight_decay):
    """One step of SGD with momentum and L2 weight decay, exactly as torch.optim.SGD defines it:
    g ← ∇L + λw;  v ← μv + g;  w ← w − ηv  (every parameter at once, with torch's _foreach ops).

    Written out rather than taken from torch.optim because the update rule is what the course
    teaches, and because torch.optim's first use imports torch._dynamo: 1.5 s per notebook."""
    grads = [p.grad for p in parameters]
    if weight_decay:
        grads = torch._foreach_add(grads, parameters, alpha=weight_decay)
    if momentum:
        torch._foreach_mul_(buffers, momentum)
        torch._foreach_add_(buffers, grads)
        torch._foreach_add_(parameters, buffers, alpha=-lr)
    else:
        torch._foreach_add_(parameters, grads, alpha=-lr)


@torch.no_grad()
def adam_step(parameters, state, *, lr, weight_decay, betas=(0.9, 0.999), eps=1e-8):
    """One step of Adam (Kingma & Ba 2015) as torch.optim.Adam defines it, L2 weight decay
    included: g ← ∇L + λw;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
    w ← w − η·m̂/(√v̂ + ε), with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
    ``state`` holds m, v and the step count t between calls."""
    grads = [p.grad for p in parameters]
    if weight_decay:
        grads = torch._foreach_add(grads, parameters, alpha=weight_decay)
    beta1, beta2 = betas
    state["t"] += 1
    m, v = state["m"], state["v"]
    torch._foreach_lerp_(m, grads, 1 - beta1)
    torch._foreach_mul_(v, beta2)
    torch._foreach_addcmul_(v, grads, grads, value=1 - beta2)
    correction1 = 1 - beta1 ** state["t"]
    root_correction2 = math.sqrt(1 - beta2 ** state["t"])
    denominator = torch._foreach_sqrt(v)
    torch._foreach_div_(denominator, root_correction2)
    torch._foreach_add_(denominator, eps)
    torch._foreach_addcdiv_(parameters, m, denominator, value=-lr / correction1)


@dataclass
class TrainingRun:
    loss: np.ndarray  # training loss of each step's minibatch (until divergence)
    grad_norm: np.ndarray  # total gradient norm of each step, before any clipping
    clipped: np.ndarray  # per step: did clipping change the gradient (clip_norm or clip_value)?
    layer_grad_norm: np.ndarray  # (steps, layers): each Linear's weight-gradient norm
    layer_weight_norm: np.ndarray  # (steps, layers): each Linear's weight norm after the update
    eval_steps: np.ndarray  # steps at which the test accuracy was measured
    test_accuracy_curve: np.ndarray  # (NaN for a regression loss)
    test_loss_curve: np.ndarray  # the loss on the whole test split at eval_steps
    train_accuracy: float
    test_accuracy: float
    test_loss: float  # at the end (NaN after a divergence)
    diverged_at: int | None  # first step whose loss, gradient or update was non-finite
    nonfinite_parameters: list[str]
    seconds: float
    records: dict[str, np.ndarray] = field(default_factory=dict)  # from the callbacks

    @property
    def clipped_fraction(self) -> float:
        """The share of the steps taken in which clipping changed the gradient (0 without it)."""
        return float(self.clipped.mean()) if len(self.clipped) else 0.0

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def summary(self) -> str:
        if self.diverged:
            where = ", ".join(self.nonfinite_parameters[:4]) or "the loss"
            return f"diverged at step {self.diverged_at} (non-finite: {where})"
        score = (
            f"test MSE {self.test_loss:.4f}"
            if math.isnan(self.test_accuracy)
            else f"test accuracy {self.test_accuracy:.1%}"
        )
        return f"{len(self.loss)} steps in {self.seconds:.1f} s: loss {self.loss[-1]:.3f}, {score}"


LOSSES = {
    "cross_entropy": F.cross_entropy,
    "mse": lambda prediction, target: F.mse_loss(prediction, target.to(prediction.dtype)),
}
OPTIMIZERS = ("sgd", "adam")


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: str) -> tuple[float, float]:
    """(loss, accuracy) of ``model`` on ``x``, ``y`` in evaluation mode; accuracy is NaN for
    a regression loss."""
    was_training = model.training
    model.eval()
    output = model(x)
    model.train(was_training)
    value = float(LOSSES[loss](output, y))
    if loss != "cross_entropy":
        return value, math.nan
    return value, float((output.argmax(dim=1) == y).double().mean())


def train(
    model: nn.Module,
    data: Dataset,
    *,
    steps: int = 300,
    lr: float = 0.1,
    batch_size: int = 64,
    loss: str = "cross_entropy",
    optimizer: str = "sgd",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    eval_every: int | None = None,
    seed: int = 0,
    callbacks: dict[str, Callable[[nn.Module], object]] | None = None,
    progress: bool = True,
) -> TrainingRun:
    """Train ``model`` on ``data`` for ``steps`` minibatch steps of ``optimizer`` ("sgd", with
    ``momentum``, or "adam"), minimising ``loss``: "cross_entropy" for class labels, "mse" for a
    regression target (the model returns one number per example).

    ``clip_norm`` rescales the whole gradient to that norm when it is larger (Pascanu et al.'s
    Algorithm 1); ``clip_value`` clips every component to [-clip_value, clip_value].
    ``callbacks`` maps a name to ``f(model)``, called after every step; their values are
    returned stacked in ``run.records[name]``.
    """
    check_int("steps", steps, 1)
    check_float("lr", lr, 0.0, low_inclusive=False)
    check_int("batch_size", batch_size, 1, len(data.x_train))
    check_choice("loss", loss, LOSSES)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_float("momentum", momentum, 0.0, 1.0)
    if momentum and optimizer != "sgd":
        raise ValueError(
            f"momentum applies to optimizer 'sgd' only; got momentum={momentum!r} with "
            f"{optimizer!r}"
        )
    check_float("weight_decay", weight_decay, 0.0)
    if clip_norm is not None:
        check_float("clip_norm", clip_norm, 0.0, low_inclusive=False)
    if clip_value is not None:
        check_float("clip_value", clip_value, 0.0, low_inclusive=False)
    eval_every = eval_every or max(1, steps // 20)
    check_int("eval_every", eval_every, 1)

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError(
            "the model has no trainable parameters (every parameter has requires_grad=False)"
        )
    parameters = [p for _, p in named]
    velocity = [torch.zeros_like(p) for p in parameters]
    adam_state = {
        "t": 0,
        "m": [torch.zeros_like(p) for p in parameters],
        "v": [torch.zeros_like(p) for p in parameters],
    }
    loss_function = LOSSES[loss]
    generator = random_stream(seed, "batches")
    # Per layer (nets.layers decides which), the norm of its weight and of its weight gradient,
    # read off the per-parameter norms the loop computes anyway; a frozen weight keeps its norm
    # and has no gradient (recorded as 0).
    weights = [layer.weight_module.weight for layer in nets.layers(model)]
    position = {id(p): i for i, p in enumerate(parameters)}
    weight_slots = [position.get(id(w)) for w in weights]
    frozen_norms = {
        i: float(torch.linalg.vector_norm(w.detach()))
        for i, w in enumerate(weights)
        if weight_slots[i] is None
    }

    def per_layer(parameter_norms: list, frozen: dict) -> list:
        return [
            parameter_norms[slot] if slot is not None else frozen[i]
            for i, slot in enumerate(weight_slots)
        ]

    callbacks = callbacks or {}
    losses, grad_norms, clipped, layer_grads, layer_weights, eval_steps, test_curve, test_losses = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    records = {name: [] for name in callbacks}
    diverged_at, bad_parameters = None, []

    def nonfinite(tensors, suffix=""):
        return [
            n + suffix
            for (n, _), t in zip(named, tensors)
            if t is not None and not torch.isfinite(t).all()
        ]

    start = time.perf_counter()
    model.train()
    for step in tqdm(range(steps), delay=2, disable=not progress, desc="training", leave=False):
        batch = torch.randint(0, len(data.x_train), (batch_size,), generator=generator)
        for p in parameters:
            p.grad = None
        batch_loss = loss_function(model(data.x_train[batch]), data.y_train[batch])
        if not torch.isfinite(
            batch_loss
        ):  # the forward pass overflowed: weights finite but too large
            diverged_at, bad_parameters = step, nonfinite(parameters)
            break
        batch_loss.backward()
        for p in parameters:  # a parameter the loss does not reach gets a zero gradient
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        grads = [p.grad for p in parameters]
        with torch.no_grad():
            grad_norms_now = torch.stack(torch._foreach_norm(grads))
            total = torch.linalg.vector_norm(grad_norms_now)
            layer_grads.append(per_layer(grad_norms_now.tolist(), dict.fromkeys(frozen_norms, 0.0)))
        losses.append(float(batch_loss.detach()))
        grad_norms.append(float(total))
        if not torch.isfinite(total):
            diverged_at, bad_parameters = step, nonfinite(grads, ".grad")
            break
        with torch.no_grad():
            fired = False
            if clip_norm is not None:  # as torch.nn.utils.clip_grad_norm_ does it
                fired = grad_norms[-1] > clip_norm  # the total norm, read once above
                torch._foreach_mul_(grads, torch.clamp(clip_norm / (total + 1e-6), max=1.0))
            if clip_value is not None:
                largest = torch.stack(
                    torch._foreach_norm(grads, float("inf"))
                ).max()  # one read-back
                fired = fired or float(largest) > clip_value
                torch._foreach_clamp_max_(grads, clip_value)
                torch._foreach_clamp_min_(grads, -clip_value)
            clipped.append(fired)
        if optimizer == "adam":
            adam_step(parameters, adam_state, lr=lr, weight_decay=weight_decay)
        else:
            sgd_step(parameters, velocity, lr=lr, momentum=momentum, weight_decay=weight_decay)
        with torch.no_grad():
            # Each parameter's norm in float64, which cannot overflow on float32 entries: so it
            # is finite exactly when every entry is.
            parameter_norms = torch.stack(
                torch._foreach_norm(parameters, 2, dtype=torch.float64)
            ).tolist()
            layer_weights.append(per_layer(parameter_norms, frozen_norms))
            all_finite = all(map(math.isfinite, parameter_norms))
        if not all_finite:
            diverged_at, bad_parameters = step, nonfinite(parameters)
            break
        for name, callback in callbacks.items():
            records[name].append(callback(model))
        if (step + 1) % eval_every == 0 or step == steps - 1:
            eval_steps.append(step + 1)
            test_loss, test_accuracy = evaluate(model, data.x_test, data.y_test, loss)
            test_losses.append(test_loss)
            test_curve.append(test_accuracy)

    finished = diverged_at is None
    train_scores = (
        evaluate(model, data.x_train, data.y_train, loss) if finished else (math.nan, math.nan)
    )
    return TrainingRun(
        loss=np.array(losses),
        grad_norm=np.array(grad_norms),
        clipped=np.array(clipped, dtype=bool),
        layer_grad_norm=np.array(layer_grads).reshape(len(layer_grads), len(weights)),
        layer_weight_norm=np.array(layer_weights).reshape(len(layer_weights), len(weights)),
        eval_steps=np.array(eval_steps),
        test_accuracy_curve=np.array(test_curve),
        test_loss_curve=np.array(test_losses),
        train_accuracy=train_scores[1],
        test_accuracy=test_curve[-1] if finished else math.nan,
        test_loss=test_losses[-1] if finished else math.nan,
        diverged_at=diverged_at,
        nonfinite_parameters=bad_parameters,
        seconds=time.perf_counter() - start,
        records={name: np.array(values) for name, values in records.items()},
    )
