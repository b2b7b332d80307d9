"""The symbols shared by every derivation.

Fan-in is ``n`` and fan-out ``m`` throughout, so results print as ``2/n`` or
``2/(m + n)``.
"""

from __future__ import annotations

import sympy as sp

n = sp.Symbol("n", positive=True, integer=True)
"""Fan-in: the number of inputs of a unit."""
m = sp.Symbol("m", positive=True, integer=True)
"""Fan-out: the number of units a unit feeds."""
L = sp.Symbol("L", positive=True, integer=True)
"""Depth: the number of layers."""
i = sp.Symbol("i", positive=True, integer=True)
"""Summation index over the inputs of a unit."""
l = sp.Symbol("l", positive=True, integer=True)  # noqa: E741  (layer index, as in the literature)
"""Layer index."""

z = sp.Symbol("z", real=True)
"""A pre-activation, or the argument of an activation function."""
x = sp.Symbol("x", real=True)
"""Integration variable and input."""
v = sp.Symbol("v", positive=True)
"""A target weight variance."""
r = sp.Symbol("r", positive=True)
"""Half-width of a symmetric uniform distribution."""
q = sp.Symbol("q", positive=True)
"""Variance of a pre-activation, ``q = Var(z)``."""
sigma = sp.Symbol("sigma", positive=True)
"""Standard deviation of a Gaussian."""
mu = sp.Symbol("mu", real=True)
"""Mean of a Gaussian."""
xi = sp.Symbol("xi", real=True)
"""A standard-normal variable, :math:`\\xi \\sim N(0, 1)`."""
