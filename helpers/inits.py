"""Weight initializers, by name: the lecture's "small random numbers", Glorot's "standard" and
"normalized" (Xavier), He, LeCun, orthogonal and zeros.

Each entry knows the standard deviation it gives a weight (``std(fan_in, fan_out)``), which is
what the variance recursion in the notebooks needs, and fills a weight matrix in place from an
explicit ``torch.Generator`` so that every figure is reproducible. Wherever an init is accepted,
a float ``s`` means N(0, s²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .validation import check_choice, check_float


@dataclass(frozen=True)
class Init:
    name: str
    std: Callable[[int, int], float]  # (fan_in, fan_out) -> std of one weight
    fill: Callable[[torch.Tensor, torch.Generator], None]  # in place, weight is (fan_out, fan_in)
    formula: str

    def __call__(self, weight: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        with torch.no_grad():
            self.fill(weight, generator)
        return weight


def _normal(std_of: Callable[[int, int], float]):
    def fill(weight, generator):
        fan_out, fan_in = weight.shape
        nn.init.normal_(weight, 0.0, std_of(fan_in, fan_out), generator=generator)

    return fill


def _uniform(std_of: Callable[[int, int], float]):
    # U[-a, a] has std a/√3, so a = √3·std.
    def fill(weight, generator):
        fan_out, fan_in = weight.shape
        bound = math.sqrt(3) * std_of(fan_in, fan_out)
        nn.init.uniform_(weight, -bound, bound, generator=generator)

    return fill


def _orthogonal(weight, generator):
    nn.init.orthogonal_(weight, generator=generator)


def _zeros(weight, generator):
    nn.init.zeros_(weight)


_small = lambda fan_in, fan_out: 0.01
_standard = lambda fan_in, fan_out: 1 / math.sqrt(3 * fan_in)  # U[±1/√n]: n·Var = 1/3
_xavier = lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out))
_he = lambda fan_in, fan_out: math.sqrt(2 / fan_in)
_lecun = lambda fan_in, fan_out: 1 / math.sqrt(fan_in)
# A (semi-)orthogonal matrix has unit-norm rows or columns, so each entry has variance
# 1/max(fan_in, fan_out).
_orth_std = lambda fan_in, fan_out: 1 / math.sqrt(max(fan_in, fan_out))

INITS: dict[str, Init] = {
    i.name: i
    for i in [
        Init("small", _small, _normal(_small), r"W \sim \mathcal N(0, 0.01^2)"),
        Init(
            "standard",
            _standard,
            _uniform(_standard),
            r"W \sim U[-1/\sqrt{n_{in}},\ 1/\sqrt{n_{in}}]",
        ),
        Init(
            "xavier_uniform", _xavier, _uniform(_xavier), r"W \sim U[\pm\sqrt{6/(n_{in}+n_{out})}]"
        ),
        Init(
            "xavier_normal", _xavier, _normal(_xavier), r"W \sim \mathcal N(0,\ 2/(n_{in}+n_{out}))"
        ),
        Init("he_uniform", _he, _uniform(_he), r"W \sim U[\pm\sqrt{6/n_{in}}]"),
        Init("he_normal", _he, _normal(_he), r"W \sim \mathcal N(0,\ 2/n_{in})"),
        Init("lecun_normal", _lecun, _normal(_lecun), r"W \sim \mathcal N(0,\ 1/n_{in})"),
        Init("orthogonal", _orth_std, _orthogonal, r"W^\top W = I"),
        Init("zeros", lambda fan_in, fan_out: 0.0, _zeros, r"W = 0"),
    ]
}


def get_init(init: str | float) -> Init:
    """The initializer named ``init``, or N(0, init²) when ``init`` is a number."""
    if isinstance(init, (int, float)) and not isinstance(init, bool):
        std = check_float("init (a standard deviation)", init, 0.0)
        const = lambda fan_in, fan_out: std
        return Init(f"N(0, {std:g}²)", const, _normal(const), rf"W \sim \mathcal N(0, {std:g}^2)")
    return INITS[check_choice("init", init, INITS)]


def describe(init: str | float) -> str:
    """Short label for captions: 'xavier_normal' or 'std 0.01'."""
    return f"std {init:g}" if isinstance(init, (int, float)) else str(init)
