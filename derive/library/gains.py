r"""Exact gains: the weight variance that keeps unit variance, for any activation.

With Gaussian pre-activations :math:`z_l \sim N(0, q_l)` the layer identity reads
:math:`q_{l+1} = n \operatorname{Var}(w) E[\phi(\sqrt{q_l}\,\xi)^2]`, so :math:`q = 1` is a fixed
point when :math:`\operatorname{Var}(w) = 1/(n E[\phi(\xi)^2])` (forward). Back-propagation
multiplies the gradient variance by :math:`m \operatorname{Var}(w) E[\phi'(z_l)^2]`, which is 1 at
:math:`q = 1` when :math:`\operatorname{Var}(w) = 1/(m E[\phi'(\xi)^2])` (backward). The gain
:math:`g` of PyTorch's convention is :math:`\operatorname{Var}(w) = g^2/n`.

Expectations are integrated by sympy when the integrand is built from polynomials and
exponentials on pieces split at the kinks (ReLU, leaky ReLU, ELU, SELU); otherwise by adaptive
quadrature at 30 digits, quoted to 16 with an absolute error below :data:`QUADRATURE_BOUND`.
Smooth activations also get the linearised rule at 0, with the :math:`\phi(0)^2` term that the
textbook rule drops.
"""

from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp
from sympy import stats

from ..activations import NAMES, derivative, elu, leaky_relu, named
from ..activations import activation as activation_from_text
from ..assumptions import GAUSSIAN_PREACTIVATION, STANDARD_NORMAL, VARIANCE_PRESERVED, Assumption, described, zero_mean
from ..derivation import Builder, Derivation, DerivationError
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Expansion, Model, Quadrature, distribution_moment
from ..symbols import m, n, xi, z
from ..text import Text
from .rules import (
    IID,
    LAYER,
    ZERO_BIAS,
    ZERO_MEAN_GRADIENTS,
    ZERO_MEAN_W,
    D,
    W,
    a,
    activation,
    delta,
    delta_next,
    j,
    preserve,
    start,
    w,
    z_l,
    z_next,
)

DIGITS = 16
QUADRATURE_BOUND = 1e-15
BOUND_TEX = sp.Pow(10, -15, evaluate=False)
gain = sp.Symbol("g", positive=True)
g = sp.Symbol("g_l")
slope, alpha = sp.Symbol("a", positive=True), sp.Symbol("alpha", positive=True)
DEFAULT = Text("the default of PyTorch and Keras", "mặc định của PyTorch và Keras")
PARAMETERS = {"leaky_relu": (slope, leaky_relu, sp.Rational(1, 100)), "elu": (alpha, elu, sp.S.One)}
"""Activations derived for a symbolic parameter: (symbol, family, default, where the default is from)."""
CLOSED_FORM = (sp.exp, sp.Heaviside, sp.Piecewise)
"""Functions whose Gaussian integrals :func:`~derive.steps.distribution_moment` can do in closed form."""

UNIT = Assumption(
    "unit-fixed-point",
    Text("the goal: $q = 1$ is a fixed point, $\\operatorname{Var}(z_l) = \\operatorname{Var}(z_{l+1}) = 1$, "
         "so $z_l = \\xi$",
         "mục tiêu: $q = 1$ là điểm bất động, $\\operatorname{Var}(z_l) = \\operatorname{Var}(z_{l+1}) = 1$, "
         "nên $z_l = \\xi$"),
    ((Var(z_l), sp.S.One), (z_l, xi)))
GRADIENT_INDEPENDENCE = described(
    "gradient-independence",
    "$g_l = \\phi'(z_l)$, the weights and $\\delta_{l+1}$ are independent (the usual mean-field approximation)",
    "$g_l = \\phi'(z_l)$, trọng số và $\\delta_{l+1}$ độc lập (xấp xỉ trường trung bình thông thường)")
ZERO_MEAN_Z = zero_mean(z_l, "pre-activations", "tiền kích hoạt")


def _activation_and_parameter(name: str) -> tuple[sp.Expr, tuple | None]:
    if name in PARAMETERS:
        symbol, family, *_ = PARAMETERS[name]
        return family(symbol), PARAMETERS[name]
    return named(name), None


def _closed_form(expr: sp.Expr) -> bool:
    """Polynomials and exponentials on pieces: no other function, no division by ``z``."""
    divides = any(p.exp.is_negative and z in p.base.free_symbols for p in expr.atoms(sp.Pow))
    return not divides and all(isinstance(f, CLOSED_FORM) for f in expr.atoms(sp.Function))


def expectation(d: Builder, expr: sp.Expr) -> sp.Expr:
    r"""Add the step :math:`E[f(\xi)] = c` for ``expr`` :math:`= f(z)` and return :math:`c`:
    by sympy's integration when the integrand is of a kind it integrates and it succeeds,
    else by quadrature."""
    target = Mean(expr.xreplace({z: xi}))
    if z not in expr.free_symbols:
        return expr
    if _closed_form(expr):
        known = tuple(d.model.distributions.items())
        value = sp.simplify(distribution_moment(target, known).rewrite(sp.erfc))
        _finite(d, target, value)
        if not value.has(sp.Integral):
            value = sp.N(value, DIGITS) if value.has(sp.Float) else sp.collect(sp.expand(value), value.free_symbols)
            split = ", piece by piece" if expr.has(sp.Piecewise, sp.Heaviside) else ""
            tach = ", từng khúc một" if split else ""
            d.step(target, value, "Gaussian integral", f"integrate against the density $\\varphi${split}",
                   f"tích phân với mật độ $\\varphi${tach}", (STANDARD_NORMAL,))
            return value
    exact, _ = d.model.quadrature(target, digits=DIGITS + 24)
    _finite(d, target, exact)
    value = sp.Float(exact, DIGITS)
    d.add(Quadrature(relation=sp.Eq(target, value, evaluate=False), rule="quadrature",
                     why=Text(f"adaptive quadrature split at 0, error below ${sp.latex(BOUND_TEX)}$",
                              f"cầu phương thích nghi tách tại 0, sai số dưới ${sp.latex(BOUND_TEX)}$"),
                     given=(STANDARD_NORMAL,), bound=QUADRATURE_BOUND))
    return value


def _finite(d: Builder, target: sp.Expr, value: sp.Expr) -> None:
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or value.is_finite is False:
        raise DerivationError(f"{d.id}: {sp.sstr(target)} is not finite for xi ~ N(0, 1), so no weight "
                              "variance keeps q = 1")


def _keep_unit(d: Builder, combined: sp.Expr, en: str, vi: str) -> sp.Expr:
    """Require :math:`\\operatorname{Var}(z_{l+1}) = 1` and solve ``combined = 1`` for Var(w)."""
    d.require(Var(z_next), 1, "keep $q = 1$", "giữ $q = 1$", (UNIT, VARIANCE_PRESERVED))
    return d.solve(sp.Eq(combined, 1), Var(w), "solve", en, vi)


def _gain(d: Builder, variance: sp.Expr, fan: sp.Symbol, name: str) -> None:
    d.solve(sp.Eq(gain**2, fan * variance), gain, "gain",
            f"the gain $g$ of $\\operatorname{{Var}}(w) = g^2/{fan}$ (PyTorch's convention)",
            f"hệ số $g$ trong $\\operatorname{{Var}}(w) = g^2/{fan}$ (quy ước của PyTorch)")
    d.result(name)


def _linearised(d: Builder, phi: sp.Expr, act: Assumption, exact: sp.Eq) -> None:
    r"""The rule from :math:`\phi(z) \approx \phi(0) + \phi'(0) z`, and the textbook rule
    that also drops :math:`\phi(0)^2` (none when :math:`\phi(0) = \phi'(0) = 0`)."""
    polynomial = sp.series(phi, z, 0, 2).removeO().xreplace({z: z_l})
    c0, c1 = polynomial.subs(z_l, 0), polynomial.coeff(z_l, 1)
    if c0 == 0 and c1 == 0:
        return
    d.step(phi.xreplace({z: z_l}), polynomial + sp.O(z_l**2), "Maclaurin", "linearise at 0",
           "tuyến tính hóa tại 0", kind=Expansion)
    linear = Assumption(f"linear-regime-{act.id}", Text(f"linear regime: $a_l = {sp.latex(polynomial)}$",
                                                       f"vùng tuyến tính: $a_l = {sp.latex(polynomial)}$"),
                        ((a, polynomial),))
    d.assumptions += (linear, ZERO_MEAN_Z)
    d.step(Mean(a**2), c0**2 + c1**2 * Var(z_l), "linear regime", "square and take expectations",
           "bình phương rồi lấy kỳ vọng", (linear, ZERO_MEAN_Z))
    second = d.last
    d.step(Var(z_next), n * Var(w) * second.rhs, "substitution", "insert into the layer identity",
           "thay vào đẳng thức của lớp", using=(exact, second))
    combined = d.then(n * Var(w) * (c0**2 + c1**2), "fixed point", "at $q = 1$", "tại $q = 1$", (UNIT,),
                      (d.last,))
    _keep_unit(d, combined, "solve: the linearised rule, with the $\\phi(0)^2$ correction",
               "giải: quy tắc tuyến tính hóa, có hiệu chỉnh $\\phi(0)^2$")
    d.result("linearised")
    if c0 != 0 and c1 != 0:
        d.require(n * Var(w) * c1**2, 1, "textbook: drop $\\phi(0)^2$ as if $E[a_l] = 0$",
                  "sách giáo khoa: bỏ $\\phi(0)^2$ như thể $E[a_l] = 0$")
        d.solve(d.last, Var(w), "solve", "the textbook rule", "quy tắc trong sách")
        d.result("textbook")


def _forward(d: Builder, phi: sp.Expr, act: Assumption, exact: sp.Eq) -> sp.Expr:
    d.step(Mean(a**2), Mean(phi.xreplace({z: xi}) ** 2), "fixed point", "at $q = 1$, $z_l = \\xi$",
           "tại $q = 1$, $z_l = \\xi$", (act, UNIT))
    second = d.last
    value = expectation(d, phi**2)
    moment = d.last
    combined = d.step(Var(z_next), n * Var(w) * value, "substitution", "insert into the layer identity",
                      "thay vào đẳng thức của lớp", using=(exact, second, moment))
    variance = _keep_unit(d, combined, "solve: the exact forward rule", "giải: quy tắc lan truyền xuôi chính xác")
    d.result("forward")
    return variance


def _backward(d: Builder, dphi: sp.Expr, local: Assumption) -> sp.Expr:
    d.step(Var(delta), m * Var(w) * Mean(g**2) * Var(delta_next), "back-propagation",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$: a sum of $m$ i.i.d. products",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$: tổng của $m$ tích i.i.d.",
           (IID, ZERO_MEAN_W, ZERO_MEAN_GRADIENTS, GRADIENT_INDEPENDENCE))
    propagation = d.last
    d.step(Mean(g**2), Mean(dphi.xreplace({z: xi}) ** 2), "fixed point", "at $q = 1$, $z_l = \\xi$",
           "tại $q = 1$, $z_l = \\xi$", (local, UNIT))
    second = d.last
    value = expectation(d, dphi**2)
    moment = d.last
    d.step(Var(delta), m * Var(w) * value * Var(delta_next), "substitution", "insert the moment",
           "thay moment vào", using=(propagation, second, moment))
    _, variance = preserve(d, d.last, Var(delta_next))
    d.result("backward")
    return variance


def _at_default(d: Builder, parameter: tuple) -> tuple[sp.Expr, sp.Expr]:
    """The forward and backward rules at the parameter's default value."""
    symbol, _, default = parameter
    chosen = Assumption(f"default-{symbol}", Text(f"${sp.latex(symbol)} = {sp.latex(default)}$, {DEFAULT.en}",
                                                  f"${sp.latex(symbol)} = {sp.latex(default)}$, {DEFAULT.vi}"),
                        ((symbol, default),))
    d.assumptions += (chosen,)
    values = []
    for name in ("forward", "backward"):
        relation, = [r.relation for r in d.results if r.name == name]
        values.append(d.step(relation.lhs, relation.rhs.subs(symbol, default), "default",
                             f"at ${sp.latex(symbol)} = {sp.latex(default)}$",
                             f"tại ${sp.latex(symbol)} = {sp.latex(default)}$", (chosen,), (relation,)))
        d.result(f"{name}-default")
    return values[0], values[1]


def exact_gain(name: str, phi: sp.Expr, parameter: tuple | None = None, title: str | None = None) -> Derivation:
    r"""Forward and backward exact rules for the activation ``phi`` (an expression in ``z``),
    and, when ``phi`` is smooth, the linearised and textbook rules."""
    dphi = derivative(phi)
    act = activation(name, phi.xreplace({z: z_l}))
    local = Assumption(f"local-derivative-{name}", Text(f"$g_l = {sp.latex(dphi.xreplace({z: z_l}))}$",
                                                       f"$g_l = {sp.latex(dphi.xreplace({z: z_l}))}$"),
                       ((g, dphi.xreplace({z: z_l})),))
    title = title or name
    d = Builder(f"exact-gain-{name}", Text(f"Exact gain for {title}", f"Hệ số chính xác cho {title}"),
                (IID, ZERO_MEAN_W, ZERO_BIAS, act, GAUSSIAN_PREACTIVATION, STANDARD_NORMAL, UNIT,
                 VARIANCE_PRESERVED, ZERO_MEAN_GRADIENTS, GRADIENT_INDEPENDENCE, local),
                Model(random=(w, a, z_l, delta_next, g),
                      definitions={z_next: LAYER, delta: g * sp.Sum(W[j] * D[j], (j, 1, m))},
                      distributions={xi: stats.Normal("xi", 0, 1)}))
    exact = start(d)
    if not phi.has(sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside):
        _linearised(d, phi, act, exact)
    forward = _forward(d, phi, act, exact)
    backward = _backward(d, dphi, local)
    if parameter is not None:
        forward, backward = _at_default(d, parameter)
    _gain(d, forward, n, "forward-gain")
    _gain(d, backward, m, "backward-gain")
    return d.build(main="forward")


@cache
def for_activation(text: str) -> Derivation:
    """The exact-gain derivation for a catalogue name, or for a user expression over ``z``
    (parsed safely; id ``exact-gain-custom``)."""
    if text in NAMES:
        return get(f"exact-gain-{text}")
    phi = activation_from_text(text)
    return exact_gain("custom", phi, title=sp.sstr(phi))


def _register(name: str) -> None:
    @register(f"exact-gain-{name}")
    def build() -> Derivation:
        phi, parameter = _activation_and_parameter(name)
        return exact_gain(name, phi, parameter)

    build.__doc__ = f"Exact forward and backward weight variance for {name}."


for _name in NAMES:
    _register(_name)


sigma_w, sigma_b = sp.Symbol("sigma_w", positive=True), sp.Symbol("sigma_b", nonnegative=True)
q_star, chi = sp.Symbol("q^*", nonnegative=True), sp.Symbol("chi_1", positive=True)
TORCH_TANH_GAIN = sp.Rational(5, 3)
"""``torch.nn.init.calculate_gain('tanh')``."""
BIAS_VARIANCE = sp.Rational(1, 20)
"""The bias variance of the edge-of-chaos example (Schoenholz et al., 2017, use 0.05)."""
MEAN_FIELD = described(
    "mean-field", "wide layers with Gaussian pre-activations: $q_{l+1} = \\sigma_w^2 E[\\tanh(\\sqrt{q_l}\\,\\xi)^2]"
    " + \\sigma_b^2$ with $\\sigma_w^2 = n \\operatorname{Var}(w)$, $\\sigma_b^2 = \\operatorname{Var}(b)$",
    "lớp rộng, tiền kích hoạt chuẩn: $q_{l+1} = \\sigma_w^2 E[\\tanh(\\sqrt{q_l}\\,\\xi)^2] + \\sigma_b^2$ "
    "với $\\sigma_w^2 = n \\operatorname{Var}(w)$, $\\sigma_b^2 = \\operatorname{Var}(b)$")
SLOPE = Assumption(
    "slope-chi", Text(
        "$\\chi_1 = \\sigma_w^2 E[\\tanh'(\\sqrt{q^*}\\,\\xi)^2]$ is the factor by which a small "
        "perturbation, and the gradient variance, grows per layer at the fixed point $q^*$: ordered if "
        "$\\chi_1 < 1$, chaotic if $\\chi_1 > 1$, the edge of chaos at $\\chi_1 = 1$",
        "$\\chi_1 = \\sigma_w^2 E[\\tanh'(\\sqrt{q^*}\\,\\xi)^2]$ là hệ số mà một nhiễu nhỏ, và phương sai "
        "gradient, tăng qua mỗi lớp tại điểm bất động $q^*$: có trật tự nếu $\\chi_1 < 1$, hỗn loạn nếu "
        "$\\chi_1 > 1$, bờ hỗn loạn tại $\\chi_1 = 1$"),
    ((chi, sigma_w**2 * Mean((1 - sp.tanh(sp.sqrt(q_star) * xi) ** 2) ** 2)),))


def _tanh_moments(q: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r""":math:`E[\tanh(\sqrt q\,\xi)^2]` and :math:`E[\tanh'(\sqrt q\,\xi)^2]`, unevaluated."""
    u = sp.sqrt(q) * xi
    return Mean(sp.tanh(u) ** 2), Mean((1 - sp.tanh(u) ** 2) ** 2)


def _numeric(d: Builder, expr: sp.Expr) -> sp.Float:
    return d.model.quadrature(expr, digits=DIGITS + 4)[0]


def _fixed_point(d: Builder, weight: sp.Expr, bias: sp.Expr) -> sp.Float:
    r"""The non-zero fixed point :math:`q^*` of the tanh recursion, by a root finder on quadrature."""
    def residual(q: float) -> float:
        return float(_numeric(d, weight * _tanh_moments(sp.Float(q, 30))[0] + bias)) - q

    root = mpmath.findroot(residual, (0.5, 3.0), solver="anderson", tol=1e-24)
    return sp.Float(root, DIGITS)


def _quadrature_step(d: Builder, lhs: sp.Expr, rhs: sp.Expr, en: str, vi: str, given: tuple) -> None:
    d.add(Quadrature(relation=sp.Eq(lhs, rhs, evaluate=False), rule="quadrature", why=Text(en, vi),
                     given=given, bound=1e-12))


def _regime(d: Builder, weight: sp.Expr, bias: sp.Expr, label: str) -> None:
    """Fixed point and slope of the tanh recursion at :math:`\\sigma_w^2` = ``weight``, bias ``bias``."""
    fixed = _fixed_point(d, weight, bias)
    forward, backward = _tanh_moments(fixed)
    _quadrature_step(d, weight * forward + bias, fixed, f"fixed point for $\\sigma_w^2 = {sp.latex(weight)}$, "
                     f"$\\sigma_b^2 = {sp.latex(bias)}$ (root of the recursion, by quadrature)",
                     f"điểm bất động với $\\sigma_w^2 = {sp.latex(weight)}$, $\\sigma_b^2 = {sp.latex(bias)}$ "
                     f"(nghiệm của phép truy hồi, bằng cầu phương)", (MEAN_FIELD,))
    d.result(f"fixed-point-{label}")
    slope_value = sp.Float(_numeric(d, weight * backward), DIGITS)
    _quadrature_step(d, weight * backward, slope_value, "the slope $\\chi_1$ there", "độ dốc $\\chi_1$ tại đó",
                     (SLOPE,))
    d.result(f"chi-{label}")


@register("tanh-edge-of-chaos")
def tanh_edge_of_chaos() -> Derivation:
    r"""Which tanh gain sits on the edge of chaos (:math:`\chi_1 = 1`), and what PyTorch's 5/3 does.

    Without bias :math:`q^* = 0` is a fixed point with :math:`\chi_1 = \sigma_w^2`, so the edge is
    :math:`\sigma_w^2 = 1`: Xavier's :math:`1/n`. Gain 5/3 (:math:`\sigma_w^2 = 25/9`) has a non-zero
    fixed point with :math:`\chi_1 > 1`. With bias variance 0.05 the critical :math:`\sigma_w^2`
    solves :math:`\chi_1(q^*) = 1` together with the fixed-point equation."""
    d = Builder("tanh-edge-of-chaos", Text("tanh: fixed points, the slope chi_1 and the edge of chaos",
                                           "tanh: điểm bất động, độ dốc chi_1 và bờ hỗn loạn"),
                (STANDARD_NORMAL, MEAN_FIELD, SLOPE), Model(distributions={xi: stats.Normal("xi", 0, 1)}))
    forward, backward = _tanh_moments(q_star)
    no_bias = Assumption("no-bias-origin", Text("$\\sigma_b^2 = 0$ and $q^* = 0$", "$\\sigma_b^2 = 0$ và $q^* = 0$"),
                         ((sigma_b, 0), (q_star, 0)))
    d.assumptions += (no_bias,)
    d.step(sigma_w**2 * forward + sigma_b**2, q_star, "fixed point", "$\\tanh 0 = 0$: the origin is a fixed point",
           "$\\tanh 0 = 0$: gốc tọa độ là điểm bất động", (MEAN_FIELD, no_bias))
    d.step(chi, sigma_w**2 * backward, "slope", "the slope at $q^* = 0$, where $\\tanh'(0) = 1$",
           "độ dốc tại $q^* = 0$, nơi $\\tanh'(0) = 1$", (SLOPE,))
    d.then(sigma_w**2, "evaluation", "$\\tanh'(0)^2 = 1$", "$\\tanh'(0)^2 = 1$", (SLOPE, no_bias))
    d.require(sigma_w**2, 1, "the edge of chaos, $\\chi_1 = 1$", "bờ hỗn loạn, $\\chi_1 = 1$", (SLOPE,))
    d.solve(d.last, sigma_w, "solve", "Xavier's $\\operatorname{Var}(w) = 1/n$ is critical",
            "$\\operatorname{Var}(w) = 1/n$ của Xavier là tới hạn")
    d.result("critical-no-bias")
    _regime(d, TORCH_TANH_GAIN**2, sp.S.Zero, "torch")
    _regime(d, TORCH_TANH_GAIN**2, BIAS_VARIANCE, "torch-bias")
    critical = _critical(d, BIAS_VARIANCE)
    _regime(d, critical, BIAS_VARIANCE, "critical-bias")
    return d.build(main="critical-no-bias")


def _critical(d: Builder, bias: sp.Expr) -> sp.Float:
    r"""The :math:`\sigma_w^2` on the edge of chaos for bias variance ``bias``: on the edge
    :math:`\sigma_w^2 = 1/E[\tanh'(\sqrt{q}\xi)^2]`, and ``q`` is the root of the fixed-point equation."""
    def residual(q: float) -> float:
        forward, backward = _tanh_moments(sp.Float(q, 30))
        weight = 1 / _numeric(d, backward)
        return float(_numeric(d, weight * forward + bias)) - q

    fixed = mpmath.findroot(residual, (0.1, 1.0), solver="anderson", tol=1e-24)
    weight = 1 / _numeric(d, _tanh_moments(sp.Float(fixed, 30))[1])
    return sp.Float(weight, DIGITS)
