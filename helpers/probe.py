"""The one probe of the course: a forward and a backward pass with hooks, summarised per layer.

In the spirit of fastai's ``ActivationStats``, every chapter looks inside a network the same
way: ``profile(model, x)`` returns one number per hidden layer (input to output) for each
statistic, as numpy arrays, ready to plot on a log axis. Overflow is part of the lesson, so a
non-finite value is *reported* (``finite``, ``first_nonfinite_layer``), never raised.
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import nets
from .activations import get_activation
from .data import gaussian_batch
from .nets import MLP, mlp
from .seeding import forget_on_reseed, seeded_cache
from .seeding import generator as random_stream
from .validation import check_choice

LOSSES = {"cross_entropy": F.cross_entropy, "mse": F.mse_loss}


@dataclass
class Profile:
    """Per-hidden-layer statistics of one forward/backward pass (index 0 = first hidden layer)."""

    activation_mean: np.ndarray
    activation_std: np.ndarray
    saturated_fraction: np.ndarray  # units whose derivative collapsed (|tanh| > 0.97 for tanh);
    # a masked entry ("--") where the activation has no saturation the course defines
    dead_fraction: np.ndarray  # units whose derivative is 0 on every example of the batch
    grad_std: np.ndarray  # std of dLoss/dz, z the layer's pre-activation
    weight_grad_norm: np.ndarray | None  # Frobenius norm of dLoss/dW of the layer's Linear (None:
    # not asked for, see profile_fresh_mlp)
    finite: bool
    first_nonfinite_layer: int | None  # see nonfinite_pass for which pass it was found in
    nonfinite_pass: str | None  # "forward" or "backward"
    loss: float | None = None
    # For models that are not an mlp (see profile): which module each layer is, the course's
    # name of its activation (None: one the course does not know), and for convolutions the
    # std of the activations and of dLoss/dz per channel (None for other layers).
    layer_names: list[str] = field(default_factory=list)
    activation_names: list[str | None] = field(default_factory=list)
    channel_activation_std: list[np.ndarray | None] = field(default_factory=list, repr=False)
    channel_grad_std: list[np.ndarray | None] = field(default_factory=list, repr=False)
    activations: list[np.ndarray] = field(default_factory=list, repr=False)  # per layer, a
    pre_activations: list[np.ndarray] = field(default_factory=list, repr=False)  # per layer, z
    pre_activation_grads: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def depth(self) -> int:
        return len(self.grad_std)

    def summary(self) -> str:
        if self.finite:
            return (
                f"finite; grad_std from {self.grad_std[0]:.3g} (layer 1) to "
                f"{self.grad_std[-1]:.3g} (layer {self.depth})"
            )
        return (
            f"non-finite values first in the {self.nonfinite_pass} pass at hidden layer "
            f"{self.first_nonfinite_layer + 1}"
        )


def _hidden_layers(model: nn.Module):
    """(linear, activation module or None, activation name or None) for every layer the probe
    summarises: an mlp's hidden layers (``nets.layers`` decides), and for any other model every
    Linear, whose output is the pre-activation we can see."""
    found = nets.layers(model)
    if isinstance(model, MLP):
        found = [layer for layer in found if layer.hidden]
    return [(layer.weight_module, layer.activation, layer.activation_name) for layer in found]


def _first_nonfinite(values, order) -> int | None:
    return next((i for i in order if not np.isfinite(values[i])), None)


def _norms(tensors) -> np.ndarray:
    """Each tensor's Euclidean norm in float64 (NaN for a missing one); tensors of one shape in
    one stacked operation."""
    if tensors and all(t is not None for t in tensors) and len({t.shape for t in tensors}) == 1:
        return torch.linalg.vector_norm(torch.stack(list(tensors)).double(), dim=(1, 2)).numpy()
    return np.array(
        [float(torch.linalg.vector_norm(t.double())) if t is not None else np.nan for t in tensors]
    )


def _per_layer(t: np.ndarray) -> np.ndarray:
    return t.reshape(len(t), -1)


def _forward_statistics(z: np.ndarray, a: np.ndarray, activation: str | None) -> dict:
    """Per-layer statistics of the forward pass from stacked (layers, batch, units) arrays of
    pre-activations z and activations a, accumulated in float64."""
    with np.errstate(all="ignore"):
        stats = dict(
            activation_mean=_per_layer(a).mean(axis=1, dtype=np.float64),
            activation_std=_per_layer(a).std(axis=1, dtype=np.float64),
        )
        if activation is None:
            stats["saturated_fraction"] = stats["dead_fraction"] = np.full(len(z), np.nan)
            return stats
        act = get_activation(activation)
        d = np.asarray(act.derivative(z))
    saturated = act.saturated(torch.from_numpy(d)).numpy()
    stats["saturated_fraction"] = _per_layer(saturated).mean(axis=1, dtype=np.float64)
    # dead: a unit whose derivative is 0 on every example of the batch
    stats["dead_fraction"] = _per_layer((d == 0).all(axis=1)).mean(axis=1, dtype=np.float64)
    return stats


FORWARD_STATISTICS = ("activation_mean", "activation_std", "saturated_fraction", "dead_fraction")


def _layer_groups(z, names) -> list[tuple[slice, str | None]]:
    """Runs of layers summarised as one stacked array: every layer of an mlp (one shape, one
    activation) at once, a handful of reductions instead of a handful per layer; other models
    one layer at a time."""
    if len({zi.shape for zi in z}) == 1 and len(set(names)) == 1:
        return [(slice(0, len(z)), names[0])]
    return [(slice(i, i + 1), name) for i, name in enumerate(names)]


def _all_forward_statistics(z, a, names) -> dict:
    parts = [
        _forward_statistics(np.stack(z[run]), np.stack(a[run]), name)
        for run, name in _layer_groups(z, names)
    ]
    return {key: np.concatenate([part[key] for part in parts]) for key in FORWARD_STATISTICS}


def _gradient_std(z, dz, names) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.concatenate(
            [
                _per_layer(np.stack(dz[run])).std(axis=1, dtype=np.float64)
                for run, _ in _layer_groups(z, names)
            ]
        )


@contextmanager
def _recording(layers, retain_grad: bool = False):
    """While open, every forward pass records each hidden layer's pre-activation z and
    activation a into the two lists it yields (with a model that is not an mlp, the Linear's
    output is both). ``retain_grad`` keeps z's gradient after a backward pass."""
    pre, post = [None] * len(layers), [None] * len(layers)
    handles = []
    for i, (linear, act_module, _) in enumerate(layers):
        if act_module is not None:

            def hook(module, inputs, output, i=i):
                pre[i], post[i] = inputs[0], output
                if retain_grad:
                    inputs[0].retain_grad()

            handles.append(act_module.register_forward_hook(hook))
        else:

            def hook(module, inputs, output, i=i):
                pre[i] = post[i] = output
                if retain_grad:
                    output.retain_grad()

            handles.append(linear.register_forward_hook(hook))
    try:
        yield pre, post
    finally:
        for h in handles:
            h.remove()


@seeded_cache(maxsize=16)  # read only: autograd never writes to a gradient it is given
def _seed_gradient(shape: torch.Size, seed: int) -> torch.Tensor:
    """The standard-normal gradient the probe injects at the output (its own random stream)."""
    return torch.randn(shape, generator=random_stream(seed, "probe"))


def profile(model: nn.Module, x, y=None, *, loss=None, seed: int = 0) -> Profile:
    """One forward and backward pass through ``model`` on the batch ``x``.

    With ``y=None`` a seeded standard-normal gradient is back-propagated from the output (the
    usual signal-propagation probe, independent of any task); with ``y`` the loss is used
    (``None`` or ``"cross_entropy"``, ``"mse"``, or any callable ``loss(output, y)``).

    What counts as a layer: for a model from ``helpers.mlp`` with single-layer blocks, each
    hidden layer (for two-layer blocks, as for any other model, each activation). For any other
    ``nn.Module`` — ``nn.Sequential`` of ``Linear``/``Conv1d``/``Conv2d``, norms, residual blocks,
    your own ``forward`` — each call of an elementwise activation *module* (``nn.ReLU``,
    ``nn.Tanh``, ``nn.GELU``, ``nn.SiLU``, …, and those of ``helpers.ACTIVATIONS``): its input is
    the pre-activation z, its output the activation a, so the readout (no activation after it)
    is not counted as hidden. Activations written as functions (``F.relu``) cannot be seen: use
    the module. For such models the profile also names each layer (``layer_names``), gives the
    slope-based fractions where they are defined — dead (slope 0 on every example) always,
    saturated only for the activations the course knows, masked otherwise — and, for
    convolutions, per-channel statistics; ``weight_grad_norm`` is that of the last Linear or
    convolution run before the activation. A model that uses batch norm is profiled in
    whatever mode it is in: in training mode (a fresh model's, and ``helpers.train`` leaves it
    so) every norm uses the probe batch's own statistics.
    """
    if not isinstance(model, MLP) or not model.single_layer_blocks:
        return _profile_any_model(model, x, y, loss, seed)
    layers = _hidden_layers(model)
    if not layers:
        raise ValueError(
            "profile needs a model with at least one nn.Linear layer (e.g. from helpers.mlp)"
        )
    x = torch.as_tensor(x, dtype=torch.float32)
    expected = layers[0][0].in_features
    if x.ndim != 2 or x.shape[1] != expected:
        raise ValueError(
            f"x must have shape (batch, {expected}) to match the model; got {tuple(x.shape)}"
        )
    loss = _loss_function(loss)

    model.zero_grad(set_to_none=True)
    with _recording(layers, retain_grad=True) as (pre, post), np.errstate(all="ignore"):
        loss_value = _backward(model(x), y, loss, seed)

    # Zero-copy float32 views; every reduction below accumulates in float64.
    return _summarise(
        [p.detach().numpy() for p in pre],
        [p.detach().numpy() for p in post],
        [
            p.grad.numpy() if p.grad is not None else np.full(p.shape, np.nan, dtype=np.float32)
            for p in pre
        ],
        [name for _, _, name in layers],
        [linear.weight.grad for linear, _, _ in layers],
        loss_value,
    )


def _loss_function(loss):
    """``None`` → cross-entropy; a name from LOSSES; or any callable ``loss(output, y)``."""
    if loss is None:
        return F.cross_entropy
    return loss if callable(loss) else LOSSES[check_choice("loss", loss, LOSSES)]


def _backward(out: torch.Tensor, y, loss, seed: int) -> float | None:
    """Back-propagate from ``out``: the loss against ``y`` (returned), or with ``y=None`` the
    seeded standard-normal gradient (and None)."""
    if y is None:
        out.backward(_seed_gradient(out.shape, seed))
        return None
    objective = loss(out, torch.as_tensor(y))
    objective.backward()
    return float(objective.detach())


def _summarise(z, a, dz, names, weight_grads, loss_value, forward: dict | None = None) -> Profile:
    """The Profile of one pass from its per-layer arrays (lists, input side first).
    ``forward``: the forward statistics, when they are known already (the cached probe)."""
    stats = {
        **(forward or _all_forward_statistics(z, a, names)),
        "grad_std": _gradient_std(z, dz, names),
        "weight_grad_norm": None if weight_grads is None else _norms(weight_grads),
    }
    return _with_finiteness(stats, loss_value, z, a, dz)


def _with_finiteness(stats: dict, loss_value, z, a, dz, **extra) -> Profile:
    n = len(z)
    # A layer's float64 std is finite exactly when every one of its float32 values is (their
    # squares cannot overflow float64), so the statistics say where the overflow is.
    bad_forward = _first_nonfinite(stats["activation_std"], range(n))
    # Backward, gradients overflow from the output towards the input: the first bad one met
    # by back-propagation is the highest-index layer.
    bad_backward = (
        None if bad_forward is not None else _first_nonfinite(stats["grad_std"], reversed(range(n)))
    )
    first_bad = bad_forward if bad_forward is not None else bad_backward
    finite = first_bad is None and (loss_value is None or np.isfinite(loss_value))
    return Profile(
        **stats,
        finite=finite,
        first_nonfinite_layer=first_bad,
        nonfinite_pass=(
            "forward"
            if bad_forward is not None
            else "backward"
            if bad_backward is not None
            else None
        ),
        loss=loss_value,
        activations=a,
        pre_activations=z,
        pre_activation_grads=dz,
        **extra,
    )


# Elementwise activation modules: each call of one is a layer of a model that is not an mlp.
ACTIVATION_MODULES = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.RReLU,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Sigmoid,
    nn.Tanh,
    nn.Softsign,
    nn.Softplus,
    nn.Hardtanh,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.LogSigmoid,
    nn.Tanhshrink,
    nn.Softshrink,
    nn.Hardshrink,
    nn.Threshold,
)
WEIGHT_MODULES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def course_activation_name(module: nn.Module) -> str | None:
    """The name in ACTIVATIONS of an activation module, where the course defines it exactly."""
    from .activations import LEAKY_SLOPE

    if isinstance(module, nn.LeakyReLU):
        return "leaky_relu" if module.negative_slope == LEAKY_SLOPE else None
    if isinstance(module, nn.ELU):
        return "elu" if module.alpha == 1.0 else None
    if isinstance(module, nn.GELU):
        return "gelu" if module.approximate == "none" else None
    exact = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Softsign: "softsign"}
    return exact.get(type(module))


def _profile_any_model(model: nn.Module, x, y, loss, seed) -> Profile:
    from .activations import SATURATION_RATIO

    activations = [
        (name, m) for name, m in model.named_modules() if isinstance(m, ACTIVATION_MODULES)
    ]
    if not activations:
        raise ValueError(
            f"profile looks for activation modules (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, "
            f"nn.SiLU, … "
            f"or a model from helpers.mlp) and found none in this {type(model).__name__}: write "
            f"the "
            f"activations as modules (nn.ReLU()) rather than functions (F.relu) so that the probe "
            f"can see them"
        )
    x = torch.as_tensor(x, dtype=torch.float32)
    loss = _loss_function(loss)
    calls, last_weight, handles, inplace = [], [None], [], []
    names = {id(m): n for n, m in activations}

    def on_weight(module, inputs, output):
        last_weight[0] = module

    def on_activation(module, inputs, output):
        z = inputs[0]
        if z.requires_grad:
            z.retain_grad()
        calls.append((names[id(module)], module, z, output, last_weight[0]))

    for name, module in activations:
        if getattr(module, "inplace", False):  # an in-place activation would overwrite z
            module.inplace = False
            inplace.append(module)
        handles.append(module.register_forward_hook(on_activation))
    handles += [
        m.register_forward_hook(on_weight) for m in model.modules() if isinstance(m, WEIGHT_MODULES)
    ]
    model.zero_grad(set_to_none=True)
    try:
        with np.errstate(all="ignore"):
            try:
                # a detached view: the caller's tensor is left as it was
                out = model(x.detach().requires_grad_())
            except RuntimeError as error:
                raise ValueError(
                    f"the model could not run on x of shape {tuple(x.shape)}: {error}"
                ) from None
            loss_value = _backward(out, y, loss, seed)
    finally:
        for handle in handles:
            handle.remove()
        for module in inplace:
            module.inplace = True

    seen = {}
    layer_names, activation_names, z_list, a_list, dz_list, weight_grads = [], [], [], [], [], []
    means, stds, grad_stds, saturated, dead, channel_a, channel_dz = [], [], [], [], [], [], []
    for name, module, z, a, weight_module in calls:
        seen[name] = seen.get(name, 0) + 1
        layer_names.append(name if seen[name] == 1 else f"{name} (call {seen[name]})")
        course = course_activation_name(module)
        activation_names.append(course)
        z_np, a_np = z.detach().numpy(), a.detach().numpy()
        dz_np = z.grad.numpy() if z.grad is not None else np.full(z.shape, np.nan, dtype=np.float32)
        # the activation's slope at every entry, by autograd on the recorded pre-activations
        z_again = z.detach().clone().requires_grad_()
        with torch.enable_grad():
            # (+ 0.0: a copy that is not a leaf, which even an in-place activation may overwrite)
            slope = torch.autograd.grad(module(z_again + 0.0).sum(), z_again)[0].numpy()
        batch = len(z_np)
        with np.errstate(all="ignore"):
            means.append(a_np.reshape(batch, -1).mean(dtype=np.float64))
            stds.append(a_np.reshape(batch, -1).std(dtype=np.float64))
            grad_stds.append(dz_np.reshape(batch, -1).std(dtype=np.float64))
            dead.append(float((slope.reshape(batch, -1) == 0).all(axis=0).mean()))
            if course is not None and get_activation(course).saturates:
                peak = get_activation(course).peak_derivative
                saturated.append(float((np.abs(slope) < SATURATION_RATIO * peak).mean()))
            elif course is not None:
                saturated.append(0.0)  # piecewise linear: no flat tails, its zero slope is "dead"
            else:
                saturated.append(np.ma.masked)
            per_channel = z_np.ndim >= 3  # (batch, channels, positions…)
            channel_a.append(
                np.moveaxis(a_np, 1, 0).reshape(a_np.shape[1], -1).std(axis=1, dtype=np.float64)
                if per_channel
                else None
            )
            channel_dz.append(
                np.moveaxis(dz_np, 1, 0).reshape(dz_np.shape[1], -1).std(axis=1, dtype=np.float64)
                if per_channel
                else None
            )
        z_list.append(z_np), a_list.append(a_np), dz_list.append(dz_np)
        weight_grads.append(weight_module.weight.grad if weight_module is not None else None)
    stats = dict(
        activation_mean=np.array(means),
        activation_std=np.array(stds),
        saturated_fraction=np.ma.array(
            [0.0 if v is np.ma.masked else v for v in saturated],
            mask=[v is np.ma.masked for v in saturated],
        ),
        dead_fraction=np.array(dead),
        grad_std=np.array(grad_stds),
        weight_grad_norm=np.array(
            [
                float(torch.linalg.vector_norm(g.double())) if g is not None else np.nan
                for g in weight_grads
            ]
        ),
    )
    if not stats["saturated_fraction"].mask.any():
        stats["saturated_fraction"] = stats["saturated_fraction"].data
    return _with_finiteness(
        stats,
        loss_value,
        z_list,
        a_list,
        dz_list,
        layer_names=layer_names,
        activation_names=activation_names,
        channel_activation_std=channel_a,
        channel_grad_std=channel_dz,
    )


# A fresh network is built this many layers at a time and shared by every shallower probe.
BUILD_DEPTH_STEP = 20


@dataclass
class _ForwardPass:
    """A built network's forward pass on its probe batch, every layer's pre-activation z and
    activation a kept with the autograd graph, so that back-propagation can start from any
    layer (retain_graph) as often as a slider asks; and its forward statistics, which do not
    depend on where back-propagation starts."""

    layers: list
    pre: list[torch.Tensor]
    post: list[torch.Tensor]
    z: list[np.ndarray]  # zero-copy, read-only views of pre and post
    a: list[np.ndarray]
    statistics: dict[str, np.ndarray]


def _read_only(arrays):
    """Mark numpy arrays (or a list of them) read-only, so that no caller can change what a
    later caller gets from the cache; returns them."""
    for array in arrays:
        array.setflags(write=False)
    return arrays


class _Bounded(OrderedDict):
    """A dict that forgets its least recently used entries beyond ``size``."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class FreshNetworkCache:
    """What the live figures' probe keeps between slider steps, in one place.

    - ``forward``: built networks' forward passes (at most 12: a 60-layer net of width 128 is
      4 MB of weights, its kept forward pass ~16 MB);
    - ``deepest``: for each probe setting, the deepest network built for it so far: every
      shallower probe is cut from that one, so a slider dragged down from 41 to 40 layers does
      not build anew;
    - ``profiles``: finished profiles (at most 64; each keeps its per-layer arrays).

    Every cached array is read-only, and each caller gets its own copy of a cached Profile, so
    no caller can corrupt what a later figure draws. Forgotten when the course seed changes."""

    def __init__(self):
        self.forward = _Bounded(12)
        self.deepest: dict[tuple, int] = {}
        self.profiles = _Bounded(64)

    def clear(self) -> None:
        self.forward.clear()
        self.deepest.clear()
        self.profiles.clear()

    def forward_covering(self, depth: int, setting: tuple) -> _ForwardPass:
        built = max(BUILD_DEPTH_STEP * -(-depth // BUILD_DEPTH_STEP), self.deepest.get(setting, 0))
        self.deepest[setting] = built
        return self.forward.get_or_make((built, *setting), lambda: _build_forward(built, *setting))


def _build_forward(
    depth: int, width: int, activation: str, init: str | float, batch: int, seed: int
) -> _ForwardPass:
    net = mlp(depth, width, activation, init, seed=seed)
    layers = _hidden_layers(net)
    with _recording(layers) as (pre, post), np.errstate(all="ignore"):
        net(gaussian_batch(batch, width, seed=seed))
    z, a = (
        _read_only([t.detach().numpy() for t in pre]),
        _read_only([t.detach().numpy() for t in post]),
    )
    names = [name for _, _, name in layers]
    statistics = _all_forward_statistics(z, a, names)
    _read_only(statistics.values())
    return _ForwardPass(layers, pre, post, z, a, statistics)


FRESH_NETWORKS = FreshNetworkCache()


@forget_on_reseed
def clear_caches() -> None:
    """Forget every cached network, forward pass and profile (e.g. to time a probe from scratch)."""
    FRESH_NETWORKS.clear()


def profile_fresh_mlp(
    depth: int,
    width: int,
    activation: str,
    init: str | float,
    batch: int = 128,
    seed: int = 0,
    weight_gradients: bool = True,
) -> Profile:
    """``profile`` of a freshly built ``mlp(depth, width, activation, init, seed=seed)`` on a
    standard-normal probe batch of ``batch`` examples: what every per-layer figure shows.

    ``mlp`` draws the weights layer after layer from one seeded stream, so the first ``depth``
    layers of a deeper network *are* this network, and their forward pass is the first
    ``depth`` layers of the deeper one's. So the forward pass and its statistics are computed
    once, for a network built ``BUILD_DEPTH_STEP`` layers at a time (or the deepest one built
    already), and a depth slider costs only the backward pass from layer ``depth``. The
    numbers are exactly ``profile``'s (a test checks). Cached too (``FRESH_NETWORKS``): a slider
    that comes back to a setting costs nothing. The arrays of the result are read-only.
    ``weight_gradients=False`` leaves ``weight_grad_norm`` out (None): a third less
    back-propagation, for figures that draw only the gradients dL/dz."""
    key = (depth, width, activation, init, batch, seed, weight_gradients)
    cached = FRESH_NETWORKS.profiles.get_or_make(
        key, lambda: _profile_fresh(depth, width, activation, init, batch, seed, weight_gradients)
    )
    return replace(cached)  # the caller's own Profile object, sharing the read-only arrays


def _profile_fresh(depth, width, activation, init, batch, seed, weight_gradients) -> Profile:
    forward = FRESH_NETWORKS.forward_covering(depth, (width, activation, init, batch, seed))
    layers, pre, post = forward.layers[:depth], forward.pre[:depth], forward.post[:depth]
    weights = [linear.weight for linear, _, _ in layers] if weight_gradients else []
    with np.errstate(all="ignore"):
        grads = torch.autograd.grad(
            post[-1],
            pre + weights,
            grad_outputs=_seed_gradient(post[-1].shape, seed),
            retain_graph=True,
        )
    result = _summarise(
        forward.z[:depth],
        forward.a[:depth],
        _read_only([g.numpy() for g in grads[:depth]]),
        [name for _, _, name in layers],
        grads[depth:] if weight_gradients else None,
        None,
        forward={key: value[:depth] for key, value in forward.statistics.items()},
    )
    _read_only([result.grad_std] + ([result.weight_grad_norm] if weight_gradients else []))
    return result


@dataclass
class StreamProfile:
    """The residual stream of an ``mlp``: the signal h_l between blocks (h_0 the input, h_L the
    last block's output) and the gradient ∂L/∂h_l flowing back along it. Each entry is a root
    mean square over the batch and the units, index 0 = the input."""

    signal_rms: np.ndarray  # rms of h_l, l = 0..depth
    gradient_rms: np.ndarray  # rms of ∂L/∂h_l, l = 0..depth
    signals: list[np.ndarray] = field(default_factory=list, repr=False)  # h_l itself (float64)

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.signal_rms).all() and np.isfinite(self.gradient_rms).all())


def stream_profile(model: MLP, x, y=None, *, loss=None, seed: int = 0) -> StreamProfile:
    """One forward/backward pass through an ``mlp``, measured *between* its blocks: where a
    residual network adds its shortcut, ∂L/∂h_l = ∂L/∂h_{l+1}·(I + ∂F/∂h_l). (``profile``
    measures inside the blocks, at each activation.) ``y``, ``loss`` and ``seed`` as in
    ``profile``; the readout, if any, is applied after the last block."""
    if not isinstance(model, MLP):
        raise ValueError(
            f"stream_profile needs a model from helpers.mlp; got {type(model).__name__}"
        )
    x = torch.as_tensor(x, dtype=torch.float32)
    stream = [x.clone().requires_grad_(True)]
    with np.errstate(all="ignore"):
        for block in model.hidden:
            stream.append(block(stream[-1]))
            stream[-1].retain_grad()
        out = model.readout(stream[-1]) if model.readout is not None else stream[-1]
        model.zero_grad(set_to_none=True)
        _backward(out, y, _loss_function(loss), seed)

    def rms(tensors):
        return np.array(
            [
                float(torch.sqrt(torch.mean(t.detach().double() ** 2))) if t is not None else np.nan
                for t in tensors
            ]
        )

    return StreamProfile(
        rms(stream), rms([h.grad for h in stream]), [h.detach().double().numpy() for h in stream]
    )
