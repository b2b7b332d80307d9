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
LARGE_Z = sp.Float("14.15", 30)
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
