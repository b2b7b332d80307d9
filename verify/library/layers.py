"""Checks of the convolution, attention, dropout and residual derivations: real layers in numpy
(a grouped convolution, query and key projections of random tokens, a dropout mask, a residual stream),
their measured second moments held against the derived formulas."""

from __future__ import annotations

import numpy as np
import sympy as sp
from numpy.lib.stride_tricks import sliding_window_view

from initproof import derive
from initproof.derive.library.layers import (
    alpha,
    c_in,
    d_k,
    depth,
    gain,
    groups,
    k_h,
    k_w,
    kv,
    p,
    qv,
)
from initproof.derive.library.rules import a, w
from initproof.derive.moments import Mean, Var
from initproof.derive.symbols import n
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..registry import register


def _result(identifier: str, name: str, values: dict) -> float:
    return float(derive.result(identifier, name).xreplace(values))


def grouped_convolution(x: np.ndarray, weights: np.ndarray, groups: int) -> np.ndarray:
    """A 'valid' 2-D convolution (cross-correlation, as deep-learning frameworks compute it), stride 1,
    of images ``x`` (batch, C_in, H, W), each with kernels of its own: ``weights`` (batch, C_out,
    C_in/groups, k_h, k_w)."""
    _, out_channels, per_group, kh, kw = weights.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # batch, C_in, H', W', k_h, k_w
    outputs = []
    for group in range(groups):
        inputs = windows[:, group * per_group:(group + 1) * per_group]
        kernels = weights[:, group * out_channels // groups:(group + 1) * out_channels // groups]
        outputs.append(np.einsum("bchwij,bocij->bohw", inputs, kernels, optimize=True))
    return np.concatenate(outputs, axis=1)


CONVOLUTION = {"C_in": 8, "C_out": 4, "groups": 2, "kernel": 3, "size": 5}
"""The checked convolution: 3x3 kernels over 5x5 images, 8 input channels in 2 groups, 4 outputs."""


@register("convolution-fan")
def convolution_fan() -> list:
    shape = CONVOLUTION
    sizes = {k_h: shape["kernel"], k_w: shape["kernel"], c_in: shape["C_in"], groups: shape["groups"]}
    variance = _result("convolution-fan", "forward", sizes)
    expected = _result("convolution-fan", "fan-in", sizes | {Var(w): variance, Mean(a**2): sp.Rational(1, 2)})
    per_image = shape["C_out"] * (shape["size"] - shape["kernel"] + 1) ** 2

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        images = -(-k // per_image)
        x = np.maximum(rng.standard_normal((images, shape["C_in"], shape["size"], shape["size"])), 0)
        weights = np.sqrt(variance) * rng.standard_normal(
            (images, shape["C_out"], shape["C_in"] // shape["groups"], shape["kernel"], shape["kernel"]))
        return grouped_convolution(x, weights, shape["groups"]).ravel()[:k] ** 2

    return [SamplingCheck(
        "convolution-fan", "he-convolution",
        Text(f"E[z^2] = 1 for a 3x3 convolution, 8 input channels in 2 groups, after ReLU of N(0, 1), "
             f"Var(w) = 2g/(k_h k_w C_in) = {variance:.4g}",
             f"E[z^2] = 1 với tích chập 3x3, 8 kênh đầu vào chia 2 nhóm, sau ReLU của N(0, 1), "
             f"Var(w) = 2g/(k_h k_w C_in) = {variance:.4g}"),
        expected, draw)]


ATTENTION = {"tokens": 32, "model": 64, "head": 32}
"""The checked attention head: 32 random tokens of width 64 projected to queries and keys of width 32."""


@register("attention-scale")
def attention_scale() -> list:
    tokens, model, head = ATTENTION["tokens"], ATTENTION["model"], ATTENTION["head"]
    scale = _result("attention-scale", "scale", {d_k: head})
    expected = scale**2 * _result("attention-scale", "score", {d_k: head, Var(qv): 1, Var(kv): 1})
    pairs = ~np.eye(tokens, dtype=bool)
    per_draw = tokens * (tokens - 1)

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // per_draw)):
            x = rng.standard_normal((tokens, model))
            w_q, w_k = (rng.standard_normal((model, head)) / np.sqrt(model) for _ in range(2))
            scores = scale * (x @ w_q) @ (x @ w_k).T
            values.append(scores[pairs] ** 2)
        return np.concatenate(values)[:k]

    return [SamplingCheck(
        "attention-scale", "scaled-scores",
        Text(f"E[(q.k/sqrt(d))^2] = Var(q) Var(k) = 1: queries and keys projected from 32 random tokens, d = {head}",
             f"E[(q.k/sqrt(d))^2] = Var(q) Var(k) = 1: query và key chiếu từ 32 token ngẫu nhiên, d = {head}"),
        expected, draw)]


DROPOUT, MEAN = 0.3, 0.5
"""Dropout probability of the checks, and the mean of the N(0.5, 1) activations they mask."""


@register("dropout-variance")
def dropout_variance() -> list:
    moments = {Mean(a): MEAN, Mean(a**2): MEAN**2 + 1, p: DROPOUT}

    def dropped(rng: np.random.Generator, shape) -> np.ndarray:
        return (rng.random(shape) >= DROPOUT) * (MEAN + rng.standard_normal(shape)) / (1 - DROPOUT)

    width, batch = 64, 16
    variance = 1 / width

    def layer(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // (batch * width))):
            weights = np.sqrt(variance) * rng.standard_normal((width, width))
            values.append((dropped(rng, (batch, width)) @ weights).ravel() ** 2)
        return np.concatenate(values)[:k]

    return [
        SamplingCheck("dropout-variance", "mean",
                      Text("E[m a/(1 - p)] = E[a]: a ~ N(0.5, 1), p = 0.3",
                           "E[m a/(1 - p)] = E[a]: a ~ N(0.5, 1), p = 0.3"),
                      _result("dropout-variance", "mean", moments), lambda rng, k: dropped(rng, k)),
        SamplingCheck("dropout-variance", "second-moment",
                      Text("E[(m a/(1 - p))^2] = E[a^2]/(1 - p): a ~ N(0.5, 1), p = 0.3",
                           "E[(m a/(1 - p))^2] = E[a^2]/(1 - p): a ~ N(0.5, 1), p = 0.3"),
                      _result("dropout-variance", "second-moment", moments), lambda rng, k: dropped(rng, k) ** 2),
        SamplingCheck("dropout-variance", "next-layer",
                      Text("Var(z) of the next layer = n Var(w) E[a^2]/(1 - p): n = 64, Var(w) = 1/n",
                           "Var(z) của lớp sau = n Var(w) E[a^2]/(1 - p): n = 64, Var(w) = 1/n"),
                      _result("dropout-variance", "next-layer", moments | {n: width, Var(w): variance}), layer),
    ]


RESIDUAL = {"blocks": 8, "width": 64, "batch": 64, "gain": 1.0}


@register("residual-variance")
def residual_variance() -> list:
    blocks, width, batch, branch_gain = (RESIDUAL[key] for key in ("blocks", "width", "batch", "gain"))
    scale = 1 / np.sqrt(blocks)
    expected = _result("residual-variance", "growth", {alpha: scale, gain: branch_gain, depth: blocks})
    per_draw = batch * width

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // per_draw)):
            x = rng.standard_normal((batch, width))
            for _ in range(blocks):
                weights = np.sqrt(branch_gain / width) * rng.standard_normal((width, width))
                x = x + scale * x @ weights
            values.append(x.ravel() ** 2)
        return np.concatenate(values)[:k]

    return [SamplingCheck(
        "residual-variance", "scaled-stream",
        Text(f"E[x_L^2] = (1 + c/L)^L = {expected:.4g} for L = {blocks} linear branches of gain c = 1, scaled by "
             "1/sqrt(L)",
             f"E[x_L^2] = (1 + c/L)^L = {expected:.4g} với L = {blocks} nhánh tuyến tính hệ số c = 1, nhân "
             "1/sqrt(L)"),
        expected, draw)]
