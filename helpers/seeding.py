"""Random streams. Every random draw in the course comes from an explicit torch.Generator, and
each *purpose* gets its own stream derived from the seed, so that ``mlp(seed=0)`` and
``gaussian_batch(seed=0)`` do not draw the same numbers (they would: a weight matrix equal to
the probe input doubles the first layer's variance)."""
from __future__ import annotations

import numpy as np
import torch

PURPOSES = {"weights": 1, "data": 2, "probe": 3, "batches": 4}


def generator(seed: int, purpose: str) -> torch.Generator:
    state = np.random.SeedSequence([int(seed), PURPOSES[purpose]]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state))
