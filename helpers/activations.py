"""Activation functions: each with its numpy function, its derivative, and a torch module.

The notebooks plot ``function`` and ``derivative`` (numpy, so the maths stays visible) and the
model builder uses ``module()`` (torch). The unit tests check every derivative against autograd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from .validation import check_choice

LEAKY_SLOPE = 0.01
# Karpathy's rule of thumb calls a tanh unit saturated when |tanh(z)| > 0.97, i.e. where its
# derivative 1 - tanh² has fallen below 1 - 0.97² of its peak. We use that same fraction of the
# peak derivative for every activation, so "saturated" means the same thing for all of them.
SATURATION_RATIO = 1 - 0.97**2


@dataclass(frozen=True)
class Activation:
    name: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    module: Callable[[], nn.Module]
    peak_derivative: float
    # Piecewise-linear activations (ReLU family, identity) have no flat tails that slowly
    # squash the gradient: their zero-gradient side is reported as *dead*, not saturated.
    saturates: bool
    formula: str

    def __call__(self, z):
        return self.function(np.asarray(z, dtype=float))

    def saturated(self, derivative_values: torch.Tensor) -> torch.Tensor:
        """Boolean mask of units whose derivative has collapsed (see SATURATION_RATIO)."""
        if not self.saturates:
            return torch.zeros_like(derivative_values, dtype=torch.bool)
        return derivative_values.abs() < SATURATION_RATIO * self.peak_derivative


def _sigmoid(z):
    # σ(z) = ½(1 + tanh(z/2)): exact, and unlike 1/(1 + e^(−z)) it cannot overflow.
    return 0.5 * (1 + np.tanh(0.5 * z))


def _sigmoid_derivative(z):
    s = _sigmoid(z)
    return s * (1 - s)


def erf(z):
    # torch is loaded anyway; scipy.special would add 0.4 s to every notebook's start.
    return torch.special.erf(torch.as_tensor(z, dtype=torch.float64)).numpy()


def _gelu(z):
    return 0.5 * z * (1 + erf(z / math.sqrt(2)))


def _gelu_derivative(z):
    return 0.5 * (1 + erf(z / math.sqrt(2))) + z * np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "identity",
            lambda z: z * 1.0,
            lambda z: np.ones_like(z, dtype=float),
            nn.Identity,
            1.0,
            False,
            r"f(z) = z",
        ),
        Activation(
            "sigmoid",
            _sigmoid,
            _sigmoid_derivative,
            nn.Sigmoid,
            0.25,
            True,
            r"\sigma(z) = 1/(1+e^{-z})",
        ),
        Activation("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2, nn.Tanh, 1.0, True, r"\tanh(z)"),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0.0),
            lambda z: (z > 0).astype(float),
            nn.ReLU,
            1.0,
            False,
            r"\max(0, z)",
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
            lambda: nn.LeakyReLU(LEAKY_SLOPE),
            1.0,
            False,
            r"\max(0.01z, z)",
        ),
        Activation(
            "elu",
            lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
            lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
            nn.ELU,
            1.0,
            True,
            r"z \text{ if } z>0 \text{ else } e^z-1",
        ),
        Activation(
            "gelu",
            _gelu,
            _gelu_derivative,
            nn.GELU,
            # GELU's derivative peaks above 1, at z = √2 (about 1.129).
            _gelu_derivative(np.array(math.sqrt(2))).item(),
            True,
            r"z\,\Phi(z)",
        ),
        Activation(
            "softsign",
            lambda z: z / (1 + np.abs(z)),
            lambda z: 1 / (1 + np.abs(z)) ** 2,
            nn.Softsign,
            1.0,
            True,
            r"z/(1+|z|)",
        ),
    ]
}


def get_activation(name: str) -> Activation:
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
