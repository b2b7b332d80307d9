"""Data for training experiments that needs no network: scikit-learn's bundled 8x8 digits.

1,797 images of 64 pixels (0-16) in 10 classes, split once into 1,397 for training and 400 for
testing by a fixed permutation. ``digits`` standardises each pixel with the training set's mean and
standard deviation; ``raw-digits`` rescales the pixels to 0-255, as unnormalised image bytes.
"""

from __future__ import annotations

from functools import cache

import numpy as np

DATASETS = ("digits", "raw-digits")
TEST_SIZE = 400
FEATURES, CLASSES = 64, 10
"""Pixels per image and digit classes."""


@cache
def load(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of the data set ``name`` (read once; not to be modified)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    x, y = digits.data[order], digits.target[order]
    x_train, y_train, x_test, y_test = x[TEST_SIZE:], y[TEST_SIZE:], x[:TEST_SIZE], y[:TEST_SIZE]
    if name == "raw-digits":
        return x_train * 255 / 16, y_train, x_test * 255 / 16, y_test
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test
