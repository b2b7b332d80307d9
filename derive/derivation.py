"""A derivation: assumptions, an ordered list of checked steps, and its results."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .assumptions import Assumption
from .steps import (
    Expansion,
    Identity,
    Model,
    Proof,
    Requirement,
    Solution,
    Step,
    StepFailed,
    check,
    solutions,
)
from .text import Text


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
class Derivation:
    """A checked derivation. Build one with :class:`Builder`.

    ``proofs[k]`` says how step ``k`` was established; ``results`` are the
    relations the derivation exists to produce, the first being the main one.
    """

    id: str
    title: Text
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...]
    proofs: tuple[Proof, ...]
    results: tuple[Result, ...]

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

    def _repr_latex_(self) -> str:
        from .render import latex_display

        return latex_display(self)


@dataclass
class Builder:
    """Collects the steps of a derivation, checking each one as it is added.

    ``step`` adds a relation; ``then`` continues a chain of equalities from
    the last left-hand side (rendered ``&= ...``); ``solve`` asks
    :func:`sympy.solve` for an unknown and records the solution as a step;
    ``result`` marks the last step's relation as a result.
    """

    id: str
    title: Text
    assumptions: tuple[Assumption, ...]
    model: Model = field(default_factory=Model)
    steps: list[Step] = field(default_factory=list)
    proofs: list[Proof] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def add(self, step: Step) -> Step:
        """Check ``step`` and append it; raise :class:`DerivationError` if it fails."""
        number = len(self.steps) + 1
        unlisted = [a.id for a in step.given if a not in self.assumptions]
        if unlisted:
            raise DerivationError(
                f"{self.id}: step {number} cites unlisted assumptions {', '.join(unlisted)}")
        try:
            proof = check(step, self.model)
        except StepFailed as failure:
            raise DerivationError(
                f"{self.id}: step {number} ({step.rule}) does not hold: "
                f"{sp.sstr(step.relation.lhs)} = {sp.sstr(step.relation.rhs)}; {failure}"
            ) from None
        self.steps.append(step)
        self.proofs.append(proof)
        return step

    def step(self, lhs: sp.Expr, rhs: sp.Expr, rule: str, en: str, vi: str,
             given: tuple[Assumption, ...] = (), using: tuple[sp.Eq, ...] = (),
             kind: type[Step] = Identity, **details: object) -> sp.Expr:
        """Add ``lhs = rhs`` as a step of ``kind`` (with the fields ``details`` it needs,
        e.g. a quadrature's ``bound``); return ``rhs``."""
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
        """Impose ``lhs = rhs`` as a requirement; return the relation."""
        self.step(lhs, rhs, "requirement", en, vi, given, kind=Requirement)
        return self.steps[-1].relation

    def solve(self, premise: sp.Eq, unknown: sp.Expr, rule: str, en: str, vi: str,
              given: tuple[Assumption, ...] = (), defines: bool = False) -> sp.Expr:
        """Solve ``premise`` for ``unknown`` with :func:`sympy.solve`; the root must be unique.

        Unless it ``defines`` the unknown, ``premise`` must follow from the earlier steps
        (:meth:`joins`)."""
        self._follows(premise, defines)
        try:
            roots = solutions(premise, unknown)
        except StepFailed as failure:
            raise DerivationError(f"{self.id}: {failure}") from None
        if len(roots) != 1:
            raise DerivationError(f"{self.id}: {premise} has {len(roots)} admissible roots for {unknown}")
        (value,) = roots
        self.add(Solution(relation=sp.Eq(unknown, value, evaluate=False), rule=rule, why=Text(en, vi),
                          given=given, premise=premise, unknown=unknown, defines=defines))
        return value

    def solved(self, relation: sp.Eq, premise: sp.Eq, unknown: sp.Expr, rule: str,
               en: str, vi: str, given: tuple[Assumption, ...] = ()) -> sp.Eq:
        """Add ``relation``, checked to have the same solutions for ``unknown`` as ``premise``,
        which must follow from the earlier steps."""
        self._follows(premise, defines=False)
        self.add(Solution(relation=relation, rule=rule, why=Text(en, vi), given=given,
                          premise=premise, unknown=unknown))
        return relation

    def joins(self, lhs: sp.Expr, rhs: sp.Expr) -> bool:
        """Whether a chain of equalities among the earlier steps (identities, requirements,
        solutions, quadratures) leads from ``lhs`` to ``rhs``."""
        parent: dict[sp.Expr, sp.Expr] = {}

        def root(node: sp.Expr) -> sp.Expr:
            while parent.get(node, node) != node:
                node = parent[node]
            return node

        for step in self.steps:
            if isinstance(step.relation, sp.Eq) and not isinstance(step, Expansion):
                parent[root(step.lhs)] = root(step.rhs)
        return root(sp.sympify(lhs)) == root(sp.sympify(rhs))

    def _follows(self, premise: sp.Eq, defines: bool) -> None:
        if not defines and not self.joins(premise.lhs, premise.rhs):
            raise DerivationError(f"{self.id}: step {len(self.steps) + 1} solves {sp.sstr(premise.lhs)} = "
                                  f"{sp.sstr(premise.rhs)}, which does not follow from the earlier steps")

    def result(self, name: str) -> Result:
        """Mark the last step's relation as the result called ``name``."""
        result = Result(name, self.last)
        self.results.append(result)
        return result

    def build(self, main: str | None = None) -> Derivation:
        """The finished derivation; ``main`` names the main result (default: the first
        marked, or the last step if none was marked)."""
        if not self.results:
            self.result("result")
        if main is not None:
            self.results.sort(key=lambda result: result.name != main)
        return Derivation(self.id, self.title, self.assumptions, tuple(self.steps),
                          tuple(self.proofs), tuple(self.results))
