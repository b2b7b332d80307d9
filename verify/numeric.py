"""sympy expressions from :mod:`derive` as numpy functions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp
from scipy import special

from derive.activations import derivative
from derive.functions import sigmoid
from derive.symbols import z

softplus = sp.Function("softplus")
MODULES = [{"sigmoid": special.expit, "Heaviside": np.heaviside, "softplus": lambda u: np.logaddexp(0.0, u)},
           "scipy", "numpy"]
"""sigmoid through scipy's overflow-free ``expit``, softplus through ``logaddexp``; erf and friends
from scipy."""
_U = sp.Wild("u")


def stable(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with :math:`\log(1 + e^u)` written as ``softplus(u)`` and :math:`e^u/(1 + e^u)` as
    ``sigmoid(u)``, forms that do not overflow in floating point."""
    expr = expr.replace(sp.log(1 + sp.exp(_U)), lambda u: softplus(u))
    return expr.replace(sp.exp(_U) / (1 + sp.exp(_U)), lambda u: sigmoid(u))


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


def activation_pair(phi: sp.Expr) -> tuple[Callable, Callable]:
    """``(phi, phi')`` as numpy functions, the derivative from :func:`sympy.diff`."""
    return function(phi), function(derivative(phi))


def value(expr: sp.Expr, **values: float) -> float:
    """``expr`` evaluated at ``values`` (symbol names to numbers) as a float."""
    substitutions = {symbol: values[symbol.name] for symbol in expr.free_symbols}
    return float(sp.N(expr.subs(substitutions), 20))
