"""Numeric and symbolic claims of the course notes, recomputed by sympy.

Each claim is data: what it says, the expression that computes it, the value the
notes state (as written), and where it stands. :func:`grade` calls a claim

* ``correct`` when the stated value equals the computed one (exactly, or to 12
  significant digits for decimals; identically for formulas),
* ``rounding`` when the stated decimal is the computed value rounded to the
  digits the notes give,
* ``wrong`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import sympy as sp

from .functions import sigmoid
from .registry import get
from .symbols import n, z
from .text import Text

x = sp.Symbol("x", real=True)


@dataclass(frozen=True)
class Claim:
    """A claim of the notes: ``computed`` is a sympy expression; ``stated`` is the notes' value,
    a decimal string (e.g. ``"7.08e-7"``) or a sympy expression for a formula."""

    claim: Text
    computed: sp.Expr
    stated: str | sp.Expr
    where: str


class Verdict(StrEnum):
    """How a stated value compares with the computed one."""

    CORRECT = "correct"
    ROUNDING = "rounding"
    """Equal to the stated digits, rounded."""
    WRONG = "wrong"


@dataclass(frozen=True)
class Grade:
    claim: Claim
    computed: str
    verdict: Verdict

    def as_dict(self, lang: str = "en") -> dict:
        stated = self.claim.stated if isinstance(self.claim.stated, str) else str(self.claim.stated)
        return {"claim": self.claim.claim(lang), "stated": stated, "computed": self.computed,
                "verdict": self.verdict, "where": self.claim.where}


def grade(claim: Claim) -> Grade:
    """Compare the stated value with the computed one."""
    if not isinstance(claim.stated, str):
        same = sp.simplify(sp.expand(claim.computed - claim.stated).rewrite(sp.exp)) == 0
        return Grade(claim, str(claim.computed), Verdict.CORRECT if same else Verdict.WRONG)
    value = sp.N(claim.computed, 30)
    stated = Decimal(claim.stated)
    computed = Decimal(str(value))
    if abs(computed - stated) <= abs(computed) * Decimal("1e-12"):
        verdict = Verdict.CORRECT
    elif abs(computed - stated) <= Decimal(1).scaleb(stated.as_tuple().exponent) / 2:
        verdict = Verdict.ROUNDING
    else:
        verdict = Verdict.WRONG
    return Grade(claim, f"{float(value):.10g}", verdict)


def _sigmoid_at(value: str) -> sp.Expr:
    return sigmoid(sp.Rational(value)).rewrite(sp.exp)


def claims() -> list[Claim]:
    """The audited claims of ``seeds/004`` (Model Initialization) and ``seeds/003`` (MLP),
    located by the notes' own section headings."""
    derivative = get("activation-derivatives")
    big = sp.Rational("14.15")
    return [
        Claim(Text("sigmoid(14.15)", "sigmoid(14.15)"), _sigmoid_at("14.15"), "0.9999992912",
              "004 §2.1 Large weight initialization"),
        Claim(Text("sigmoid'(14.15) = sigmoid (1 - sigmoid)", "sigmoid'(14.15) = sigmoid (1 - sigmoid)"),
              derivative.named("sigmoid").rhs.subs(z, big).rewrite(sp.exp), "7.08e-7",
              "004 §2.1 Large weight initialization"),
        Claim(Text("largest value of sigmoid'", "giá trị lớn nhất của sigmoid'"),
              derivative.named("sigmoid-max").rhs, "0.25", "004 §2.2 b. Ví dụ 2"),
        Claim(Text("two sigmoid layers: 0.25 * 0.25", "hai lớp sigmoid: 0.25 * 0.25"),
              derivative.named("sigmoid-max").rhs ** 2, "0.0625", "004 §2.2 b. Ví dụ 2"),
        Claim(Text("three sigmoid layers: 0.25^3", "ba lớp sigmoid: 0.25^3"),
              derivative.named("sigmoid-max").rhs ** 3, "0.015625", "004 §2.2 b. Ví dụ 2"),
        Claim(Text("100 multiplied five times by 0.1", "100 nhân năm lần với 0.1"),
              100 * sp.Rational("0.1") ** 5, "0.001", "004 §2.2 a. Ví dụ 1"),
        Claim(Text("update w = 0.919 - 0.01 * (-0.0002)", "cập nhật w = 0.919 - 0.01 * (-0.0002)"),
              sp.Rational("0.919") - sp.Rational("0.01") * sp.Rational("-0.0002"), "0.919002",
              "004 §5 Câu hỏi ôn tập"),
        Claim(Text("bus: P(wait 5 to 20 min) = (20 - 5)/60", "xe buýt: P(chờ 5 đến 20 phút) = (20 - 5)/60"),
              sp.Rational(20 - 5, 60), "0.25", "004 §3.2.1 Uniform Distribution"),
        Claim(Text("Var(U(a, b))", "Var(U(a, b))"), get("uniform-moments").named("variance").rhs,
              (sp.Symbol("b", real=True) - sp.Symbol("a", real=True)) ** 2 / 12, "004 §5 Câu hỏi ôn tập"),
        Claim(Text("Xavier for sigmoid: Var(w)", "Xavier cho sigmoid: Var(w)"),
              get("xavier-sigmoid").named("forward").rhs, 16 / n, "004 §3.2 Sigmoid activation"),
        Claim(Text("He for ReLU: Var(w)", "He cho ReLU: Var(w)"), get("he-relu").named("forward").rhs, 2 / n,
              "004 §4 He Initialization"),
        Claim(Text("tanh(x) = -1 + 2 sigmoid(2x)", "tanh(x) = -1 + 2 sigmoid(2x)"),
              sp.tanh(x), -1 + 2 * sigmoid(2 * x).rewrite(sp.exp), "004 §3 Cơ sở lý thuyết"),
        Claim(Text("sigmoid(x) in the table of activations", "sigmoid(x) trong bảng hàm kích hoạt"),
              sigmoid(x).rewrite(sp.exp), 1 / (1 - sp.exp(-x)), "003 §1.2 Các hàm Activation"),
    ]


def audit() -> list[Grade]:
    """Every claim, graded."""
    return [grade(c) for c in claims()]
