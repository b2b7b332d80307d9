"""Checks of the moments of the uniform and Gaussian distributions: sample means against the derived
moments."""

from __future__ import annotations

import numpy as np

from initproof import derive
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import value
from ..registry import register


@register("uniform-moments")
def uniform_moments() -> list:
    a, b, v = -1.0, 3.0, 0.5
    r = value(derive.get("uniform-moments").named("bound").rhs, v=v)
    return [
        SamplingCheck(
            "uniform-moments",
            "mean",
            Text("E[U(-1, 3)] = (a + b)/2", "E[U(-1, 3)] = (a + b)/2"),
            value(derive.get("uniform-moments").named("mean").rhs, a=a, b=b),
            lambda rng, k: rng.uniform(a, b, k),
        ),
        SamplingCheck(
            "uniform-moments",
            "variance",
            Text("Var(U(-1, 3)) = (b - a)^2/12", "Var(U(-1, 3)) = (b - a)^2/12"),
            value(derive.get("uniform-moments").named("variance").rhs, a=a, b=b),
            lambda rng, k: rng.uniform(a, b, k),
            "variance",
        ),
        SamplingCheck(
            "uniform-moments",
            "variance-at-bound",
            Text("Var(U(-r, r)) = v for r = sqrt(3v), v = 0.5", "Var(U(-r, r)) = v với r = sqrt(3v), v = 0.5"),
            v,
            lambda rng, k: rng.uniform(-r, r, k),
            "variance",
        ),
    ]


@register("gaussian-moments")
def gaussian_moments() -> list:
    s = 1.5
    return [
        SamplingCheck(
            "gaussian-moments",
            "fourth-moment",
            Text("E[Z^4] = 3 sigma^4 for N(0, 1.5^2)", "E[Z^4] = 3 sigma^4 với N(0, 1.5^2)"),
            value(derive.get("gaussian-moments").named("fourth-moment").rhs, sigma=s),
            lambda rng, k: (s * rng.standard_normal(k)) ** 4,
        ),
        SamplingCheck(
            "gaussian-moments",
            "half-moment",
            Text("E[Z^2 1{Z>0}] = sigma^2/2 for N(0, 1.5^2)", "E[Z^2 1{Z>0}] = sigma^2/2 với N(0, 1.5^2)"),
            value(derive.get("gaussian-moments").named("half-moment").rhs, sigma=s),
            lambda rng, k: np.maximum(s * rng.standard_normal(k), 0.0) ** 2,
        ),
    ]
