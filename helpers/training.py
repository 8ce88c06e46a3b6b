"""A small training loop for the demos: minibatch SGD on a Dataset, a few hundred steps,
recording what the chapters plot: the loss and the gradient norms at every step.

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

from .data import Dataset
from . import nets
from .seeding import generator as random_stream
from .validation import check_float, check_int



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


@dataclass
class TrainingRun:
    loss: np.ndarray  # training loss of each step's minibatch (until divergence)
    grad_norm: np.ndarray  # total gradient norm of each step, before any clipping
    clipped: np.ndarray  # per step: did clipping change the gradient (clip_norm or clip_value)?
    layer_grad_norm: np.ndarray  # (steps, layers): each Linear's weight-gradient norm
    layer_weight_norm: np.ndarray  # (steps, layers): each Linear's weight norm after the update
    eval_steps: np.ndarray  # steps at which the test accuracy was measured
    test_accuracy_curve: np.ndarray
    train_accuracy: float
    test_accuracy: float
    diverged_at: int | None  # first step whose loss, gradient or update was non-finite
    nonfinite_parameters: list[str]
    seconds: float
    records: dict[str, np.ndarray] = field(default_factory=dict)  # from the callbacks

    @property
    def clipped_fraction(self) -> float:
        """The share of the steps taken in which clipping changed the gradient (0 without clipping)."""
        return float(self.clipped.mean()) if len(self.clipped) else 0.0

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def summary(self) -> str:
        if self.diverged:
            where = ", ".join(self.nonfinite_parameters[:4]) or "the loss"
            return f"diverged at step {self.diverged_at} (non-finite: {where})"
        return (f"{len(self.loss)} steps in {self.seconds:.1f} s: loss {self.loss[-1]:.3f}, "
                f"test accuracy {self.test_accuracy:.1%}")


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    was_training = model.training
    model.eval()
    predictions = model(x).argmax(dim=1)
    model.train(was_training)
    return float((predictions == y).double().mean())


def train(model: nn.Module, data: Dataset, *, steps: int = 300, lr: float = 0.1,
          batch_size: int = 64, momentum: float = 0.0,
          weight_decay: float = 0.0, clip_norm: float | None = None,
          clip_value: float | None = None, eval_every: int | None = None, seed: int = 0,
          callbacks: dict[str, Callable[[nn.Module], object]] | None = None,
          progress: bool = True) -> TrainingRun:
    """Train ``model`` with cross-entropy on ``data`` for ``steps`` minibatch SGD steps.

    ``clip_norm`` rescales the whole gradient to that norm when it is larger (Pascanu et al.'s
    Algorithm 1); ``clip_value`` clips every component to [-clip_value, clip_value].
    ``callbacks`` maps a name to ``f(model)``, called after every step; their values are
    returned stacked in ``run.records[name]``.
    """
    check_int("steps", steps, 1)
    check_float("lr", lr, 0.0, low_inclusive=False)
    check_int("batch_size", batch_size, 1, len(data.x_train))
    check_float("momentum", momentum, 0.0, 1.0)
    check_float("weight_decay", weight_decay, 0.0)
    if clip_norm is not None:
        check_float("clip_norm", clip_norm, 0.0, low_inclusive=False)
    if clip_value is not None:
        check_float("clip_value", clip_value, 0.0, low_inclusive=False)
    eval_every = eval_every or max(1, steps // 20)
    check_int("eval_every", eval_every, 1)

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("the model has no trainable parameters (every parameter has requires_grad=False)")
    parameters = [p for _, p in named]
    velocity = [torch.zeros_like(p) for p in parameters]
    generator = random_stream(seed, "batches")
    # Per layer (nets.layers decides which), the norm of its weight and of its weight gradient,
    # read off the per-parameter norms the loop computes anyway; a frozen weight keeps its norm
    # and has no gradient (recorded as 0).
    weights = [layer.weight_module.weight for layer in nets.layers(model)]
    position = {id(p): i for i, p in enumerate(parameters)}
    weight_slots = [position.get(id(w)) for w in weights]
    frozen_norms = {i: float(torch.linalg.vector_norm(w.detach())) for i, w in enumerate(weights) if weight_slots[i] is None}

    def per_layer(parameter_norms: list, frozen: dict) -> list:
        return [parameter_norms[slot] if slot is not None else frozen[i] for i, slot in enumerate(weight_slots)]

    callbacks = callbacks or {}
    losses, grad_norms, clipped, layer_grads, layer_weights, eval_steps, test_curve = [], [], [], [], [], [], []
    records = {name: [] for name in callbacks}
    diverged_at, bad_parameters = None, []

    def nonfinite(tensors, suffix=""):
        return [n + suffix for (n, _), t in zip(named, tensors) if t is not None and not torch.isfinite(t).all()]

    start = time.perf_counter()
    model.train()
    for step in tqdm(range(steps), delay=2, disable=not progress, desc="training", leave=False):
        batch = torch.randint(0, len(data.x_train), (batch_size,), generator=generator)
        for p in parameters:
            p.grad = None
        loss = F.cross_entropy(model(data.x_train[batch]), data.y_train[batch])
        if not torch.isfinite(loss):  # the forward pass overflowed: weights finite but too large
            diverged_at, bad_parameters = step, nonfinite(parameters)
            break
        loss.backward()
        for p in parameters:  # a parameter the loss does not reach gets a zero gradient
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        grads = [p.grad for p in parameters]
        with torch.no_grad():
            grad_norms_now = torch.stack(torch._foreach_norm(grads))
            total = torch.linalg.vector_norm(grad_norms_now)
            layer_grads.append(per_layer(grad_norms_now.tolist(), dict.fromkeys(frozen_norms, 0.0)))
        losses.append(float(loss.detach()))
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
                largest = torch.stack(torch._foreach_norm(grads, float("inf"))).max()  # one read-back
                fired = fired or float(largest) > clip_value
                torch._foreach_clamp_max_(grads, clip_value)
                torch._foreach_clamp_min_(grads, -clip_value)
            clipped.append(fired)
        sgd_step(parameters, velocity, lr=lr, momentum=momentum, weight_decay=weight_decay)
        with torch.no_grad():
            # Each parameter's norm in float64, which cannot overflow on float32 entries: so it
            # is finite exactly when every entry is.
            parameter_norms = torch.stack(torch._foreach_norm(parameters, 2, dtype=torch.float64)).tolist()
            layer_weights.append(per_layer(parameter_norms, frozen_norms))
            all_finite = all(map(math.isfinite, parameter_norms))
        if not all_finite:
            diverged_at, bad_parameters = step, nonfinite(parameters)
            break
        for name, callback in callbacks.items():
            records[name].append(callback(model))
        if (step + 1) % eval_every == 0 or step == steps - 1:
            eval_steps.append(step + 1)
            test_curve.append(accuracy(model, data.x_test, data.y_test))

    finished = diverged_at is None
    return TrainingRun(
        loss=np.array(losses), grad_norm=np.array(grad_norms), clipped=np.array(clipped, dtype=bool),
        layer_grad_norm=np.array(layer_grads).reshape(len(layer_grads), len(weights)),
        layer_weight_norm=np.array(layer_weights).reshape(len(layer_weights), len(weights)),
        eval_steps=np.array(eval_steps), test_accuracy_curve=np.array(test_curve),
        train_accuracy=accuracy(model, data.x_train, data.y_train) if finished else float("nan"),
        test_accuracy=accuracy(model, data.x_test, data.y_test) if finished else float("nan"),
        diverged_at=diverged_at, nonfinite_parameters=bad_parameters,
        seconds=time.perf_counter() - start,
        records={name: np.array(values) for name, values in records.items()},
    )
