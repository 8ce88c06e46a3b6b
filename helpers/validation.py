"""Argument checks shared by every public helper.

Each check raises ``ValueError`` whose message names the argument, what it got, and the valid
choices or range, so that a student's typo gets an answer instead of a stack of torch internals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_int(name: str, value, low: int, high: int | None = None) -> int:
    in_range = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if in_range and high is not None:
        in_range = value <= high
    if not in_range:
        bounds = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be a whole number {bounds}; got {value!r}")
    return value


def check_float(
    name: str, value, low: float, high: float = math.inf, *, low_inclusive=True
) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    above = number >= low if low_inclusive else number > low
    if isinstance(value, (bool, str)) or not (above and number <= high):
        left = "[" if low_inclusive else "("
        raise ValueError(f"{name} must be a number in {left}{low}, {high}]; got {value!r}")
    return number


def check_bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return value
