"""Exercises with a check: the student writes an answer, ``check`` says right, not yet, or
"not answered yet" (for ``None`` or ``...``), with a hint. Reference solutions live beside the
questions (``Exercise.solution``) and are exercised by the tests, so a checker can never drift
away from its own answer.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .validation import check_choice


@dataclass(frozen=True)
class Exercise:
    key: str  # "00.1": notebook number, exercise number
    question: str
    solution: Callable[[], Any]  # computes the reference answer
    hint: str = ""
    rel_tolerance: float = 0.02


@dataclass(frozen=True)
class Verdict:
    key: str
    status: str  # "right", "wrong" or "unanswered"
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "right"

    def __repr__(self):
        return self.message

    def _repr_html_(self):
        from .session import in_app

        if self.status == "unanswered" and in_app():
            return ""  # a Voilà app has no cell to answer in: no "not answered yet" line
        color = {"right": "#009E73", "wrong": "#D55E00", "unanswered": "#666666"}[self.status]
        return f'<p style="color:{color};font-weight:bold">{self.message}</p>'


EXERCISES: dict[str, Exercise] = {}


def exercise(key: str, question: str, *, hint: str = "", rel_tolerance: float = 0.02):
    """Decorator: register the reference solution of exercise ``key``."""

    def register(solution):
        EXERCISES[key] = Exercise(key, question, solution, hint, rel_tolerance)
        return solution

    return register


def _matches(answer, expected, rel_tolerance) -> bool:
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, (bool, np.bool_)):
        return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(expected)
    try:
        answer_array = np.asarray(answer, dtype=float)
        expected_array = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if answer_array.shape != expected_array.shape:
        return False
    return bool(np.allclose(answer_array, expected_array, rtol=rel_tolerance, atol=1e-12))


def check(key: str, answer) -> Verdict:
    """Compare the student's ``answer`` to exercise ``key``'s reference solution."""
    exercise_ = EXERCISES[check_choice("exercise", key, sorted(EXERCISES))]
    if answer is None or answer is Ellipsis:
        return Verdict(key, "unanswered", f"Exercise {key}: not answered yet.")
    if _matches(answer, exercise_.solution(), exercise_.rel_tolerance):
        return Verdict(key, "right", f"Exercise {key}: ✔ right.")
    hint = f" Hint: {exercise_.hint}" if exercise_.hint else ""
    expected = exercise_.solution()
    kind = (
        "a number"
        if isinstance(expected, numbers.Number)
        else "text"
        if isinstance(expected, str)
        else "an array"
        if np.ndim(expected)
        else "a value"
    )
    return Verdict(
        key,
        "wrong",
        f"Exercise {key}: ✘ not yet (expected {kind}, within {exercise_.rel_tolerance:.0%}).{hint}",
    )
