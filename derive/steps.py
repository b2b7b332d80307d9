"""Steps of a derivation, each kind with the sympy check that proves it.

A step holds a relation (kept unevaluated, so the reader sees the intermediate
form), the rule or fact that justifies it, a one-line justification in English
and Vietnamese, the assumptions it relies on, and the earlier relations
(``facts``) it combines, each used as a rewrite ``lhs -> rhs``. Kinds of step:

* :class:`Identity`: ``lhs = rhs`` holds as an identity once the cited
  assumptions are applied;
* :class:`Expansion`: ``lhs = rhs + O(z^k)``, a truncated series;
* :class:`Solution`: ``unknown = value`` has the same solutions as a premise;
* :class:`Bound`: ``Product(f(z_l), (l, 1, L)) <= M^L`` for a non-negative ``f``
  whose supremum over the reals is ``M``;
* :class:`Quadrature`: ``lhs = rhs`` to within a stated absolute error once every
  expectation of a function of a variable with a known distribution is computed by
  numerical quadrature (for integrals sympy cannot do in closed form);
* :class:`Requirement`: a condition imposed by the derivation (a goal, not a fact).

:func:`check` is registered per kind; adding a kind never touches the others.
"""

from __future__ import annotations

import random as _random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, singledispatch

import mpmath
import sympy as sp
from sympy import stats
from sympy.calculus.util import maximum, minimum
from sympy.stats.crv_types import ContinuousDistributionHandmade

from .assumptions import Assumption
from .functions import unfold
from .moments import Mean, Var, reduce_moments
from .text import Text


class Proof(str, Enum):
    """How a step was established."""

    SYMBOLIC = "symbolic"
    """sympy reduced the difference of the two sides to zero."""
    NUMERIC = "numeric"
    """sympy could not simplify; the sides agree to 1e-12 at random points."""
    GIVEN = "given"
    """a requirement the derivation imposes."""


class StepFailed(Exception):
    """A step does not hold; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Step:
    """A relation with its justification; see the module docstring for the kinds."""

    relation: sp.core.relational.Relational
    rule: str
    why: Text
    given: tuple[Assumption, ...] = field(default=())
    facts: tuple[sp.Eq, ...] = field(default=())

    @property
    def lhs(self) -> sp.Expr:
        return self.relation.lhs

    @property
    def rhs(self) -> sp.Expr:
        return self.relation.rhs


@dataclass(frozen=True, kw_only=True)
class Identity(Step):
    """``lhs = rhs`` as an identity under the cited assumptions."""


@dataclass(frozen=True, kw_only=True)
class Expansion(Step):
    """``lhs = rhs`` where ``rhs`` is a polynomial plus an ``O(variable^k)`` term."""


@dataclass(frozen=True, kw_only=True)
class Solution(Step):
    """``unknown = value``: the relation has the same solutions for ``unknown`` as ``premise``.

    ``defines`` marks a premise that defines ``unknown`` (a standard deviation, a bound, a
    gain); any other premise must follow from the derivation's earlier steps.
    """

    premise: sp.core.relational.Relational
    unknown: sp.Expr
    defines: bool = False


@dataclass(frozen=True, kw_only=True)
class Bound(Step):
    """``Product(factor, (l, 1, L)) <= M^L``: each factor lies in ``[0, M]`` over the reals."""

    factor: sp.Expr
    variable: sp.Symbol


@dataclass(frozen=True, kw_only=True)
class Quadrature(Step):
    """``|lhs - rhs| <= bound`` with expectations computed by adaptive quadrature."""

    bound: float


@dataclass(frozen=True, kw_only=True)
class Requirement(Step):
    """A condition the derivation imposes (the goal it solves for)."""


@dataclass(frozen=True)
class Model:
    """What the symbols of a derivation mean, for checking its steps.

    ``random`` lists the independent random variables of unknown distribution
    (generic members of i.i.d. families included), whose moments
    :func:`~derive.moments.reduce_moments` handles; ``distributions`` maps a
    symbol to a :mod:`sympy.stats` random variable, whose moments sympy.stats
    computes; ``definitions`` maps an expression to what it stands for, e.g.
    ``z_next: Sum(w[i] * a[i], (i, 1, n))``.
    """

    random: Collection[sp.Symbol] = ()
    distributions: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)
    definitions: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)

    def substitute(self, expr: sp.Expr, step: Step) -> sp.Expr:
        """``expr`` with the step's facts and assumptions and the model's definitions applied."""
        for fact in step.facts:
            expr = expr.xreplace({fact.lhs: fact.rhs})
        return expr.xreplace(dict(self.definitions)).subs(_substitutions(step))

    def evaluate(self, expr: sp.Expr, step: Step) -> sp.Expr:
        """``expr`` substituted (:meth:`substitute`), with moments, integrals, derivatives
        and sums evaluated."""
        subs = _substitutions(step)
        definitions = dict(self.definitions)
        expr = self._by_distribution(self.substitute(expr, step))
        expr = reduce_moments(expr, self.random).subs(subs).xreplace(definitions)
        return unfold(expr).doit(conds="none")

    def _by_distribution(self, expr: sp.Expr) -> sp.Expr:
        """Moments of variables with a known distribution, computed from sympy.stats."""
        if not self.distributions:
            return expr
        known = tuple(self.distributions.items())

        def rewrite(node: sp.Expr) -> sp.Expr:
            if not node.args[0].free_symbols & set(self.distributions):
                return node
            return distribution_moment(node, known)

        return expr.replace(lambda e: isinstance(e, (Mean, Var)), rewrite)

    def quadrature(self, expr: sp.Expr, digits: int = 30) -> tuple[sp.Float, float]:
        """``expr`` as a number, each expectation of a distributed variable computed by
        mpmath's adaptive quadrature, split at 0 where kinks sit; returns the value and
        the sum of the quadrature error estimates."""
        errors = []

        def integrate(node: sp.Expr) -> sp.Expr:
            (symbol, variable), = [(s, v) for s, v in self.distributions.items()
                                   if s in node.args[0].free_symbols]
            density = stats.density(variable)(symbol)
            support = stats.pspace(variable).domain.set
            integrand = sp.lambdify(symbol, unfold(node.args[0]) * density, "mpmath")
            result, error = mpmath.quad(integrand, _cut_at_zero(support), error=True)
            errors.append(float(error))
            return sp.Float(result, digits)

        with mpmath.workdps(digits):
            expr = expr.replace(lambda e: isinstance(e, Mean) and e.args[0].free_symbols & set(self.distributions),
                                integrate)
            return sp.N(expr, digits), sum(errors)


def _substitutions(step: Step) -> list[tuple[sp.Expr, sp.Expr]]:
    return [pair for assumption in step.given for pair in assumption.subs]


def _cut_at_zero(support: sp.Interval) -> list:
    """The ends of ``support`` as mpmath numbers, with 0 inserted when it is inside."""
    ends = [mpmath.mpf(sp.N(support.inf)) if support.inf.is_finite else -mpmath.inf,
            mpmath.mpf(sp.N(support.sup)) if support.sup.is_finite else mpmath.inf]
    return [ends[0], 0, ends[1]] if ends[0] < 0 < ends[1] else ends


@cache
def distribution_moment(node: sp.Expr, known: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> sp.Expr:
    """``E[p(X)]`` or ``Var(p(X))`` for ``X`` with a sympy.stats distribution.

    A polynomial ``p`` of one variable takes its raw moments from the Maclaurin
    coefficients of sympy.stats' moment generating function,
    :math:`E[X^k] = M^{(k)}(0)`, for distributions whose MGF sympy knows in closed
    form; anything else (and any hand-made density) is integrated against the density
    over the support, a ``Piecewise`` branch by branch over each branch's interval
    (ReLU-like ``Max`` rewritten with ``Heaviside``).
    """
    arg = unfold(node.args[0])
    if isinstance(node, Var):
        return sp.expand(distribution_moment(Mean(arg**2), known)
                         - distribution_moment(Mean(arg), known) ** 2)
    (symbol, variable), = [(s, v) for s, v in known if s in arg.free_symbols]
    handmade = isinstance(stats.pspace(variable).distribution, ContinuousDistributionHandmade)
    if arg.is_polynomial(symbol) and not handmade:
        polynomial = sp.Poly(arg, symbol)
        t = sp.Dummy("t")
        series = sp.series(stats.moment_generating_function(variable)(t), t, 0, polynomial.degree() + 1)
        series = series.removeO()
        return sp.expand(sum(c * series.coeff(t, k) * sp.factorial(k)
                             for (k,), c in polynomial.terms()))
    point = sp.Dummy("x", real=True)
    support = stats.pspace(variable).domain.set
    density = stats.density(variable)(point)
    arg = sp.piecewise_fold(arg)
    pieces = arg.as_expr_set_pairs(support) if isinstance(arg, sp.Piecewise) else [(arg, support)]
    return sp.Add(*(sp.integrate(piece.rewrite(sp.Heaviside).xreplace({symbol: point}) * density,
                                 (point, where.inf, where.sup), conds="none") for piece, where in pieces))


@singledispatch
def check(step: Step, model: Model) -> Proof:
    """Prove ``step`` under ``model`` or raise :class:`StepFailed`."""
    raise TypeError(f"no check for {type(step).__name__}")


@check.register
def _(step: Identity, model: Model) -> Proof:
    if model.substitute(step.lhs - step.rhs, step) == 0:
        return Proof.SYMBOLIC
    difference = model.evaluate(step.lhs - step.rhs, step)
    if difference.is_number and difference.is_Float:
        scale = abs(sp.N(model.evaluate(step.rhs, step), 30))
        if abs(difference) > 1e-12 * scale:
            raise StepFailed(f"the two sides differ by {sp.N(difference, 6)}")
        return Proof.NUMERIC
    return prove_zero(difference)


@check.register
def _(step: Expansion, model: Model) -> Proof:
    order = step.rhs.getO()
    if order is None:
        raise StepFailed("an expansion needs an O(...) term on the right")
    (variable, point), = zip(order.variables, order.point, strict=True)
    k = sp.Poly(order.expr, variable).degree()
    lhs = model.evaluate(step.lhs, step)
    difference = sp.series(lhs - step.rhs.removeO(), variable, point, k).removeO()
    return prove_zero(difference)


@check.register
def _(step: Solution, model: Model) -> Proof:
    wanted = solutions(step.relation, step.unknown)
    found = solutions(step.premise, step.unknown)
    if wanted != found and not _same_numbers(wanted, found):
        raise StepFailed(f"{step.premise} gives {step.unknown} in {sorted(found, key=str)}, "
                         f"not {sorted(wanted, key=str)}")
    return Proof.SYMBOLIC


@check.register
def _(step: Bound, model: Model) -> Proof:
    factor = unfold(step.factor)
    low = minimum(factor, step.variable, sp.S.Reals)
    high = maximum(factor, step.variable, sp.S.Reals)
    if not (low >= 0) == sp.true:
        raise StepFailed(f"{step.factor} takes negative values (infimum {low})")
    product = step.lhs
    if not isinstance(product, sp.Product) or not isinstance(step.relation, sp.LessThan):
        raise StepFailed("a bound relates Product(f, (l, 1, L)) <= M**L")
    (index, low_index, high_index), = product.limits
    bound = high ** (high_index - low_index + 1)
    return prove_zero(sp.expand_power_base(step.rhs - bound, force=True))


@check.register
def _(step: Quadrature, model: Model) -> Proof:
    difference, error = model.quadrature(model.substitute(step.lhs - step.rhs, step))
    if not difference.is_number:
        raise StepFailed(f"quadrature leaves {sp.sstr(difference)} unevaluated")
    if error > step.bound / 10:
        raise StepFailed(f"the quadrature error estimate {error:.1e} is not below {step.bound / 10:.0e}")
    if abs(difference) > step.bound:
        raise StepFailed(f"the two sides differ by {sp.N(difference, 6)}, more than {step.bound:.0e}")
    return Proof.NUMERIC


@check.register
def _(step: Requirement, model: Model) -> Proof:
    return Proof.GIVEN


def _same_numbers(wanted: frozenset[sp.Expr], found: frozenset[sp.Expr]) -> bool:
    """Whether two single solutions with floating-point coefficients agree to 1e-12 relative."""
    if len(wanted) != 1 or len(found) != 1:
        return False
    (first,), (second,) = wanted, found
    if not (first.has(sp.Float) or second.has(sp.Float)):
        return False
    ratio = sp.simplify(first / second)
    return bool(ratio.is_number and abs(ratio - 1) <= 1e-12)


@cache
def solutions(relation: sp.Eq, unknown: sp.Expr) -> frozenset[sp.Expr]:
    """The simplified solutions of ``relation`` for ``unknown`` (positive unless it is a real
    symbol); remembered, since a solved premise is solved again when its step is checked."""
    placeholder = _placeholder(unknown)
    solved = sp.solve(relation.xreplace({unknown: placeholder}), placeholder, dict=False)
    if not solved:
        raise StepFailed(f"{relation} has no admissible solution for {unknown}")
    return frozenset(sp.simplify(s) for s in solved)


def _placeholder(unknown: sp.Expr) -> sp.Dummy:
    """A dummy to solve for: real if ``unknown`` is a real symbol that may be negative, else positive."""
    if isinstance(unknown, sp.Symbol) and unknown.is_real and not unknown.is_positive:
        return sp.Dummy("u", real=True)
    return sp.Dummy("u", positive=True)


def prove_zero(expr: sp.Expr, points: int = 6, tolerance: float = 1e-12) -> Proof:
    """Show that ``expr`` is identically zero: symbolically, else at random points.

    The fallback treats each moment atom as an unknown of its own and evaluates
    ``expr`` at ``points`` random points of its free symbols (positive symbols in
    [0.5, 3], integers in 1..9, others in [-2, 2]) with 30 digits, and requires
    ``|expr| <= tolerance * max |term|`` over the terms of the sum.
    """
    if expr == 0 or sp.expand(expr) == 0 or sp.simplify(expr) == 0:
        return Proof.SYMBOLIC
    original, expr = expr, _moments_as_unknowns(expr)
    rng = _random.Random(20240521)
    for _ in range(points):
        values = {s: _sample(s, rng) for s in expr.free_symbols}
        terms = [sp.N(t.subs(values), 30) for t in sp.Add.make_args(expr)]
        if not all(t.is_number for t in terms):
            raise StepFailed(f"sympy cannot decide whether {sp.sstr(original)} is zero")
        scale = max(abs(complex(t)) for t in terms)
        if abs(complex(sp.Add(*terms))) > tolerance * scale:
            raise StepFailed(f"the two sides differ by {sp.sstr(sp.simplify(original))}")
    return Proof.NUMERIC


def _moments_as_unknowns(expr: sp.Expr) -> sp.Expr:
    """Replace each moment atom ``E[.]``/``Var(.)`` by an unknown of its own.

    Sampling the random variables inside them would be wrong: ``Var(3) = 0``.
    """
    atoms = sorted(expr.atoms(Mean, Var), key=sp.default_sort_key)
    return expr.xreplace({atom: sp.Dummy(positive=isinstance(atom, Var), real=True) for atom in atoms})


def _sample(symbol: sp.Symbol, rng: _random.Random) -> sp.Expr:
    if symbol.is_integer:
        return sp.Integer(rng.randint(1, 9))
    if symbol.is_positive:
        return sp.Float(rng.uniform(0.5, 3.0), 30)
    return sp.Float(rng.uniform(-2.0, 2.0), 30)
