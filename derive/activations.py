"""The activation catalogue: each activation as a sympy expression in ``z``.

Derivatives come from :func:`sympy.diff`; the verification layer turns both
into numpy functions with :func:`sympy.lambdify`. A user expression over ``z``
is parsed safely by :func:`activation`.
"""

from __future__ import annotations

import sympy as sp

from .functions import sigmoid
from .parse import ParseError, parse_expression
from .symbols import z

CATALOGUE: dict[str, sp.Expr] = {
    "linear": z,
    "relu": sp.Max(0, z),
    "tanh": sp.tanh(z),
    "sigmoid": sigmoid(z),
    "leaky_relu": sp.Max(sp.Rational(1, 100) * z, z),
    "elu": sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)),
    "gelu": z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
    "silu": z * sigmoid(z),
    "softplus": sp.log(1 + sp.exp(z)),
}
"""Named activations (leaky ReLU with slope 0.01, ELU with alpha = 1, GELU in its erf form)."""


def activation(name_or_expression: str) -> sp.Expr:
    """A catalogue activation by name, or a safely parsed expression over ``z``."""
    if name_or_expression in CATALOGUE:
        return CATALOGUE[name_or_expression]
    try:
        expr = parse_expression(name_or_expression, {"z": z})
    except ParseError as error:
        raise ParseError(f"activation {name_or_expression!r}: {error} "
                         f"(or a name: {', '.join(CATALOGUE)})") from None
    if z not in expr.free_symbols:
        raise ParseError(f"activation {name_or_expression!r} does not depend on z")
    return expr


def derivative(phi: sp.Expr) -> sp.Expr:
    """:math:`\\phi'(z)` by :func:`sympy.diff` (ReLU's kink gives ``Heaviside(z)``)."""
    return sp.diff(phi, z)
