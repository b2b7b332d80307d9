r"""Exact gains: the weight variance that keeps unit variance, for any activation.

With Gaussian pre-activations :math:`z_l \sim N(0, q_l)` the layer identity reads
:math:`q_{l+1} = n \operatorname{Var}(w) E[\phi(\sqrt{q_l}\,\xi)^2]`, so :math:`q = 1` is a fixed
point when :math:`\operatorname{Var}(w) = 1/(n E[\phi(\xi)^2])` (forward). Back-propagation
multiplies the gradient variance by :math:`m \operatorname{Var}(w) E[\phi'(z_l)^2]`, which is 1 at
:math:`q = 1` when :math:`\operatorname{Var}(w) = 1/(m E[\phi'(\xi)^2])` (backward). The gain
:math:`g` of PyTorch's convention is :math:`\operatorname{Var}(w) = g^2/n`.

Expectations are integrated by sympy when the integrand is built from polynomials and
exponentials on pieces split at the kinks (ReLU, leaky ReLU, ELU, SELU); otherwise by adaptive
quadrature at 30 digits, quoted to 16 and checked to the checker's quadrature tolerance.
Smooth activations also get the linearised rule at 0, with the :math:`\phi(0)^2` term that the
textbook rule drops.
"""

from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp

from ..activations import NAMES, Activation, derivative, elu, leaky_relu, named
from ..assumptions import STANDARD_NORMAL, Assumption, goal
from ..derivation import Builder, Derivation, DerivationError
from ..functions import unfold
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Expansion, Quadrature, declared_distributions, distribution_moment
from ..symbols import m, n, xi, z
from ..text import Text
from .rules import (
    BACKWARD_GOAL,
    GAUSSIAN_PREACTIVATION,
    GRADIENT_INDEPENDENCE,
    IID,
    ZERO_BIAS,
    ZERO_MEAN_GRADIENTS,
    ZERO_MEAN_W,
    ZERO_MEAN_Z,
    a,
    activation,
    delta,
    delta_next,
    g,
    layer_model,
    preserve,
    start,
    w,
    z_l,
    z_next,
)

DIGITS = 16
gain = sp.Symbol("g", positive=True)
slope, alpha = sp.Symbol("a", positive=True), sp.Symbol("alpha", positive=True)
DEFAULT = Text("the default of PyTorch and Keras", "mặc định của PyTorch và Keras")
PARAMETERS = {"leaky_relu": (slope, leaky_relu, sp.Rational(1, 100)), "elu": (alpha, elu, sp.S.One)}
"""Activations derived for a symbolic parameter: (symbol, family, default value)."""
CLOSED_FORM = (sp.exp, sp.Heaviside, sp.Piecewise, sp.Min, sp.Max)
"""Functions whose Gaussian integrals :func:`~derive.steps.distribution_moment` can do in closed form."""

UNIT = Assumption(
    "unit-input", Text("the layer's input pre-activations are standard normal (unit variance)",
                       "tiền kích hoạt đầu vào của lớp có phân phối chuẩn tắc (phương sai 1)"),
    ((Var(z_l), sp.S.One), (z_l, xi)))
KEEP_UNIT = goal("unit-variance-kept", "the goal: unit variance is a fixed point",
                 "mục tiêu: phương sai 1 là điểm bất động", (Var(z_next), sp.S.One))


def _activation_and_parameter(name: str) -> tuple[sp.Expr, tuple | None]:
    if name in PARAMETERS:
        symbol, family, *_ = PARAMETERS[name]
        return family(symbol), PARAMETERS[name]
    return named(name), None


class NotFinite(DerivationError):
    """A Gaussian moment of the activation is infinite: no rule exists (a fact about the input)."""


def _closed_form(expr: sp.Expr) -> bool:
    """Polynomials and exponentials on pieces: no other function, no division by ``z``."""
    divides = any(p.exp.is_negative and z in p.base.free_symbols for p in expr.atoms(sp.Pow))
    return not divides and all(isinstance(f, CLOSED_FORM) for f in expr.atoms(sp.Function, sp.Min, sp.Max))


def expectation(d: Builder, expr: sp.Expr) -> sp.Expr:
    r"""Add the step :math:`E[f(\xi)] = c` for ``expr`` :math:`= f(z)` and return :math:`c`:
    by sympy's integration when the integrand is of a kind it integrates and it gives a finite
    closed form, else by quadrature; only a quadrature that is not finite either refuses."""
    target = Mean(expr.xreplace({z: xi}))
    if z not in expr.free_symbols:
        return expr
    if _closed_form(expr):
        known = declared_distributions((STANDARD_NORMAL,))
        value = sp.simplify(distribution_moment(target, known).rewrite(sp.erfc))
        if not value.has(sp.Integral, sp.oo, -sp.oo, sp.zoo, sp.nan) and value.is_finite is not False:
            value = sp.N(value, DIGITS) if value.has(sp.Float) else sp.collect(sp.expand(value), value.free_symbols)
            split = ", piece by piece" if expr.has(sp.Piecewise, sp.Heaviside, sp.Min, sp.Max) else ""
            tach = ", từng khúc một" if split else ""
            d.step(target, value, "Gaussian integral", f"integrate against the density $\\varphi${split}",
                   f"tích phân với mật độ $\\varphi${tach}", (STANDARD_NORMAL,))
            return value
    try:
        exact, error = d.model.quadrature(target, (STANDARD_NORMAL,), digits=DIGITS + 6) if _decays(target) \
            else (sp.oo, 0.0)
    except (OverflowError, ZeroDivisionError, MemoryError):
        exact, error = sp.oo, 0.0
    if error > 1e-6 * max(1.0, abs(float(exact))):
        exact = sp.oo
    _finite(d, target, exact)
    value = sp.Float(exact, DIGITS)
    return d.step(target, value, "quadrature", "adaptive quadrature split at 0",
                  "cầu phương thích nghi tách tại 0", (STANDARD_NORMAL,), kind=Quadrature)


def _decays(target: sp.Expr) -> bool:
    r"""Whether the integrand of :math:`E[f(\xi)]`, :math:`f(x)\varphi(x)`, falls off in both tails
    (checked at :math:`|x|` = 10, 20, 40 at 30 digits), as a convergent integral's must."""
    integrand = sp.lambdify(xi, unfold(target.args[0]) * sp.exp(-xi**2 / 2), "mpmath")
    with mpmath.workdps(30):
        for sign in (1, -1):
            values = [abs(integrand(mpmath.mpf(sign * x))) for x in (10, 20, 40)]
            if not (values[0] >= values[1] >= values[2] and values[2] < 1e-100):
                return False
    return True


def _finite(d: Builder, target: sp.Expr, value: sp.Expr) -> None:
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or value.is_finite is False:
        raise NotFinite(f"{sp.sstr(target)} is not finite for xi ~ N(0, 1), so no weight variance keeps q = 1")


def _keep_unit(d: Builder, combined: sp.Expr, en: str, vi: str) -> sp.Expr:
    """Require :math:`\\operatorname{Var}(z_{l+1}) = 1` and solve ``combined = 1`` for Var(w)."""
    d.require(Var(z_next), 1, "keep $q = 1$", "giữ $q = 1$", (KEEP_UNIT,))
    return d.solve(sp.Eq(combined, 1), Var(w), "solve", en, vi)


def _gain(d: Builder, variance: sp.Expr, fan: sp.Symbol, name: str) -> None:
    d.solve(sp.Eq(gain**2, fan * variance), gain, "gain",
            f"the gain $g$ of $\\operatorname{{Var}}(w) = g^2/{fan}$ (PyTorch's convention)",
            f"hệ số $g$ trong $\\operatorname{{Var}}(w) = g^2/{fan}$ (quy ước của PyTorch)", defines=True)
    d.result(name)


def _linearised(d: Builder, phi: sp.Expr, act: Assumption, exact: sp.Eq) -> None:
    r"""The rule from :math:`\phi(z) \approx \phi(0) + \phi'(0) z`, with the :math:`\phi(0)^2` term
    the textbook drops (none when :math:`\phi(0) = \phi'(0) = 0`)."""
    polynomial = sp.series(phi, z, 0, 2).removeO().xreplace({z: z_l})
    c0, c1 = polynomial.subs(z_l, 0), polynomial.coeff(z_l, 1)
    if c0 == 0 and c1 == 0:
        return
    d.step(phi.xreplace({z: z_l}), polynomial + sp.O(z_l**2), "Maclaurin", "linearise at 0",
           "tuyến tính hóa tại 0", kind=Expansion)
    linear = Assumption(f"linear-regime-{act.id}", Text("linear regime", "vùng tuyến tính"), ((a, polynomial),))
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


def _forward(d: Builder, phi: sp.Expr, act: Assumption, exact: sp.Eq) -> sp.Expr:
    d.step(Mean(a**2), Mean(phi.xreplace({z: xi}) ** 2), "fixed point", "at $q = 1$, $z_l = \\xi$",
           "tại $q = 1$, $z_l = \\xi$", (act, UNIT))
    second = d.last
    value = expectation(d, phi**2)
    moment = d.last
    combined = d.step(Var(z_next), n * Var(w) * value, "substitution", "insert into the layer identity",
                      "thay vào đẳng thức của lớp", using=(exact, second, moment))
    variance = _keep_unit(d, combined, "solve: the exact forward rule", "giải: quy tắc chính xác cho lan truyền tiến")
    d.result("forward")
    return variance


def _backward(d: Builder, dphi: sp.Expr, local: Assumption) -> sp.Expr:
    d.step(Var(delta), m * Var(w) * Mean(g**2) * Var(delta_next), "back-propagation",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$: a sum of $m$ i.i.d. products",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$: tổng của $m$ tích i.i.d.",
           (ZERO_MEAN_W, ZERO_MEAN_GRADIENTS, GRADIENT_INDEPENDENCE))
    propagation = d.last
    d.step(Mean(g**2), Mean(dphi.xreplace({z: xi}) ** 2), "fixed point", "at $q = 1$, $z_l = \\xi$",
           "tại $q = 1$, $z_l = \\xi$", (local, UNIT))
    second = d.last
    value = expectation(d, dphi**2)
    moment = d.last
    d.step(Var(delta), m * Var(w) * value * Var(delta_next), "substitution", "insert the moment",
           "thay moment vào", using=(propagation, second, moment))
    _, variance = preserve(d, d.last, Var(delta_next), BACKWARD_GOAL)
    d.result("backward")
    return variance


def _at_default(d: Builder, parameter: tuple) -> tuple[sp.Expr, sp.Expr]:
    """The forward and backward rules at the parameter's default value."""
    symbol, _, default = parameter
    chosen = Assumption(f"default-{symbol}", DEFAULT, ((symbol, default),))
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
    local = Assumption(f"local-derivative-{name}", Text("the local derivative", "đạo hàm cục bộ"),
                       ((g, dphi.xreplace({z: z_l})),))
    title = title or name
    d = Builder(f"exact-gain-{name}", Text(f"Exact gain for {title}", f"Hệ số chính xác cho {title}"),
                (IID, ZERO_MEAN_W, ZERO_BIAS, act, GAUSSIAN_PREACTIVATION, STANDARD_NORMAL, UNIT,
                 KEEP_UNIT, BACKWARD_GOAL, ZERO_MEAN_GRADIENTS, GRADIENT_INDEPENDENCE, local),
                layer_model())
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
def for_activation(activation: Activation) -> Derivation:
    """The exact-gain derivation of a catalogue activation, or of a user expression (id
    ``exact-gain-custom``)."""
    if activation.catalogued:
        return get(f"exact-gain-{activation.name}")
    return exact_gain("custom", activation.phi, title=sp.sstr(activation.phi))


def _register(name: str) -> None:
    @register(f"exact-gain-{name}")
    def build() -> Derivation:
        phi, parameter = _activation_and_parameter(name)
        return exact_gain(name, phi, parameter)

    build.__doc__ = f"Exact forward and backward weight variance for {name}."


for _name in NAMES:
    _register(_name)

