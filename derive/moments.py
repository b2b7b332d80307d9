r"""Moment algebra for independent random variables of unknown distribution.

The random variables are plain symbols (``w``, ``x``, ``b``) or members
``w[i]`` of an i.i.d. family whose generic member is the symbol ``w``. Which of
them are independent is declared (:class:`Independence`), never presumed. :func:`reduce_moments` rewrites every
``E[p]`` and ``Var(p)`` of a polynomial ``p`` in them as a polynomial in the
atoms ``E[X]`` and ``Var(X)``, using only

* independence, where declared: :math:`E[\prod_k X_k^{p_k}] = \prod_k E[X_k^{p_k}]`,
* the variance identity: :math:`E[X^2] = \operatorname{Var}(X) + E[X]^2` and
  :math:`\operatorname{Var}(Y) = E[Y^2] - E[Y]^2`,
* i.i.d. sums of ``N`` terms: :math:`E[\sum_i f_i] = N E[f]` and
  :math:`E[(\sum_i f_i)^2] = N E[f^2] + N(N-1) E[f]^2`.

Higher raw moments stay as atoms ``E[X^k]``. The expectation of a
non-polynomial expression (``E[tanh(z)]``) is left unevaluated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

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
    """The argument of an expectation cannot be reduced with the declared independence."""


@dataclass(frozen=True)
class Independence:
    """Which random variables are independent, as declared by the assumptions a step cites.

    ``groups`` holds, for each cited assumption, its mutually independent groups. Two distinct
    variables are independent when some assumption puts them in different groups; a variable
    is never independent of itself, nor of a function of itself. A variable that appears in a
    group is an i.i.d. family: its indexed members ``w[i]`` are independent copies of ``w``.
    """

    groups: tuple[tuple[tuple[sp.Symbol, ...], ...], ...] = ()

    @cached_property
    def pairs(self) -> frozenset[frozenset[sp.Symbol]]:
        return frozenset(frozenset((u, v)) for declared in self.groups
                         for one, other in combinations(declared, 2) for u in one for v in other if u != v)

    @cached_property
    def families(self) -> frozenset[sp.Symbol]:
        return frozenset(s for declared in self.groups for group in declared for s in group)

    def separate(self, first: Collection[sp.Symbol], second: Collection[sp.Symbol]) -> bool:
        """Whether every variable of ``first`` is independent of every variable of ``second``."""
        return all(frozenset((u, v)) in self.pairs for u in first for v in second)


NONE = Independence()
"""No independence declared: expectations of products stay joint."""


def reduce_moments(expr: sp.Expr, random: Collection[sp.Symbol], independence: Independence = NONE) -> sp.Expr:
    """Rewrite ``E[.]`` and ``Var(.)`` in ``expr`` in terms of ``E[X]`` and ``Var(X)``, factoring
    expectations only across variables that ``independence`` declares independent."""
    random = frozenset(random)

    def rewrite(node: sp.Expr) -> sp.Expr:
        try:
            if isinstance(node, Var):
                arg = node.args[0]
                return sp.expand(expect(arg**2, random, independence) - expect(arg, random, independence) ** 2)
            return expect(node.args[0], random, independence)
        except NotPolynomial:
            return node

    return expr.replace(lambda e: isinstance(e, (Mean, Var)), rewrite)


def expect(arg: sp.Expr, random: frozenset[sp.Symbol], independence: Independence = NONE) -> sp.Expr:
    """``E[arg]`` by linearity, factoring each product over independent components."""
    return sp.Add(*(_expect_monomial(t, random, independence) for t in sp.Add.make_args(sp.expand(arg))))


def _generic(factor: sp.Expr) -> sp.Expr:
    """The generic member ``w`` of an indexed member ``w[i]``, else the factor itself."""
    return factor.base.label if isinstance(factor, sp.Indexed) else factor


def _variables(expr: sp.Expr, random: frozenset[sp.Symbol]) -> frozenset[sp.Symbol]:
    """The random variables ``expr`` depends on, indexed members counted as their family."""
    found = {s for s in expr.free_symbols if s in random}
    found |= {e.base.label for e in expr.atoms(sp.Indexed) if e.base.label in random}
    return frozenset(found)


def _expect_monomial(term: sp.Expr, random: frozenset[sp.Symbol], independence: Independence) -> sp.Expr:
    value = sp.S.One
    components: list[tuple[sp.Expr, frozenset[sp.Symbol]]] = []
    for factor, power in term.as_powers_dict().items():
        variables = _variables(factor, random)
        if not variables:
            value *= factor**power
            continue
        joined = [c for c in components if not independence.separate(c[1], variables)]
        product = sp.Mul(*(c[0] for c in joined)) * factor**power
        components = [c for c in components if c not in joined] + [(product, variables.union(*(c[1] for c in joined)))]
    for product, variables in components:
        value *= _expect_component(product, variables, random, independence)
    return value


def _expect_component(product: sp.Expr, variables: frozenset[sp.Symbol], random: frozenset[sp.Symbol],
                      independence: Independence) -> sp.Expr:
    """``E[product]`` for a product of dependent factors: a raw moment of one variable, an
    i.i.d. sum, or else a joint moment left as the atom ``E[product]``."""
    base, power = product.as_base_exp()
    if isinstance(base, sp.Sum):
        return _expect_sum_power(base, power, random, independence)
    if product.has(sp.Sum):
        raise NotPolynomial(product)
    if (base in random or isinstance(base, sp.Indexed)) and power.is_Integer and power > 0:
        return raw_moment(_generic(base), int(power))
    return Mean(product)


def raw_moment(variable: sp.Symbol, k: int) -> sp.Expr:
    """``E[X^k]`` in the atoms ``E[X]``, ``Var(X)`` and ``E[X^k]`` for ``k > 2``."""
    if k == 1:
        return Mean(variable)
    if k == 2:
        return Var(variable) + Mean(variable) ** 2
    return Mean(variable**k)


def _expect_sum_power(total: sp.Sum, power: sp.Expr, random: frozenset[sp.Symbol],
                      independence: Independence) -> sp.Expr:
    """``E[S^p]`` for ``S`` a sum of i.i.d. terms and ``p`` in {1, 2}; the terms' families must be
    declared i.i.d."""
    if len(total.limits) != 1 or power not in (1, 2):
        raise NotPolynomial(total**power)
    index, low, high = total.limits[0]
    count = high - low + 1
    term = total.function.replace(lambda e: isinstance(e, sp.Indexed), _generic)
    if index in term.free_symbols or not _variables(term, random) <= independence.families:
        raise NotPolynomial(total)
    first = expect(term, random, independence)
    if power == 1:
        return count * first
    return count * expect(term**2, random, independence) + count * (count - 1) * first**2
