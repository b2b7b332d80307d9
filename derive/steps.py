"""Steps of a derivation, each kind with the sympy check that proves it.

A step holds a relation (kept unevaluated, so the reader sees the intermediate
form), the rule or fact that justifies it, a one-line justification in English
and Vietnamese, the assumptions it relies on, and the earlier relations
(``facts``) it combines, each used as a rewrite ``lhs -> rhs``. Kinds of step:

* :class:`Identity`: ``lhs = rhs`` holds as an identity once the cited
  assumptions are applied;
* :class:`Expansion`: ``lhs = rhs + O(z^k)``, a truncated series;
* :class:`Solution`: ``unknown = value`` has the same solutions as a premise;
* :class:`Bound`: ``Product(f(z_l), (l, 1, L)) <= M^L`` where the product's own factor
  ``f`` is non-negative with supremum ``M`` over the reals;
* :class:`Quadrature`: ``lhs = rhs`` to the accuracy the checker sets
  (:data:`QUADRATURE_TOLERANCE`) once every expectation of a function of a variable with a
  known distribution is computed by numerical quadrature (for integrals sympy cannot do in
  closed form);
* :class:`Requirement`: a goal of the derivation, restated from a cited goal assumption;
* :class:`Citation`: a result of another checked derivation, quoted by its id.

Only what a step cites is used: the substitutions, independence and distributions of its
assumptions (:mod:`derive.assumptions`), and as facts the relations of earlier steps.
:func:`check` is registered per kind and returns a :class:`Verdict`; adding a kind never
touches the others.
"""

from __future__ import annotations

import random as _random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, singledispatch

import mpmath
import sympy as sp
from sympy import stats
from sympy.calculus.util import maximum, minimum
from sympy.stats.crv_types import ContinuousDistributionHandmade

from .assumptions import Assumption
from .functions import unfold
from .moments import Independence, Mean, Var, reduce_moments
from .text import Text

TOLERANCE = 1e-12
"""Relative agreement a numeric verdict requires (evaluation, random points, quadrature)."""
QUADRATURE_TOLERANCE = TOLERANCE
"""A quadrature step must agree to ``QUADRATURE_TOLERANCE * max(1, |rhs|)``; its own error
estimate must be ten times smaller. Set by the checker, never by a step."""
NON_SMOOTH = (sp.Min, sp.Max, sp.Abs, sp.floor, sp.ceiling, sp.Heaviside, sp.Piecewise, sp.sign,
              sp.frac, sp.Mod, sp.DiracDelta)
"""Functions whose kinks or jumps a finite set of sample points can miss."""


class Proof(StrEnum):
    """How a step was established."""

    SYMBOLIC = "symbolic"
    """sympy reduced the difference of the two sides to zero: an identity."""
    EVALUATION = "evaluation"
    """both sides are closed numbers that agree to 1e-12 relative at 50 digits (a quoted decimal)."""
    NUMERIC = "numeric"
    """sympy could not simplify a smooth difference; it vanishes to 1e-12 at sample points spread
    over each symbol's domain (evidence, not a proof)."""
    QUADRATURE = "quadrature"
    """numbers computed by adaptive quadrature agree to the checker's tolerance, with the
    quadrature's error estimate ten times smaller."""
    CITED = "cited"
    """a result of another checked derivation."""
    GOAL = "goal"
    """a goal of the derivation, declared as an assumption; imposed, not proved."""


PROOF_NAMES = {Proof.SYMBOLIC: Text("symbolic", "ký hiệu"), Proof.EVALUATION: Text("evaluation", "tính giá trị"),
               Proof.NUMERIC: Text("numeric", "số"), Proof.QUADRATURE: Text("quadrature", "cầu phương"),
               Proof.CITED: Text("cited", "trích dẫn"), Proof.GOAL: Text("goal", "mục tiêu")}
"""How each kind of proof is named to a reader."""


@dataclass(frozen=True)
class Verdict:
    """How a step was established, with a detail such as the error a quadrature reached."""

    proof: Proof
    detail: Text = Text("", "")

    def __str__(self) -> str:
        return self.label("en")

    def label(self, lang: str) -> str:
        """The proof's name and its detail, in ``lang``: ``quadrature, difference 2e-17, ...``."""
        name, detail = PROOF_NAMES[self.proof](lang), self.detail(lang)
        return f"{name}, {detail}" if detail else name


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
    """``Product(f, (l, 1, L)) <= M^L``: the product's factor ``f`` lies in ``[0, M]`` over the reals."""


@dataclass(frozen=True, kw_only=True)
class Quadrature(Step):
    """``lhs = rhs`` to :data:`QUADRATURE_TOLERANCE`, expectations computed by adaptive quadrature."""


@dataclass(frozen=True, kw_only=True)
class Requirement(Step):
    """A goal the derivation imposes, restated from a cited goal assumption."""


@dataclass(frozen=True, kw_only=True)
class Citation(Step):
    """A result of the checked derivation ``source`` (its id), quoted unchanged."""

    source: str


@dataclass(frozen=True)
class Model:
    """What the symbols of a derivation mean, for checking its steps.

    ``random`` lists the random variables (generic members of i.i.d. families included);
    a symbol that is neither listed nor given a distribution by a cited assumption is a
    constant. ``definitions`` maps an expression to what it stands
    for, e.g. ``z_next: Sum(w[i] * a[i], (i, 1, n))``. Which variables are independent and
    which have a known distribution is not the model's to say: a step uses what the
    assumptions it cites declare.
    """

    random: Collection[sp.Symbol] = ()
    definitions: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)

    def substitute(self, expr: sp.Expr, step: Step) -> sp.Expr:
        """``expr`` with the step's facts and assumptions and the model's definitions applied."""
        for fact in step.facts:
            expr = expr.xreplace({fact.lhs: fact.rhs})
        return expr.xreplace(dict(self.definitions)).subs(_substitutions(step.given))

    def evaluate(self, expr: sp.Expr, step: Step) -> sp.Expr:
        """``expr`` substituted (:meth:`substitute`), with moments, integrals, derivatives
        and sums evaluated under what the step cites."""
        return self.moments(self.substitute(expr, step), step.given)

    def moments(self, expr: sp.Expr, given: Iterable[Assumption], integrate: bool = True) -> sp.Expr:
        """Moments in ``expr`` reduced by the independence and distributions ``given`` declares
        (non-polynomial moments of distributed variables only when ``integrate``)."""
        given = tuple(given)
        known = declared_distributions(given)
        expr = _by_distribution(expr, known, integrate)
        expr = reduce_moments(expr, {*self.random, *(s for s, _ in known)}, independence(given))
        expr = expr.subs(_substitutions(given)).xreplace(dict(self.definitions))
        return unfold(expr.replace(lambda e: isinstance(e, sp.Derivative), stepwise)).doit(conds="none")

    def quadrature(self, expr: sp.Expr, given: Iterable[Assumption], digits: int = 30) -> tuple[sp.Float, float]:
        """``expr`` as a number, each expectation of a variable whose distribution ``given``
        declares computed by mpmath's adaptive quadrature, split at 0 where kinks sit; returns
        the value and the sum of the quadrature error estimates."""
        distributions = dict(declared_distributions(tuple(given)))
        errors = []

        def integrate(node: sp.Expr) -> sp.Expr:
            (symbol, variable), = [(s, v) for s, v in distributions.items() if s in node.args[0].free_symbols]
            density = stats.density(variable)(symbol)
            support = stats.pspace(variable).domain.set
            integrand = sp.lambdify(symbol, unfold(node.args[0]) * density, "mpmath")
            result, error = mpmath.quad(integrand, _cut_at_zero(support), error=True)
            errors.append(float(error))
            return sp.Float(result, digits)

        with mpmath.workdps(digits):
            expr = expr.replace(lambda e: isinstance(e, Mean) and len(e.args[0].free_symbols & set(distributions)) == 1,
                                integrate)
            return sp.N(expr, digits), sum(errors)


def stepwise(derivative: sp.Derivative) -> sp.Expr:
    """A derivative taken one order at a time, expanding after each: equal to sympy's ``doit``, but
    a high derivative of ``tanh`` or the sigmoid stays a polynomial in it instead of swelling
    (the 17th of tanh: 0.1 s against 31 s)."""
    expr = derivative.expr
    for variable, count in derivative.variable_count:
        for _ in range(count):
            expr = sp.expand(sp.diff(expr, variable))
    return expr


def declared_distributions(given: tuple[Assumption, ...]) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    """The variables with a known distribution, as the assumptions ``given`` declare them."""
    return tuple(pair for assumption in given for pair in assumption.distributions)


def independence(given: Iterable[Assumption]) -> Independence:
    """The independence the assumptions ``given`` declare."""
    return Independence(tuple(a.independent for a in given if a.independent))


def _by_distribution(expr: sp.Expr, known: tuple[tuple[sp.Symbol, sp.Expr], ...], integrate: bool) -> sp.Expr:
    """Moments of variables with a declared distribution, computed from sympy.stats."""
    if not known:
        return expr
    symbols = {s for s, _ in known}

    def rewrite(node: sp.Expr) -> sp.Expr:
        inside = node.args[0].free_symbols & symbols
        if len(inside) != 1:
            return node
        (symbol,) = inside
        if not integrate and not unfold(node.args[0]).is_polynomial(symbol):
            return node
        return distribution_moment(node, tuple((s, v) for s, v in known if s == symbol))

    return expr.replace(lambda e: isinstance(e, (Mean, Var)), rewrite)


def _substitutions(given: Iterable[Assumption]) -> list[tuple[sp.Expr, sp.Expr]]:
    """The substitutions the assumptions ``given`` license (goals license none: they are imposed)."""
    return [pair for assumption in given if not assumption.goal for pair in assumption.subs]


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
    (``Min`` and ``Max`` first rewritten as ``Piecewise``).
    """
    arg = unfold(node.args[0])
    if isinstance(node, Var):
        return sp.expand(distribution_moment(Mean(arg**2), known)
                         - distribution_moment(Mean(arg), known) ** 2)
    (symbol, variable), = [(s, v) for s, v in known if s in arg.free_symbols]
    handmade = isinstance(stats.pspace(variable).distribution, ContinuousDistributionHandmade)
    if arg.is_polynomial(symbol) and not handmade:
        polynomial = sp.Poly(arg, symbol)
        moments = raw_moments(variable, max(polynomial.degree(), RAW_MOMENTS))
        return sp.expand(sum(c * moments[k] for (k,), c in polynomial.terms()))
    point = sp.Dummy("x", real=True)
    support = stats.pspace(variable).domain.set
    density = stats.density(variable)(point)
    arg = sp.piecewise_fold(arg.rewrite(sp.Piecewise) if arg.has(sp.Min, sp.Max) else arg)
    pieces = arg.as_expr_set_pairs(support) if isinstance(arg, sp.Piecewise) else [(arg, support)]
    return sp.Add(*(sp.integrate(piece.rewrite(sp.Heaviside).xreplace({symbol: point}) * density,
                                 (point, interval.inf, interval.sup), conds="none", risch=False)
                    for piece, where in pieces for interval in _intervals(where)))


RAW_MOMENTS = 4
"""The raw moments computed at once, at the least: a derivation asks for E[X], E[X^2], ... one at a time,
and one series expansion costs about as much at order 5 as at order 2."""


@cache
def raw_moments(variable: sp.Expr, degree: int) -> tuple[sp.Expr, ...]:
    r""":math:`E[X^k]` for :math:`k = 0, \dots,` ``degree``: integrated against the density where it is one
    expression on its support and zero elsewhere (the uniform's :math:`1/(b - a)` on :math:`[a, b]`: a
    polynomial integral), else :math:`k!\,[t^k] M(t)` from the series of sympy.stats' moment generating
    function (for :math:`U(a, b)` that series takes 0.2 s, the integrals 0.05 s)."""
    point = sp.Dummy("x", real=True)
    support = stats.pspace(variable).domain.set
    inside = _inside(stats.density(variable)(point), support.as_relational(point))
    if inside is not None:
        return tuple(sp.factor(sp.integrate(point**k * inside, (point, support.inf, support.sup), conds="none"))
                     for k in range(degree + 1))
    t = sp.Dummy("t")
    series = sp.series(stats.moment_generating_function(variable)(t), t, 0, degree + 1).removeO()
    return tuple(series.coeff(t, k) * sp.factorial(k) for k in range(degree + 1))


def _inside(density: sp.Expr, support: sp.Boolean) -> sp.Expr | None:
    """The density's expression on its support when it is ``Piecewise((f, support), (0, True))``, else None."""
    if not isinstance(density, sp.Piecewise) or len(density.args) != 2 or density.args[1] != (0, sp.true):
        return None
    (expr, condition), _ = density.args
    return expr if _relations(condition) == _relations(support) else None


def _relations(condition: sp.Boolean) -> frozenset:
    """The relations a conjunction asserts, each in canonical form (``-r <= x`` and ``x >= -r`` alike)."""
    return frozenset(getattr(relation, "canonical", relation) for relation in sp.And.make_args(condition))


def _intervals(where: sp.Set) -> tuple[sp.Set, ...]:
    """The disjoint intervals of ``where`` (a union is integrated interval by interval, never
    across its gaps)."""
    return where.args if isinstance(where, sp.Union) else (where,)


@singledispatch
def check(step: Step, model: Model) -> Verdict:
    """Prove ``step`` under ``model`` or raise :class:`StepFailed`."""
    raise TypeError(f"no check for {type(step).__name__}")


@check.register
def _(step: Identity, model: Model) -> Verdict:
    if isinstance(step.lhs, sp.MatrixBase | sp.MatrixExpr):
        return _entrywise(sp.Matrix(model.substitute(step.lhs - step.rhs, step).doit()))
    if model.substitute(step.lhs - step.rhs, step) == 0:
        return Verdict(Proof.SYMBOLIC)
    difference = model.evaluate(step.lhs - step.rhs, step)
    if difference.is_number and difference.has(sp.Float):
        return _evaluated(difference, model.evaluate(step.rhs, step))
    return prove_zero(difference)


def _entrywise(difference: sp.Matrix) -> Verdict:
    """A matrix relation holds when every entry of the difference is zero; the weakest entry's proof."""
    verdicts = [prove_zero(entry) for entry in difference]
    return next((v for v in verdicts if v.proof != Proof.SYMBOLIC), Verdict(Proof.SYMBOLIC))


def _evaluated(difference: sp.Expr, rhs: sp.Expr) -> Verdict:
    """Two closed numbers, one of them a quoted decimal, agree to :data:`TOLERANCE` relative."""
    gap, scale = abs(sp.N(difference, 50)), abs(sp.N(rhs, 50))
    if not (gap.is_number and scale.is_number and gap.is_finite):
        raise StepFailed(f"the two sides do not evaluate to finite numbers ({sp.sstr(difference)})")
    if gap > TOLERANCE * max(scale, sp.Float(1e-300)):
        raise StepFailed(f"the two sides differ by {sp.N(difference, 6)}")
    relative = f"{float(gap / scale) if scale else 0.0:.0e}"
    return Verdict(Proof.EVALUATION, Text(f"relative difference {relative}", f"sai khác tương đối {relative}"))


@check.register
def _(step: Expansion, model: Model) -> Verdict:
    order = step.rhs.getO()
    if order is None:
        raise StepFailed("an expansion needs an O(...) term on the right")
    (variable, point), = zip(order.variables, order.point, strict=True)
    k = sp.Poly(order.expr, variable).degree()
    lhs = model.evaluate(step.lhs, step)
    difference = sp.series(lhs - step.rhs.removeO(), variable, point, k).removeO()
    return prove_zero(difference)


@check.register
def _(step: Solution, model: Model) -> Verdict:
    wanted = solutions(step.relation, step.unknown)
    found = solutions(step.premise, step.unknown)
    if wanted != found and not _same_numbers(wanted, found):
        raise StepFailed(f"{step.premise} gives {step.unknown} in {sorted(found, key=str)}, "
                         f"not {sorted(wanted, key=str)}")
    return Verdict(Proof.SYMBOLIC)


@check.register
def _(step: Bound, model: Model) -> Verdict:
    product = step.lhs
    if not isinstance(product, sp.Product) or not isinstance(step.relation, sp.LessThan) or len(product.limits) != 1:
        raise StepFailed("a bound relates Product(f, (l, 1, L)) <= M**L")
    (index, low_index, high_index), = product.limits
    factor, variable = _bounded_factor(unfold(model.substitute(product.function, step)), index)
    low = minimum(factor, variable, sp.S.Reals)
    high = maximum(factor, variable, sp.S.Reals)
    if not (low >= 0) == sp.true:
        raise StepFailed(f"the factor {sp.sstr(product.function)} takes negative values (infimum {low})")
    if not high.is_finite:
        raise StepFailed(f"the factor {sp.sstr(product.function)} is unbounded")
    bound = high ** (high_index - low_index + 1)
    return prove_zero(sp.expand_power_base(step.rhs - bound, force=True))


def _bounded_factor(factor: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, sp.Symbol]:
    """The product's factor as a function of its one real variable (``z_l``, or ``z[l]``)."""
    members = {e: sp.Dummy(str(e.base), real=True) for e in factor.atoms(sp.Indexed) if e.indices == (index,)}
    factor = factor.xreplace(members)
    if index in factor.free_symbols:
        raise StepFailed(f"the factor {sp.sstr(factor)} depends on the index {index} itself")
    variables = factor.free_symbols
    if len(variables) != 1 or not next(iter(variables)).is_real:
        raise StepFailed("a bound takes the supremum over one real variable; the factor has "
                         f"{sorted(map(str, variables))}")
    return factor, next(iter(variables))


@check.register
def _(step: Quadrature, model: Model) -> Verdict:
    difference, error = model.quadrature(model.substitute(step.lhs - step.rhs, step), step.given)
    if not difference.is_number:
        raise StepFailed(f"quadrature leaves {sp.sstr(difference)} unevaluated")
    tolerance = QUADRATURE_TOLERANCE * max(1.0, abs(float(sp.N(step.rhs, 30))))
    if error > tolerance / 10:
        raise StepFailed(f"the quadrature error estimate {error:.1e} is not below {tolerance / 10:.0e}")
    if abs(difference) > tolerance:
        raise StepFailed(f"the two sides differ by {sp.N(difference, 6)}, more than {tolerance:.0e}")
    gap = f"{float(abs(difference)):.0e}"
    return Verdict(Proof.QUADRATURE, Text(f"difference {gap}, error estimate {error:.0e}",
                                          f"sai khác {gap}, ước lượng sai số {error:.0e}"))


@check.register
def _(step: Requirement, model: Model) -> Verdict:
    goals = [(old, new) for assumption in step.given if assumption.goal for old, new in assumption.subs]
    if (step.lhs, step.rhs) not in goals and (step.rhs, step.lhs) not in goals:
        raise StepFailed("a requirement must restate a goal the derivation declares, and cite it")
    return Verdict(Proof.GOAL)


@check.register
def _(step: Citation, model: Model) -> Verdict:
    return Verdict(Proof.CITED, Text(step.source, step.source))


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


INTEGERS = (1, 2, 3, 7, 10, 11, 64, 1000, 65537, 10**6)
MAGNITUDES = (1e-8, 1e-3, 0.37, 1.0, 2.5, 7.3, 1e3, 1e8)
"""The values the numeric fallback gives a symbol: integers well past 10, positive reals from tiny
to huge (each jittered), and both signs for a real symbol."""


def prove_zero(expr: sp.Expr, points: int = 24) -> Verdict:
    """Show that ``expr`` is identically zero: symbolically, else at sample points.

    The fallback treats each moment atom as an unknown of its own and evaluates ``expr`` at
    ``points`` points with 50 digits, requiring ``|expr| <= TOLERANCE * max |term|`` over the
    terms of the sum. Symbols are taken in name order and each cycles through its domain's
    values (:data:`INTEGERS`, :data:`MAGNITUDES`), so the verdict depends on neither hash order
    nor luck. A difference holding a non-smooth function (:data:`NON_SMOOTH`) is never decided
    by points, which could miss the region where it switches: it must simplify to zero.
    """
    if _simplifies_to_zero(expr):
        return Verdict(Proof.SYMBOLIC)
    original, expr = expr, _moments_as_unknowns(expr)
    rough = sorted({type(f).__name__ for f in expr.atoms(*NON_SMOOTH)})
    if rough:
        raise StepFailed(f"sympy cannot show {sp.sstr(original)} is zero, and sample points could miss where "
                         f"{', '.join(rough)} switches: prove it symbolically or split the domain")
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    rng = _random.Random(20240521)
    checked = 0
    for k in range(points):
        values = {s: _sample(s, k + 3 * j, rng) for j, s in enumerate(symbols)}
        terms = [sp.N(t.xreplace(values), 50) for t in sp.Add.make_args(expr)]
        if not all(t.is_number for t in terms):
            raise StepFailed(f"sympy cannot decide whether {sp.sstr(original)} is zero")
        if not all(t.is_finite for t in terms):
            continue
        scale = max(abs(complex(t)) for t in terms)
        if abs(complex(sp.Add(*terms))) > TOLERANCE * scale:
            raise StepFailed(f"the two sides differ by {sp.sstr(sp.simplify(original))}")
        checked += 1
    if checked < points // 2:
        raise StepFailed(f"{sp.sstr(original)} is not finite at enough sample points to decide")
    return Verdict(Proof.NUMERIC, Text(f"{checked} sample points", f"{checked} điểm lấy mẫu"))


def _simplifies_to_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is zero by sympy's canonical forms: expanded, as a cancelled fraction (exact for
    rational functions of its atoms, and 10x cheaper than ``simplify``), or simplified."""
    if expr == 0 or sp.expand(expr) == 0 or sp.cancel(expr) == 0 or sp.simplify(expr) == 0:
        return True
    if expr.has(*NON_SMOOTH):
        folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
        return sp.simplify(folded) == 0
    return False


def _moments_as_unknowns(expr: sp.Expr) -> sp.Expr:
    """Replace each moment atom ``E[.]``/``Var(.)`` by an unknown of its own.

    Sampling the random variables inside them would be wrong: ``Var(3) = 0``.
    """
    atoms = sorted(expr.atoms(Mean, Var), key=sp.default_sort_key)
    return expr.xreplace({atom: sp.Dummy(f"m{k}", positive=isinstance(atom, Var), real=True)
                          for k, atom in enumerate(atoms)})


def _sample(symbol: sp.Symbol, k: int, rng: _random.Random) -> sp.Expr:
    """The ``k``-th value for ``symbol``: its domain's values in turn, reals jittered and signed."""
    if symbol.is_integer:
        value = INTEGERS[k % len(INTEGERS)]
        return sp.Integer(value if symbol.is_nonnegative else value * (-1) ** (k // len(INTEGERS)))
    value = sp.Float(MAGNITUDES[k % len(MAGNITUDES)] * rng.uniform(1.0, 1.3), 50)
    if symbol.is_nonnegative:
        return value
    return -value if (k // len(MAGNITUDES) + k) % 2 else value
