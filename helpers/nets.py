"""The one model builder of the course: a multi-layer perceptron with every knob the chapters
turn (depth, width, activation, initialization, residual connections, normalization).

The network is ``depth`` blocks of one of three kinds (``block=``):

- ``"single"``: Linear → (norm) → φ, plus its input when ``residual=True`` (one weight layer);
- ``"post"``: Linear → (norm) → φ → Linear → (norm) → (+ input) → φ: the block of He et al.
  2016a and of the lecture, with the activation *after* the sum (two weight layers);
- ``"pre"``: (norm) → φ → Linear → (norm) → φ → Linear → (+ input): the pre-activation block of
  He et al. 2016b, whose shortcut is a pure identity (two weight layers).

Without ``residual`` the same blocks make the plain network of the same depth. Every activation
is a module of its own, so the probe can hook on it and see both the pre-activation z (its
input) and the activation a (its output).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from .activations import get_activation
from .inits import get_init
from .seeding import forget_on_reseed
from .seeding import generator as random_stream
from .validation import check_choice, check_int

NORMS = {
    None: None,
    "batch": nn.BatchNorm1d,
    "layer": nn.LayerNorm,
}


BLOCKS = ("single", "post", "pre")
# What the residual branch F is multiplied by, h + s·F(h): "plain" s = 1; "scaled" s = 1/√depth;
# "skipinit" a learnable scalar starting at 0 (De & Smith 2020); "fixup" s = 1, the branch's last
# weight layer starts at 0 and the others are scaled by depth^(−1/(2m−2)) (Zhang et al. 2019,
# m = 2 weight layers per branch; their scalar biases and multiplier are left out).
BRANCHES = ("plain", "scaled", "fixup", "skipinit")
FIXUP_BRANCH_LAYERS = 2  # Fixup's m: the weight layers of a two-layer block's branch


class _Branch(nn.Module):
    """What the blocks share: the shortcut (only where the shapes match: a first block that
    changes the width is plain) and the branch's multiplier."""

    def _setup_shortcut(self, in_features, width, residual, branch, depth):
        self.residual = residual and in_features == width
        self.branch_scale = 1 / math.sqrt(depth) if branch == "scaled" else 1.0
        self.gate = (
            nn.Parameter(torch.zeros(())) if branch == "skipinit" and self.residual else None
        )

    def _add(self, h, f):
        if not self.residual:
            return f
        if self.gate is not None:
            f = self.gate * f
        return h + (self.branch_scale * f if self.branch_scale != 1.0 else f)


class HiddenLayer(_Branch):
    """``block="single"``: Linear → (norm) → φ, plus its input when residual."""

    def __init__(self, in_features, width, activation, norm, residual, branch="plain", depth=1):
        super().__init__()
        self.linear = nn.Linear(in_features, width)
        self.norm = NORMS[norm](width) if norm else None  # no module call per step without one
        self.activation = get_activation(activation).module()
        self.activation_name = activation
        self._setup_shortcut(in_features, width, residual, branch, depth)

    def forward(self, h):
        z = self.linear(h)
        a = self.activation(z if self.norm is None else self.norm(z))
        return self._add(h, a)

    def linears(self):
        return [self.linear]


class TwoLayerBlock(_Branch):
    """``block="post"`` (He et al. 2016a, the lecture's): x → Linear → norm → φ → Linear → norm →
    (+x) → φ. ``block="pre"`` (He et al. 2016b): x → norm → φ → Linear → norm → φ → Linear → (+x).
    Without a shortcut either is two plain layers."""

    def __init__(
        self, in_features, width, activation, norm, residual, order, branch="plain", depth=1
    ):
        super().__init__()
        self.order = order
        self.linear1 = nn.Linear(in_features, width)
        self.linear2 = nn.Linear(width, width)
        first_norm_width = width if order == "post" else in_features
        self.norm1 = NORMS[norm](first_norm_width) if norm else None
        self.norm2 = NORMS[norm](width) if norm else None
        self.activation1 = get_activation(activation).module()
        self.activation2 = get_activation(activation).module()
        self.activation_name = activation
        self._setup_shortcut(in_features, width, residual, branch, depth)

    @staticmethod
    def _maybe(norm, x):
        return x if norm is None else norm(x)

    def forward(self, h):
        if self.order == "post":
            f = self._maybe(
                self.norm2, self.linear2(self.activation1(self._maybe(self.norm1, self.linear1(h))))
            )
            return self.activation2(self._add(h, f))
        f = self.linear2(
            self.activation2(
                self._maybe(self.norm2, self.linear1(self.activation1(self._maybe(self.norm1, h))))
            )
        )
        return self._add(h, f)

    def linears(self):
        return [self.linear1, self.linear2]


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

    @property
    def single_layer_blocks(self) -> bool:
        """One weight layer and one activation per block (``block="single"``): the layout in which
        ``layers`` pairs each Linear with its activation and ``profile`` takes its fast path."""
        return self.settings["block"] == "single"

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.settings.items())


def mlp(
    depth: int,
    width: int,
    activation: str = "tanh",
    init: str | float = "xavier_normal",
    *,
    in_features: int | None = None,
    out_features: int | None = None,
    residual: bool = False,
    norm: str | None = None,
    block: str = "single",
    branch: str = "plain",
    seed: int = 0,
) -> MLP:
    """``depth`` blocks of ``width`` units; biases start at 0.

    ``block``: "single" (one weight layer per block: ``depth`` hidden layers), "post" or "pre"
    (two weight layers per block, see the module's docstring). ``residual=True`` adds each
    block's input to its output (where the widths match). ``branch`` (residual networks only):
    "plain", "scaled" (the branch times 1/√depth), "fixup" (two-layer blocks only) or
    "skipinit"; see ``BRANCHES``. ``norm``: None, "batch" (BatchNorm1d) or "layer".
    ``in_features=None``: the input has ``width`` features. ``out_features=None``: no readout,
    the last block is the output; otherwise a final Linear (same init, no activation), not
    counted in ``depth``. ``init`` is a name from ``INITS`` or a float std (N(0, std²)).
    """
    settings = dict(
        depth=depth,
        width=width,
        activation=activation,
        init=init,
        in_features=in_features,
        out_features=out_features,
        residual=residual,
        norm=norm,
        block=block,
        branch=branch,
        seed=seed,
    )
    return _build(_checked(settings))[0]


def _checked(settings: dict) -> dict:
    """``mlp``'s arguments, each checked (ValueError naming what is allowed); returns them."""
    depth, width, activation, init = (settings[k] for k in ("depth", "width", "activation", "init"))
    in_features, out_features, residual, norm = (
        settings[k] for k in ("in_features", "out_features", "residual", "norm")
    )
    block, branch = settings["block"], settings["branch"]
    check_int("depth", depth, 1)
    check_int("width", width, 1)
    get_activation(activation)
    get_init(init)
    if in_features is not None:
        check_int("in_features", in_features, 1)
    if out_features is not None:
        check_int("out_features", out_features, 1)
    if norm not in NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer'; got {norm!r}")
    if not isinstance(residual, bool):
        raise ValueError(f"residual must be True or False; got {residual!r}")
    check_choice("block", block, BLOCKS)
    check_choice("branch", branch, BRANCHES)
    if branch != "plain" and not residual:
        raise ValueError(f"branch={branch!r} changes a residual branch: it needs residual=True")
    if branch == "fixup" and block == "single":
        raise ValueError("branch='fixup' needs two weight layers per branch: block='post' or 'pre'")
    return settings


def _build(settings: dict, stream_states: bool = False) -> tuple[MLP, list]:
    """The network ``mlp(**settings)`` describes (``settings`` checked), and with ``stream_states``
    the weight stream's state after each block (index k: after k blocks)."""
    depth, width, block, branch = (
        settings["depth"],
        settings["width"],
        settings["block"],
        settings["branch"],
    )
    activation, norm, residual = settings["activation"], settings["norm"], settings["residual"]
    weight_init = get_init(settings["init"])
    generator = random_stream(settings["seed"], "weights")
    sizes = [settings["in_features"] or width] + [width] * depth
    hidden = [
        HiddenLayer(n_in, n_out, activation, norm, residual, branch, depth)
        if block == "single"
        else TwoLayerBlock(n_in, n_out, activation, norm, residual, block, branch, depth)
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]
    out_features = settings["out_features"]
    readout = nn.Linear(width, out_features) if out_features is not None else None
    # One stream, layer after layer: the first blocks of a deeper network are this network.
    states = [generator.get_state()] if stream_states else []
    for layer in hidden:
        for linear in layer.linears():
            weight_init(linear.weight, generator)
            nn.init.zeros_(linear.bias)
        if stream_states:
            states.append(generator.get_state())
    if readout is not None:
        weight_init(readout.weight, generator)
        nn.init.zeros_(readout.bias)
    if branch == "fixup":
        with torch.no_grad():
            for layer in hidden:
                if layer.residual:
                    layer.linear1.weight.mul_(depth ** (-1 / (2 * FIXUP_BRANCH_LAYERS - 2)))
                    layer.linear2.weight.zero_()
    return MLP(hidden, readout, settings), states


# Deep networks kept for mlp_view: settings (but depth) -> (network, its stream states).
_DEEPEST: OrderedDict = OrderedDict()
DEEPEST_KEPT = 6
VIEW_DEPTH_STEP = 10


@forget_on_reseed
def _forget_deepest() -> None:
    _DEEPEST.clear()


def mlp_view(
    depth: int,
    width: int,
    activation: str = "tanh",
    init: str | float = "xavier_normal",
    *,
    in_features: int | None = None,
    out_features: int | None = None,
    residual: bool = False,
    norm: str | None = None,
    seed: int = 0,
) -> MLP:
    """``mlp(depth, …)`` with exactly its weights, for looking at, not for training: a depth
    slider's probe. ``mlp`` draws the weights block after block from one stream, so the first
    ``depth`` blocks of a deeper network *are* this network's: they are cut from the deepest
    network built so far for these settings (built ``VIEW_DEPTH_STEP`` blocks at a time and
    kept), and only the readout is drawn, from where the stream stood after block ``depth``.
    The blocks are shared with every other view: training one (or anything that changes its
    weights) would change them all. Each view starts in training mode with fresh batch-norm
    statistics, as ``mlp``'s network does. Plain single-layer blocks only (a scaled or Fixup
    branch depends on the depth)."""
    settings = _checked(
        dict(
            depth=depth,
            width=width,
            activation=activation,
            init=init,
            in_features=in_features,
            out_features=out_features,
            residual=residual,
            norm=norm,
            block="single",
            branch="plain",
            seed=seed,
        )
    )
    key = (width, activation, init, in_features, out_features, residual, norm, seed)
    deepest = _DEEPEST.get(key)
    if deepest is None or len(deepest[0].hidden) < depth:
        built = VIEW_DEPTH_STEP * -(-depth // VIEW_DEPTH_STEP)
        deepest = _DEEPEST[key] = _build({**settings, "depth": built}, stream_states=True)
    _DEEPEST.move_to_end(key)
    while len(_DEEPEST) > DEEPEST_KEPT:
        _DEEPEST.popitem(last=False)
    network, states = deepest
    readout = None
    if out_features is not None:
        readout = nn.Linear(width, out_features)
        generator = torch.Generator().set_state(states[depth])
        get_init(init)(readout.weight, generator)
        nn.init.zeros_(readout.bias)
    view = MLP(list(network.hidden[:depth]), readout, settings)
    # The blocks are shared: whatever an earlier view did to their mode or their norms' running
    # statistics is undone, so that the view is what mlp() builds, buffers and mode included.
    view.train()
    for module in view.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
    return view


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
    norms it records). For an ``mlp`` of single-layer blocks: each hidden layer's Linear with its
    activation module, then the readout. For two-layer blocks and any other model: every
    ``nn.Linear``, with no activation known (``profile`` then finds the activation modules)."""
    if isinstance(model, MLP) and model.single_layer_blocks:
        found = [
            Layer(f"hidden.{i}.linear", layer.linear, layer.activation, layer.activation_name)
            for i, layer in enumerate(model.hidden)
        ]
        if model.readout is not None:
            found.append(Layer("readout", model.readout, None, None))
        return found
    return [
        Layer(name, module, None, None)
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
    ]
