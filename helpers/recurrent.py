"""Recurrent networks and how far back their gradients reach: torch's ``nn.RNN`` (tanh),
``nn.LSTM`` and ``nn.GRU``, a regression readout for sequence tasks, and the measurements
chapter 06 makes of them.

The quantity measured is the one back-propagation through time multiplies out: how strongly
the final hidden state h_T depends on what happened k steps earlier, either on the input
(∂h_T/∂x_{T−k}) or, for the vanilla RNN, on the hidden state itself (∂h_T/∂h_{T−k}, the
product of Jacobians Pascanu et al. 2013 bound). Measurements run in float64, so that a
gradient of 1e-60 is reported as such instead of underflowing to zero.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import torch
from torch import nn

from .seeding import generator as random_stream
from .validation import check_choice, check_float, check_int

KINDS = ("rnn", "lstm", "gru")
MAX_PROBE_ENTRIES = (
    20_000_000  # about 1 GB of float64 states and gradients in recurrent_gradient_norms
)
_MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def recurrent_core(
    kind: str,
    *,
    input_size: int = 1,
    hidden_size: int = 32,
    recurrent_scale: float = 1.0,
    forget_bias: float | None = None,
    seed: int = 0,
) -> nn.RNNBase:
    """One recurrent layer from torch (``batch_first``), built with PyTorch's default
    initialisation (every weight and bias U(−1/√H, 1/√H)) drawn from the course's seeded stream,
    except:

    - ``kind="rnn"`` (tanh): the recurrent matrix is a random orthogonal matrix times
      ``recurrent_scale``, so that the scale *is* its largest singular value λ₁;
    - ``kind="lstm"`` with ``forget_bias``: the forget gate's total bias (torch keeps two,
      ``bias_ih`` and ``bias_hh``; they are set to ``forget_bias`` and 0).
    """
    check_choice("kind", kind, KINDS)
    check_int("input_size", input_size, 1, 64)
    check_int("hidden_size", hidden_size, 1, 1024)
    scale = check_float("recurrent_scale", recurrent_scale, 0.0, 100.0, low_inclusive=False)
    if kind != "rnn" and scale != 1.0:
        raise ValueError(
            f"recurrent_scale applies to kind 'rnn' only (an orthogonal recurrent matrix "
            f"times the scale); got recurrent_scale={recurrent_scale!r} with kind {kind!r}"
        )
    if forget_bias is not None:
        if kind != "lstm":
            raise ValueError(
                f"forget_bias applies to kind 'lstm' only; got forget_bias={forget_bias!r} with "
                f"kind {kind!r}"
            )
        forget_bias = check_float("forget_bias", forget_bias, -20.0, 20.0)
    check_int("seed", seed, 0)

    core = _MODULES[kind](input_size, hidden_size, batch_first=True)
    g = random_stream(seed, "weights")
    bound = hidden_size**-0.5
    with torch.no_grad():
        for parameter in core.parameters():  # torch's default init, from our stream
            parameter.copy_(torch.rand(parameter.shape, generator=g) * 2 * bound - bound)
        if kind == "rnn":
            nn.init.orthogonal_(core.weight_hh_l0, gain=scale, generator=g)  # Haar-random, × λ₁
        if forget_bias is not None:
            gate = slice(
                hidden_size, 2 * hidden_size
            )  # torch's gate order: input, forget, cell, output
            core.bias_ih_l0[gate] = forget_bias
            core.bias_hh_l0[gate] = 0.0
    return core


class SequenceRegressor(nn.Module):
    """A recurrent core and a linear readout of its final hidden state: one number per sequence."""

    def __init__(self, core: nn.RNNBase):
        super().__init__()
        self.core = core
        self.readout = nn.Linear(core.hidden_size, 1)

    @property
    def kind(self) -> str:
        return {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru"}[type(self.core)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.core(x)
        return self.readout(states[:, -1]).squeeze(-1)


def sequence_model(
    kind: str,
    *,
    input_size: int = 2,
    hidden_size: int = 16,
    recurrent_scale: float = 1.0,
    forget_bias: float | None = None,
    seed: int = 0,
) -> SequenceRegressor:
    """``recurrent_core`` plus a linear readout, for a regression target such as the adding
    problem (input size 2: the value and the marker)."""
    core = recurrent_core(
        kind,
        input_size=input_size,
        hidden_size=hidden_size,
        recurrent_scale=recurrent_scale,
        forget_bias=forget_bias,
        seed=seed,
    )
    model = SequenceRegressor(core)
    g = random_stream(seed, "readout")
    bound = hidden_size**-0.5
    with torch.no_grad():
        for parameter in model.readout.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=g) * 2 * bound - bound)
    return model


def _core_of(model) -> nn.RNNBase:
    core = model.core if isinstance(model, SequenceRegressor) else model
    if (
        not isinstance(core, (nn.RNN, nn.LSTM, nn.GRU))
        or core.num_layers != 1
        or core.bidirectional
        or not core.batch_first
    ):
        raise ValueError(
            "model must be a one-layer, one-directional, batch_first nn.RNN, nn.LSTM or nn.GRU "
            f"(or a SequenceRegressor around one); got {type(model).__name__}"
        )
    return core


def _nonfinite_warning(values: np.ndarray, what: str) -> np.ndarray:
    bad = ~np.isfinite(values)
    if bad.any():
        warnings.warn(
            f"{what} is not finite at lags {np.flatnonzero(bad)[:5].tolist()}"
            f"{' …' if bad.sum() > 5 else ''}: the back-propagated gradient overflowed, or the "
            "ratio is 0/0 (no sensitivity at all at lag 0)",
            RuntimeWarning,
            stacklevel=3,
        )
    return values


def input_sensitivity(model, x: torch.Tensor, *, normalize: bool = True) -> np.ndarray:
    """Element k: the mean over the batch ``x`` (batch, steps, input size) of the Frobenius norm
    of ∂h_T/∂x_{T−k}, the final hidden state's sensitivity to the input k steps back; with
    ``normalize``, divided by the mean at k = 0 (a ratio of batch means, so element 0 is 1).

    ``model`` is a one-layer torch RNN/LSTM/GRU or a ``SequenceRegressor`` (e.g. a trained one);
    it is copied to float64 and not changed. One backward pass: the batch is repeated once per
    hidden unit, and copy j back-propagates unit j of h_T."""
    core = copy.deepcopy(_core_of(model)).double()
    if x.ndim != 3 or x.shape[2] != core.input_size:
        raise ValueError(
            f"x must have shape (batch, steps, {core.input_size}); got {tuple(x.shape)}"
        )
    batch, steps, _ = x.shape
    hidden = core.hidden_size
    repeated = x.double().repeat(hidden, 1, 1).requires_grad_(True)
    states, _ = core(repeated)
    selector = torch.eye(hidden, dtype=torch.float64).repeat_interleave(batch, dim=0)
    (gradient,) = torch.autograd.grad(states[:, -1], repeated, selector)
    norms = (
        gradient.reshape(hidden, batch, steps, -1).pow(2).sum(dim=(0, 3)).sqrt()
    )  # (batch, steps)
    by_lag = norms.mean(dim=0).flip(0).numpy()  # element k: lag k
    if normalize:
        with np.errstate(divide="ignore", invalid="ignore"):
            by_lag = by_lag / by_lag[0]
    return _nonfinite_warning(by_lag, "the input sensitivity")


def recurrent_gradient_norms(
    kind: str,
    *,
    hidden_size: int = 32,
    steps: int = 100,
    recurrent_scale: float = 1.0,
    forget_bias: float | None = None,
    batch_size: int = 16,
    seed: int = 0,
) -> np.ndarray:
    """How far back a fresh recurrent layer's gradient reaches: ``input_sensitivity`` of
    ``recurrent_core(kind, input_size=1, …)`` on a batch of ``batch_size`` random sequences
    x_t ~ N(0, 1) of length ``steps``, from a zero initial state. Element k is the ratio of
    batch means ‖∂h_T/∂x_{T−k}‖_F / ‖∂h_T/∂x_T‖_F, so element 0 is 1.0. A gradient that
    overflows comes back as inf/NaN entries, with a warning."""
    check_int("steps", steps, 1, 10_000)
    check_int("batch_size", batch_size, 1, 4096)
    check_int("hidden_size", hidden_size, 1, 1024)
    # The measurement holds hidden_size copies of the batch through every step, in float64.
    if hidden_size * batch_size * steps > MAX_PROBE_ENTRIES:
        raise ValueError(
            f"hidden_size × batch_size × steps must be at most {MAX_PROBE_ENTRIES:,} (the "
            f"measurement's memory); got {hidden_size} × {batch_size} × {steps}"
        )
    core = recurrent_core(
        kind,
        input_size=1,
        hidden_size=hidden_size,
        recurrent_scale=recurrent_scale,
        forget_bias=forget_bias,
        seed=seed,
    )
    x = torch.randn(batch_size, steps, 1, generator=random_stream(seed, "probe"))
    return input_sensitivity(core, x)


def _states(core: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        states, _ = core(x)
    return states


def hidden_jacobian_norms(
    model, x: torch.Tensor, *, every: int = 1, max_lag: int | None = None
) -> np.ndarray:
    """The mean over the batch of the spectral norm ‖∂s_T/∂s_{T−k}‖₂ of the product of the step
    Jacobians over the last k steps, at the lags k = 0, every, 2·every, … (element 0 is the
    identity's norm, 1). The state s is h for a tanh RNN — the product diag(1 − h_t²)·W_hh that
    Pascanu et al. bound by (γλ₁)^k, γ = 1 for tanh — and the pair (h, c) for an LSTM, whose step
    Jacobian has the cell's own path diag(f_t) and the paths through W_hh into every gate. A
    spectral norm is an SVD: ``every`` > 1 takes fewer of them, for a live figure; ``max_lag``
    stops the product there (default: the whole sequence)."""
    check_int("every", every, 1)
    steps = x.shape[1]
    last = steps - 1 if max_lag is None else check_int("max_lag", max_lag, 0, steps - 1)
    core = copy.deepcopy(_core_of(model)).double()
    if isinstance(core, nn.RNN) and core.nonlinearity == "tanh":
        step_jacobian = _rnn_step_jacobians(core, x.double())
    elif isinstance(core, nn.LSTM):
        step_jacobian = _lstm_step_jacobians(core, x.double())
    else:
        raise ValueError(
            "hidden_jacobian_norms measures a tanh nn.RNN or an nn.LSTM; for a GRU "
            "(or a ReLU RNN) use input_sensitivity"
        )
    product = None
    kept = []
    for k in range(last + 1):  # ∂s_T/∂s_{T−k} = (∂s_T/∂s_{T−k+1})·(step Jacobian at step T−k+1)
        product = step_jacobian(steps) if k == 0 else product @ step_jacobian(steps - k)
        if k % every == 0:
            kept.append(product)
    norms = torch.linalg.matrix_norm(torch.stack(kept), ord=2).mean(dim=1).numpy()
    return _nonfinite_warning(norms, "the hidden-state Jacobian")


def _rnn_step_jacobians(core: nn.RNN, x: torch.Tensor):
    """t ↦ the step Jacobian into the state of 0-based index t, ∂h[t]/∂h[t−1] (batch, H, H),
    for t = 1 … T−1, and the identity at t = T (where the product starts)."""
    states = _states(core, x)  # (batch, steps, hidden): h_1 … h_T
    weight = core.weight_hh_l0.detach()
    batch, steps, hidden = states.shape

    def jacobian(t):
        if t == steps:
            return torch.eye(hidden, dtype=torch.float64).expand(batch, hidden, hidden)
        return (1 - states[:, t] ** 2).unsqueeze(-1) * weight  # h[t] = tanh(… + W h[t−1])

    return jacobian


def _lstm_step_jacobians(core: nn.LSTM, x: torch.Tensor):
    """t ↦ ∂(h[t], c[t])/∂(h[t−1], c[t−1]) (batch, 2H, 2H), indexed as in _rnn_step_jacobians,
    from the gates recomputed along the run. With the gates i, f, g, o:
    ∂c/∂h = diag(c_{t−1} f(1−f)) W_f + diag(g i(1−i)) W_i + diag(i(1−g²)) W_g, ∂c/∂c = diag(f),
    ∂h/∂· = diag(o(1−tanh²c)) ∂c/∂· plus diag(tanh(c) o(1−o)) W_o on h."""
    hidden = core.hidden_size
    batch, steps, _ = x.shape
    with torch.no_grad():
        states, _ = core(x)
        previous = torch.cat([torch.zeros_like(states[:, :1]), states[:, :-1]], dim=1)
        pre = (
            x @ core.weight_ih_l0.T
            + core.bias_ih_l0
            + previous @ core.weight_hh_l0.T
            + core.bias_hh_l0
        )
        i, f, g, o = pre.chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        cells, c = [], torch.zeros(batch, hidden, dtype=torch.float64)
        for t in range(steps):
            c = f[:, t] * c + i[:, t] * g[:, t]
            cells.append(c)
        cells = torch.stack(cells, dim=1)  # c_1 … c_T
    w_i, w_f, w_g, w_o = core.weight_hh_l0.detach().chunk(4, dim=0)

    def jacobian(t):
        if t == steps:
            return torch.eye(2 * hidden, dtype=torch.float64).expand(batch, 2 * hidden, 2 * hidden)
        c_before = cells[:, t - 1]
        it, ft, gt, ot, ct = i[:, t], f[:, t], g[:, t], o[:, t], cells[:, t]
        dc_dh = (
            (c_before * ft * (1 - ft)).unsqueeze(-1) * w_f
            + (gt * it * (1 - it)).unsqueeze(-1) * w_i
            + (it * (1 - gt**2)).unsqueeze(-1) * w_g
        )
        dc_dc = torch.diag_embed(ft)
        through_c = (ot * (1 - torch.tanh(ct) ** 2)).unsqueeze(-1)
        dh_dh = (torch.tanh(ct) * ot * (1 - ot)).unsqueeze(-1) * w_o + through_c * dc_dh
        dh_dc = through_c * dc_dc
        return torch.cat(
            [torch.cat([dh_dh, dh_dc], dim=2), torch.cat([dc_dh, dc_dc], dim=2)], dim=1
        )

    return jacobian


def lstm_forget_gates(model, x: torch.Tensor) -> np.ndarray:
    """An LSTM's forget-gate values f_t on the batch ``x``: (batch, steps, hidden), recomputed
    from its hidden states as σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)."""
    core = _core_of(model)
    if not isinstance(core, nn.LSTM):
        raise ValueError(f"lstm_forget_gates needs an nn.LSTM; got {type(core).__name__}")
    states = _states(core, x)
    previous = torch.cat([torch.zeros_like(states[:, :1]), states[:, :-1]], dim=1)
    gate = slice(core.hidden_size, 2 * core.hidden_size)
    with torch.no_grad():
        pre = (
            x @ core.weight_ih_l0[gate].T
            + core.bias_ih_l0[gate]
            + previous @ core.weight_hh_l0[gate].T
            + core.bias_hh_l0[gate]
        )
    return torch.sigmoid(pre).numpy()


def forget_gate_products(model, x: torch.Tensor) -> np.ndarray:
    """Element k: the mean over the batch and the units of ∏ f_t over the last k steps — the
    factor by which the cell state's own path, c_T = f_T ⊙ c_{T−1} + …, carries c_{T−k} forward
    (element 0 is 1)."""
    gates = lstm_forget_gates(model, x)
    products = np.cumprod(gates[:, ::-1], axis=1)  # over the last 1, 2, … steps
    return np.concatenate([[1.0], products.mean(axis=(0, 2))])[: gates.shape[1]]
