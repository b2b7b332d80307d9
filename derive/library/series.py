"""Maclaurin series of tanh and sigmoid, from the derivatives at 0."""

from __future__ import annotations

import sympy as sp

from ..assumptions import described
from ..derivation import Builder, Derivation
from ..functions import sigmoid
from ..registry import register
from ..steps import Expansion
from ..symbols import z
from ..text import Text

SMOOTH = described("smooth", "the function is infinitely differentiable at $z = 0$",
                   "hàm khả vi vô hạn lần tại $z = 0$")
DEFAULT_ORDER = 7


def derivatives_at_zero(f: sp.Expr, order: int) -> list[sp.Expr]:
    """:math:`f^{(k)}(0)` for ``k = 0..order`` (simplified unless already a rational number); each
    derivative is expanded, so that those of tanh and the sigmoid stay polynomials in them."""
    values, derivative = [], f
    for _ in range(order + 1):
        value = derivative.subs(z, 0)
        values.append(value if value.is_Rational else sp.simplify(value))
        derivative = sp.expand(sp.diff(derivative, z))
    return values


def maclaurin(identifier: str, f: sp.Expr, title: Text, order: int) -> Derivation:
    r"""``f(z)`` through :math:`z^{order}`, by :math:`f(z) = \sum_k f^{(k)}(0) z^k / k!`.

    Each derivative at 0 is a step; the polynomial is checked against
    :func:`sympy.series`; the linear approximation is the last result, with the
    order of the first neglected non-zero term.
    """
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 25:
        raise ValueError(f"order must be an integer from 1 to 25, not {order!r}")
    d = Builder(identifier, title, (SMOOTH,))
    values = derivatives_at_zero(f, order)
    for k, value in enumerate(values):
        d.step(sp.Subs(sp.Derivative(f, (z, k)), z, 0), value, "derivative at 0",
               f"derivative of order {k} at $z = 0$", f"đạo hàm cấp {k} tại $z = 0$")
    coefficients = [value / sp.factorial(k) for k, value in enumerate(values)]
    polynomial = sum(c * z**k for k, c in enumerate(coefficients))
    d.step(f, polynomial + sp.O(z**(order + 1)), "Maclaurin series",
           "$f(z) = \\sum_k f^{(k)}(0)\\, z^k / k!$", "$f(z) = \\sum_k f^{(k)}(0)\\, z^k / k!$",
           kind=Expansion)
    d.result("series")
    following = next((k for k in range(2, order + 1) if coefficients[k] != 0), order + 1)
    d.step(f, coefficients[0] + coefficients[1] * z + sp.O(z**following), "linear approximation",
           "near $z = 0$ the first-order terms dominate",
           "gần $z = 0$ các số hạng bậc nhất chiếm ưu thế", kind=Expansion)
    d.result("linear")
    return d.build()


@register("maclaurin-tanh")
def maclaurin_tanh(order: int = DEFAULT_ORDER) -> Derivation:
    r""":math:`\tanh z = z - z^3/3 + 2z^5/15 - 17z^7/315 + O(z^9)`; near 0, :math:`\tanh z \approx z`."""
    return maclaurin("maclaurin-tanh", sp.tanh(z),
                     Text("Maclaurin series of tanh", "Khai triển Maclaurin của tanh"), order)


@register("maclaurin-sigmoid")
def maclaurin_sigmoid(order: int = DEFAULT_ORDER) -> Derivation:
    r""":math:`\sigma(z) = 1/2 + z/4 - z^3/48 + \dots`; near 0, :math:`\sigma(z) \approx 1/2 + z/4`."""
    return maclaurin("maclaurin-sigmoid", sigmoid(z),
                     Text("Maclaurin series of the sigmoid", "Khai triển Maclaurin của sigmoid"), order)
