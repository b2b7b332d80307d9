"""Constants frameworks hard-code: the truncated-normal factor, SELU's alpha and lambda, and
the variance of PyTorch's ``nn.Linear`` default."""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..activations import provide
from ..assumptions import STANDARD_NORMAL, Assumption, described, distributed, goal
from ..derivation import Builder, Derivation
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Model
from ..symbols import n, r, x, xi
from ..text import Text

CUT = 2
DIGITS = 16
T = sp.Symbol("T", real=True)
alpha, lam = sp.symbols("alpha lambda", positive=True)
sigma_t = sp.Symbol("sigma_T", positive=True)
TRUNCATED = distributed(
    "truncated-at-two", f"the standard normal truncated to plus or minus {CUT} (redrawn outside), as in Keras and "
    "PyTorch's trunc_normal_", f"phân phối chuẩn tắc bị cắt tại cộng trừ {CUT} (lấy lại nếu rơi ra ngoài), như trong "
    "Keras và trunc_normal_ của PyTorch", T, stats.ContinuousRV(
        sp.Symbol("t", real=True), stats.density(stats.Normal("xi", 0, 1))(sp.Symbol("t", real=True))
        / sp.erf(CUT / sp.sqrt(2)), set=sp.Interval(-CUT, CUT)))
SELU = described(
    "selu", "$\\mathrm{selu}(z) = \\lambda z$ for $z > 0$ and $\\lambda\\alpha(e^z - 1)$ otherwise",
    "$\\mathrm{selu}(z) = \\lambda z$ khi $z > 0$ và $\\lambda\\alpha(e^z - 1)$ khi ngược lại")
SELU_FORM = sp.Piecewise((lam * xi, xi > 0), (lam * alpha * (sp.exp(xi) - 1), True))
FIXED_POINT = goal("selu-fixed-point", "the goal: standard-normal input gives output with mean 0 and variance 1",
                   "mục tiêu: đầu vào chuẩn tắc cho đầu ra có kỳ vọng 0 và phương sai 1",
                   (Mean(SELU_FORM), sp.S.Zero), (Mean(SELU_FORM**2), sp.S.One))
phi = stats.density(stats.Normal("xi", 0, 1))(x)


def _digits(d: Builder, exact: sp.Expr) -> None:
    """The closed form ``exact`` equals its value to :data:`DIGITS` significant digits."""
    d.step(exact, sp.Float(sp.N(exact, DIGITS + 4), DIGITS), "evaluation", f"to {DIGITS} digits",
           f"đến {DIGITS} chữ số")


@register("truncated-normal")
def truncated_normal() -> Derivation:
    r"""Standard deviation of :math:`N(0, 1)` truncated at :math:`\pm 2`,
    :math:`\sqrt{1 - 4\varphi(2)/\operatorname{erf}(\sqrt 2)} \approx 0.8796`: the factor frameworks
    divide by so that the truncated draws keep the requested standard deviation."""
    d = Builder("truncated-normal", Text("The truncated normal's standard deviation",
                                         "Độ lệch chuẩn của phân phối chuẩn bị cắt"),
                (STANDARD_NORMAL, TRUNCATED), Model(random=(T,)))
    inside = sp.simplify(sp.integrate(phi, (x, -CUT, CUT), conds="none"))
    d.step(Var(T), sp.Integral(x**2 * phi, (x, -CUT, CUT)) / sp.Integral(phi, (x, -CUT, CUT)),
           "definition of variance", "second moment of the renormalised density (the mean is 0 by symmetry)",
           "moment bậc hai của mật độ đã chuẩn hóa lại (kỳ vọng bằng 0 do đối xứng)", (TRUNCATED,))
    variance = d.then(sp.simplify(sp.integrate(x**2 * phi, (x, -CUT, CUT), conds="none") / inside),
                      "integration", "evaluate the integrals", "tính các tích phân", (TRUNCATED,))
    d.result("variance")
    d.solve(sp.Eq(sigma_t**2, variance), sigma_t, "square root", "the standard deviation", "độ lệch chuẩn",
            defines=True)
    d.result("std-factor")
    _digits(d, d.last.rhs)
    d.result("std-factor-value")
    return d.build(main="std-factor")


def _evaluate(d: Builder, given: tuple = ()) -> sp.Expr:
    return d.then(sp.simplify(d.last.rhs.doit(conds="none")), "integration", "evaluate the integrals",
                  "tính các tích phân", given)


@register("selu-constants")
def selu_constants() -> Derivation:
    r"""SELU's :math:`\alpha` and :math:`\lambda` from :math:`E[\mathrm{selu}(\xi)] = 0` and
    :math:`E[\mathrm{selu}(\xi)^2] = 1` for :math:`\xi \sim N(0, 1)` (Klambauer et al., 2017)."""
    selu = SELU_FORM
    given = (STANDARD_NORMAL, SELU)
    d = Builder("selu-constants", Text("SELU's constants from its fixed point",
                                       "Các hằng số của SELU từ điểm bất động"),
                (STANDARD_NORMAL, SELU, FIXED_POINT), Model(random=(xi,)))
    d.step(Mean(selu), lam * (sp.Integral(x * phi, (x, 0, sp.oo))
                              + alpha * sp.Integral((sp.exp(x) - 1) * phi, (x, -sp.oo, 0))),
           "definition of expectation", "split the integral at 0", "tách tích phân tại 0", given)
    mean = _evaluate(d, given)
    d.require(Mean(selu), 0, "zero mean", "kỳ vọng bằng 0", (FIXED_POINT,))
    a = d.solve(sp.Eq(mean, 0), alpha, "solve", "solve for $\\alpha$", "giải tìm $\\alpha$")
    d.result("alpha")
    solved_alpha = d.last
    _digits(d, a)
    d.result("alpha-value")
    d.step(Mean(selu**2), lam**2 * (sp.Integral(x**2 * phi, (x, 0, sp.oo))
                                    + alpha**2 * sp.Integral((sp.exp(x) - 1) ** 2 * phi, (x, -sp.oo, 0))),
           "definition of expectation", "split the integral at 0", "tách tích phân tại 0", given)
    second = _evaluate(d, given)
    d.require(Mean(selu**2), 1, "unit variance (the mean is already 0)",
              "phương sai bằng 1 (kỳ vọng đã bằng 0)", (FIXED_POINT,))
    d.step(second, second.subs(alpha, a), "substitution", "insert $\\alpha$", "thay $\\alpha$ vào",
           using=(solved_alpha,))
    d.solve(sp.Eq(second.subs(alpha, a), 1), lam, "solve", "solve for $\\lambda > 0$", "giải tìm $\\lambda > 0$")
    d.result("lambda")
    _digits(d, d.last.rhs)
    d.result("lambda-value")
    return d.build(main="alpha")


def _selu_constants() -> tuple[sp.Expr, sp.Expr]:
    """SELU's alpha and lambda, to 16 digits, as the derivation proved them."""
    constants = get("selu-constants")
    return constants.named("alpha-value").rhs, constants.named("lambda-value").rhs


provide("selu-constants", _selu_constants)


SQRT5 = Assumption(
    "kaiming-uniform-sqrt5",
    Text("nn.Linear.reset_parameters calls kaiming_uniform_, the leaky-ReLU rule, with the slope",
         "nn.Linear.reset_parameters gọi kaiming_uniform_, quy tắc leaky-ReLU, với độ dốc"),
    ((sp.Symbol("a", positive=True), sp.sqrt(5)),))


@register("linear-default-torch")
def linear_default_torch() -> Derivation:
    r"""What PyTorch's ``nn.Linear`` default gives: the leaky-ReLU rule at slope :math:`\sqrt 5`,
    :math:`\operatorname{Var}(w) = 1/(3n)`, i.e. :math:`U(-1/\sqrt n, 1/\sqrt n)`; a sixth of He's
    :math:`2/n`, so a ReLU network loses a factor 6 of variance per layer."""
    uniform_variance = get("uniform-moments").named("symmetric-variance").rhs
    d = Builder("linear-default-torch", Text("PyTorch's nn.Linear default initialisation",
                                             "Khởi tạo mặc định của nn.Linear trong PyTorch"), (SQRT5,))
    leaky = d.cite(get("exact-gain-leaky_relu"), "forward", "kaiming_uniform_ uses the leaky-ReLU rule with slope $a$",
                   "kaiming_uniform_ dùng quy tắc leaky-ReLU với độ dốc $a$")
    variance = d.then(sp.simplify(leaky.rhs.subs(SQRT5.subs)), "substitution", "at $a = \\sqrt{5}$",
                      "tại $a = \\sqrt{5}$", (SQRT5,), (leaky,))
    rule = d.result("variance").relation
    d.solve(sp.Eq(uniform_variance, variance), r, "uniform-moments", "$U(-r, r)$ has variance $r^2/3$",
            "$U(-r, r)$ có phương sai $r^2/3$", defines=True)
    d.result("bound")
    d.step(n * rule.lhs / 2, sp.Rational(1, 6), "ratio",
           "each ReLU layer multiplies the variance by $n \\operatorname{Var}(w)/2$ (He's half moment)",
           "mỗi lớp ReLU nhân phương sai với $n \\operatorname{Var}(w)/2$ (moment nửa của He)",
           using=(rule,))
    d.result("relu-factor")
    return d.build(main="variance")
