"""Moments of the uniform and Gaussian distributions, from their integrals."""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..assumptions import Assumption, distributed, goal
from ..derivation import Builder, Derivation
from ..moments import Mean, Var
from ..registry import register
from ..steps import Model
from ..symbols import mu, r, sigma, v, x
from ..text import Text

a, b = sp.symbols("a b", real=True)
X = sp.Symbol("X", real=True)
Z = sp.Symbol("Z", real=True)

UNIFORM = distributed("uniform", "a uniform variable on an interval (a < b)",
                      "một biến phân phối đều trên một khoảng (a < b)", X, stats.Uniform("X", a, b))
SYMMETRIC = Assumption("symmetric-uniform", Text("symmetric interval", "khoảng đối xứng"), ((a, -r), (b, r)))
TARGET = goal("target-variance", "the goal: the weights' target variance",
              "mục tiêu: phương sai mong muốn của trọng số", (Var(X), v))
GAUSSIAN = distributed("gaussian", "a Gaussian variable", "một biến phân phối chuẩn", Z, stats.Normal("Z", mu, sigma))
CENTRED = distributed("zero-mean", "a centred Gaussian variable", "một biến chuẩn tâm 0", Z,
                      stats.Normal("Z", 0, sigma))


def uniform_density() -> sp.Expr:
    """The density ``1/(b - a)`` of ``U(a, b)`` on its support, from sympy.stats."""
    return stats.density(stats.Uniform("X", a, b))(x).args[0][0]


def gaussian_density(mean: sp.Expr = mu, std: sp.Expr = sigma) -> sp.Expr:
    """The density of ``N(mean, std^2)`` at ``x``, from sympy.stats."""
    return stats.density(stats.Normal("Z", mean, std))(x)


def moment_integral(power: int, density: sp.Expr, low: sp.Expr, high: sp.Expr) -> sp.Integral:
    """The unevaluated integral of ``x^power * density`` over ``[low, high]``."""
    return sp.Integral(x**power * density, (x, low, high))


@register("uniform-moments")
def uniform_moments() -> Derivation:
    r"""Mean and variance of :math:`U(a, b)`; :math:`U(-r, r)` has variance :math:`r^2/3`,
    so a target variance :math:`v` needs the bound :math:`r = \sqrt{3v}`."""
    d = Builder("uniform-moments",
                Text("Moments of the uniform distribution", "Các moment của phân phối đều"),
                (UNIFORM, SYMMETRIC, TARGET),
                Model(random=(X,)))
    f = uniform_density()
    d.step(Mean(X), moment_integral(1, f, a, b), "definition of expectation",
           "expectation of a continuous variable: integrate $x f(x)$",
           "kỳ vọng của biến liên tục: tích phân của $x f(x)$", (UNIFORM,))
    mean = d.then(sp.factor(d.last.rhs.doit(conds="none")), "integration", "evaluate the integral",
                  "tính tích phân", (UNIFORM,))
    d.result("mean")
    d.step(Mean(X**2), moment_integral(2, f, a, b), "definition of expectation",
           "second moment: integrate $x^2 f(x)$", "moment bậc hai: tích phân của $x^2 f(x)$",
           (UNIFORM,))
    second = d.then(sp.factor(d.last.rhs.doit(conds="none")), "integration", "evaluate the integral",
                    "tính tích phân", (UNIFORM,))
    d.step(Var(X), Mean(X**2) - Mean(X)**2, "variance identity",
           "$\\operatorname{Var}(X) = E[X^2] - E[X]^2$", "$\\operatorname{Var}(X) = E[X^2] - E[X]^2$",
           (UNIFORM,))
    d.then(second - mean**2, "substitution", "insert the two moments", "thay hai moment vào", (UNIFORM,))
    d.then(sp.factor(d.last.rhs), "algebra", "factor", "phân tích thành nhân tử", (UNIFORM,))
    d.result("variance")
    symmetric = d.then(d.last.rhs.subs(dict(SYMMETRIC.subs)), "substitution",
                       "symmetric interval $[-r, r]$", "khoảng đối xứng $[-r, r]$", (UNIFORM, SYMMETRIC))
    d.result("symmetric-variance")
    d.require(Var(X), v, "match the target variance $v$", "cho phương sai bằng giá trị mục tiêu $v$", (TARGET,))
    d.solve(sp.Eq(symmetric, v), r, "solve", "solve for the bound $r > 0$", "giải tìm cận $r > 0$")
    d.result("bound")
    return d.build(main="bound")


@register("gaussian-moments")
def gaussian_moments() -> Derivation:
    r"""Mean, variance and fourth moment of :math:`N(\mu, \sigma^2)`, and the half moment
    :math:`E[Z^2 1\{Z > 0\}] = \sigma^2/2` that ReLU needs."""
    d = Builder("gaussian-moments",
                Text("Moments of the Gaussian distribution", "Các moment của phân phối chuẩn"),
                (GAUSSIAN, CENTRED),
                Model(random=(Z,)))
    f = gaussian_density()
    d.step(Mean(Z), moment_integral(1, f, -sp.oo, sp.oo), "definition of expectation",
           "integrate $x f(x)$ over the real line", "tích phân $x f(x)$ trên toàn trục số",
           (GAUSSIAN,))
    d.then(sp.simplify(d.last.rhs.doit(conds="none")), "integration", "evaluate the integral", "tính tích phân",
           (GAUSSIAN,))
    d.result("mean")
    d.step(Var(Z), sp.Integral((x - mu)**2 * f, (x, -sp.oo, sp.oo)), "definition of variance",
           "integrate $(x - \\mu)^2 f(x)$", "tích phân $(x - \\mu)^2 f(x)$", (GAUSSIAN,))
    d.then(sp.simplify(d.last.rhs.doit(conds="none")), "integration", "evaluate the integral", "tính tích phân",
           (GAUSSIAN,))
    d.result("variance")
    f0 = gaussian_density(0)
    d.step(Mean(Z**4), moment_integral(4, f0, -sp.oo, sp.oo), "definition of expectation",
           "fourth moment of the centred Gaussian", "moment bậc bốn của phân phối chuẩn tâm 0",
           (CENTRED,))
    d.then(sp.simplify(d.last.rhs.doit(conds="none")), "integration", "evaluate the integral", "tính tích phân",
           (CENTRED,))
    d.result("fourth-moment")
    d.step(Mean(Z**2 * sp.Heaviside(Z)), moment_integral(2, f0, 0, sp.oo),
           "definition of expectation", "only $Z > 0$ contributes: integrate over $[0, \\infty)$",
           "chỉ phần $Z > 0$ đóng góp: tích phân trên $[0, \\infty)$", (CENTRED,))
    d.then(sp.simplify(d.last.rhs.doit(conds="none")), "integration",
           "evaluate: half of $E[Z^2]$, by symmetry", "tính: bằng một nửa $E[Z^2]$, do đối xứng",
           (CENTRED,))
    d.result("half-moment")
    return d.build(main="half-moment")
