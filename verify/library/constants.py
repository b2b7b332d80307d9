"""Checks of the frameworks' constants: the truncated normal's spread, SELU's fixed point and
``nn.Linear``'s default."""

from __future__ import annotations

import numpy as np

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from ..checks import NetworkCheck, SamplingCheck
from ..network import uniform_weights
from ..numeric import value
from ..registry import register
from ..settings import WIDTH


def truncated_draw(rng: np.random.Generator, k: int, cut: float = 2.0) -> np.ndarray:
    """``k`` draws of N(0, 1) restricted to ``[-cut, cut]``, by rejection (as frameworks do)."""
    out = np.empty(0)
    while out.size < k:
        more = rng.standard_normal(int(1.1 * (k - out.size)) + 16)
        out = np.concatenate([out, more[np.abs(more) <= cut]])
    return out[:k]


@register("truncated-normal")
def truncated_normal() -> list:
    factor = float(derive.get("truncated-normal").named("std-factor-value").rhs)
    return [
        SamplingCheck(
            "truncated-normal",
            "variance",
            Text(
                "Var(N(0, 1) truncated at +-2) = (std factor)^2", "Var(N(0, 1) cắt tại +-2) = (hệ số độ lệch chuẩn)^2"
            ),
            factor**2,
            truncated_draw,
            "variance",
        )
    ]


@register("selu-constants")
def selu_constants() -> list:
    d = derive.get("selu-constants")
    a, lam = float(d.named("alpha-value").rhs), float(d.named("lambda-value").rhs)

    def selu(rng: np.random.Generator, k: int) -> np.ndarray:
        xi = rng.standard_normal(k)
        return lam * np.where(xi > 0, xi, a * np.expm1(np.minimum(xi, 0.0)))

    return [
        SamplingCheck(
            "selu-constants",
            "mean",
            Text("E[selu(xi)] + 1 = 1 (zero mean), xi ~ N(0, 1)", "E[selu(xi)] + 1 = 1 (kỳ vọng 0), xi ~ N(0, 1)"),
            1.0,
            lambda rng, k: selu(rng, k) + 1.0,
        ),
        SamplingCheck(
            "selu-constants",
            "variance",
            Text("E[selu(xi)^2] = 1 (unit variance), xi ~ N(0, 1)", "E[selu(xi)^2] = 1 (phương sai 1), xi ~ N(0, 1)"),
            1.0,
            lambda rng, k: selu(rng, k) ** 2,
        ),
    ]


@register("linear-default-torch")
def linear_default_torch(width: int = WIDTH) -> list:
    d = derive.get("linear-default-torch")
    bound = value(d.named("bound").rhs, n=width)
    factor = float(d.named("relu-factor").rhs)
    return [
        SamplingCheck(
            d.id,
            "variance",
            Text(f"Var(U(-1/sqrt(n), 1/sqrt(n))) = Var(w) of nn.Linear, n = {width}",
                 f"Var(U(-1/sqrt(n), 1/sqrt(n))) = Var(w) của nn.Linear, n = {width}"),
            value(d.named("variance").rhs, n=width),
            lambda rng, k: rng.uniform(-bound, bound, k),
            "variance",
        ),
        NetworkCheck(
            d.id,
            "relu-network",
            Text(f"ReLU with nn.Linear's default: q_l shrinks by {factor:.4g} per layer",
                 f"ReLU với mặc định của nn.Linear: q_l giảm {factor:.4g} lần mỗi lớp"),
            named("relu"), width * value(d.named("variance").rhs, n=width), width, 5, replicates=64,
            weights=uniform_weights(bound),
        ),
    ]
