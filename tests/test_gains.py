"""Exact gains, the tanh edge of chaos, nn.Linear's default and the frameworks table.

Reference values come from the literature or from computations in this file that share no
code with initproof (scipy's adaptive quadrature of plain numpy functions).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special

from initproof import derive
from initproof.derive.activations import activation
from initproof.derive.assumptions import STANDARD_NORMAL
from initproof.derive.derivation import Builder, DerivationError
from initproof.derive.frameworks import initializers
from initproof.derive.library.gains import for_activation
from initproof.derive.moments import Mean
from initproof.derive.steps import Model, Quadrature
from initproof.derive.text import Text
from initproof.verify.checks import NetworkCheck
from initproof.verify.comparison import compare
from initproof.verify.library import gains
from initproof.verify.settings import Settings

n, m = sp.symbols("n m", positive=True, integer=True)
slope = sp.Symbol("a", positive=True)
xi = sp.Symbol("xi", real=True)

NUMPY = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "gelu": lambda x: x * (1 + special.erf(x / math.sqrt(2))) / 2,
    "silu": lambda x: x * special.expit(x),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "tanh": np.tanh,
    "sigmoid": special.expit,
}
"""The activations, written again in numpy for independent reference integrals."""


def gaussian_mean(f) -> float:
    """E[f(xi)] by scipy.integrate.quad on each half-line."""
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    return sum(integrate.quad(lambda x: float(f(np.array(x))) * pdf(x), low, high, epsabs=1e-14,
                              epsrel=1e-12)[0] for low, high in ((-np.inf, 0), (0, np.inf)))


def derivative(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_backward(name: str) -> tuple[float, float]:
    d = derive.get(f"exact-gain-{name}")
    suffix = "-default" if name in ("leaky_relu", "elu") else ""
    return float(n * d.named("forward" + suffix).rhs), float(m * d.named("backward" + suffix).rhs)


def test_relu_family_closed_forms() -> None:
    assert derive.get("exact-gain-relu").named("forward").rhs == 2 / n
    assert derive.get("exact-gain-relu").named("backward").rhs == 2 / m
    leaky = derive.get("exact-gain-leaky_relu")
    assert sp.simplify(leaky.named("forward").rhs - 2 / ((1 + slope**2) * n)) == 0
    assert leaky.named("forward-default").rhs == 2 / ((1 + sp.Rational(1, 100) ** 2) * n)
    assert derive.get("exact-gain-linear").named("forward").rhs == 1 / n


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_exact_gains_against_independent_quadrature(name: str) -> None:
    f = NUMPY[name]
    forward, backward = forward_backward(name)
    assert forward == pytest.approx(1 / gaussian_mean(lambda x: f(x) ** 2), rel=1e-9)
    assert backward == pytest.approx(1 / gaussian_mean(lambda x: derivative(f, x) ** 2), rel=1e-6)


def test_selu_forward_gain_is_one_and_pytorch_three_quarters_is_not() -> None:
    forward, backward = forward_backward("selu")
    assert forward == pytest.approx(1.0, abs=1e-14)
    assert backward == pytest.approx(0.9332058017780, rel=1e-9)
    assert forward != pytest.approx(0.75**2, rel=0.1)


def test_sigmoid_linearisations_kumar_and_textbook() -> None:
    d = derive.get("exact-gain-sigmoid")
    assert d.named("linearised").rhs == 1 / ((sp.Rational(1, 4) + sp.Rational(1, 16)) * n)
    textbook = derive.get("xavier-sigmoid")
    assert textbook.named("forward").rhs == 16 / n
    # the consistent linearisation, reached by a separate derivation, agrees with the exact-gain one
    assert textbook.named("consistent-unit").rhs == d.named("linearised").rhs
    # Kumar (2017) proposes sigma_w = 3.6/sqrt(n) for the sigmoid; the exact rule is far below it.
    assert float(n * d.named("forward").rhs) < 3.6**2 / 3


def test_tanh_edge_of_chaos() -> None:
    d = derive.get("tanh-edge-of-chaos")
    assert d.named("critical-no-bias").rhs == 1

    def fixed_point(weight: float, bias: float) -> float:
        q = 1.0
        for _ in range(400):
            q = weight * gaussian_mean(lambda x, q=q: np.tanh(math.sqrt(q) * x) ** 2) + bias
        return q

    q_star = fixed_point(25 / 9, 0.0)
    assert float(d.named("fixed-point-torch").rhs) == pytest.approx(q_star, rel=1e-9)
    chi = 25 / 9 * gaussian_mean(lambda x: (1 - np.tanh(math.sqrt(q_star) * x) ** 2) ** 2)
    assert float(d.named("chi-torch").rhs) == pytest.approx(chi, rel=1e-8)
    assert chi > 1
    critical = float(d.named("chi-critical-bias").lhs.as_independent(Mean)[0])
    q_crit = fixed_point(critical, 0.05)
    slope_there = critical * gaussian_mean(lambda x: (1 - np.tanh(math.sqrt(q_crit) * x) ** 2) ** 2)
    assert slope_there == pytest.approx(1.0, rel=1e-8)


def test_linear_default_torch_is_a_third_over_n() -> None:
    # torch.nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(n), 1/sqrt(n)).
    d = derive.get("linear-default-torch")
    assert d.named("variance").rhs == 1 / (3 * n)
    assert d.named("bound").rhs == 1 / sp.sqrt(n)
    assert d.named("relu-factor").rhs == sp.Rational(1, 6)


def test_user_activation_gain() -> None:
    d = for_activation(activation("z*erf(z)"))
    assert d.id == "exact-gain-custom"
    reference = gaussian_mean(lambda x: (x * special.erf(x)) ** 2)
    assert float(n * d.named("forward").rhs) == pytest.approx(1 / reference, rel=1e-9)


def test_divergent_user_activation_is_refused() -> None:
    with pytest.raises(DerivationError, match="not finite"):
        for_activation(activation("exp(z**2)"))


def _quadrature_builder() -> Builder:
    return Builder("test", Text("t", "t"), (STANDARD_NORMAL,), Model())


def test_wrong_quadrature_value_is_rejected() -> None:
    d = _quadrature_builder()
    with pytest.raises(DerivationError, match="differ"):
        d.add(Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), sp.Float("0.3943")), rule="quadrature",
                         why=Text("", ""), given=(STANDARD_NORMAL,)))
    d.add(Quadrature(relation=sp.Eq(Mean(sp.tanh(xi) ** 2), sp.Float("0.3942944903978412", 16)),
                     rule="quadrature", why=Text("", ""), given=(STANDARD_NORMAL,)))
    assert d.verdicts[-1].proof is derive.Proof.QUADRATURE


def test_wrong_float_solution_is_rejected() -> None:
    from initproof.derive.assumptions import goal
    from initproof.derive.moments import Var
    w, q_next = sp.Symbol("w"), sp.Symbol("q_next")
    value = sp.Float("0.3942944903978412") * n * Var(w)
    aim = goal("aim", "the goal", "mục tiêu", (Var(q_next), sp.S.One))
    d = Builder("test", Text("t", "t"), (aim,), Model(definitions={Var(q_next): value}))
    d.step(Var(q_next), value, "definition", "", "")
    d.require(Var(q_next), 1, "", "", (aim,))
    premise = sp.Eq(value, 1)
    d.solved(sp.Eq(Var(w), sp.Float("2.536175433217446") / n), premise, Var(w), "solve", "", "")
    with pytest.raises(DerivationError, match="gives"):
        d.solved(sp.Eq(Var(w), sp.Float("2.6") / n), premise, Var(w), "solve", "", "")


def test_exact_gain_network_checks_pass_and_wrong_gains_fail() -> None:
    settings = Settings(comparisons=40)
    rng = np.random.default_rng(3)
    for check in gains.exact_gain_checks("gelu"):
        assert check.run(rng, settings).passed, check.claim.en
    from initproof.derive.activations import named
    linearised = 4.0  # GELU's linearised rule, 4/n, claimed to keep q = 1
    wrong = NetworkCheck("exact-gain-gelu", "wrong", Text("4/n keeps q", "4/n keeps q"), named("gelu"), linearised,
                         128, 6,
                         replicates=64, preserves=("forward",), input_var=1 / linearised)
    assert not wrong.run(rng, settings).passed
    textbook = NetworkCheck("exact-gain-sigmoid", "wrong", Text("16/n keeps q", "16/n keeps q"), named("sigmoid"), 16.0,
                            128, 6, replicates=64, preserves=("forward",), input_var=1 / 16)
    assert not textbook.run(rng, settings).passed


def test_framework_recipes() -> None:
    by_name = {init.name: init for init in initializers("tanh")}
    assert sp.simplify(by_name["kaiming_normal_"].variance - sp.Rational(25, 9) / n) == 0
    assert sp.simplify(by_name["nn.Linear default"].variance - 1 / (3 * n)) == 0
    # Keras divides by 0.87962566103423978 so the truncated draws keep scale/fan exactly.
    assert float(by_name["HeNormal"].variance * n) == pytest.approx(2.0, rel=1e-15)
    assert float(by_name["GlorotUniform"].variance.subs(m, n) * n) == pytest.approx(1.0, rel=1e-15)
    gelu = {init.name: init for init in initializers("gelu")}
    assert sp.simplify(gelu["kaiming_normal_"].variance - 2 / n) == 0
    assert "leaky_relu" in gelu["kaiming_normal_"].note


def test_frameworks_table_for_relu() -> None:
    rows = {(r.framework, r.initializer): r for r in compare(activation("relu"))}
    linear = rows["PyTorch", "nn.Linear default"]
    assert linear.ratio == pytest.approx(1 / 6, rel=1e-12)
    assert linear.forward[10] == pytest.approx(6.0**-9, rel=1e-9)
    he = rows["Keras", "HeNormal / HeUniform"]
    assert he.forward[50] == pytest.approx(1.0, rel=1e-9)
    assert he.backward[50] == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("text, kinks", [
    ("max(min(z,1),-1)", (-1, 1)), ("min(max(z,0),6)", (0, 6)), ("abs(z)", (0,)), ("max(z, z/10)", (0,)),
    ("min(z, 0) + 2*max(z, 0)", (0,)), ("max(z, -1)", (-1,)),
])
@pytest.mark.slow
def test_clipped_and_piecewise_activations_against_independent_quadrature(text: str, kinks: tuple) -> None:
    import mpmath

    from initproof.derive.symbols import z

    d = for_activation(activation(text))
    phi = activation(text).phi
    m = sp.Symbol("m", positive=True, integer=True)
    for expr, rule, fan in ((phi**2, "forward", n), (sp.diff(phi, z) ** 2, "backward", m)):
        f = sp.lambdify(z, expr.rewrite(sp.Piecewise), "mpmath")
        with mpmath.workdps(30):
            reference = mpmath.quad(lambda x, f=f: f(x) * mpmath.npdf(x), [-mpmath.inf, *kinks, mpmath.inf])
        assert float(1 / (fan * d.named(rule).rhs)) == pytest.approx(float(reference), rel=1e-12), (text, rule)
