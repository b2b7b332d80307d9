"""Checks of the Maclaurin series: the error of the linear approximation against the higher terms."""

from __future__ import annotations

import sympy as sp
from sympy import stats as sstats

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.moments import Mean
from initproof.derive.steps import distribution_moment
from initproof.derive.symbols import z
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import function
from ..registry import register


def series_check(identifier: str, phi: sp.Expr, linear: sp.Expr, half_width: float = 0.2) -> SamplingCheck:
    """Mean squared error of ``linear`` for ``z ~ U(-h, h)`` against the series' higher terms.

    The prediction is ``E[(series - its linear part)^2]`` with the derived
    series through z^7; a wrong ``linear`` leaves a first-order error and fails.
    """
    series = derive.get(identifier).named("series").rhs.removeO()
    higher = series - series.coeff(z, 0) - series.coeff(z, 1) * z
    uniform = ((z, sstats.Uniform("u", -half_width, half_width)),)
    expected = float(distribution_moment(Mean(sp.expand(higher**2)), uniform))
    f, approx = function(phi), function(linear)
    h = half_width
    return SamplingCheck(
        identifier,
        "next-terms",
        Text(
            f"E[({phi} - ({linear}))^2], z ~ U(-{h}, {h}): next terms of the series",
            f"E[({phi} - ({linear}))^2], z ~ U(-{h}, {h}): các số hạng tiếp theo của chuỗi",
        ),
        expected,
        lambda rng, k: (lambda u: (f(u) - approx(u)) ** 2)(rng.uniform(-h, h, k)),
    )


@register("maclaurin-tanh")
def maclaurin_tanh() -> list:
    return [series_check("maclaurin-tanh", named("tanh"), derive.get("maclaurin-tanh").named("linear").rhs.removeO())]


@register("maclaurin-sigmoid")
def maclaurin_sigmoid() -> list:
    return [series_check("maclaurin-sigmoid", named("sigmoid"),
                         derive.get("maclaurin-sigmoid").named("linear").rhs.removeO())]
