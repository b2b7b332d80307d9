r"""tanh at depth: fixed points of the variance recursion, the slope :math:`\chi_1`, the edge of chaos.

For tanh with :math:`\sigma_w^2 = n \operatorname{Var}(w)` and :math:`\sigma_b^2 = \operatorname{Var}(b)`
the variance settles at a fixed point :math:`q^*` of the Gaussian recursion; the slope
:math:`\chi_1 = \sigma_w^2 E[\tanh'(\sqrt{q^*}\xi)^2]` tells whether perturbations and gradients shrink
(:math:`\chi_1 < 1`) or grow (:math:`\chi_1 > 1`) per layer (Poole et al., 2016; Schoenholz et al., 2017).
Fixed points are found by mpmath's root finder on quadrature and proved as :class:`Quadrature` steps.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import sympy as sp

from ..assumptions import STANDARD_NORMAL, Assumption, described, goal
from ..derivation import Builder, Derivation
from ..moments import Mean
from ..registry import register
from ..steps import Model, Quadrature
from ..symbols import xi
from ..text import Text
from .gains import DIGITS

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
        "the slope: the factor by which a small perturbation, and the gradient variance, grows per layer at "
        "the fixed point (ordered below 1, chaotic above 1, the edge of chaos at 1)",
        "độ dốc: hệ số mà một nhiễu nhỏ, và phương sai gradient, tăng qua mỗi lớp tại điểm bất động "
        "(có trật tự khi nhỏ hơn 1, hỗn loạn khi lớn hơn 1, bờ hỗn loạn tại 1)"),
    ((chi, sigma_w**2 * Mean((1 - sp.tanh(sp.sqrt(q_star) * xi) ** 2) ** 2)),))
EDGE = goal("edge-of-chaos", "the goal: the edge of chaos", "mục tiêu: bờ hỗn loạn", (chi, sp.S.One))


def _tanh_moments(q: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r""":math:`E[\tanh(\sqrt q\,\xi)^2]` and :math:`E[\tanh'(\sqrt q\,\xi)^2]`, unevaluated."""
    u = sp.sqrt(q) * xi
    return Mean(sp.tanh(u) ** 2), Mean((1 - sp.tanh(u) ** 2) ** 2)


def _expectation(moment: sp.Expr) -> Callable[[mpmath.mpf], mpmath.mpf]:
    r"""``q`` :math:`\mapsto E[f(\sqrt{q}\,\xi)]` for ``moment`` :math:`= E[f(\sqrt{q^*}\,\xi)]`: mpmath's
    quadrature against the standard normal density, split at 0, at the working precision
    (compiled once, for the root finder and the quoted slope; the steps are proved separately,
    by :meth:`Model.quadrature`)."""
    integrand = sp.lambdify((q_star, xi), moment.args[0], "mpmath")
    return lambda q: mpmath.quad(lambda x: integrand(q, x) * mpmath.npdf(x), [-mpmath.inf, 0, mpmath.inf])


def _root(residual: Callable[[mpmath.mpf], mpmath.mpf], start: tuple[float, float]) -> sp.Float:
    """A root of ``residual`` by the secant method, to the digits quoted."""
    with mpmath.workdps(DIGITS + 4):
        return sp.Float(mpmath.findroot(residual, start, solver="secant", tol=1e-36, verify=False), DIGITS)


def _fixed_point(weight: sp.Expr, bias: sp.Expr) -> sp.Float:
    r"""The non-zero fixed point :math:`q^*` of the tanh recursion :math:`q = \sigma_w^2 E[\tanh(\sqrt q\,\xi)^2]
    + \sigma_b^2`."""
    forward = _expectation(_tanh_moments(q_star)[0])
    weight, bias = mpmath.mpf(sp.N(weight, 40)), mpmath.mpf(sp.N(bias, 40))
    return _root(lambda q: weight * forward(q) + bias - q, (1.0, 1.2))


def _quadrature_step(d: Builder, lhs: sp.Expr, rhs: sp.Expr, en: str, vi: str, given: tuple) -> None:
    d.step(lhs, rhs, "quadrature", en, vi, (STANDARD_NORMAL, *given), kind=Quadrature)


def _regime(d: Builder, weight: sp.Expr, bias: sp.Expr, label: str) -> None:
    """Fixed point and slope of the tanh recursion at :math:`\\sigma_w^2` = ``weight``, bias ``bias``;
    the regime's own two variances are results too (``weight-LABEL``, ``bias-LABEL``), so that a check
    of this regime reads them instead of taking a relation apart."""
    variances = (sp.Symbol(rf"\sigma_{{w,\mathrm{{{label}}}}}^{{2}}", nonnegative=True),
                 sp.Symbol(rf"\sigma_{{b,\mathrm{{{label}}}}}^{{2}}", nonnegative=True))
    regime = Assumption(f"regime-{label}", Text(f"the regime {label}", f"chế độ {label}"),
                        tuple(zip(variances, (weight, bias), strict=True)))
    d.assumptions += (regime,)
    for symbol, value, kind in zip(variances, (weight, bias), ("weight", "bias"), strict=True):
        d.step(symbol, value, "regime", f"the {kind} variance of the regime {label}",
               f"phương sai {'trọng số' if kind == 'weight' else 'bias'} của chế độ {label}", (regime,))
        d.result(f"{kind}-{label}")
    fixed = _fixed_point(weight, bias)
    forward, backward = _tanh_moments(fixed)
    _quadrature_step(d, weight * forward + bias, fixed, f"fixed point for $\\sigma_w^2 = {sp.latex(weight)}$, "
                     f"$\\sigma_b^2 = {sp.latex(bias)}$ (root of the recursion, by quadrature)",
                     f"điểm bất động với $\\sigma_w^2 = {sp.latex(weight)}$, $\\sigma_b^2 = {sp.latex(bias)}$ "
                     f"(nghiệm của phép truy hồi, bằng cầu phương)", (MEAN_FIELD,))
    d.result(f"fixed-point-{label}")
    with mpmath.workdps(DIGITS + 4):
        slope_value = sp.Float(mpmath.mpf(sp.N(weight, 40)) * _expectation(_tanh_moments(q_star)[1])(fixed), DIGITS)
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
                (STANDARD_NORMAL, MEAN_FIELD, SLOPE, EDGE), Model(random=(xi,)))
    forward, backward = _tanh_moments(q_star)
    no_bias = Assumption("no-bias-origin", Text("no bias, at the origin", "không có bias, tại gốc"),
                         ((sigma_b, 0), (q_star, 0)))
    d.assumptions += (no_bias,)
    d.step(sigma_w**2 * forward + sigma_b**2, q_star, "fixed point", "$\\tanh 0 = 0$: the origin is a fixed point",
           "$\\tanh 0 = 0$: gốc tọa độ là điểm bất động", (MEAN_FIELD, no_bias))
    d.step(chi, sigma_w**2 * backward, "slope", "the slope at $q^* = 0$, where $\\tanh'(0) = 1$",
           "độ dốc tại $q^* = 0$, nơi $\\tanh'(0) = 1$", (SLOPE,))
    d.then(sigma_w**2, "evaluation", "$\\tanh'(0)^2 = 1$", "$\\tanh'(0)^2 = 1$", (SLOPE, no_bias))
    d.require(chi, 1, "the edge of chaos", "bờ hỗn loạn", (EDGE,))
    d.solve(sp.Eq(sigma_w**2, 1), sigma_w, "solve", "Xavier's $\\operatorname{Var}(w) = 1/n$ is critical",
            "$\\operatorname{Var}(w) = 1/n$ của Xavier là tới hạn")
    d.result("critical-no-bias")
    _regime(d, TORCH_TANH_GAIN**2, sp.S.Zero, "torch")
    _regime(d, TORCH_TANH_GAIN**2, BIAS_VARIANCE, "torch-bias")
    critical = _critical(BIAS_VARIANCE)
    _regime(d, critical, BIAS_VARIANCE, "critical-bias")
    return d.build(main="critical-no-bias")


def _critical(bias: sp.Expr) -> sp.Float:
    r"""The :math:`\sigma_w^2` on the edge of chaos for bias variance ``bias``: on the edge
    :math:`\sigma_w^2 = 1/E[\tanh'(\sqrt{q}\xi)^2]`, and ``q`` is the root of the fixed-point equation."""
    forward, backward = (_expectation(moment) for moment in _tanh_moments(q_star))
    bias = mpmath.mpf(sp.N(bias, 40))
    fixed = _root(lambda q: forward(q) / backward(q) + bias - q, (0.5, 0.7))
    with mpmath.workdps(DIGITS + 4):
        return sp.Float(1 / backward(mpmath.mpf(fixed)), DIGITS)
