"""The activation catalogue: each activation as a sympy expression in ``z``.

Derivatives come from :func:`sympy.diff`; the verification layer turns both
into numpy functions with :func:`sympy.lambdify`. A user expression over ``z``
is parsed safely by :func:`activation`. Kinked activations are written as
``Piecewise`` (or ``Max``), so expectations split at the kink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from .functions import sigmoid
from .parse import ParseError, parse_expression
from .symbols import z

PROBES = tuple(sp.Rational(k, 4) for k in (-12, -5, -2, -1, 0, 1, 3, 7, 13))
"""Points where a user activation must be real and finite."""
LEAKY_SLOPE = sp.Rational(1, 100)
"""Default negative slope of leaky ReLU (PyTorch's and Keras' default)."""


def leaky_relu(slope: sp.Expr = LEAKY_SLOPE) -> sp.Expr:
    """:math:`z` for :math:`z > 0`, ``slope`` :math:`\\cdot z` otherwise."""
    return sp.Piecewise((z, z > 0), (slope * z, True))


def elu(alpha: sp.Expr = sp.S.One) -> sp.Expr:
    """:math:`z` for :math:`z > 0`, :math:`\\alpha(e^z - 1)` otherwise."""
    return sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True))


def selu() -> sp.Expr:
    """:math:`\\lambda\\,\\mathrm{elu}_\\alpha(z)` with the constants the ``selu-constants``
    derivation solves for (to 16 digits), which that derivation provides (:func:`provide`)."""
    alpha, lam = _PROVIDED["selu-constants"]()
    return lam * elu(alpha)


_PROVIDED: dict[str, Callable[[], tuple[sp.Expr, ...]]] = {}


def provide(what: str, constants: Callable[[], tuple[sp.Expr, ...]]) -> None:
    """Let a derivation of the library supply constants an activation is built from (SELU's
    alpha and lambda), so that this module depends on no derivation."""
    _PROVIDED[what] = constants


_CATALOGUE: dict[str, Callable[[], sp.Expr]] = {
    "linear": lambda: z,
    "relu": lambda: sp.Max(0, z),
    "leaky_relu": leaky_relu,
    "elu": elu,
    "selu": selu,
    "gelu": lambda: z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
    "silu": lambda: z * sigmoid(z),
    "softplus": lambda: sp.log(1 + sp.exp(z)),
    "tanh": lambda: sp.tanh(z),
    "sigmoid": lambda: sigmoid(z),
}
NAMES = tuple(_CATALOGUE)
"""Named activations (leaky ReLU with slope 0.01, ELU with alpha = 1, GELU in its erf form)."""


@cache
def named(name: str) -> sp.Expr:
    """The catalogue activation ``name``."""
    return _CATALOGUE[name]()


@dataclass(frozen=True)
class Activation:
    """An activation, parsed once where the user typed it: ``name`` is a catalogue name or the
    expression as typed, ``phi`` the expression in ``z``."""

    name: str
    phi: sp.Expr

    @property
    def catalogued(self) -> bool:
        """Whether it is a catalogue activation (whose derivations are registered by name)."""
        return self.name in _CATALOGUE


def activation(name_or_expression: str) -> Activation:
    """A catalogue activation by name, or a safely parsed expression over ``z``
    (:class:`~.parse.ParseError` when it is not admissible)."""
    if name_or_expression in _CATALOGUE:
        return Activation(name_or_expression, named(name_or_expression))
    return Activation(name_or_expression, _parsed(name_or_expression))


def _parsed(name_or_expression: str) -> sp.Expr:
    """A user expression over ``z``, refused unless it depends on ``z`` and is real, finite and not
    constant at :data:`PROBES`."""
    try:
        expr = parse_expression(name_or_expression, {"z": z})
    except ParseError as error:
        raise ParseError(f"activation {name_or_expression!r}: {error} "
                         f"(or a name: {', '.join(NAMES)})") from None
    if z not in expr.free_symbols:
        raise ParseError(f"activation {name_or_expression!r} does not depend on z")
    for point in PROBES:
        value = sp.N(expr.subs(z, point), 20)
        if not value.is_real or not value.is_finite:
            raise ParseError(f"activation {name_or_expression!r} is not a real number at z = {point}: an activation "
                             "must be defined for every real z")
    if len({sp.N(expr.subs(z, point), 15) for point in PROBES}) == 1 and sp.simplify(sp.diff(expr, z)) == 0:
        raise ParseError(f"activation {name_or_expression!r} is constant")
    return expr


def derivative(phi: sp.Expr) -> sp.Expr:
    """:math:`\\phi'(z)` by :func:`sympy.diff` (ReLU's kink gives ``Heaviside(z)``)."""
    return sp.diff(phi, z)
