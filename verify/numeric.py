"""sympy expressions from :mod:`derive` as numpy functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp
from scipy import special
from sympy.codegen.cfunctions import expm1, log1p

from initproof import derive
from initproof.derive.activations import derivative
from initproof.derive.functions import sigmoid
from initproof.derive.symbols import z

softplus = sp.Function("softplus")
MODULES = [{"sigmoid": special.expit, "Heaviside": np.heaviside, "softplus": lambda u: np.logaddexp(0.0, u)},
           "scipy", "numpy"]
"""sigmoid through scipy's overflow-free ``expit``, softplus through ``logaddexp``; erf and friends
from scipy."""
_U, _C = sp.Wild("u"), sp.Wild("c", exclude=[z])


def stable(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` in forms that neither overflow nor cancel in floating point: :math:`\log(1 + e^u)`
    as ``softplus(u)``, :math:`e^u/(1 + e^u)` as ``sigmoid(u)``, :math:`c\,e^u - c` as
    :math:`c\,\mathrm{expm1}(u)` and :math:`\log(1 + u)` as :math:`\mathrm{log1p}(u)`."""
    expr = expr.replace(sp.log(1 + sp.exp(_U)), lambda u: softplus(u))
    expr = expr.replace(sp.exp(_U) / (1 + sp.exp(_U)), lambda u: sigmoid(u))
    expr = expr.replace(lambda e: e.is_Add and _cancelling(e) is not None, lambda e: _cancelling(e))
    return expr.replace(sp.log(1 + _U), lambda u: log1p(u))


def _cancelling(expr: sp.Add) -> sp.Expr | None:
    """``c expm1(u) + rest`` for ``expr = c e^u - c + rest``, else None."""
    for term in expr.args:
        match = term.match(_C * sp.exp(_U))
        if match and match[_C] != 0 and (-match[_C]) in expr.args:
            rest = expr - term + match[_C]
            return match[_C] * expm1(match[_U]) + rest
    return None


def function(expr: sp.Expr, variable: sp.Symbol = z) -> Callable[[np.ndarray], np.ndarray]:
    """``expr`` as a vectorised numpy function of ``variable``, in overflow-free form.

    Branches of a ``Piecewise`` are all evaluated by ``numpy.select``; overflow in a
    branch that is not selected (``exp(z)`` for large ``z``) is silenced.
    """
    compiled = sp.lambdify(variable, stable(expr), modules=MODULES)
    overflow = "ignore" if expr.has(sp.Piecewise) else "warn"

    def evaluate(values: np.ndarray) -> np.ndarray:
        with np.errstate(over=overflow):
            result = compiled(values)
        if result is not values and np.shape(result) == np.shape(values) \
                and np.issubdtype(np.result_type(result), np.floating):
            return result
        return np.broadcast_to(result, np.shape(values)) * 1.0

    return evaluate


@cache
def activation_pair(phi: sp.Expr) -> tuple[Callable, Callable]:
    """``(phi, phi')`` as numpy functions, the derivative from :func:`sympy.diff` (compiled once
    per activation)."""
    return function(phi), function(derivative(phi))


def value(expr: sp.Expr, **values: float) -> float:
    """``expr`` evaluated at ``values`` (symbol names to numbers) as a float."""
    substitutions = {symbol: values[symbol.name] for symbol in expr.free_symbols}
    return float(sp.N(expr.subs(substitutions), 20))


def derived(identifier: str, name: str, values: dict | None = None) -> float:
    """The result ``name`` of the derivation ``identifier`` as a number, its symbols replaced by ``values``."""
    return float(derive.result(identifier, name).xreplace(values or {}))
