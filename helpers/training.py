"""A small training loop for the demos: minibatch SGD on a Dataset, a few hundred steps,
recording what the chapters plot: the loss and the gradient norms at every step.

Divergence is part of the lesson: the loop stops at the first non-finite loss, gradient or
parameter and says at which step and in which parameters, instead of crashing. Runs that take
longer than about two seconds show a progress bar (tqdm's ``delay``); shorter ones stay quiet.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from .data import Dataset
from .nets import MLP
from .seeding import generator as random_stream
from .validation import check_float, check_int



@torch.no_grad()
def sgd_step(parameters, buffers, *, lr, momentum, weight_decay):
    """One step of SGD with momentum and L2 weight decay, exactly as torch.optim.SGD defines it:
    g ← ∇L + λw;  v ← μv + g;  w ← w − ηv.

    Written out rather than taken from torch.optim because the update rule is what the course
    teaches, and because torch.optim's first use imports torch._dynamo: 1.5 s per notebook."""
    for p, v in zip(parameters, buffers):
        g = p.grad.add(p, alpha=weight_decay) if weight_decay else p.grad
        v.mul_(momentum).add_(g) if momentum else v.copy_(g)
        p.sub_(v, alpha=lr)


class FlatParameters:
    """A model's trainable parameters re-seated as views into one flat tensor, and their
    gradients as views into another.

    The training loop then updates, measures and checks every parameter with a handful of tensor
    operations instead of a handful per parameter: for the 30-layer nets of chapter 04, about a
    sixth of the time of a step. Back-propagation accumulates into the existing ``.grad``
    views in place, so the gradients land in ``grads`` without a copy.
    """

    def __init__(self, parameters: list[torch.Tensor]):
        if not parameters:
            raise ValueError("the model has no trainable parameters")
        dtypes = {p.dtype for p in parameters}
        if len(dtypes) > 1:
            raise ValueError(f"all trainable parameters must share one dtype, got {sorted(map(str, dtypes))}")
        sizes = [p.numel() for p in parameters]
        self.values = torch.cat([p.detach().reshape(-1) for p in parameters])
        self.grads = torch.zeros_like(self.values)
        self.values.grad = self.grads  # so that sgd_step treats the whole model as one tensor
        self._ids = {id(p): i for i, p in enumerate(parameters)}
        self.value_parts = torch.split(self.values, sizes)  # one flat view per parameter
        self.grad_parts = torch.split(self.grads, sizes)
        for p, value, grad in zip(parameters, self.value_parts, self.grad_parts):
            p.data, p.grad = value.view_as(p), grad.view_as(p)

    def slots_of(self, tensors: list[torch.Tensor]) -> list[int | None]:
        """Each tensor's position among the parameters, or None where it is not trainable."""
        return [self._ids.get(id(t)) for t in tensors]

    @staticmethod
    def norms(parts: tuple[torch.Tensor, ...], slots: list[int]) -> torch.Tensor:
        """The Euclidean norms of ``parts`` (``value_parts`` or ``grad_parts``) at ``slots``.
        (One norm per part measured faster here than any single segmented reduction.)"""
        return torch.stack([torch.linalg.vector_norm(parts[i]) for i in slots]) if slots else torch.zeros(0)


@dataclass
class TrainingRun:
    loss: np.ndarray  # training loss of each step's minibatch (until divergence)
    grad_norm: np.ndarray  # total gradient norm of each step, before any clipping
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
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def summary(self) -> str:
        if self.diverged:
            where = ", ".join(self.nonfinite_parameters[:4]) or "the loss"
            return f"diverged at step {self.diverged_at} (non-finite: {where})"
        return (f"{len(self.loss)} steps in {self.seconds:.1f} s: loss {self.loss[-1]:.3f}, "
                f"test accuracy {self.test_accuracy:.1%}")


def _linears(model: nn.Module) -> list[nn.Linear]:
    if isinstance(model, MLP):
        return [layer.linear for layer in model.hidden] + ([model.readout] if model.readout else [])
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


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
    parameters = [p for _, p in named]
    flat = FlatParameters(parameters)
    velocity = torch.zeros_like(flat.values)
    generator = random_stream(seed, "batches")
    linears = _linears(model)
    # Per layer, the norms of its weight and of its weight gradient; a frozen layer has a
    # constant weight and no gradient.
    slots = flat.slots_of([l.weight for l in linears])
    trainable = torch.tensor([s is not None for s in slots], dtype=torch.bool)
    trainable_slots = [s for s in slots if s is not None]
    frozen_weight_norms = torch.tensor([float(torch.linalg.vector_norm(l.weight.detach()))
                                        for l, s in zip(linears, slots) if s is None])

    def layer_norms(parts, frozen_values):
        norms = torch.empty(len(linears))
        norms[trainable] = flat.norms(parts, trainable_slots)
        norms[~trainable] = frozen_values
        return norms.tolist()

    callbacks = callbacks or {}
    losses, grad_norms, layer_grads, layer_weights, eval_steps, test_curve = [], [], [], [], [], []
    records = {name: [] for name in callbacks}
    diverged_at, bad_parameters = None, []

    def nonfinite(tensors, suffix=""):
        return [n + suffix for (n, _), t in zip(named, tensors) if t is not None and not torch.isfinite(t).all()]

    start = time.perf_counter()
    model.train()
    for step in tqdm(range(steps), delay=2, disable=not progress, desc="training", leave=False):
        batch = torch.randint(0, len(data.x_train), (batch_size,), generator=generator)
        flat.grads.zero_()
        loss = F.cross_entropy(model(data.x_train[batch]), data.y_train[batch])
        if not torch.isfinite(loss):  # the forward pass overflowed: weights finite but too large
            diverged_at, bad_parameters = step, nonfinite(parameters)
            break
        loss.backward()
        with torch.no_grad():
            total = torch.linalg.vector_norm(flat.grads)
            layer_grads.append(layer_norms(flat.grad_parts, 0.0))
        losses.append(float(loss.detach()))
        grad_norms.append(float(total))
        if not torch.isfinite(total):
            diverged_at, bad_parameters = step, nonfinite([p.grad for p in parameters], ".grad")
            break
        if clip_norm is not None:  # as torch.nn.utils.clip_grad_norm_ does it
            flat.grads.mul_(torch.clamp(clip_norm / (total + 1e-6), max=1.0))
        if clip_value is not None:
            flat.grads.clamp_(-clip_value, clip_value)
        sgd_step([flat.values], [velocity], lr=lr, momentum=momentum, weight_decay=weight_decay)
        with torch.no_grad():
            layer_weights.append(layer_norms(flat.value_parts, frozen_weight_norms))
            # One norm over every parameter, biases included; in float64, which cannot overflow
            # on float32 entries, so it is finite exactly when every entry is.
            all_finite = torch.isfinite(torch.linalg.vector_norm(flat.values, dtype=torch.float64))
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
        loss=np.array(losses), grad_norm=np.array(grad_norms),
        layer_grad_norm=np.array(layer_grads).reshape(len(layer_grads), len(linears)),
        layer_weight_norm=np.array(layer_weights).reshape(len(layer_weights), len(linears)),
        eval_steps=np.array(eval_steps), test_accuracy_curve=np.array(test_curve),
        train_accuracy=accuracy(model, data.x_train, data.y_train) if finished else float("nan"),
        test_accuracy=accuracy(model, data.x_test, data.y_test) if finished else float("nan"),
        diverged_at=diverged_at, nonfinite_parameters=bad_parameters,
        seconds=time.perf_counter() - start,
        records={name: np.array(values) for name, values in records.items()},
    )
