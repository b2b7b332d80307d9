"""Data for training experiments that needs no network.

``digits``: scikit-learn's bundled 8x8 digits, 1,797 images of 64 pixels (0-16) in 10 classes, split
once into 1,397 for training and 400 for testing by a fixed permutation, each pixel standardised with
the training set's mean and standard deviation; ``raw-digits`` rescales the pixels to 0-255 instead,
as unnormalised image bytes. ``red-blue``: the notes' picture of two classes no straight line
separates, generated: a red disc of radius 1 inside a blue ring of radii 1.4 to 2.2, 600 points
(400 to train, 200 to test) drawn from a fixed seed.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    """``(x_train, y_train, x_test, y_test)``."""

DATASETS = ("digits", "raw-digits", "red-blue")
"""The names the command line offers; numpy is imported only to make one (a command that trains
nothing, such as ``initproof derive``, starts 0.1 s sooner)."""


@cache
def load(name: str) -> Data:
    """``(x_train, y_train, x_test, y_test)`` of the data set ``name`` (made once; not to be modified)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    return red_blue() if name == "red-blue" else _digits(raw=name == "raw-digits")


def dimensions(name: str) -> tuple[int, int]:
    """Features per example and classes of the data set ``name``."""
    x_train, y_train, _, _ = load(name)
    return x_train.shape[1], int(y_train.max()) + 1


def _digits(raw: bool, test_size: int = 400) -> Data:
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    x, y = digits.data[order], digits.target[order]
    x_train, y_train, x_test, y_test = x[test_size:], y[test_size:], x[:test_size], y[:test_size]
    if raw:
        return x_train * 255 / 16, y_train, x_test * 255 / 16, y_test
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def red_blue(samples: int = 600, test_size: int = 200, seed: int = 0) -> Data:
    """Red points (class 0) uniform on the disc of radius 1, blue points (class 1) uniform on the ring
    of radii 1.4 to 2.2, alternating; the first ``samples - test_size`` to train."""
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 2
    inner, outer = np.where(labels == 0, 0.0, 1.4), np.where(labels == 0, 1.0, 2.2)
    radius = np.sqrt(rng.uniform(inner**2, outer**2))
    angle = rng.uniform(0, 2 * np.pi, samples)
    x = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    cut = samples - test_size
    return x[:cut], labels[:cut], x[cut:], labels[cut:]
