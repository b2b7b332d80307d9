"""Checks of the activations' derivatives: central finite differences against the derived forms."""

from __future__ import annotations

import sympy as sp

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import function
from ..registry import register


def derivative_check(name: str, derived: sp.Expr, step: float = 1e-4) -> SamplingCheck:
    """E over N(0, 1) of a central finite difference of ``name`` against the derived derivative."""
    from ..recursion import gaussian_expectation

    f, d = function(named(name)), function(derived)
    expected = gaussian_expectation(d, 1.0)
    return SamplingCheck(
        "activation-derivatives",
        f"{name}-derivative",
        Text(
            f"E[finite difference of {name}'] = E[{derived}], z ~ N(0, 1)",
            f"E[sai phân hữu hạn của {name}'] = E[{derived}], z ~ N(0, 1)",
        ),
        expected,
        lambda rng, k: (lambda u: (f(u + step) - f(u - step)) / (2 * step))(rng.standard_normal(k)),
    )


@register("activation-derivatives")
def activation_derivatives() -> list:
    d = derive.get("activation-derivatives")
    return [derivative_check("sigmoid", d.named("sigmoid").rhs), derivative_check("tanh", d.named("tanh").rhs)]
