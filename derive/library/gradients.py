"""Vanishing gradients: the chain-rule product through L sigmoid layers."""

from __future__ import annotations

import sympy as sp

from ..assumptions import described
from ..derivation import Builder, Derivation
from ..functions import sigmoid
from ..registry import get, register
from ..steps import Bound
from ..symbols import L, l, z
from ..text import Text
from .derivatives import sigmoid_derivative

SIGMOID_LAYERS = described(
    "sigmoid-layers", "every layer applies the sigmoid; the chain rule multiplies one factor "
    "$\\sigma'(z_l)$ per layer", "mọi lớp dùng sigmoid; quy tắc chuỗi nhân một thừa số "
    "$\\sigma'(z_l)$ cho mỗi lớp")
DEPTHS = (5, 8)
"""The depths of the course notes' examples."""
LARGE_Z_EXACT = sp.Rational("14.15")
LARGE_Z = sp.Float(LARGE_Z_EXACT, 30)
"""The pre-activation of the notes' large-weight example (w = 6.74)."""


@register("gradient-vanishing")
def gradient_vanishing() -> Derivation:
    r""":math:`\prod_{l=1}^{L} \sigma'(z_l) \le (1/4)^L`, its value for the notes' depths,
    and :math:`\sigma'(14.15)` evaluated stably as :math:`e^{-z}/(1 + e^{-z})^2`."""
    d = Builder("gradient-vanishing", Text("Vanishing gradients through sigmoid layers",
                                           "Gradient biến mất qua các lớp sigmoid"), (SIGMOID_LAYERS,))
    z_l = sp.Symbol("z_l", real=True)
    factor = sigmoid_derivative().subs(z, z_l)
    peak = get("activation-derivatives").named("sigmoid-max").rhs
    d.add(Bound(relation=sp.Le(sp.Product(factor, (l, 1, L)), peak**L, evaluate=False),
                rule="bound", why=Text(
                    f"each factor lies in $[0, {sp.latex(peak)}]$ (its maximum, at $z = 0$)",
                    f"mỗi thừa số nằm trong $[0, {sp.latex(peak)}]$ (giá trị lớn nhất, tại $z = 0$)"),
                given=(SIGMOID_LAYERS,)))
    d.result("bound")
    for depth in DEPTHS:
        d.step(sp.Pow(peak, depth, evaluate=False), peak**depth, "arithmetic",
               f"the bound for $L = {depth}$ layers", f"cận trên với $L = {depth}$ lớp")
        d.result(f"bound-{depth}")
    at_large = sp.Subs(sp.Derivative(sigmoid(z), z), z, LARGE_Z)
    stable = sp.exp(-z) / (1 + sp.exp(-z))**2
    d.step(at_large, sp.Subs(stable, z, LARGE_Z), "stable form",
           "$\\sigma'(z) = e^{-z}/(1 + e^{-z})^2$ avoids computing $1 - \\sigma(z)$ for large $z$",
           "$\\sigma'(z) = e^{-z}/(1 + e^{-z})^2$ tránh phép trừ $1 - \\sigma(z)$ khi $z$ lớn")
    d.result("sigmoid-derivative-stable-form")
    d.then(sp.Float(stable.subs(z, LARGE_Z).evalf(30), 15), "evaluation", "evaluate to 15 digits",
           "tính đến 15 chữ số")
    d.result("sigmoid-derivative-large-z")
    return d.build(main="bound")


NOTES_WEIGHT, NOTES_RATE = sp.Rational("6.74"), sp.Rational("0.01")
"""The notes' large weight and learning rate."""


def _decimal(value: str) -> sp.Float:
    """A decimal of the notes as a 30-digit float, which prints as the notes write it (``6.74``, not ``337/50``)."""
    return sp.Float(value, 30)
w, t, eta = sp.symbols("w t eta", real=True)
x = sp.Symbol("x", positive=True)
theta, g = sp.symbols("theta g", real=True)
UNIT = described("sigmoid-unit", "one sigmoid unit $a = \\sigma(z)$ with $z = w x$ (no bias) and the loss "
                 "$L = (a - t)^2/2$", "một nơ-ron sigmoid $a = \\sigma(z)$ với $z = w x$ (không có bias) và "
                 "loss $L = (a - t)^2/2$")
TARGET = described("target-zero", "its target is $t = 0$: the unit is saturated at 1 where it should be silent",
                   "đích là $t = 0$: nơ-ron bão hòa ở 1 trong khi lẽ ra phải tắt")
NOTES_VALUES = described("notes-weight", "the notes' $w = 6.74$ and $z = 14.15$; their input is only in a figure, "
                         "so $x = z/w$", "$w = 6.74$ và $z = 14.15$ của bài giảng; đầu vào của họ chỉ có trong "
                         "một hình, nên $x = z/w$")


def _short(value: sp.Expr) -> str:
    """``value`` to three significant digits, in LaTeX (``7.16 \\times 10^{-7}``)."""
    text = f"{float(sp.N(value, 30)):.3g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


@register("saturated-unit")
def saturated_unit() -> Derivation:
    r"""The notes' large-weight example worked by hand: the input that gives :math:`z = 14.15` at
    :math:`w = 6.74`, the unit's output, the chain rule
    :math:`\partial L/\partial w = (a - t)\,\sigma'(z)\,x`, its value, the SGD step at learning rate 0.01,
    and the notes' update :math:`0.919 - 0.01 \times (-0.0002)` in their 5-layer network."""
    d = Builder("saturated-unit", Text("A saturated sigmoid unit, by hand", "Một nơ-ron sigmoid bão hòa, tính tay"),
                (UNIT, TARGET, NOTES_VALUES))
    given = (UNIT, TARGET, NOTES_VALUES)
    point = d.solve(sp.Eq(NOTES_WEIGHT * x, LARGE_Z_EXACT), x, "solve",
                    "the input that gives the notes' pre-activation: $6.74\\,x = 14.15$",
                    "đầu vào cho tiền kích hoạt của bài giảng: $6.74\\,x = 14.15$", given, defines=True)
    d.result("input")
    values = {w: _decimal("6.74"), x: point, t: 0}
    d.step(sp.Subs(sigmoid(w * x), (w, x), (values[w], point)), sp.Float(sigmoid(LARGE_Z_EXACT).evalf(30), 15),
           "evaluation", "the forward pass: $a = \\sigma(14.15)$", "lan truyền tiến: $a = \\sigma(14.15)$", given)
    d.result("output")
    loss = (sigmoid(w * x) - t) ** 2 / 2
    chain = (sigmoid(w * x) - t) * sigmoid(w * x) * (1 - sigmoid(w * x)) * x
    d.step(sp.Derivative(loss, w), chain, "chain rule",
           "upstream $\\partial L/\\partial a = a - t$, local $\\partial a/\\partial z = \\sigma(z)(1 - \\sigma(z))$ "
           "and $\\partial z/\\partial w = x$, multiplied",
           "gradient từ phía trên $\\partial L/\\partial a = a - t$, gradient local "
           "$\\partial a/\\partial z = \\sigma(z)(1 - \\sigma(z))$ và $\\partial z/\\partial w = x$, nhân lại", given)
    d.result("chain-rule")
    gradient = sp.Float(chain.subs(values).evalf(30), 15)
    upstream, local = sigmoid(w * x) - t, sigmoid(w * x) * (1 - sigmoid(w * x))
    factors = " \\cdot ".join(_short(f.subs(values)) for f in (upstream, local, x))
    d.step(sp.Subs(chain, tuple(values), tuple(values.values())), gradient, "evaluation",
           f"at the notes' numbers: ${factors}$", f"với các con số của bài giảng: ${factors}$", given)
    d.result("gradient")
    moved = _short(NOTES_RATE * gradient)
    d.step(sp.Subs(w - eta * g, (w, eta, g), (values[w], _decimal("0.01"), gradient)),
           sp.Float((NOTES_WEIGHT - NOTES_RATE * gradient).evalf(30), 15), "evaluation",
           f"one SGD step at learning rate 0.01: the weight moves by ${moved}$",
           f"một bước SGD với learning rate 0.01: trọng số chỉ dịch ${moved}$", given)
    d.result("update")
    stated = (_decimal("0.919"), _decimal("0.01"), _decimal("-0.0002"))
    d.step(sp.Subs(theta - eta * g, (theta, eta, g), stated), sp.Float(stated[0] - stated[1] * stated[2], 15),
           "arithmetic",
           "the notes' step in their 5-layer network: a negative gradient raises $\\theta$",
           "bước cập nhật trong mạng 5 lớp của bài giảng: gradient âm làm $\\theta$ tăng")
    d.result("notes-update")
    return d.build(main="gradient")
