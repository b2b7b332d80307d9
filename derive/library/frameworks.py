"""Constants frameworks hard-code: the truncated-normal standard-deviation factor."""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..assumptions import described
from ..derivation import Builder, Derivation
from ..moments import Var
from ..registry import register
from ..steps import Model
from ..symbols import x
from ..text import Text

CUT = 2
DIGITS = 16
T = sp.Symbol("T", real=True)
sigma_t = sp.Symbol("sigma_T", positive=True)
STANDARD_NORMAL = described("standard-normal", "$\\xi \\sim N(0, 1)$ with density $\\varphi$",
                            "$\\xi \\sim N(0, 1)$ với mật độ $\\varphi$")
TRUNCATED = described(
    "truncated-at-two", f"$T$ is $\\xi$ truncated to $[-{CUT}, {CUT}]$ (redrawn outside), as in Keras "
    "and PyTorch's trunc_normal_", f"$T$ là $\\xi$ bị cắt về $[-{CUT}, {CUT}]$ (lấy lại nếu rơi ra "
    "ngoài), như trong Keras và trunc_normal_ của PyTorch")
phi = stats.density(stats.Normal("xi", 0, 1))(x)


def truncated_variable() -> sp.Expr:
    """:math:`N(0, 1)` restricted to :math:`[-2, 2]`, as a sympy.stats variable."""
    t = sp.Symbol("t", real=True)
    density = stats.density(stats.Normal("xi", 0, 1))(t)
    return stats.ContinuousRV(t, density / sp.erf(CUT / sp.sqrt(2)), set=sp.Interval(-CUT, CUT))


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
                (STANDARD_NORMAL, TRUNCATED), Model(distributions={T: truncated_variable()}))
    inside = sp.simplify(sp.integrate(phi, (x, -CUT, CUT), conds="none"))
    d.step(Var(T), sp.Integral(x**2 * phi, (x, -CUT, CUT)) / sp.Integral(phi, (x, -CUT, CUT)),
           "definition of variance", "second moment of the renormalised density (the mean is 0 by symmetry)",
           "moment bậc hai của mật độ đã chuẩn hóa lại (kỳ vọng bằng 0 do đối xứng)", (TRUNCATED,))
    variance = d.then(sp.simplify(sp.integrate(x**2 * phi, (x, -CUT, CUT), conds="none") / inside),
                      "integration", "evaluate the integrals", "tính các tích phân", (TRUNCATED,))
    d.result("variance")
    d.solve(sp.Eq(sigma_t**2, variance), sigma_t, "square root", "the standard deviation", "độ lệch chuẩn")
    d.result("std-factor")
    _digits(d, d.last.rhs)
    d.result("std-factor-value")
    return d.build(main="std-factor")
