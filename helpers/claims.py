"""Claims: a notebook states a finding, computes it, and checks it in one visible line.

``claim("the first layer's gradient is a millionth of the last's", ratio < 1e-6, ratio=ratio)``
prints ✔ with the measured numbers when it holds, and raises ``ClaimFailed`` when it does not,
so the notebook (and CI, which runs every notebook) fails the day the lesson stops being true.
"""
from __future__ import annotations

import numbers

import numpy as np


class ClaimFailed(AssertionError):
    pass


def _format(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.3g}"
    return str(value)


def claim(statement: str, holds, **measured) -> None:
    numbers_ = ", ".join(f"{name} = {_format(value)}" for name, value in measured.items())
    detail = f"  [{numbers_}]" if numbers_ else ""
    if not bool(holds):
        raise ClaimFailed(f"✘ claim no longer holds: {statement}{detail}")
    print(f"✔ {statement}{detail}")
