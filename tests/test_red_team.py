"""False steps built through the public Builder API must be rejected, one class of attack at a time.

Each class has several variants; each section also keeps a true step as a control, so that a
checker rejecting everything would fail too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import sympy as sp
from sympy import stats

from initproof import derive
from initproof.derive import Builder, DerivationError, Text
from initproof.derive.assumptions import STANDARD_NORMAL, Assumption, described, distributed, goal, independent
from initproof.derive.functions import sigmoid
from initproof.derive.moments import Mean, Var
from initproof.derive.render import as_dict, text
from initproof.derive.steps import Bound, Model, Proof, Quadrature

n = sp.Symbol("n", positive=True, integer=True)
q, r = sp.symbols("q r", positive=True)
z, xi = sp.Symbol("z_l", real=True), sp.Symbol("xi", real=True)
L, l = sp.symbols("L l", positive=True, integer=True)
X, Y, w, a = sp.symbols("X Y w a")
NOTE = ("why", "vì sao")
TITLE = Text("attack", "tấn công")
SLOPE = sigmoid(z) * (1 - sigmoid(z))
APART = independent("apart", "X and Y independent", "X và Y độc lập", (X,), (Y,))


def builder(*assumptions: Assumption, random: tuple = (X, Y, w, a, z), **definitions) -> Builder:
    return Builder("attack", TITLE, assumptions, Model(random=random, definitions=definitions.get("defs", {})))


# 1. A bound is proved about the product it writes, never about a separate field.

@pytest.mark.parametrize("factor", [2 * SLOPE, SLOPE + sp.Rational(1, 8), 4 * sigmoid(z), l * SLOPE, SLOPE - 1])
def test_bound_is_proved_about_its_own_product(factor: sp.Expr) -> None:
    with pytest.raises(DerivationError, match="bound"):
        builder().add(Bound(relation=sp.Le(sp.Product(factor, (l, 1, L)), sp.Rational(1, 4) ** L), rule="bound",
                            why=Text(*NOTE)))


def test_bound_over_indexed_variables_and_the_true_bound() -> None:
    zs = sp.IndexedBase("z")
    member = sigmoid(zs[l]) * (1 - sigmoid(zs[l]))
    d = builder()
    with pytest.raises(DerivationError):
        d.add(Bound(relation=sp.Le(sp.Product(3 * member, (l, 1, L)), sp.Rational(1, 4) ** L), rule="b",
                    why=Text(*NOTE)))
    d.add(Bound(relation=sp.Le(sp.Product(member, (l, 1, L)), sp.Rational(1, 4) ** L), rule="b", why=Text(*NOTE)))
    d.add(Bound(relation=sp.Le(sp.Product(SLOPE, (l, 1, L)), sp.Rational(1, 4) ** L), rule="b", why=Text(*NOTE)))
    with pytest.raises(TypeError):
        Bound(relation=sp.Le(sp.Product(2 * SLOPE, (l, 1, L)), sp.Rational(1, 4) ** L), rule="b",
              why=Text(*NOTE), factor=SLOPE, variable=z)


# 2. A fact used in a step must be a proved equality among the earlier steps of the same derivation.

def test_a_made_up_fact_is_rejected() -> None:
    false = sp.Eq(Var(X * Y), Var(X) * Var(Y))
    with pytest.raises(DerivationError, match="not a proved equality"):
        builder(APART).step(Var(X * Y), Var(X) * Var(Y), "product", *NOTE, (APART,), using=(false,))


def test_a_fact_from_another_derivation_or_a_goal_is_rejected() -> None:
    other = builder(APART)
    proved = sp.Eq(Var(X * Y), Mean(X**2 * Y**2) - Mean(X * Y) ** 2)
    other.step(proved.lhs, proved.rhs, "identity", *NOTE)
    with pytest.raises(DerivationError, match="not a proved equality"):
        builder(APART).step(Var(X * Y), proved.rhs, "identity", *NOTE, using=(proved,))
    aim = goal("aim", "the goal", "mục tiêu", (Var(X * Y), Var(X) * Var(Y)))
    d = builder(aim)
    d.require(Var(X * Y), Var(X) * Var(Y), *NOTE, (aim,))
    with pytest.raises(DerivationError, match="not a proved equality"):
        d.step(Var(X * Y), Var(X) * Var(Y), "goal as fact", *NOTE, using=(d.last,))


def test_a_proved_fact_is_accepted_and_shown() -> None:
    d = builder()
    first = sp.Eq(Var(X * Y), Mean(X**2 * Y**2) - Mean(X * Y) ** 2)
    d.step(first.lhs, first.rhs, "identity", *NOTE)
    d.step(2 * Var(X * Y), 2 * first.rhs, "double", *NOTE, using=(d.last,))
    derivation = d.build()
    assert "uses step 1" in text(derivation)
    assert as_dict(derivation)["steps"][1]["uses"] == [1]


# 3. Functions of one random variable are never independent of it; independence is declared.

@pytest.mark.parametrize("lhs, rhs", [
    (Mean(a * z), Mean(a) * Mean(z)),
    (Var(a + z), Var(a) + Var(z)),
    (Mean(a**2 * z**2), Mean(a**2) * Mean(z**2)),
])
def test_an_activation_is_not_independent_of_its_preactivation(lhs: sp.Expr, rhs: sp.Expr) -> None:
    act = Assumption("act", Text("activation tanh", "hàm kích hoạt tanh"), ((a, sp.tanh(z)),))
    iid = independent("iid", "weights and activations", "trọng số và kích hoạt", (w,), (a,))
    for given in ((), (act,), (act, iid)):
        with pytest.raises(DerivationError):
            builder(act, iid).step(lhs, rhs, "independence", *NOTE, given)


def test_functions_of_one_variable_stay_joint() -> None:
    with pytest.raises(DerivationError):
        builder().step(Mean(sp.tanh(z) * z), Mean(sp.tanh(z)) * Mean(z), "independence", *NOTE)
    with pytest.raises(DerivationError):
        builder().step(Var(X * Y), Var(X) * Var(Y) + Var(X) * Mean(Y) ** 2 + Var(Y) * Mean(X) ** 2, "product", *NOTE)


def test_declared_independence_is_used_only_when_cited() -> None:
    formula = Var(X) * Var(Y) + Var(X) * Mean(Y) ** 2 + Var(Y) * Mean(X) ** 2
    d = builder(APART)
    with pytest.raises(DerivationError):
        d.step(Var(X * Y), formula, "product", *NOTE)
    d.step(Var(X * Y), formula, "product", *NOTE, (APART,))


# 4. The numeric fallback is deterministic, covers each domain, and never judges non-smooth functions.

@pytest.mark.parametrize("lhs, rhs", [
    (sp.Min(n, 10), n),
    (sp.floor(n / 10), 0),
    (sp.Max(q, sp.Rational(1, 2)), q),
    (sp.Heaviside(q - sp.Rational(1, 2)), 1),
    (sp.Max(q, r / 2), q),
    (sp.Abs(q - 1) + q, 1),
    (sp.Max(0, (q - 4) * (5 - q)), 0),
    (sp.Piecewise((1, (q > 4) & (q < 5)), (0, True)), 0),
    (sp.Piecewise((1, sp.Eq(n, 12)), (0, True)), 0),
])
def test_non_smooth_equalities_are_not_decided_by_points(lhs: sp.Expr, rhs: sp.Expr) -> None:
    with pytest.raises(DerivationError):
        builder().step(lhs, rhs, "guess", *NOTE)


@pytest.mark.parametrize("lhs, rhs", [
    (sp.binomial(n, 11), 0),
    (sp.ff(n, 10), 0),
    (1 / (1 + sp.exp(-10**6 / q)), 1),
    (sp.erf(q * 10**6), 1),
    (sp.sqrt(sp.Symbol("t", real=True) ** 2), sp.Symbol("t", real=True)),
])
def test_smooth_equalities_true_only_on_part_of_the_domain_are_rejected(lhs: sp.Expr, rhs: sp.Expr) -> None:
    with pytest.raises(DerivationError):
        builder().step(lhs, rhs, "guess", *NOTE)


def test_numeric_verdict_does_not_depend_on_hash_order() -> None:
    program = textwrap.dedent("""
        import sympy as sp
        from initproof.derive.steps import StepFailed, prove_zero
        p, s, t = sp.symbols("p s t", positive=True)
        for expr in (sp.erf(p) * sp.erf(s) - sp.erf(s) * sp.erf(p) + sp.exp(-t * 10**9) * 0,
                     sp.gamma(p + s) - sp.gamma(s + p) * (1 + sp.exp(-s / p) * 0),
                     sp.erf(p / s) - sp.erf(t / s)):
            try:
                print(prove_zero(expr))
            except StepFailed as failure:
                print("rejected", failure)
    """)
    outputs = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (0, 1, 2, 3)}
    assert len(outputs) == 1
    assert "rejected" in outputs.pop()


# 5. The checker, not the step, sets a quadrature's accuracy.

@pytest.mark.parametrize("value", [sp.Rational(2, 5), sp.Float("0.39429449", 8), sp.Float("0.39429449039", 11)])
def test_a_loose_quadrature_value_is_rejected(value: sp.Expr) -> None:
    d = Builder("attack", TITLE, (STANDARD_NORMAL,), Model())
    with pytest.raises(DerivationError, match="differ"):
        d.add(Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), value), rule="q", why=Text(*NOTE),
                         given=(STANDARD_NORMAL,)))


def test_quadrature_takes_no_tolerance_and_records_its_error() -> None:
    with pytest.raises(TypeError):
        Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), sp.Rational(2, 5)), rule="q", why=Text(*NOTE), bound=0.01)
    d = Builder("attack", TITLE, (STANDARD_NORMAL,), Model())
    with pytest.raises(DerivationError, match="unevaluated"):
        d.add(Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), sp.Float("0.3942944903978412", 16)), rule="q",
                         why=Text(*NOTE)))
    d.add(Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), sp.Float("0.3942944903978412", 16)), rule="q",
                     why=Text(*NOTE), given=(STANDARD_NORMAL,)))
    verdict = d.verdicts[-1]
    assert verdict.proof is Proof.QUADRATURE and "error estimate" in verdict.detail.en


# 6. A goal is declared, shown as the goal, and cannot license its own answer.

def layer(*extra: Assumption) -> Builder:
    keep = goal("keep", "the goal", "mục tiêu", (Var(sp.Symbol("z_next")), Var(a)))
    d = Builder("attack", TITLE, (keep, *extra), Model(definitions={Var(sp.Symbol("z_next")): n * Var(w) * Var(a)}))
    d.step(Var(sp.Symbol("z_next")), n * Var(w) * Var(a), "layer", *NOTE)
    return d


def test_an_undeclared_requirement_is_rejected() -> None:
    d = layer()
    with pytest.raises(DerivationError, match="restate a goal"):
        d.require(n * Var(w) * Var(a), 2 * Var(a), *NOTE)
    with pytest.raises(DerivationError, match="restate a goal"):
        d.require(Var(sp.Symbol("z_next")), 2 * Var(a), *NOTE, tuple(d.assumptions))


def test_a_goal_that_states_the_answer_licenses_nothing() -> None:
    answer = goal("answer", "the answer", "đáp án", (n * Var(w) * Var(a), 2 * Var(a)))
    d = layer(answer)
    d.require(n * Var(w) * Var(a), 2 * Var(a), *NOTE, (answer,))
    with pytest.raises(DerivationError, match="does not follow"):
        d.solve(sp.Eq(n * Var(w) * Var(a), 2 * Var(a)), Var(w), "solve", *NOTE)
    keep = d.assumptions[0]
    d.require(Var(sp.Symbol("z_next")), Var(a), *NOTE, (keep,))
    assert d.solve(sp.Eq(n * Var(w) * Var(a), Var(a)), Var(w), "solve", *NOTE) == 1 / n


def test_solutions_under_different_goals_are_not_combined() -> None:
    m = sp.Symbol("m", positive=True, integer=True)
    f, b = sp.symbols("f b_")
    forward = goal("forward", "forward", "xuôi", (Var(f), 1))
    backward = goal("backward", "backward", "ngược", (Var(b), 1))
    d = Builder("attack", TITLE, (forward, backward), Model(definitions={Var(f): n * Var(w), Var(b): m * Var(w)}))
    d.step(Var(f), n * Var(w), "layer", *NOTE)
    d.require(Var(f), 1, *NOTE, (forward,))
    first = d.solved(sp.Eq(n * Var(w), 1), sp.Eq(n * Var(w), 1), Var(w), "solve", *NOTE)
    d.step(Var(b), m * Var(w), "layer", *NOTE)
    d.require(Var(b), 1, *NOTE, (backward,))
    second = d.solved(sp.Eq(m * Var(w), 1), sp.Eq(m * Var(w), 1), Var(w), "solve", *NOTE)
    with pytest.raises(DerivationError, match="goals backward and forward together"):
        d.step((n * Var(w) + m * Var(w)) / 2, 1, "average", *NOTE, using=(first, second))


# 7. What an assumption says is rendered from what it licenses.

def test_assumption_text_cannot_disagree_with_its_substitutions() -> None:
    with pytest.raises(ValueError, match="rendered from what it licenses"):
        Assumption("zero-mean-w", Text("zero-mean weights: $E[w] = 0$", "$E[w] = 0$"), ((Mean(X), 0), (Mean(Y), 0)))
    with pytest.raises(ValueError, match="rendered from what it licenses"):
        independent("iid", "$w$ and $x$ i.i.d.", "$w$, $x$", (X,), (Y,))
    zero = Assumption("zero-mean-w", Text("zero-mean weights", "trọng số có kỳ vọng 0"), ((Mean(X), 0),))
    assert zero.text.en == "zero-mean weights: $\\mathbb{E}\\left[X\\right] = 0$"
    assert "\\perp" in APART.text.vi
    assert "N\\left(0, 1\\right)" in STANDARD_NORMAL.text.en


def test_every_shipped_assumption_shows_what_it_licenses() -> None:
    for derivation in derive.all_derivations():
        for assumption in derivation.assumptions:
            if assumption.subs:
                assert all(f"{sp.latex(old)} = {sp.latex(new)}" in assumption.text.en for old, new in assumption.subs)


# 8. Distributional facts need a citation, and contradictory assumptions are found.

def test_a_distribution_applies_only_when_cited() -> None:
    gaussian = distributed("gaussian", "Gaussian pre-activations", "tiền kích hoạt chuẩn", z,
                           stats.Normal("z_l", 0, sp.sqrt(q)))
    d = builder(gaussian)
    for lhs, rhs in ((Mean(sp.Max(0, z) ** 2), q / 2), (Var(z), q), (Mean(z**4), 3 * q**2)):
        with pytest.raises(DerivationError):
            d.step(lhs, rhs, "moment", *NOTE)
        d.step(lhs, rhs, "moment", *NOTE, (gaussian,))


def conflicting() -> tuple[Assumption, Assumption]:
    zero = Assumption("zero-mean-a", Text("zero-mean activations", "kích hoạt có kỳ vọng 0"),
                      ((Mean(a), 0), (Mean(z), 0)))
    linear = Assumption("linear", Text("linear regime of the sigmoid", "vùng tuyến tính"),
                        ((a, sp.Rational(1, 2) + z / 4),))
    return zero, linear


def test_contradictory_assumptions_are_found_and_named() -> None:
    zero, linear = conflicting()
    d = builder(zero, linear, described("other", "other", "khác"))
    d.step(Var(a), Var(z) / 16, "linear", *NOTE, (linear,))
    with pytest.raises(DerivationError, match="zero-mean-a and linear contradict each other"):
        d.build()
    with pytest.raises(DerivationError, match="contradict each other"):
        builder(zero, linear).step(Mean(a**2), Var(z) / 16, "both", *NOTE, (zero, linear))
    textbook = derive.get("xavier-sigmoid")
    (conflict,) = textbook.conflicts
    assert set(conflict.ids) == {"zero-mean-activations", "linear-regime-sigmoid"}
    assert conflict.value == sp.Rational(1, 2)
    assert "contradict" in text(textbook) and "mâu thuẫn" in text(textbook, "vi")
    assert textbook.named("consistent-unit").rhs == 16 / (5 * n)


def test_declaring_a_consistent_derivation_inconsistent_fails() -> None:
    zero, _ = conflicting()
    d = Builder("attack", TITLE, (zero,), Model(random=(a, z)), inconsistent=True)
    d.step(Mean(a), 0, "zero", *NOTE, (zero,))
    with pytest.raises(DerivationError, match="declared inconsistent"):
        d.build()


def test_no_shipped_derivation_but_the_textbook_sigmoid_has_a_conflict() -> None:
    assert {d.id for d in derive.all_derivations() if d.conflicts} == {"xavier-sigmoid"}


# A definition names a new quantity; it can neither redefine one in use nor license anything.

def test_a_definition_cannot_redefine_a_quantity_in_use_nor_serve_as_a_fact() -> None:
    d = layer()
    with pytest.raises(DerivationError, match="already use"):
        d.solve(sp.Eq(Var(w), 5 / n), Var(w), "definition", *NOTE, defines=True)
    s = sp.Symbol("s", positive=True)
    d.solve(sp.Eq(s**2, 1 / n), s, "standard deviation", *NOTE, defines=True)
    with pytest.raises(DerivationError, match="not a proved equality"):
        d.step(s * sp.sqrt(n), 1, "use", *NOTE, using=(d.last,))
    with pytest.raises(DerivationError, match="does not follow"):
        d.solve(sp.Eq(s**2, 1 / n), s, "solve", *NOTE)
    assert "definition: " in text(d.build())
