"""The one model builder of the course: a multi-layer perceptron with every knob the chapters
turn (depth, width, activation, initialization, residual connections, normalization).

Each hidden layer is Linear → (norm) → activation, plus its input when ``residual=True``. The
activation is a module of its own in every layer, so the probe can hook on it and see both the
pre-activation z (its input) and the activation a (its output).
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .activations import get_activation
from .inits import get_init
from .seeding import generator as random_stream
from .validation import check_int

NORMS = {
    None: None,
    "batch": nn.BatchNorm1d,
    "layer": nn.LayerNorm,
}


class HiddenLayer(nn.Module):
    def __init__(self, in_features, width, activation, norm, residual):
        super().__init__()
        self.linear = nn.Linear(in_features, width)
        self.norm = NORMS[norm](width) if norm else None  # no module call per step without one
        self.activation = get_activation(activation).module()
        self.activation_name = activation
        # A residual sum needs matching shapes: a first layer that changes the width is plain.
        self.residual = residual and in_features == width

    def forward(self, h):
        z = self.linear(h)
        a = self.activation(z if self.norm is None else self.norm(z))
        return h + a if self.residual else a


class MLP(nn.Module):
    def __init__(self, hidden: list[HiddenLayer], readout: nn.Linear | None, settings: dict):
        super().__init__()
        self.hidden = nn.ModuleList(hidden)
        self.readout = readout
        self.settings = settings  # the arguments mlp() was called with, for captions and repr

    def forward(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.readout(x) if self.readout is not None else x

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.settings.items())


def mlp(depth: int, width: int, activation: str = "tanh", init: str | float = "xavier_normal", *,
        in_features: int | None = None, out_features: int | None = None,
        residual: bool = False, norm: str | None = None, seed: int = 0) -> MLP:
    """``depth`` hidden layers of ``width`` units; biases start at 0.

    ``in_features=None``: the input has ``width`` features. ``out_features=None``: no readout,
    the last hidden layer is the output; otherwise a final Linear (same init, no activation),
    not counted in ``depth``. ``init`` is a name from ``INITS`` or a float std (N(0, std²)).
    """
    check_int("depth", depth, 1)
    check_int("width", width, 1)
    get_activation(activation)
    weight_init = get_init(init)
    if in_features is not None:
        check_int("in_features", in_features, 1)
    if out_features is not None:
        check_int("out_features", out_features, 1)
    if norm not in NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer'; got {norm!r}")
    if not isinstance(residual, bool):
        raise ValueError(f"residual must be True or False; got {residual!r}")

    generator = random_stream(seed, "weights")
    sizes = [in_features or width] + [width] * depth
    hidden = [HiddenLayer(n_in, n_out, activation, norm, residual)
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    readout = nn.Linear(width, out_features) if out_features is not None else None
    for linear in [layer.linear for layer in hidden] + ([readout] if readout else []):
        weight_init(linear.weight, generator)
        nn.init.zeros_(linear.bias)
    settings = dict(depth=depth, width=width, activation=activation, init=init,
                    in_features=in_features, out_features=out_features,
                    residual=residual, norm=norm, seed=seed)
    return MLP(hidden, readout, settings)


@dataclass(frozen=True)
class Layer:
    """One weight layer of a model, as the probe and the training loop see it."""
    name: str  # e.g. "hidden.3.linear", "readout"
    weight_module: nn.Module  # the module whose ``weight`` this layer trains (an nn.Linear)
    activation: nn.Module | None  # the activation module after it (None: the readout)
    activation_name: str | None  # its name in ACTIVATIONS, where known

    @property
    def hidden(self) -> bool:
        return self.activation is not None


def layers(model: nn.Module) -> list[Layer]:
    """The weight layers of ``model``, input side first: the one place that decides what "a
    layer" is, for ``profile`` (the hidden ones) and ``train`` (all of them, for the per-layer
    norms it records). For an ``mlp``: each hidden layer's Linear with its activation module,
    then the readout. For any other model: every ``nn.Linear``, with no activation known."""
    if isinstance(model, MLP):
        found = [Layer(f"hidden.{i}.linear", layer.linear, layer.activation, layer.activation_name)
                 for i, layer in enumerate(model.hidden)]
        if model.readout is not None:
            found.append(Layer("readout", model.readout, None, None))
        return found
    return [Layer(name, module, None, None) for name, module in model.named_modules() if isinstance(module, nn.Linear)]
