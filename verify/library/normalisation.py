"""Checks of the normalisation derivation: a real LayerNorm in numpy (statistics computed from each
row, as frameworks compute them), the layer above it, and its exact backward pass."""

from __future__ import annotations

import numpy as np

from initproof.derive.library.normalisation import beta, g_out, gamma, sigma
from initproof.derive.library.rules import w
from initproof.derive.moments import Var
from initproof.derive.symbols import n
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import derived
from ..registry import register

NORM = {"width": 4096, "mean": 0.7, "std": 1.5, "gamma": 1.3, "beta": 0.4, "read": 512, "above": 256}
"""The checked LayerNorm: rows of 4096 entries N(0.7, 1.5^2), gain 1.3, shift 0.4 (wide rows: the
statistics' own dependence on one entry, 2/4096 of the gradient, stays below the checks' precision);
for the layer above, rows of 512 (whatever the width, a row's E[y^2] is exact) read by 256 outputs."""


def layer_norm(x: np.ndarray, scale: float, shift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, x_hat, sigma)`` of LayerNorm over the last axis (population variance, as frameworks use)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    spread = np.sqrt((centred**2).mean(axis=-1, keepdims=True))
    x_hat = centred / spread
    return scale * x_hat + shift, x_hat, spread


def layer_norm_backward(gradient: np.ndarray, x_hat: np.ndarray, spread: np.ndarray, scale: float) -> np.ndarray:
    """The exact gradient of LayerNorm's input: the statistics' dependence on each entry included."""
    return scale / spread * (gradient - gradient.mean(axis=-1, keepdims=True)
                             - x_hat * (gradient * x_hat).mean(axis=-1, keepdims=True))


@register("normalisation-variance")
def normalisation_variance() -> list:
    width, read, above_width, rows = NORM["width"], NORM["read"], NORM["above"], 256
    values = {gamma: NORM["gamma"], beta: NORM["beta"], sigma: NORM["std"]}
    rule = derived("normalisation-variance", "rule-above", values | {n: read})

    def inputs(rng: np.random.Generator, count: int, size: int = width) -> np.ndarray:
        return NORM["mean"] + NORM["std"] * rng.standard_normal((count, size))

    def next_layer(rng: np.random.Generator, k: int) -> np.ndarray:
        out = []
        count = min(rows, -(-k // above_width))
        for _ in range(-(-k // (count * above_width))):
            y, _, _ = layer_norm(inputs(rng, count, read), NORM["gamma"], NORM["beta"])
            out.append((y @ (np.sqrt(rule) * rng.standard_normal((read, above_width)))).ravel() ** 2)
        return np.concatenate(out)[:k]

    def backward(rng: np.random.Generator, k: int) -> np.ndarray:
        out = []
        count = min(rows, -(-k // width))
        for _ in range(-(-k // (count * width))):
            _, x_hat, spread = layer_norm(inputs(rng, count), NORM["gamma"], NORM["beta"])
            gradient = layer_norm_backward(rng.standard_normal((count, width)), x_hat, spread, NORM["gamma"])
            out.append(gradient.ravel() ** 2)
        return np.concatenate(out)[:k]

    above = derived("normalisation-variance", "next-layer", values | {n: read, Var(w): rule})
    through = derived("normalisation-variance", "backward", values | {Var(g_out): 1})
    return [
        SamplingCheck("normalisation-variance", "rule-above",
                      Text(f"Var(z) = 1 above a LayerNorm (gain 1.3, shift 0.4) of N(0.7, 1.5^2) rows, n = {read}, "
                           f"Var(w) = 1/(n (gamma^2 + beta^2)) = {rule:.4g}",
                           f"Var(z) = 1 phía trên LayerNorm (gain 1.3, shift 0.4) của các hàng N(0.7, 1.5^2), "
                           f"n = {read}, Var(w) = 1/(n (gamma^2 + beta^2)) = {rule:.4g}"),
                      above, next_layer),
        SamplingCheck("normalisation-variance", "backward",
                      Text("Var(g_x) = gamma^2 Var(g_y)/sigma^2 through LayerNorm's exact backward pass, "
                           "g_y ~ N(0, 1), sigma = 1.5",
                           "Var(g_x) = gamma^2 Var(g_y)/sigma^2 qua lan truyền ngược chính xác của LayerNorm, "
                           "g_y ~ N(0, 1), sigma = 1.5"),
                      through, backward),
    ]
