r"""Assumptions as data.

An assumption names a modelling choice and carries what it licenses, so that what a
reader is told and what the checker uses are one and the same thing:

* ``subs``: substitutions ``old -> new`` that a step citing it may apply
  (:math:`E[w] = 0`, ``b = 0``, ``a_l = tanh(z_l)``, a linear regime);
* ``independent``: groups of random variables declared mutually independent, each
  group an i.i.d. family when its members are indexed (``w[i]``); the moment algebra
  factors :math:`E[XY] = E[X]E[Y]` only across groups that a cited assumption declares
  independent;
* ``distributions``: random variables with a known law (a :mod:`sympy.stats` variable),
  whose moments a citing step may integrate;
* ``goal``: the relations in ``subs`` are conditions the derivation imposes, not facts;
  a requirement step must restate one of them.

The sentence shown for an assumption is its ``lead`` (prose without formulas) followed by the
relations it licenses, rendered from the data: the text cannot say one thing while the
substitutions do another. An assumption that licenses nothing is a description, whose lead
may hold formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy import stats

from .moments import Mean
from .text import Text


@dataclass(frozen=True)
class Assumption:
    """A named assumption; see the module docstring for what each field licenses."""

    id: str
    lead: Text
    subs: tuple[tuple[sp.Expr, sp.Expr], ...] = field(default=())
    independent: tuple[tuple[sp.Symbol, ...], ...] = field(default=())
    distributions: tuple[tuple[sp.Symbol, sp.Expr], ...] = field(default=())
    goal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "subs", tuple((sp.sympify(old), sp.sympify(new)) for old, new in self.subs))
        if self.licenses and ("$" in self.lead.en or "$" in self.lead.vi):
            raise ValueError(f"assumption {self.id!r}: its formulas are rendered from what it licenses, "
                             "so its lead text must hold none")
        if self.goal and not self.subs:
            raise ValueError(f"goal {self.id!r} states no relation")

    @property
    def licenses(self) -> bool:
        """Whether citing the assumption changes what a step may use."""
        return bool(self.subs or self.independent or self.distributions)

    @property
    def relations(self) -> tuple[sp.Eq, ...]:
        """The substitutions as relations ``old = new``."""
        return tuple(sp.Eq(old, new, evaluate=False) for old, new in self.subs)

    def formulas(self) -> list[str]:
        """What the assumption licenses, one LaTeX formula per relation (none for a description)."""
        parts = [f"{sp.latex(old)} = {sp.latex(new)}" for old, new in self.subs]
        parts += [_independence_latex(self.independent)] if self.independent else []
        return parts + [f"{sp.latex(symbol)} \\sim {_law_latex(variable)}" for symbol, variable in self.distributions]

    def plain(self, lang: str, printer=sp.sstr) -> str:
        """The sentence as plain text, the licensed relations printed by ``printer`` (no TeX)."""
        parts = [f"{printer(old)} = {printer(new)}" for old, new in self.subs]
        parts += [" ⊥ ".join("{" + ", ".join(map(printer, group)) + "}" if len(group) > 1 else printer(group[0])
                             for group in self.independent)] if self.independent else []
        parts += [f"{printer(symbol)} ~ {_law_plain(variable)}" for symbol, variable in self.distributions]
        lead = self.lead(lang)
        return f"{lead}: {', '.join(parts)}" if parts else lead

    @property
    def text(self) -> Text:
        """The sentence shown to a reader: the lead, then the licensed relations in ``$...$``."""
        formulas = ", ".join(f"${formula}$" for formula in self.formulas())
        if not formulas:
            return self.lead
        return Text(f"{self.lead.en}: {formulas}", f"{self.lead.vi}: {formulas}")


def _independence_latex(groups: tuple[tuple[sp.Symbol, ...], ...]) -> str:
    names = [", ".join(sp.latex(s) for s in group) for group in groups]
    return " \\perp ".join(f"\\{{{name}\\}}" if len(group) > 1 else name
                           for name, group in zip(names, groups, strict=True))


def _law(variable: sp.Expr) -> tuple[str, tuple[sp.Basic, ...]]:
    """The law of a sympy.stats variable as a name and its parameters: ``N`` (mean, variance),
    ``U`` (ends), or ``density`` (density, support)."""
    distribution = stats.pspace(variable).distribution
    kind = type(distribution).__name__
    if kind == "NormalDistribution":
        return "N", (distribution.mean, distribution.std**2)
    if kind == "UniformDistribution":
        return "U", (distribution.left, distribution.right)
    return "density", (stats.density(variable)(sp.Symbol("t")), stats.pspace(variable).domain.set)


def _law_latex(variable: sp.Expr) -> str:
    name, parameters = _law(variable)
    if name == "density":
        return f"\\text{{density }} {sp.latex(parameters[0])} \\text{{ on }} {sp.latex(parameters[1])}"
    return f"{name}\\left({', '.join(map(sp.latex, parameters))}\\right)"


def _law_plain(variable: sp.Expr) -> str:
    name, parameters = _law(variable)
    if name == "density":
        return f"density {sp.sstr(parameters[0])} on {parameters[1]}"
    return f"{name}({', '.join(map(sp.sstr, parameters))})"


def iid(*families: sp.Symbol) -> Assumption:
    """The members of each family are i.i.d., and the families are mutually independent."""
    return Assumption(
        f"iid-{'-'.join(str(f) for f in families)}",
        Text("i.i.d. families, mutually independent", "các họ biến i.i.d., độc lập với nhau"),
        independent=tuple((f,) for f in families))


def independent(identifier: str, en: str, vi: str, *groups: tuple[sp.Symbol, ...]) -> Assumption:
    """The ``groups`` of random variables are mutually independent."""
    return Assumption(identifier, Text(en, vi), independent=tuple(groups))


def zero_mean(variable: sp.Symbol, en: str, vi: str) -> Assumption:
    """``E[variable] = 0``; ``en``/``vi`` name the variable in words."""
    return Assumption(f"zero-mean-{variable}", Text(f"zero-mean {en}", f"{vi} có kỳ vọng bằng 0"),
                      ((Mean(variable), sp.S.Zero),))


def zero_bias(bias: sp.Symbol) -> Assumption:
    """The bias is the constant 0, so it has no variance."""
    return Assumption("zero-bias", Text("biases are initialised to zero", "bias được khởi tạo bằng 0"),
                      ((bias, sp.S.Zero),))


def linear_regime(activation: sp.Expr, polynomial: sp.Expr, name: str) -> Assumption:
    """``activation`` (e.g. ``tanh(z_l)``) acts as its first-order Maclaurin ``polynomial``."""
    return Assumption(f"linear-regime-{name}",
                      Text(f"linear regime of {name} (small pre-activations)",
                           f"vùng tuyến tính của {name} (tiền kích hoạt nhỏ)"),
                      ((activation, polynomial),))


def distributed(identifier: str, en: str, vi: str, symbol: sp.Symbol, variable: sp.Expr) -> Assumption:
    """``symbol`` follows the law of the sympy.stats ``variable``."""
    return Assumption(identifier, Text(en, vi), distributions=((symbol, variable),))


def goal(identifier: str, en: str, vi: str, *relations: tuple[sp.Expr, sp.Expr]) -> Assumption:
    """The conditions ``lhs = rhs`` that the derivation imposes and solves for."""
    return Assumption(identifier, Text(en, vi), tuple(relations), goal=True)


def described(identifier: str, en: str, vi: str) -> Assumption:
    """An assumption that describes the model and licenses no substitution."""
    return Assumption(identifier, Text(en, vi))


STANDARD_NORMAL = distributed("standard-normal", "a standard normal variable", "một biến chuẩn tắc",
                              sp.Symbol("xi", real=True), stats.Normal("xi", 0, 1))
