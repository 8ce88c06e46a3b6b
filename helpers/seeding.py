"""Random streams. Every random draw in the course comes from an explicit generator, derived from
three numbers: the *course seed* (``setup(seed=…)``, overridden for a whole run by the
environment variable ``COURSE_SEED``), the ``seed=`` argument of the call that draws, and the
call's *purpose*. So

- one purpose gets its own stream, so that ``mlp(seed=0)`` and ``gaussian_batch(seed=0)`` do not
  draw the same numbers (they would: a weight matrix equal to the probe input doubles the first
  layer's variance);
- distinct calls stay distinct (``mlp(seed=0)`` and ``mlp(seed=1)``), and
- another course seed changes *every* stream at once: ``COURSE_SEED=3 python -m pytest notebooks``
  runs every notebook on other random numbers, which is how we check that a claim is not luck.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import torch

from .validation import check_int

PURPOSES = {"weights": 1, "data": 2, "probe": 3, "batches": 4, "readout": 5}
ENVIRONMENT_VARIABLE = "COURSE_SEED"

_course_seed = 0
_forget_on_reseed = []  # cache_clear functions of caches whose values depend on the streams


def course_seed() -> int:
    return _course_seed


def seed_from_environment(default: int) -> int:
    """``COURSE_SEED`` when it is set (a whole number >= 0), else ``default``."""
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    return check_int(
        f"the environment variable {ENVIRONMENT_VARIABLE}", value if value is not None else text, 0
    )


def set_course_seed(seed: int) -> None:
    """Make ``seed`` the course seed, and forget everything cached from the old streams."""
    global _course_seed
    _course_seed = check_int("seed", seed, 0)
    forget_cached_draws()


def forget_cached_draws() -> None:
    """Empty every cache registered with ``forget_on_reseed`` or ``seeded_cache`` (e.g. to time
    a computation from scratch)."""
    for clear in _forget_on_reseed:
        clear()


def forget_on_reseed(clear):
    """Register ``clear()`` to run when the course seed changes; returns it."""
    _forget_on_reseed.append(clear)
    return clear


def seeded_cache(maxsize: int):
    """``functools.lru_cache`` for functions whose results depend on the random streams: its
    entries are forgotten when the course seed changes."""

    def decorate(function):
        cached = lru_cache(maxsize=maxsize)(function)
        forget_on_reseed(cached.cache_clear)
        return cached

    return decorate


def _state(seed: int, purpose: str) -> int:
    sequence = np.random.SeedSequence([_course_seed, int(seed), PURPOSES[purpose]])
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def generator(seed: int, purpose: str) -> torch.Generator:
    """A torch generator for ``purpose`` ("weights", "data", "probe", "batches", "readout")."""
    return torch.Generator().manual_seed(_state(seed, purpose))


def numpy_generator(seed: int, purpose: str) -> np.random.Generator:
    """The numpy counterpart of ``generator``, for draws made in numpy."""
    return np.random.default_rng(_state(seed, purpose))
