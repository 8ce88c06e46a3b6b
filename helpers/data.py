"""The course's data: scikit-learn's bundled handwritten digits (no download, ever) and seeded
synthetic tasks. Everything comes back as float32/long torch tensors, standardized with the
training split's statistics only.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .seeding import generator as random_stream
from .seeding import numpy_generator
from .validation import check_float, check_int


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        """The number of classes (0 for a regression target)."""
        return 0 if self.y_train.is_floating_point() else int(self.y_train.max()) + 1

    def __repr__(self):
        shape = "×".join(map(str, self.x_train.shape[1:]))
        target = f"{self.n_classes} classes" if self.n_classes else "a regression target"
        return (
            f"Dataset({self.name!r}: {len(self.x_train)} train / {len(self.x_test)} test, "
            f"inputs {shape}, {target})"
        )


@lru_cache(maxsize=None)
def _load_digits():
    """scikit-learn's bundled digits (no download, ever). We read the CSV that
    ``sklearn.datasets.load_digits`` reads, found without importing scikit-learn: importing
    ``sklearn.datasets`` costs 1.5 s, a tenth of a notebook's time budget. If a future release
    moves the file, we fall back to the public function (tests check both give the same data)."""
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if path.exists():
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)
        return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int64)


def digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 1,797 8×8 handwritten digits (10 classes), split at random with ``seed``."""
    check_float("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}")
    x, y = _load_digits()
    order = numpy_generator(seed, "data").permutation(len(x))
    n_test = int(round(test_fraction * len(x)))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1.0  # the corner pixels are always blank
    scale = lambda a: torch.from_numpy((a - mean) / std)
    return Dataset(
        "digits",
        scale(x[train]),
        torch.from_numpy(y[train]),
        scale(x[test]),
        torch.from_numpy(y[test]),
    )


def teacher(
    n_examples: int = 2000,
    in_features: int = 16,
    n_classes: int = 4,
    *,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> Dataset:
    """A synthetic classification task: Gaussian inputs labelled by a random two-layer tanh
    "teacher" network, so the task is learnable by construction and as large as a demo needs."""
    check_int("n_examples", n_examples, 10)
    check_int("in_features", in_features, 1)
    check_int("n_classes", n_classes, 2)
    check_float("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False)
    g = random_stream(seed, "data")
    x = torch.randn(n_examples, in_features, generator=g)
    hidden = torch.tanh(x @ torch.randn(in_features, 32, generator=g) / in_features**0.5)
    y = (hidden @ torch.randn(32, n_classes, generator=g)).argmax(dim=1)
    n_test = max(1, int(round(test_fraction * n_examples)))
    return Dataset("teacher", x[n_test:], y[n_test:], x[:n_test], y[:n_test])


def gaussian_batch(batch: int, features: int, seed: int = 0) -> torch.Tensor:
    """A batch of standard-normal inputs, the usual probe input of signal-propagation studies."""
    check_int("batch", batch, 1)
    check_int("features", features, 1)
    return torch.randn(batch, features, generator=random_stream(seed, "data"))


def adding_problem(n_sequences: int, length: int, seed: int = 0):
    """Hochreiter & Schmidhuber's adding problem, in its common modern form: ``x`` is
    (n, length, 2), a random value in [0, 1] and a 0/1 marker on exactly two positions (one in
    each half); ``y`` is the sum of the
    two marked values. Predicting the mean (1.0) gives the baseline mean squared error, 1/6."""
    check_int("n_sequences", n_sequences, 1)
    check_int("length", length, 2)
    g = random_stream(seed, "data")
    values = torch.rand(n_sequences, length, generator=g)
    half = length // 2
    first = torch.randint(0, half, (n_sequences,), generator=g)
    second = torch.randint(half, length, (n_sequences,), generator=g)
    markers = torch.zeros(n_sequences, length)
    rows = torch.arange(n_sequences)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)
    y = values[rows, first] + values[rows, second]
    return x, y


def adding_task(length: int, n_train: int = 8192, n_test: int = 1024, seed: int = 0) -> Dataset:
    """The adding problem of sequence ``length`` as a Dataset for ``train(loss="mse")``: training
    and test sequences drawn independently (inputs (n, length, 2), targets the sums)."""
    check_int("n_train", n_train, 1)
    check_int("n_test", n_test, 1)
    x_train, y_train = adding_problem(n_train, length, seed=seed)
    x_test, y_test = adding_problem(n_test, length, seed=seed + 1_000_003)
    return Dataset(f"adding problem, length {length}", x_train, y_train, x_test, y_test)
