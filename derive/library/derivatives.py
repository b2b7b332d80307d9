"""Derivatives of sigmoid, tanh and ReLU, and the maximum of the sigmoid's derivative."""

from __future__ import annotations

import sympy as sp

from ..assumptions import described, goal
from ..derivation import Builder, Derivation
from ..functions import relu, sigmoid
from ..registry import register
from ..symbols import z
from ..text import Text

NONZERO = described("nonzero-argument", "ReLU is differentiated at $z \\neq 0$",
                    "ReLU được lấy đạo hàm tại $z \\neq 0$")


def sigmoid_derivative() -> sp.Expr:
    r""":math:`\sigma'(z)` in terms of :math:`\sigma(z)`.

    Differentiates :math:`1/(1 + e^{-z})`, eliminates :math:`e^{-z} = (1 - \sigma)/\sigma`
    and factors out :math:`\sigma`, giving :math:`\sigma(z)(1 - \sigma(z))`.
    """
    s, t = sp.symbols("s t", positive=True)
    exp_derivative = sp.diff(1 / (1 + sp.exp(-z)), z).subs(sp.exp(-z), t)
    (t_of_s,) = sp.solve(sp.Eq(s, 1 / (1 + t)), t)
    in_s = sp.expand(sp.simplify(exp_derivative.subs(t, t_of_s)))
    return (s * sp.cancel(in_s / s)).subs(s, sigmoid(z))


@register("activation-derivatives")
def activation_derivatives() -> Derivation:
    r""":math:`\sigma' = \sigma(1 - \sigma)`, :math:`\tanh' = 1 - \tanh^2`,
    :math:`\operatorname{relu}'(z) = 1\{z > 0\}`; :math:`\max \sigma' = \sigma'(0) = 1/4`."""
    d = Builder("activation-derivatives",
                Text("Derivatives of the activation functions", "Đạo hàm của các hàm kích hoạt"),
                (NONZERO,))
    exp_form = 1 / (1 + sp.exp(-z))
    d.step(sp.Derivative(sigmoid(z), z), sp.Derivative(exp_form, z), "definition",
           "$\\sigma(z) = 1/(1 + e^{-z})$", "$\\sigma(z) = 1/(1 + e^{-z})$")
    d.then(sp.diff(exp_form, z), "chain rule", "differentiate $(1 + e^{-z})^{-1}$",
           "lấy đạo hàm của $(1 + e^{-z})^{-1}$")
    sigma_prime = d.then(sigmoid_derivative(), "algebra",
                         "$e^{-z}/(1 + e^{-z}) = 1 - \\sigma(z)$", "$e^{-z}/(1 + e^{-z}) = 1 - \\sigma(z)$")
    d.result("sigmoid")
    quotient = sp.sinh(z) / sp.cosh(z)
    d.step(sp.Derivative(sp.tanh(z), z), sp.Derivative(quotient, z), "definition",
           "$\\tanh z = \\sinh z / \\cosh z$", "$\\tanh z = \\sinh z / \\cosh z$")
    d.then(sp.diff(quotient, z), "quotient rule", "differentiate the quotient", "đạo hàm của thương")
    d.then(sp.expand(sp.diff(quotient, z)).subs(sp.sinh(z)**2 / sp.cosh(z)**2, sp.tanh(z)**2),
           "algebra", "$\\sinh^2 z / \\cosh^2 z = \\tanh^2 z$", "$\\sinh^2 z / \\cosh^2 z = \\tanh^2 z$")
    d.result("tanh")
    d.step(sp.Derivative(relu(z), z), sp.diff(relu(z), z), "piecewise derivative",
           "slope 0 for $z < 0$ and 1 for $z > 0$ (the step function $\\theta$)",
           "hệ số góc 0 khi $z < 0$ và 1 khi $z > 0$ (hàm bậc thang $\\theta$)", (NONZERO,))
    d.result("relu")
    curvature = d.step(sp.Derivative(sigma_prime, z), sp.diff(sigma_prime, z), "differentiation",
                       "differentiate $\\sigma'$", "lấy đạo hàm của $\\sigma'$")
    stationary = goal("stationary", "the goal: a stationary point of the sigmoid's derivative",
                      "mục tiêu: điểm dừng của đạo hàm sigmoid", (sp.Derivative(sigma_prime, z), sp.S.Zero))
    d.assumptions += (stationary,)
    d.require(sp.Derivative(sigma_prime, z), 0, "a maximum of $\\sigma'$ is stationary",
              "cực đại của $\\sigma'$ là điểm dừng", (stationary,))
    d.solve(sp.Eq(curvature, 0), z, "solve", "the only stationary point", "điểm dừng duy nhất")
    d.step(sp.Subs(sp.Derivative(sigma_prime, (z, 2)), z, 0),
           sp.diff(sigma_prime, z, 2).subs(z, 0), "second derivative test",
           "negative curvature: a maximum", "độ cong âm: đây là cực đại")
    d.step(sp.Subs(sigma_prime, z, 0), sigma_prime.subs(z, 0), "evaluation",
           "the maximum value of $\\sigma'$", "giá trị lớn nhất của $\\sigma'$")
    d.result("sigmoid-max")
    return d.build(main="sigmoid-max")
