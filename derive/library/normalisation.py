r"""Normalisation at initialisation: LayerNorm and BatchNorm map their input to
:math:`y = \gamma (x - \mu)/\sigma + \beta` with the input's own mean and standard deviation (over the
features of a position for LayerNorm, over the batch and positions of a feature for BatchNorm), so the
layer above sees :math:`E[y^2] = \gamma^2 + \beta^2` whatever came before, and a gradient coming back is
divided by :math:`\sigma`.
"""

from __future__ import annotations

import sympy as sp

from ..assumptions import Assumption, described, goal, iid
from ..derivation import Builder, Derivation
from ..moments import Mean, Var
from ..registry import register
from ..steps import Model
from ..symbols import i, n
from ..text import Text
from .rules import ZERO_BIAS, a, b, w, z_next
from .variance import ZERO_MEAN_W

x_in, y_out, g_in, g_out = sp.symbols("x y g_x g_y")
mu, gamma, beta = sp.symbols("mu gamma beta", real=True)
sigma = sp.Symbol("sigma", positive=True)
NORMALISED = gamma * (x_in - mu) / sigma + beta
A, W = sp.IndexedBase(a), sp.IndexedBase(w)
STATISTICS = Assumption("normalising-statistics",
                        Text("the normaliser divides by the mean and standard deviation of its input",
                             "phép chuẩn hoá dùng kỳ vọng và độ lệch chuẩn của chính đầu vào"),
                        ((Mean(x_in), mu), (Var(x_in), sigma**2)))
HELD_FIXED = described("statistics-held-fixed",
                       "backward, the statistics are held fixed: their own dependence on one input is one "
                       "direction among n, negligible in a wide layer or a large batch",
                       "khi lan truyền ngược, các thống kê được giữ cố định: sự phụ thuộc của chúng vào một đầu "
                       "vào chỉ là một hướng trong n hướng, không đáng kể khi lớp rộng hoặc batch lớn")
NEXT_LAYER = iid(w, a)
READS = Assumption("reads-normalised", Text("the layer above reads the normaliser's outputs",
                                            "lớp phía trên nhận đầu ra của phép chuẩn hoá"), ((a, NORMALISED),))
UNIT_NEXT = goal("unit-next-layer", "the goal: unit variance in the layer above the normaliser",
                 "mục tiêu: phương sai bằng 1 ở lớp phía trên phép chuẩn hoá", (Var(z_next), sp.S.One))


@register("normalisation-variance")
def normalisation_variance() -> Derivation:
    r""":math:`y = \gamma (x - \mu)/\sigma + \beta` has :math:`E[y] = \beta`, :math:`\operatorname{Var}(y) =
    \gamma^2` and :math:`E[y^2] = \gamma^2 + \beta^2` whatever the input's scale: the layer above needs
    :math:`\operatorname{Var}(w) = 1/(n(\gamma^2 + \beta^2))`, :math:`1/n` at PyTorch's
    :math:`\gamma = 1, \beta = 0`; backward,
    :math:`\operatorname{Var}(g_x) = \gamma^2 \operatorname{Var}(g_y)/\sigma^2`."""
    d = Builder("normalisation-variance",
                Text("LayerNorm and BatchNorm at initialisation", "LayerNorm và BatchNorm lúc khởi tạo"),
                (STATISTICS, HELD_FIXED, NEXT_LAYER, READS, ZERO_MEAN_W, ZERO_BIAS, UNIT_NEXT),
                Model(random=(x_in, y_out, w, a, b, g_out),
                      definitions={y_out: NORMALISED, z_next: sp.Sum(W[i] * A[i], (i, 1, n)) + b,
                                   g_in: sp.diff(NORMALISED, x_in) * g_out}))
    d.step(Mean(y_out), Mean(NORMALISED), "definition", "$y = \\gamma (x - \\mu)/\\sigma + \\beta$",
           "$y = \\gamma (x - \\mu)/\\sigma + \\beta$")
    d.then(beta, "normalising statistics", "$E[x] = \\mu$: the centred input has mean zero",
           "$E[x] = \\mu$: đầu vào đã trừ kỳ vọng có kỳ vọng bằng 0", (STATISTICS,))
    mean = d.last
    d.result("mean")
    d.step(Var(y_out), Var(NORMALISED), "definition", "$y = \\gamma (x - \\mu)/\\sigma + \\beta$",
           "$y = \\gamma (x - \\mu)/\\sigma + \\beta$")
    d.then(gamma**2 * Var(x_in) / sigma**2, "scaling", "a constant shift does not change the variance; a factor "
           "$\\gamma/\\sigma$ multiplies it by $\\gamma^2/\\sigma^2$", "dịch một hằng số không đổi phương sai; nhân "
           "với $\\gamma/\\sigma$ thì phương sai nhân $\\gamma^2/\\sigma^2$")
    d.then(gamma**2, "normalising statistics", "$\\operatorname{Var}(x) = \\sigma^2$: the scale of the input is gone",
           "$\\operatorname{Var}(x) = \\sigma^2$: độ lớn của đầu vào bị loại bỏ", (STATISTICS,))
    variance = d.last
    d.result("variance")
    d.step(Mean(y_out**2), Var(y_out) + Mean(y_out) ** 2, "second moment", "$E[y^2] = \\operatorname{Var}(y) + E[y]^2$",
           "$E[y^2] = \\operatorname{Var}(y) + E[y]^2$")
    d.then(gamma**2 + beta**2, "substitution", "insert the mean and the variance",
           "thay kỳ vọng và phương sai vào", (STATISTICS,), using=(mean, variance))
    second = d.last
    d.result("second-moment")
    d.step(Var(z_next), n * Var(w) * Mean(a**2), "layer-variance",
           "the layer above sums $n$ i.i.d. products $w_i a_i$ with $E[w] = 0$ and $b = 0$",
           "lớp phía trên là tổng của $n$ tích i.i.d. $w_i a_i$ với $E[w] = 0$ và $b = 0$",
           (NEXT_LAYER, ZERO_MEAN_W, ZERO_BIAS))
    layer = d.last
    d.step(Mean(a**2), second.rhs, "substitution", "its inputs are the normalised outputs, of second moment "
           "$\\gamma^2 + \\beta^2$", "đầu vào của nó là đầu ra đã chuẩn hoá, mômen bậc hai $\\gamma^2 + \\beta^2$",
           (READS, STATISTICS))
    read = d.last
    d.step(Var(z_next), n * Var(w) * second.rhs, "substitution",
           "insert $E[y^2]$: the variance before the normaliser is gone",
           "thay $E[y^2]$ vào: phương sai trước phép chuẩn hoá không còn", using=(layer, read))
    combined = d.last
    d.result("next-layer")
    d.require(Var(z_next), 1, "unit variance above the normaliser", "phương sai bằng 1 phía trên phép chuẩn hoá",
              (UNIT_NEXT,))
    condition = d.solved(sp.Eq(combined.rhs, 1), sp.Eq(sp.S.One, combined.rhs), Var(w), "requirement",
                         "set the variance of the layer above to one", "đặt phương sai của lớp phía trên bằng 1")
    d.solve(condition, Var(w), "solve", "solve for the weight variance", "giải tìm phương sai trọng số")
    d.result("rule-above")
    d.step(Var(g_in), Var(sp.diff(NORMALISED, x_in) * g_out), "chain rule",
           "$g_x = (\\partial y/\\partial x)\\, g_y$ with $\\partial y/\\partial x = \\gamma/\\sigma$, the statistics "
           "held fixed", "$g_x = (\\partial y/\\partial x)\\, g_y$ với $\\partial y/\\partial x = \\gamma/\\sigma$, "
           "các thống kê giữ cố định", (HELD_FIXED,))
    d.then(gamma**2 * Var(g_out) / sigma**2, "scaling", "a constant factor $\\gamma/\\sigma$",
           "thừa số hằng $\\gamma/\\sigma$")
    d.result("backward")
    return d.build(main="second-moment")
