"""sympy expressions from :mod:`derive` as numpy functions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp
from scipy import special

from derive.activations import derivative
from derive.symbols import z

MODULES = [{"sigmoid": special.expit, "Heaviside": np.heaviside},
           "scipy", "numpy"]
"""sigmoid through scipy's overflow-free ``expit``; erf and friends from scipy."""


def function(expr: sp.Expr, variable: sp.Symbol = z) -> Callable[[np.ndarray], np.ndarray]:
    """``expr`` as a vectorised numpy function of ``variable``."""
    compiled = sp.lambdify(variable, expr, modules=MODULES)
    return lambda values: np.broadcast_to(compiled(values), np.shape(values)) * 1.0


def activation_pair(phi: sp.Expr) -> tuple[Callable, Callable]:
    """``(phi, phi')`` as numpy functions, the derivative from :func:`sympy.diff`."""
    return function(phi), function(derivative(phi))


def value(expr: sp.Expr, **values: float) -> float:
    """``expr`` evaluated at ``values`` (symbol names to numbers) as a float."""
    substitutions = {symbol: values[symbol.name] for symbol in expr.free_symbols}
    return float(sp.N(expr.subs(substitutions), 20))
