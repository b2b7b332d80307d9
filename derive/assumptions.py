"""Assumptions as data.

An assumption names a modelling choice (i.i.d. weights, zero-mean inputs,
``b = 0``, the linear regime of an activation, ...). Some only describe the
model; others license a substitution, which a step that cites the assumption
may apply when it is checked. A derivation lists every assumption its steps
rely on, so the verification layer can show what happens when one is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .moments import Mean
from .text import Text


@dataclass(frozen=True)
class Assumption:
    """A named assumption.

    ``subs`` maps expressions to what the assumption lets us write for them,
    e.g. ``{E[w]: 0}`` for zero-mean weights or ``{a: z}`` for tanh's linear
    regime. It is empty for assumptions that only describe the model.
    """

    id: str
    text: Text
    subs: tuple[tuple[sp.Expr, sp.Expr], ...] = field(default=())

    def latex(self) -> str:
        """The substitutions as LaTeX equations joined by commas (may be empty)."""
        return ", ".join(f"{sp.latex(old)} = {sp.latex(new)}" for old, new in self.subs)


def iid(*families: sp.Symbol) -> Assumption:
    """The variables of each family are independent and identically distributed."""
    en = " and ".join(f"the ${sp.latex(f)}_i$" for f in families)
    vi = " và ".join(f"các ${sp.latex(f)}_i$" for f in families)
    return Assumption(
        f"iid-{'-'.join(str(f) for f in families)}",
        Text(f"{en} are i.i.d., and the families are independent of each other",
             f"{vi} độc lập và cùng phân phối, các họ biến độc lập với nhau"),
    )


def zero_mean(variable: sp.Symbol, en: str, vi: str) -> Assumption:
    """``E[variable] = 0``; ``en``/``vi`` name the variable in words."""
    return Assumption(
        f"zero-mean-{variable}",
        Text(f"zero-mean {en}: $E[{sp.latex(variable)}] = 0$",
             f"{vi} có kỳ vọng bằng 0: $E[{sp.latex(variable)}] = 0$"),
        ((Mean(variable), sp.S.Zero),),
    )


def zero_bias(bias: sp.Symbol) -> Assumption:
    """The bias is the constant 0, so it has no variance."""
    return Assumption(
        "zero-bias",
        Text("biases are initialised to $b = 0$", "bias được khởi tạo bằng $b = 0$"),
        ((bias, sp.S.Zero),),
    )


def linear_regime(activation: sp.Expr, polynomial: sp.Expr, name: str) -> Assumption:
    """``activation`` (e.g. ``tanh(z_l)``) acts as its first-order Maclaurin ``polynomial``."""
    return Assumption(
        f"linear-regime-{name}",
        Text(
            f"linear regime of {name}: $|z|$ small, so $a = {sp.latex(polynomial)}$",
            f"vùng tuyến tính của {name}: $|z|$ nhỏ nên $a = {sp.latex(polynomial)}$",
        ),
        ((activation, polynomial),),
    )


def described(identifier: str, en: str, vi: str) -> Assumption:
    """An assumption that describes the model and licenses no substitution."""
    return Assumption(identifier, Text(en, vi))


GAUSSIAN_PREACTIVATION = described(
    "gaussian-preactivation",
    "pre-activations are Gaussian, $z \\sim N(0, q)$ (wide layers, central limit theorem)",
    "tiền kích hoạt có phân phối chuẩn, $z \\sim N(0, q)$ (lớp rộng, định lý giới hạn trung tâm)",
)
VARIANCE_PRESERVED = described(
    "variance-preserved",
    "the goal: every layer has the same variance, $\\operatorname{Var}(z_{l+1}) = \\operatorname{Var}(z_l)$",
    "mục tiêu: phương sai như nhau ở mọi lớp, $\\operatorname{Var}(z_{l+1}) = \\operatorname{Var}(z_l)$",
)
STANDARD_NORMAL = described("standard-normal", "$\\xi \\sim N(0, 1)$ with density $\\varphi$",
                            "$\\xi \\sim N(0, 1)$ với mật độ $\\varphi$")
