"""06_lstm_gru: how far back a recurrent layer's gradient reaches (vanilla RNN, LSTM, GRU)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..exercises import exercise
from ..figures import ChoiceParam, FloatParam, interactive_figure
from ..plots import COLORS, per_lag
from ..recurrent import hidden_jacobian_norms, input_sensitivity, recurrent_core
from ..seeding import generator as random_stream
from ..seeding import seeded_cache

NOTEBOOK = "06_lstm_gru"
HIDDEN = 32
STEPS = 100
BATCH = (
    8  # half of recurrent_gradient_norms's 16: the live figure's measurements take 30 ms, not 100
)
JACOBIAN_EVERY = 3  # a spectral norm (an SVD per sequence) at every third lag
FORGET_BIASES = ("PyTorch default", "0", "1", "2", "3")


def forget_bias_value(choice: str) -> float | None:
    """The figure's forget-bias choice as ``recurrent_core``'s argument (None: PyTorch's own)."""
    return None if choice == "PyTorch default" else float(choice)


def probe_sequences(seed: int = 0, batch: int = BATCH, steps: int = STEPS) -> torch.Tensor:
    """The probe batch of ``recurrent_gradient_norms``: x_t ~ N(0, 1), input size 1."""
    return torch.randn(batch, steps, 1, generator=random_stream(seed, "probe"))


@seeded_cache(maxsize=64)
def rnn_measurements(recurrent_scale: float, seed: int = 0):
    """(‖∂h_T/∂h_{T−k}‖₂ per lag, input sensitivity per lag) of a fresh tanh RNN whose recurrent
    matrix is orthogonal × ``recurrent_scale``."""
    core = recurrent_core("rnn", hidden_size=HIDDEN, recurrent_scale=recurrent_scale, seed=seed)
    x = probe_sequences(seed)
    return hidden_jacobian_norms(core, x, every=JACOBIAN_EVERY), input_sensitivity(core, x)


@seeded_cache(maxsize=16)
def gated_sensitivity(kind: str, forget_bias: float | None, seed: int = 0) -> np.ndarray:
    core = recurrent_core(kind, hidden_size=HIDDEN, forget_bias=forget_bias, seed=seed)
    return input_sensitivity(core, probe_sequences(seed))


FLOOR, CEILING = 1e-30, 1e15


@interactive_figure(
    explore={"recurrent_scale": [0.5, 0.9, 1.0, 1.1, 1.5, 2.0, 3.0]},
    notebook=NOTEBOOK,
    title="How far back the gradient reaches: RNN, LSTM and GRU",
    params={
        "recurrent_scale": FloatParam(0.25, 4.0, 1.0, log=True, label="RNN: λ₁ of W_hh"),
        "forget_bias": ChoiceParam(FORGET_BIASES, "PyTorch default", label="LSTM forget bias"),
    },
    presets={
        "RNN λ₁ = 0.9: vanishing": {"recurrent_scale": 0.9, "forget_bias": "PyTorch default"},
        "RNN λ₁ = 1": {"recurrent_scale": 1.0, "forget_bias": "PyTorch default"},
        "RNN λ₁ = 2: exploding": {"recurrent_scale": 2.0, "forget_bias": "PyTorch default"},
        "LSTM forget bias 3": {"recurrent_scale": 1.0, "forget_bias": "3"},
    },
    frame=lambda v: [{"xlim": (0, STEPS - 1), "ylim": (FLOOR, CEILING)}] * 2,
)
def bptt_gradients(fig, recurrent_scale, forget_bias):
    jacobian, rnn_input = rnn_measurements(recurrent_scale)
    left, right = fig.subplots(1, 2, sharey=True)
    lags = np.arange(STEPS)
    with np.errstate(over="ignore"):
        bound = recurrent_scale ** lags.astype(float)
    left.plot(lags, bound, color=COLORS["predicted"], linestyle=":", label=r"bound $\lambda_1^k$")
    per_lag(left, jacobian, lags=lags[::JACOBIAN_EVERY], color=COLORS["rnn"], label="measured")
    left.set_ylabel(r"$\|\partial h_T/\partial h_{T-k}\|_2$")
    left.set_title(f"tanh RNN, λ₁ = {recurrent_scale:.3g}")
    left.legend(loc="lower left")

    per_lag(right, rnn_input, color=COLORS["rnn"], label=f"RNN (λ₁ = {recurrent_scale:.3g})")
    per_lag(
        right,
        gated_sensitivity("lstm", forget_bias_value(forget_bias)),
        color=COLORS["lstm"],
        label=f"LSTM (forget bias: {forget_bias})",
    )
    per_lag(right, gated_sensitivity("gru", None), color=COLORS["gru"], label="GRU")
    right.set_ylabel(r"$\|\partial h_T/\partial x_{T-k}\|$ ÷ lag 0")
    right.set_title("input sensitivity")
    right.legend(loc="lower left")
    for ax in (left, right):
        ax.set_ylim(FLOOR, CEILING)
        ax.set_yticks(10.0 ** np.arange(-30, 16, 5))
        ax.set_xlim(0, STEPS - 1)
    reach = _reach(rnn_input)
    fig.suptitle(
        f"{HIDDEN} units, {STEPS} steps: the RNN's input sensitivity stays above 10⁻³ for "
        f"{reach} steps"
    )


def _reach(sensitivity: np.ndarray, level: float = 1e-3) -> str:
    """How many steps back the sensitivity stays above ``level`` ("all 99" if it never drops)."""
    below = np.flatnonzero(~(sensitivity >= level))
    return (
        f"all {len(sensitivity) - 1}"
        if len(below) == 0
        else str(int(below[0]) - 1 if below[0] else 0)
    )


@exercise(
    "06.1",
    "Predict, then run: an LSTM's forget gates all sit at σ(2). By what factor does "
    "the cell state's own path carry c_{T−20} into c_T?",
    hint="c_T = f ⊙ c_{T−1} + …: twenty factors of σ(2) = 1/(1 + e^(−2)).",
)
def _forget_product():
    return (1 / (1 + math.exp(-2))) ** 20


@exercise(
    "06.2",
    "A tanh RNN has an orthogonal recurrent matrix times 0.8. Bound ‖∂h_T/∂h_{T−30}‖₂ "
    "from above (Pascanu et al.'s bound, γ = 1 for tanh).",
    hint="(γ·λ₁)^k with λ₁ = 0.8 and k = 30.",
)
def _rnn_bound():
    return 0.8**30


@exercise(
    "06.3",
    "Which forget bias keeps more than half of the cell state's own signal over 50 "
    "steps, if the gate sits at σ(b)? Give the smallest b (to two decimals).",
    hint="σ(b)^50 = 1/2, so σ(b) = 2^(−1/50) and b = log(σ/(1 − σ)).",
    rel_tolerance=0.01,
)
def _forget_bias_for_half():
    gate = 2 ** (-1 / 50)
    return math.log(gate / (1 - gate))
