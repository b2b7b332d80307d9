"""Variance of a product of independent variables, and of a layer's pre-activation."""

from __future__ import annotations

import sympy as sp

from ..assumptions import iid, independent, zero_bias, zero_mean
from ..derivation import Builder, Derivation
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Model
from ..symbols import i, n
from ..text import Text

X, Y = sp.symbols("X Y")
w, x, b, z = sp.symbols("w x b z")
W, Xs = sp.IndexedBase(w), sp.IndexedBase(x)

INDEPENDENT = independent("independent", "independent variables", "hai biến độc lập", (X,), (Y,))
IID = iid(w, x)
INDEPENDENT_BIAS = independent("independent-bias", "the bias is independent of the weights and inputs",
                               "bias độc lập với trọng số và đầu vào", (b,), (w, x))
LAYER_MODEL = (IID, INDEPENDENT_BIAS)
ZERO_MEAN_W = zero_mean(w, "weights", "trọng số")
ZERO_MEAN_X = zero_mean(x, "inputs", "đầu vào")
ZERO_BIAS = zero_bias(b)


def product_variance_formula(first: sp.Expr, second: sp.Expr) -> sp.Expr:
    """``Var(first * second)`` for independent factors, from the ``product-variance`` result."""
    return get("product-variance").result.rhs.xreplace({X: first, Y: second})


@register("product-variance")
def product_variance() -> Derivation:
    r""":math:`\operatorname{Var}(XY) = \operatorname{Var}X \operatorname{Var}Y
    + \operatorname{Var}X\,E[Y]^2 + \operatorname{Var}Y\,E[X]^2` for independent X, Y."""
    d = Builder("product-variance",
                Text("Variance of a product of independent variables",
                     "Phương sai của tích hai biến ngẫu nhiên độc lập"),
                (INDEPENDENT,), Model(random=(X, Y)))
    d.step(Var(X * Y), Mean(X**2 * Y**2) - Mean(X * Y)**2, "variance identity",
           "$\\operatorname{Var}(U) = E[U^2] - E[U]^2$ with $U = XY$",
           "$\\operatorname{Var}(U) = E[U^2] - E[U]^2$ với $U = XY$")
    d.then(Mean(X**2) * Mean(Y**2) - Mean(X)**2 * Mean(Y)**2, "independence",
           "independent factors: the expectation of a product is the product of expectations",
           "hai biến độc lập: kỳ vọng của tích bằng tích các kỳ vọng", (INDEPENDENT,))
    raw = {Mean(U**2): Var(U) + Mean(U)**2 for U in (X, Y)}
    d.then(d.last.rhs.xreplace(raw), "variance identity", "$E[U^2] = \\operatorname{Var}(U) + E[U]^2$",
           "$E[U^2] = \\operatorname{Var}(U) + E[U]^2$", (INDEPENDENT,))
    d.then(sp.expand(d.last.rhs), "algebra", "expand; the $E[X]^2 E[Y]^2$ terms cancel",
           "khai triển; các số hạng $E[X]^2 E[Y]^2$ triệt tiêu", (INDEPENDENT,))
    d.result("variance")
    return d.build()


@register("layer-variance")
def layer_variance() -> Derivation:
    r""":math:`\operatorname{Var}(z)` for :math:`z = \sum_{i \le n} w_i x_i + b`: in general
    :math:`n \operatorname{Var}(w)(\operatorname{Var}(x) + E[x]^2) + \operatorname{Var}(b)` with
    zero-mean weights, and :math:`n \operatorname{Var}(w)\operatorname{Var}(x)` when all means vanish."""
    layer = sp.Sum(W[i] * Xs[i], (i, 1, n)) + b
    d = Builder("layer-variance",
                Text("Variance of a layer's pre-activation", "Phương sai của tiền kích hoạt một lớp"),
                (IID, INDEPENDENT_BIAS, ZERO_MEAN_W, ZERO_MEAN_X, ZERO_BIAS),
                Model(random=(w, x, b), definitions={z: layer}))
    d.step(Var(z), Var(layer), "definition", "$z = \\sum_{i=1}^{n} w_i x_i + b$",
           "$z = \\sum_{i=1}^{n} w_i x_i + b$")
    d.then(sp.Sum(Var(W[i] * Xs[i]), (i, 1, n)) + Var(b), "independence",
           "the variance of a sum of independent terms is the sum of their variances",
           "phương sai của tổng các số hạng độc lập bằng tổng các phương sai", LAYER_MODEL)
    d.then(n * Var(w * x) + Var(b), "identical distribution", "the $n$ terms have the same variance",
           "$n$ số hạng có cùng phương sai", LAYER_MODEL)
    d.then(n * product_variance_formula(w, x) + Var(b), "product-variance",
           "variance of a product of independent variables",
           "phương sai của tích hai biến độc lập", LAYER_MODEL)
    d.then(sp.collect(sp.expand(d.last.rhs.subs(*ZERO_MEAN_W.subs[0])), n * Var(w)), "assumption",
           "zero-mean weights", "trọng số có kỳ vọng bằng 0", (*LAYER_MODEL, ZERO_MEAN_W))
    d.result("general")
    d.then(sp.factor(d.last.rhs.subs(dict(ZERO_MEAN_X.subs + ZERO_BIAS.subs))).doit(), "assumption",
           "zero-mean inputs and $b = 0$", "đầu vào có kỳ vọng bằng 0 và $b = 0$",
           (*LAYER_MODEL, ZERO_MEAN_W, ZERO_MEAN_X, ZERO_BIAS))
    d.result("zero-mean")
    return d.build(main="zero-mean")
