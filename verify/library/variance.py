"""Checks of the variance of a product and of a layer's sum: samples of real products and sums."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import stats as sstats

from initproof import derive
from initproof.derive.library.variance import X, Y, b, w, x
from initproof.derive.moments import Mean, Var
from initproof.derive.steps import raw_moments
from initproof.derive.symbols import n
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..registry import register


def _moments(variable: sp.Expr) -> dict[sp.Expr, float]:
    """E and Var of a sympy.stats variable, as numbers, from the raw moments the derivations' checker uses
    (``sympy.stats.E`` and ``variance`` take 0.5 s for these two)."""
    _, first, second = raw_moments(variable, 2)
    return {"mean": float(first), "var": float(second - first**2)}


def product_variance_value(x_mean: float, x_var: float, y_mean: float, y_var: float) -> float:
    """The ``product-variance`` result evaluated at the given moments."""
    formula = derive.get("product-variance").named("variance").rhs
    return float(formula.xreplace({Mean(X): x_mean, Var(X): x_var, Mean(Y): y_mean, Var(Y): y_var}))


@register("product-variance")
def product_variance() -> list:
    x = _moments(sstats.Uniform("X", 1, 3))
    y = _moments(sstats.Exponential("Y", sp.Rational(1, 2)))
    expected = product_variance_value(x["mean"], x["var"], y["mean"], y["var"])
    return [
        SamplingCheck(
            "product-variance",
            "uniform-times-exponential",
            Text("Var(XY), X ~ U(1, 3), Y ~ Exp(mean 2)", "Var(XY), X ~ U(1, 3), Y ~ Exp(kỳ vọng 2)"),
            expected,
            lambda rng, k: rng.uniform(1, 3, k) * rng.exponential(2.0, k),
            "variance",
        )
    ]


@register("layer-variance")
def layer_variance() -> list:
    units, var_w, var_b = 8, 0.125, 0.01
    general = derive.get("layer-variance").named("general").rhs
    expected = float(
        general.xreplace(
            {
                Var(w): var_w,
                Var(x): sp.Rational(1, 3),
                Mean(x): 1,
                Var(b): var_b,
                n: units,
            }
        )
    )

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        weights = np.sqrt(var_w) * rng.standard_normal((k, units))
        inputs = rng.uniform(0, 2, (k, units))
        return np.einsum("ij,ij->i", weights, inputs) + np.sqrt(var_b) * rng.standard_normal(k)

    return [
        SamplingCheck(
            "layer-variance",
            "general",
            Text(
                "Var(sum of 8 w x + b), E[x] = 1 (general form)",
                "Var(tổng 8 số hạng w x + b), E[x] = 1 (dạng tổng quát)",
            ),
            expected,
            draw,
            "variance",
        )
    ]
