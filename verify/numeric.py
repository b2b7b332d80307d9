"""sympy expressions from :mod:`derive` as numpy functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.numpy import NumPyPrinter

from initproof import derive
from initproof.derive.activations import derivative
from initproof.derive.functions import sigmoid
from initproof.derive.symbols import z

softplus, where = sp.Function("softplus"), sp.Function("where")


def _softplus(u: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^u) = \max(u, 0) + \log(1 + e^{-|u|})`: no overflow, and ten times as fast
    as ``numpy.logaddexp(0, u)`` here."""
    return np.maximum(u, 0) + np.log1p(np.exp(-np.abs(u)))


def _heaviside(u: np.ndarray, at_zero: float = 0.5) -> np.ndarray:
    """The unit step, ``at_zero`` at 0, in the dtype of ``u`` (``numpy.heaviside`` is a tenth as fast)."""
    step = np.greater(u, 0).astype(np.result_type(u, np.float32))
    np.copyto(step, at_zero, where=np.equal(u, 0))
    return step


def _sigmoid(u: np.ndarray) -> np.ndarray:
    r""":math:`1/(1 + e^{-u})` as :math:`1/(1 + e^{-|u|})` for :math:`u \ge 0` and
    :math:`e^{-|u|}/(1 + e^{-|u|})` below: no overflow, full relative precision in both tails, the dtype of
    ``u``."""
    small = np.exp(-np.abs(u))
    return np.where(u >= 0, 1, small) / (1 + small)


NUMPY = {"sigmoid": _sigmoid, "Heaviside": _heaviside, "softplus": _softplus, "where": np.where,
         "expm1": np.expm1, "log1p": np.log1p}
MODULES = ([NUMPY, np], [NUMPY, "scipy", "numpy"])
"""The sigmoid, softplus and the unit step as above, a ``Piecewise`` as nested ``numpy.where`` (twice as fast
as ``numpy.select``), ``expm1`` and ``log1p`` from numpy (scipy's take 40 times as long in float32); and,
only for an expression numpy cannot evaluate (erf and friends), scipy, whose import takes 0.22 s. numpy is
given as the module itself: named as a string, lambdify executes ``from numpy import *`` and
``from numpy.linalg import *`` at its first use (77 ms)."""
_U, _C = sp.Wild("u"), sp.Wild("c", exclude=[z])


def fast(expr: sp.Expr) -> sp.Expr:
    """``expr`` as numpy evaluates it quickly and in the dtype of its argument: a ``Piecewise`` as nested
    ``where``, and irrational constants (``sqrt(2)``, ``pi``) as floats of full double precision, which
    numpy treats as Python scalars (a numpy float64 constant would turn float32 arrays into float64)."""
    expr = expr.replace(lambda e: e.is_number and not e.is_Rational and e.is_real, lambda e: e.evalf(17))
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda piecewise: _branches(piecewise.args))


def _branches(pairs: tuple) -> sp.Expr:
    """``where(c1, e1, where(c2, e2, ...))`` for the ``(e, c)`` pairs of a ``Piecewise``; nan where none holds."""
    if not pairs:
        return sp.nan
    (value, condition), rest = pairs[0], pairs[1:]
    return value if condition == sp.true else where(condition, value, _branches(rest))


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

    Branches of a ``Piecewise`` are all evaluated (:func:`fast`); overflow in a
    branch that is not selected (``exp(z)`` for large ``z``) is silenced. Any other
    overflow is numpy's to report as it is set to (a warning, by default); entering
    ``np.errstate`` at every call would cost 3 microseconds (4% of a relu network's simulation).
    """
    compiled = _compiled(fast(stable(expr)), variable)
    branches = expr.has(sp.Piecewise)

    def evaluate(values: np.ndarray) -> np.ndarray:
        if branches:
            with np.errstate(over="ignore"):
                result = compiled(values)
        else:
            result = compiled(values)
        if result is not values and np.shape(result) == np.shape(values) \
                and np.issubdtype(np.result_type(result), np.floating):
            return result
        return np.broadcast_to(result, np.shape(values)) * 1.0

    return evaluate


def _compiled(expr: sp.Expr, variable: sp.Symbol) -> Callable:
    """``expr`` compiled with numpy alone where it can be, else with scipy too: a function numpy lacks
    (``erf``) is left unknown or taken from ``math``, and fails on an array at once."""
    numpy_only, with_scipy = MODULES
    printer = NumPyPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                            "user_functions": {name: name for name in NUMPY}})  # as lambdify makes it for "numpy"
    compiled = sp.lambdify(variable, expr, modules=numpy_only, printer=printer, cse=True)
    try:
        with np.errstate(all="ignore"):
            compiled(np.linspace(-1.0, 1.0, 3))
    except (NameError, TypeError):
        return sp.lambdify(variable, expr, modules=with_scipy, cse=True)
    return compiled


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
