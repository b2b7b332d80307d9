"""A derivation: assumptions, an ordered list of checked steps, and its results."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import sympy as sp

from .assumptions import Assumption
from .moments import Mean, Var
from .steps import (
    Citation,
    Identity,
    Model,
    Proof,
    Quadrature,
    Requirement,
    Solution,
    Step,
    StepFailed,
    Verdict,
    check,
    solutions,
)
from .text import Text

FACT_KINDS = (Identity, Solution, Quadrature, Citation)
"""Steps whose relation a later step may use as a fact (``using=``): proved equalities.
Goals (requirements), expansions, bounds and definitions are not."""


class DerivationError(Exception):
    """A step of a derivation does not hold, or cites an unlisted assumption."""


@dataclass(frozen=True)
class Result:
    """A named result of a derivation: a relation ``lhs = rhs``."""

    name: str
    relation: sp.Eq

    @property
    def lhs(self) -> sp.Expr:
        return self.relation.lhs

    @property
    def rhs(self) -> sp.Expr:
        return self.relation.rhs


@dataclass(frozen=True)
class Conflict:
    """Assumptions that cannot hold together: under ``others``, ``relation`` of ``assumption``
    would read ``value`` instead."""

    assumption: Assumption
    relation: sp.Eq
    others: tuple[Assumption, ...]
    value: sp.Expr

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.assumption.id, *(a.id for a in self.others))

    def text(self, lang: str) -> str:
        """One sentence naming the conflicting assumptions."""
        others = ", ".join(a.id for a in self.others)
        lhs, rhs = sp.latex(self.relation.lhs), sp.latex(self.value)
        if lang == "vi":
            return (f"{self.assumption.id} và {others} mâu thuẫn nhau: "
                    f"theo {others}, ${lhs} = {rhs}$ chứ không phải ${sp.latex(self.relation.rhs)}$.")
        return (f"{self.assumption.id} and {others} contradict each other: "
                f"under {others}, ${lhs} = {rhs}$, not ${sp.latex(self.relation.rhs)}$.")


@dataclass(frozen=True)
class Derivation:
    """A checked derivation. Build one with :class:`Builder`.

    ``verdicts[k]`` says how step ``k`` was established; ``results`` are the
    relations the derivation exists to produce, the first being the main one;
    ``conflicts`` lists assumptions that contradict each other (only a derivation built
    to show a textbook argument as what it is has any).
    """

    id: str
    title: Text
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...]
    verdicts: tuple[Verdict, ...]
    results: tuple[Result, ...]
    conflicts: tuple[Conflict, ...] = ()

    @property
    def proofs(self) -> tuple[Proof, ...]:
        """How each step was established."""
        return tuple(v.proof for v in self.verdicts)

    @property
    def result(self) -> Result:
        """The main result."""
        return self.results[0]

    def named(self, name: str) -> Result:
        """The result called ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"{self.id} has no result {name!r}; it has {[r.name for r in self.results]}")


@dataclass
class Builder:
    """Collects the steps of a derivation, checking each one as it is added.

    ``step`` adds a relation; ``then`` continues a chain of equalities from
    the last left-hand side (rendered ``&= ...``); ``require`` restates a goal;
    ``solve`` asks :func:`sympy.solve` for an unknown and records the solution as a
    step; ``cite`` quotes a result of another derivation; ``result`` marks the last
    step's relation as a result. ``inconsistent`` declares a derivation that shows a
    textbook argument resting on assumptions that contradict each other: it builds only
    if they do, and the conflict is part of the derivation.
    """

    id: str
    title: Text
    assumptions: tuple[Assumption, ...]
    model: Model = field(default_factory=Model)
    inconsistent: bool = False
    steps: list[Step] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    supports: list[frozenset[str]] = field(default_factory=list)
    """For each step, the goals it rests on (ids of goal assumptions): at most one."""
    _conflicts: dict[frozenset[str], tuple[Conflict, ...]] = field(default_factory=dict, repr=False)

    def add(self, step: Step, support: frozenset[str] = frozenset()) -> Step:
        """Check ``step`` and append it; raise :class:`DerivationError` if it fails. ``support``
        holds the goals a solved premise rests on."""
        number = len(self.steps) + 1
        unlisted = [a.id for a in step.given if a not in self.assumptions]
        if unlisted:
            raise DerivationError(
                f"{self.id}: step {number} cites unlisted assumptions {', '.join(unlisted)}")
        try:
            support = support | self._admissible(step)
            verdict = check(step, self.model)
        except StepFailed as failure:
            raise DerivationError(
                f"{self.id}: step {number} ({step.rule}) does not hold: "
                f"{sp.sstr(step.relation.lhs)} = {sp.sstr(step.relation.rhs)}; {failure}"
            ) from None
        self.steps.append(step)
        self.verdicts.append(verdict)
        self.supports.append(support)
        return step

    def _admissible(self, step: Step) -> frozenset[str]:
        """The goals ``step`` rests on, once its facts are found to be proved equalities of earlier
        steps, its assumptions to agree, and its goals to be at most one."""
        proved = {s.relation: k for k, s in reversed(list(enumerate(self.steps))) if _fact(s)}
        support = frozenset(a.id for a in step.given if a.goal) if isinstance(step, Requirement) else frozenset()
        for fact in step.facts:
            if fact not in proved:
                raise StepFailed(f"it uses {sp.sstr(fact)}, which is not a proved equality among the earlier "
                                 "steps of this derivation")
            support |= self.supports[proved[fact]]
        for conflict in self.conflicts(step.given):
            raise StepFailed(f"it cites {' and '.join(conflict.ids)}, which contradict each other")
        if len(support) > 1:
            raise StepFailed(f"it rests on the goals {' and '.join(sorted(support))} together, which need not "
                             "hold at once")
        return support

    def conflicts(self, assumptions: tuple[Assumption, ...]) -> tuple[Conflict, ...]:
        """:func:`conflicts` among ``assumptions`` under this builder's model, remembered per set."""
        key = frozenset(a.id for a in assumptions)
        if key not in self._conflicts:
            self._conflicts[key] = conflicts(assumptions, self.model)
        return self._conflicts[key]

    def step(self, lhs: sp.Expr, rhs: sp.Expr, rule: str, en: str, vi: str,
             given: tuple[Assumption, ...] = (), using: tuple[sp.Eq, ...] = (),
             kind: type[Step] = Identity, **details: object) -> sp.Expr:
        """Add ``lhs = rhs`` as a step of ``kind`` (with the fields ``details`` it needs); return ``rhs``."""
        self.add(kind(relation=sp.Eq(lhs, rhs, evaluate=False), rule=rule,
                      why=Text(en, vi), given=given, facts=using, **details))
        return rhs

    def then(self, rhs: sp.Expr, rule: str, en: str, vi: str,
             given: tuple[Assumption, ...] = (), using: tuple[sp.Eq, ...] = (),
             kind: type[Step] = Identity) -> sp.Expr:
        """Continue the chain: ``(last lhs) = rhs``; return ``rhs``."""
        return self.step(self.steps[-1].lhs, rhs, rule, en, vi, given, using, kind)

    @property
    def last(self) -> sp.Eq:
        """The relation of the last step."""
        return self.steps[-1].relation

    def require(self, lhs: sp.Expr, rhs: sp.Expr, en: str, vi: str,
                given: tuple[Assumption, ...] = ()) -> sp.Eq:
        """Restate the goal ``lhs = rhs`` of a cited goal assumption; return the relation."""
        self.step(lhs, rhs, "requirement", en, vi, given, kind=Requirement)
        return self.steps[-1].relation

    def cite(self, source: Derivation, name: str, en: str, vi: str) -> sp.Eq:
        """Quote the result ``name`` of the checked derivation ``source``; return its relation."""
        relation = source.named(name).relation
        self.add(Citation(relation=relation, rule=f"{source.id}: {name}", why=Text(en, vi), source=source.id))
        return relation

    def solve(self, premise: sp.Eq, unknown: sp.Expr, rule: str, en: str, vi: str,
              given: tuple[Assumption, ...] = (), defines: bool = False) -> sp.Expr:
        """Solve ``premise`` for ``unknown`` with :func:`sympy.solve`; the root must be unique.

        Unless it ``defines`` the unknown, ``premise`` must follow from the earlier steps
        (:meth:`chain`)."""
        support = self._follows(premise, unknown, defines)
        try:
            roots = solutions(premise, unknown)
        except StepFailed as failure:
            raise DerivationError(f"{self.id}: {failure}") from None
        if len(roots) != 1:
            raise DerivationError(f"{self.id}: {premise} has {len(roots)} admissible roots for {unknown}")
        (value,) = roots
        self.add(Solution(relation=sp.Eq(unknown, value, evaluate=False), rule=rule, why=Text(en, vi),
                          given=given, premise=premise, unknown=unknown, defines=defines), support)
        return value

    def solved(self, relation: sp.Eq, premise: sp.Eq, unknown: sp.Expr, rule: str,
               en: str, vi: str, given: tuple[Assumption, ...] = ()) -> sp.Eq:
        """Add ``relation``, checked to have the same solutions for ``unknown`` as ``premise``,
        which must follow from the earlier steps."""
        support = self._follows(premise, unknown, defines=False)
        self.add(Solution(relation=relation, rule=rule, why=Text(en, vi), given=given,
                          premise=premise, unknown=unknown), support)
        return relation

    def chain(self, lhs: sp.Expr, rhs: sp.Expr, unknown: sp.Expr | None = None) -> list[int] | None:
        """The steps of a chain of equalities from ``lhs`` to ``rhs`` among the earlier steps
        (indices), or None when there is none.

        The links are proved equalities and goals; a goal that names ``unknown`` outside a
        moment, derivative or integral is no link, since a goal may say what a quantity of the
        model must be but not what the answer is."""
        edges: dict[sp.Expr, list[tuple[sp.Expr, int]]] = {}
        for k, step in enumerate(self.steps):
            if not _link(step) or not isinstance(step.relation, sp.Eq):
                continue
            if isinstance(step, Requirement) and unknown is not None and _names(step.relation, unknown):
                continue
            edges.setdefault(step.lhs, []).append((step.rhs, k))
            edges.setdefault(step.rhs, []).append((step.lhs, k))
        start, goal = sp.sympify(lhs), sp.sympify(rhs)
        paths: dict[sp.Expr, list[int]] = {start: []}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return paths[node]
            for neighbour, k in edges.get(node, ()):
                if neighbour not in paths:
                    paths[neighbour] = paths[node] + [k]
                    queue.append(neighbour)
        return None

    def _follows(self, premise: sp.Eq, unknown: sp.Expr, defines: bool) -> frozenset[str]:
        """The goals the premise rests on; raise unless it follows, or ``defines`` a new quantity
        (one that no earlier step but another definition mentions)."""
        if defines:
            if any(step.relation.has(unknown) for step in self.steps if _link(step)):
                raise DerivationError(f"{self.id}: step {len(self.steps) + 1} defines {sp.sstr(unknown)}, which "
                                      "earlier steps already use; a definition must introduce a new quantity")
            return frozenset()
        links = self.chain(premise.lhs, premise.rhs, unknown)
        if links is None:
            raise DerivationError(f"{self.id}: step {len(self.steps) + 1} solves {sp.sstr(premise.lhs)} = "
                                  f"{sp.sstr(premise.rhs)}, which does not follow from the earlier steps")
        return frozenset().union(*(self.supports[k] for k in links))

    def result(self, name: str) -> Result:
        """Mark the last step's relation as the result called ``name``."""
        result = Result(name, self.last)
        self.results.append(result)
        return result

    def build(self, main: str | None = None) -> Derivation:
        """The finished derivation; ``main`` names the main result (default: the first
        marked, or the last step if none was marked)."""
        found = self.conflicts(self.assumptions)
        if found and not self.inconsistent:
            raise DerivationError(f"{self.id}: {found[0].text('en')}")
        if self.inconsistent and not found:
            raise DerivationError(f"{self.id}: declared inconsistent, but its assumptions agree")
        if not self.results:
            self.result("result")
        if main is not None:
            self.results.sort(key=lambda result: result.name != main)
        return Derivation(self.id, self.title, self.assumptions, tuple(self.steps),
                          tuple(self.verdicts), tuple(self.results), found)


def _fact(step: Step) -> bool:
    """Whether ``step`` is a proved equality a later step may use: a definition is not (it names a
    new quantity, for the reader and for later results, and licenses nothing)."""
    return isinstance(step, FACT_KINDS) and not (isinstance(step, Solution) and step.defines)


def _link(step: Step) -> bool:
    """Whether ``step`` may join a chain of equalities: a proved equality or a goal."""
    return _fact(step) or isinstance(step, Requirement)


def _names(relation: sp.Eq, unknown: sp.Expr) -> bool:
    """Whether ``relation`` mentions ``unknown`` outside moments, derivatives and integrals."""
    hidden = (Mean, Var, sp.Derivative, sp.Integral, sp.Subs)
    expr = relation.lhs - relation.rhs
    expr = expr.replace(lambda e: isinstance(e, hidden) and e != unknown, lambda e: sp.Dummy())
    return expr.has(unknown)


def conflicts(assumptions: tuple[Assumption, ...], model: Model) -> tuple[Conflict, ...]:
    """Relations of ``assumptions`` that the others contradict, each with a smallest set of
    others that does it.

    Each substitution ``old -> new`` of an assumption is evaluated under every other fact the
    assumptions license (substitutions, independence, polynomial moments of declared
    distributions); if ``old - new`` comes out a non-zero number, the assumptions cannot all
    hold. Goals are conditions to meet, not facts, and take no part.
    """
    facts = tuple(a for a in assumptions if not a.goal)
    found = []
    for assumption in facts:
        for old, new in assumption.subs:
            value = _contradiction(assumption, (old, new), facts, model)
            if value is None:
                continue
            others = [a for a in facts if a is not assumption]
            for candidate in list(others):
                fewer = [a for a in others if a is not candidate]
                if _contradiction(assumption, (old, new), (assumption, *fewer), model) is not None:
                    others = fewer
            found.append(Conflict(assumption, sp.Eq(old, new, evaluate=False), tuple(others), value))
    return tuple(found)


def _contradiction(assumption: Assumption, relation: tuple[sp.Expr, sp.Expr], facts: tuple[Assumption, ...],
                   model: Model) -> sp.Expr | None:
    """What ``relation``'s left side is under the other ``facts``, if that contradicts it."""
    old, new = relation
    rest = [pair for a in facts for pair in a.subs if not (a is assumption and pair == relation)]
    if not any(old.has(o) or new.has(o) for o, _ in rest):
        return None
    value = old
    for _ in range(4):
        value = value.subs(rest)
    value = model.moments(value, facts, integrate=False)
    difference = sp.simplify(value - new.subs(rest))
    if difference.is_number and difference != 0 and difference.is_finite:
        return value
    return None
