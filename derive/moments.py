r"""Moment algebra for independent random variables of unknown distribution.

The random variables are plain symbols (``w``, ``x``, ``b``) or members
``w[i]`` of an i.i.d. family whose generic member is the symbol ``w``. All of
them are mutually independent. :func:`reduce_moments` rewrites every
``E[p]`` and ``Var(p)`` of a polynomial ``p`` in them as a polynomial in the
atoms ``E[X]`` and ``Var(X)``, using only

* independence: :math:`E[\prod_k X_k^{p_k}] = \prod_k E[X_k^{p_k}]`,
* the variance identity: :math:`E[X^2] = \operatorname{Var}(X) + E[X]^2` and
  :math:`\operatorname{Var}(Y) = E[Y^2] - E[Y]^2`,
* i.i.d. sums of ``N`` terms: :math:`E[\sum_i f_i] = N E[f]` and
  :math:`E[(\sum_i f_i)^2] = N E[f^2] + N(N-1) E[f]^2`.

Higher raw moments stay as atoms ``E[X^k]``. The expectation of a
non-polynomial expression (``E[tanh(z)]``) is left unevaluated.
"""

from __future__ import annotations

from collections.abc import Collection

import sympy as sp


class Mean(sp.Function):
    r"""The unevaluated expectation :math:`\mathbb{E}[X]` (printed ``E[X]``)."""

    nargs = 1

    @classmethod
    def eval(cls, arg):  # noqa: D102
        return arg if arg.is_number else None

    def _latex(self, printer, exp: str | None = None) -> str:
        tex = r"\mathbb{E}\left[%s\right]" % printer._print(self.args[0])
        return tex if exp is None else f"{tex}^{{{exp}}}"


class Var(sp.Function):
    r"""The unevaluated variance :math:`\operatorname{Var}(X)`."""

    nargs = 1

    @classmethod
    def eval(cls, arg):  # noqa: D102
        return sp.S.Zero if arg.is_number else None

    def _latex(self, printer, exp: str | None = None) -> str:
        tex = r"\operatorname{Var}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else f"{tex}^{{{exp}}}"


class NotPolynomial(Exception):
    """The argument of an expectation is not a polynomial in the random variables."""


def reduce_moments(expr: sp.Expr, random: Collection[sp.Symbol]) -> sp.Expr:
    """Rewrite ``E[.]`` and ``Var(.)`` in ``expr`` in terms of ``E[X]`` and ``Var(X)``."""
    random = frozenset(random)

    def rewrite(node: sp.Expr) -> sp.Expr:
        try:
            if isinstance(node, Var):
                arg = node.args[0]
                return sp.expand(expect(arg**2, random) - expect(arg, random) ** 2)
            return expect(node.args[0], random)
        except NotPolynomial:
            return node

    return expr.replace(lambda e: isinstance(e, (Mean, Var)), rewrite)


def expect(arg: sp.Expr, random: frozenset[sp.Symbol]) -> sp.Expr:
    """``E[arg]`` for a polynomial ``arg`` in independent random variables."""
    return sp.Add(*(_expect_monomial(t, random) for t in sp.Add.make_args(sp.expand(arg))))


def _generic(factor: sp.Expr) -> sp.Expr:
    """The generic member ``w`` of an indexed member ``w[i]``, else the factor itself."""
    return factor.base.label if isinstance(factor, sp.Indexed) else factor


def _is_random(expr: sp.Expr, random: frozenset[sp.Symbol]) -> bool:
    if isinstance(expr, sp.Indexed):
        return expr.base.label in random
    return bool(expr.free_symbols & random)


def _expect_monomial(term: sp.Expr, random: frozenset[sp.Symbol]) -> sp.Expr:
    value = sp.S.One
    seen: set[sp.Expr] = set()
    for factor, power in term.as_powers_dict().items():
        if not _is_random(factor, random):
            value *= factor**power
        elif isinstance(factor, sp.Sum):
            value *= _expect_sum_power(factor, power, random)
        elif (factor in random or isinstance(factor, sp.Indexed)) and power.is_Integer:
            if factor in seen:
                raise NotPolynomial(term)
            seen.add(factor)
            value *= raw_moment(_generic(factor), int(power))
        else:
            raise NotPolynomial(term)
    return value


def raw_moment(variable: sp.Symbol, k: int) -> sp.Expr:
    """``E[X^k]`` in the atoms ``E[X]``, ``Var(X)`` and ``E[X^k]`` for ``k > 2``."""
    if k == 1:
        return Mean(variable)
    if k == 2:
        return Var(variable) + Mean(variable) ** 2
    return Mean(variable**k)


def _expect_sum_power(total: sp.Sum, power: sp.Expr, random: frozenset[sp.Symbol]) -> sp.Expr:
    """``E[S^p]`` for ``S`` a sum of i.i.d. terms and ``p`` in {1, 2}."""
    if len(total.limits) != 1 or power not in (1, 2):
        raise NotPolynomial(total**power)
    index, low, high = total.limits[0]
    count = high - low + 1
    term = total.function.replace(lambda e: isinstance(e, sp.Indexed), _generic)
    if index in term.free_symbols:
        raise NotPolynomial(total)
    first = expect(term, random)
    if power == 1:
        return count * first
    return count * expect(term**2, random) + count * (count - 1) * first**2
