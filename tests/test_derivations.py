"""Every derivation builds, and its results equal values known independently of the code.

Expected values are the textbook/literature values, written here in plain sympy.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

from initproof import derive
from initproof.derive import steps
from initproof.derive.functions import sigmoid

n, m = sp.symbols("n m", positive=True, integer=True)
a, b = sp.symbols("a b", real=True)
r, v, q = sp.symbols("r v q", positive=True)
sigma = sp.Symbol("sigma", positive=True)
mu = sp.Symbol("mu", real=True)
z = sp.Symbol("z", real=True)


def same(expr: sp.Expr, expected: sp.Expr) -> bool:
    return sp.simplify(expr - expected) == 0


LITERATURE = {
    # (derivation id, result name): expected right-hand side
    ("uniform-moments", "mean"): (a + b) / 2,
    ("uniform-moments", "variance"): (b - a) ** 2 / 12,
    ("uniform-moments", "symmetric-variance"): r**2 / 3,
    ("uniform-moments", "bound"): sp.sqrt(3 * v),
    ("gaussian-moments", "mean"): mu,
    ("gaussian-moments", "variance"): sigma**2,
    ("gaussian-moments", "fourth-moment"): 3 * sigma**4,
    ("gaussian-moments", "half-moment"): sigma**2 / 2,
    ("xavier-tanh", "forward"): 1 / n,
    ("xavier-tanh", "normal-std"): 1 / sp.sqrt(n),
    ("xavier-tanh", "uniform-bound"): sp.sqrt(3 / n),
    ("xavier-tanh", "backward"): 1 / m,
    ("xavier-tanh", "fan-average"): 2 / (n + m),
    ("xavier-tanh", "uniform-bound-fan-average"): sp.sqrt(6 / (n + m)),
    ("xavier-sigmoid", "forward"): 16 / n,
    ("xavier-sigmoid", "normal-std"): 4 / sp.sqrt(n),
    ("xavier-sigmoid", "uniform-bound"): sp.sqrt(48 / n),
    ("he-relu", "forward"): 2 / n,
    ("he-relu", "normal-std"): sp.sqrt(2 / n),
    ("he-relu", "uniform-bound"): sp.sqrt(6 / n),
    ("activation-derivatives", "sigmoid-max"): sp.Rational(1, 4),
    ("activation-derivatives", "tanh"): 1 - sp.tanh(z) ** 2,
    ("activation-derivatives", "relu"): sp.Heaviside(z),
    ("gradient-vanishing", "bound-5"): sp.Rational(1, 1024),
    ("gradient-vanishing", "bound-8"): sp.Rational(1, 65536),
}


@pytest.mark.parametrize(("identifier", "name"), sorted(LITERATURE))
def test_result_matches_literature(identifier: str, name: str) -> None:
    result = derive.get(identifier).named(name)
    assert same(result.rhs, LITERATURE[identifier, name])


EXPECTED_PROOF = {steps.Requirement: derive.Proof.GOAL, steps.Quadrature: derive.Proof.QUADRATURE,
                  steps.Citation: derive.Proof.CITED, steps.Solution: derive.Proof.SYMBOLIC}


def test_every_listed_derivation_builds_and_proves_every_step() -> None:
    identifiers = derive.ids()
    assert len(identifiers) >= 11
    for derivation in derive.all_derivations():
        assert len(derivation.proofs) == len(derivation.steps) > 0
        assert derivation.assumptions, derivation.id
        for step, proof in zip(derivation.steps, derivation.proofs, strict=True):
            assert proof is EXPECTED_PROOF.get(type(step), proof), (derivation.id, step.rule, proof)
            assert proof in (derive.Proof.SYMBOLIC, derive.Proof.EVALUATION, derive.Proof.NUMERIC,
                             derive.Proof.QUADRATURE, derive.Proof.GOAL, derive.Proof.CITED)


def test_main_result_of_he_relu_prints_as_two_over_n() -> None:
    assert str(derive.get("he-relu").result.rhs) == "2/n"


def test_product_variance_has_the_mean_terms() -> None:
    X, Y = sp.symbols("X Y")
    from initproof.derive.moments import Mean, Var
    expected = Var(X) * Var(Y) + Var(X) * Mean(Y) ** 2 + Var(Y) * Mean(X) ** 2
    assert sp.expand(derive.get("product-variance").result.rhs - expected) == 0


def test_layer_variance_general_and_zero_mean_forms() -> None:
    from initproof.derive.moments import Mean, Var
    w, x, bias = sp.symbols("w x b")
    d = derive.get("layer-variance")
    assert sp.expand(d.named("zero-mean").rhs - n * Var(w) * Var(x)) == 0
    general = n * Var(w) * (Var(x) + Mean(x) ** 2) + Var(bias)
    assert sp.expand(d.named("general").rhs - general) == 0


# Maclaurin coefficients of tanh (tangent numbers, OEIS A000182 / (2k+1)!) and of
# the sigmoid (1/2 + tanh(z/2)/2).
TANH = [0, 1, 0, sp.Rational(-1, 3), 0, sp.Rational(2, 15), 0, sp.Rational(-17, 315)]
SIGMOID = [sp.Rational(1, 2), sp.Rational(1, 4), 0, sp.Rational(-1, 48), 0, sp.Rational(1, 480), 0,
           sp.Rational(-17, 80640)]


@pytest.mark.parametrize(("identifier", "coefficients"),
                         [("maclaurin-tanh", TANH), ("maclaurin-sigmoid", SIGMOID)])
def test_series_coefficients(identifier: str, coefficients: list) -> None:
    series = derive.get(identifier).named("series").rhs.removeO()
    assert [series.coeff(z, k) for k in range(8)] == coefficients


def test_series_order_is_a_parameter() -> None:
    series = derive.get("maclaurin-tanh", order=9).named("series").rhs.removeO()
    assert series.coeff(z, 9) == sp.Rational(62, 2835)
    with pytest.raises(ValueError, match="order"):
        derive.get("maclaurin-tanh", order=0)


def test_linearisations() -> None:
    assert derive.get("maclaurin-tanh").named("linear").rhs.removeO() == z
    assert derive.get("maclaurin-sigmoid").named("linear").rhs.removeO() == sp.S.Half + z / 4


def test_sigmoid_derivative_at_large_z_against_float_arithmetic() -> None:
    value = float(derive.get("gradient-vanishing").named("sigmoid-derivative-large-z").rhs)
    e = math.exp(-14.15)
    assert value == pytest.approx(e / (1 + e) ** 2, rel=1e-12)


def test_sigmoid_derivative_identity() -> None:
    rhs = derive.get("activation-derivatives").named("sigmoid").rhs
    assert same(rhs.subs(sigmoid(z), sp.Symbol("s")), sp.Symbol("s") * (1 - sp.Symbol("s")))


def test_truncated_normal_factor_against_keras() -> None:
    # keras.initializers.TruncatedNormal / VarianceScaling divide by this constant.
    d = derive.get("truncated-normal")
    assert float(d.named("std-factor").rhs) == pytest.approx(0.87962566103423978, rel=1e-15)
    assert float(d.named("std-factor-value").rhs) == pytest.approx(0.87962566103423978, rel=1e-15)


def test_selu_constants_against_klambauer_2017() -> None:
    d = derive.get("selu-constants")
    alpha, lam = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    assert float(d.named("alpha").rhs) == pytest.approx(alpha, rel=1e-15)
    assert float(d.named("lambda").rhs) == pytest.approx(lam, rel=1e-15)
    assert [r.name for r in d.results] == [
        "alpha", "alpha-value", "lambda", "lambda-value"]


def test_unknown_id_names_the_choices() -> None:
    with pytest.raises(derive.UnknownDerivation) as error:
        derive.get("xavier-relu")
    assert "he-relu" in str(error.value)


@pytest.mark.parametrize("identifier, f", [("maclaurin-tanh", sp.tanh), ("maclaurin-sigmoid", sigmoid)])
def test_the_highest_allowed_series_order_is_proved_in_seconds(identifier: str, f) -> None:
    import time

    z = sp.Symbol("z", real=True)
    start = time.monotonic()
    series = derive.get(identifier, order=25).named("series").rhs.removeO()
    assert time.monotonic() - start < 30
    reference = sp.series(f(z).rewrite(sp.exp), z, 0, 26).removeO()
    assert sp.expand(series - reference) == 0
