"""The classical rules: Xavier/Glorot for tanh and sigmoid, He/Kaiming for ReLU.

All three start from the exact layer identity
:math:`\\operatorname{Var}(z_{l+1}) = n \\operatorname{Var}(w) E[a_l^2]` (zero-mean
weights, ``b = 0``), express :math:`E[a_l^2]` through :math:`\\operatorname{Var}(z_l)`,
require the variance to be the same in every layer and solve for
:math:`\\operatorname{Var}(w)`; the normal standard deviation and the uniform bound follow.
"""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..assumptions import (
    Assumption,
    distributed,
    goal,
    iid,
    independent,
    linear_regime,
    zero_bias,
    zero_mean,
)
from ..derivation import Builder, Derivation
from ..functions import relu
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Model
from ..symbols import i, m, n, q, r, x, xi
from ..text import Text
from .variance import ZERO_MEAN_W

w, a, b = sp.symbols("w a b")
g = sp.Symbol("g_l")
r"""The local derivative :math:`\phi'(z_l)` that back-propagation multiplies by."""
delta = sp.Symbol("delta_l")
z_l = sp.Symbol("z_l", real=True)
z_next = sp.Symbol("z_{l+1}", real=True)
delta_next = sp.Symbol(r"\delta_{l+1}")
j = sp.Symbol("j", positive=True, integer=True)
sigma_w = sp.Symbol("sigma_w", positive=True)
W, A, D = sp.IndexedBase(w), sp.IndexedBase(a), sp.IndexedBase(delta_next)
LAYER = sp.Sum(W[i] * A[i], (i, 1, n)) + b

IID = iid(w, a)
ZERO_BIAS = zero_bias(b)
ZERO_MEAN_SIGNALS = Assumption(
    "zero-mean-activations",
    Text("zero-mean activations and pre-activations", "kích hoạt và tiền kích hoạt có kỳ vọng bằng 0"),
    ((Mean(a), sp.S.Zero), (Mean(z_l), sp.S.Zero)))
ZERO_MEAN_Z = zero_mean(z_l, "pre-activations", "tiền kích hoạt")
ZERO_MEAN_GRADIENTS = zero_mean(delta_next, "back-propagated gradients", "gradient lan truyền ngược")
GRADIENT_INDEPENDENCE = independent(
    "gradient-independence",
    "the local derivative, the weights and the incoming gradients are independent (the usual mean-field "
    "approximation)",
    "đạo hàm cục bộ, trọng số và gradient truyền về độc lập với nhau (xấp xỉ trường trung bình thông thường)",
    (g,), (w,), (delta_next,))
GAUSSIAN_PREACTIVATION = distributed(
    "gaussian-preactivation", "Gaussian pre-activations (wide layers, central limit theorem)",
    "tiền kích hoạt có phân phối chuẩn (lớp rộng, định lý giới hạn trung tâm)",
    z_l, stats.Normal("z_l", 0, sp.sqrt(q)))
FORWARD_GOAL = goal("variance-preserved", "the goal: the same variance in every layer",
                    "mục tiêu: phương sai như nhau ở mọi lớp", (Var(z_next), Var(z_l)))
BACKWARD_GOAL = goal("gradient-variance-preserved", "the goal: the same gradient variance in every layer",
                     "mục tiêu: phương sai gradient như nhau ở mọi lớp", (Var(delta), Var(delta_next)))
SYMMETRIC_UNIFORM = Assumption(
    "symmetric-uniform-weights", Text("uniform weights are drawn from $U(-r, r)$",
                                      "trọng số phân phối đều được lấy từ $U(-r, r)$"))


def activation(name: str, phi: sp.Expr) -> Assumption:
    """The layer's activation: ``a_l = phi(z_l)``."""
    return Assumption(f"activation-{name.lower()}", Text(f"activation {name}", f"hàm kích hoạt {name}"),
                      ((a, phi),))


def linearised(name: str, series_id: str) -> Assumption:
    """``a_l`` replaced by the activation's linear Maclaurin polynomial from ``series_id``."""
    polynomial = get(series_id).named("linear").rhs.removeO().subs(sp.Symbol("z", real=True), z_l)
    return linear_regime(a, polynomial, name)


def layer_model(definitions: dict[sp.Expr, sp.Expr] | None = None) -> Model:
    r"""Weights, activations, bias, pre-activations, local derivatives and gradients as random
    variables; ``z_{l+1}`` is the layer sum and :math:`\delta_l = g_l \sum_j w_j \delta_{l+1,j}`,
    plus any further ``definitions``."""
    return Model(random=(w, a, b, z_l, delta_next, g, xi),
                 definitions={z_next: LAYER, delta: g * sp.Sum(W[j] * D[j], (j, 1, m)), **(definitions or {})})


def start(d: Builder) -> sp.Eq:
    """Step 1, shared by every rule: the exact layer identity."""
    d.step(Var(z_next), n * Var(w) * Mean(a**2), "layer-variance",
           "variance of a sum of $n$ i.i.d. products, with $E[w] = 0$ and $b = 0$",
           "phương sai của tổng $n$ tích i.i.d., với $E[w] = 0$ và $b = 0$", (IID, ZERO_MEAN_W, ZERO_BIAS))
    return d.last


def preserve(d: Builder, combined: sp.Eq, previous: sp.Expr,
             target: Assumption = FORWARD_GOAL) -> tuple[sp.Eq, sp.Expr]:
    """Require ``combined.lhs = previous`` (the goal ``target``) and solve ``combined`` for ``Var(w)``.

    ``combined`` reads ``Var(next) = k Var(w) previous``. Returns the condition
    ``k Var(w) = 1`` and the solved ``Var(w)``.
    """
    d.require(combined.lhs, previous, "keep the variance from layer to layer",
              "giữ nguyên phương sai qua các lớp", (target,))
    premise = sp.Eq(previous, combined.rhs)
    condition = d.solved(sp.Eq(sp.cancel(premise.rhs / premise.lhs), 1), premise, Var(w), "cancel",
                         f"substitute the requirement and divide by ${sp.latex(previous)}$",
                         f"thay điều kiện vào và chia cho ${sp.latex(previous)}$")
    variance = d.solve(condition, Var(w), "solve", "solve for the weight variance",
                       "giải tìm phương sai trọng số")
    return condition, variance


def distributions(d: Builder, variance: sp.Expr, suffix: str = "") -> None:
    """The normal standard deviation and the uniform bound for weight variance ``variance``."""
    d.solve(sp.Eq(sigma_w**2, variance), sigma_w, "normal distribution",
            "normal weights $N(0, \\sigma_w^2)$: $\\sigma_w = \\sqrt{\\operatorname{Var}(w)}$",
            "trọng số chuẩn $N(0, \\sigma_w^2)$: $\\sigma_w = \\sqrt{\\operatorname{Var}(w)}$", defines=True)
    d.result("normal-std" + suffix)
    uniform_variance = get("uniform-moments").named("symmetric-variance").rhs
    d.solve(sp.Eq(uniform_variance, variance), r, "uniform-moments",
            "uniform weights $U(-r, r)$ have variance $r^2/3$",
            "trọng số đều $U(-r, r)$ có phương sai $r^2/3$", (SYMMETRIC_UNIFORM,), defines=True)
    d.result("uniform-bound" + suffix)


def linear_rule(identifier: str, title: Text, name: str, series_id: str,
                extra: tuple[Assumption, ...] = (), inconsistent: bool = False) -> tuple[Builder, sp.Eq]:
    """The forward rule for an activation taken in its linear regime.

    Returns the builder and the combined relation ``Var(z_{l+1}) = k Var(w) Var(z_l)``.
    """
    linear = linearised(name, series_id)
    d = Builder(identifier, title, (IID, ZERO_MEAN_W, ZERO_BIAS, ZERO_MEAN_SIGNALS, linear,
                                    FORWARD_GOAL, SYMMETRIC_UNIFORM) + extra, layer_model(), inconsistent)
    exact = start(d)
    d.then(n * Var(w) * Var(a), "zero-mean activations", "$E[a^2] = \\operatorname{Var}(a)$ when $E[a] = 0$",
           "$E[a^2] = \\operatorname{Var}(a)$ khi $E[a] = 0$", (ZERO_MEAN_SIGNALS,), using=(exact,))
    textbook = d.last
    polynomial = linear.subs[0][1]
    slope = sp.Poly(polynomial, z_l).coeff_monomial(z_l)
    d.step(Var(a), slope**2 * Var(z_l), "linear regime", f"$a = {sp.latex(polynomial)}$ near $z = 0$",
           f"$a \\approx {sp.latex(polynomial)}$ gần $z = 0$", (linear,))
    activation_variance = d.last
    d.step(Var(z_next), textbook.rhs.xreplace({Var(a): activation_variance.rhs}), "substitution",
           "combine the two previous lines", "kết hợp hai dòng trên", using=(textbook, activation_variance))
    combined = d.last
    _, variance = preserve(d, combined, Var(z_l))
    d.result("forward")
    distributions(d, variance)
    return d, combined


UNIT_VARIANCE = Assumption("unit-variance", Text("unit input variance", "phương sai đầu vào bằng 1"),
                           ((Var(z_l), sp.S.One),))
FAN_AVERAGE = goal(
    "fan-average", "Glorot's compromise: the forward and backward variance ratios average to one",
    "dung hòa của Glorot: trung bình tỉ số phương sai lan truyền tiến và ngược bằng một",
    ((Var(z_next) / Var(z_l) + Var(delta) / Var(delta_next)) / 2, sp.S.One))


@register("xavier-tanh")
def xavier_tanh() -> Derivation:
    r"""Glorot/Xavier for tanh: :math:`\operatorname{Var}(w) = 1/n` forward, :math:`1/m` backward,
    :math:`2/(n + m)` as the compromise; normal std and uniform bounds."""
    slope = get("activation-derivatives").named("tanh").rhs.subs(sp.Symbol("z", real=True), 0)
    backward_linear = Assumption(
        "linear-regime-tanh-derivative",
        Text("linear regime of tanh: its derivative at 0", "vùng tuyến tính của tanh: đạo hàm tại 0"),
        ((g, slope),))
    d, forward = linear_rule("xavier-tanh", Text("Xavier (Glorot) initialisation for tanh",
                                                 "Khởi tạo Xavier (Glorot) cho tanh"),
                             "tanh", "maclaurin-tanh",
                             (ZERO_MEAN_GRADIENTS, backward_linear, GRADIENT_INDEPENDENCE, BACKWARD_GOAL, FAN_AVERAGE))
    d.step(Var(delta), m * Var(w) * Var(delta_next), "back-propagation",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$ with $g_l = \\tanh'(z_l) \\approx 1$: "
           "a sum of $m$ i.i.d. products",
           "$\\delta_l = g_l \\sum_{j=1}^{m} w_j \\delta_{l+1,j}$ với $g_l = \\tanh'(z_l) \\approx 1$: "
           "tổng của $m$ tích i.i.d.", (ZERO_MEAN_W, ZERO_MEAN_GRADIENTS, backward_linear, GRADIENT_INDEPENDENCE))
    backward = d.last
    preserve(d, backward, Var(delta_next), BACKWARD_GOAL)
    d.result("backward")
    ratio, = (old for old, _ in FAN_AVERAGE.subs)
    average = (n * Var(w) + m * Var(w)) / 2
    d.step(ratio, average, "substitution", "insert the forward and backward variance ratios",
           "thay tỉ số phương sai lan truyền tiến và ngược vào", using=(forward, backward))
    d.require(ratio, 1, "compromise: the two ratios average to one",
              "dung hòa: trung bình hai tỉ số bằng một", (FAN_AVERAGE,))
    fan_average = d.solve(sp.Eq(average, 1), Var(w), "solve", "solve for the weight variance",
                          "giải tìm phương sai trọng số")
    d.result("fan-average")
    distributions(d, fan_average, "-fan-average")
    return d.build()


@register("xavier-sigmoid")
def xavier_sigmoid() -> Derivation:
    r"""The textbook sigmoid rule :math:`\operatorname{Var}(w) = 16/n`, from
    :math:`\sigma(z) \approx 1/2 + z/4`. It assumes :math:`E[a] = 0`, which the linear regime itself
    contradicts (:math:`E[1/2 + z/4] = 1/2`): the derivation records the conflict and then derives what
    the consistent assumptions give, :math:`\operatorname{Var}(w) = 16/(n(4 + q))`, i.e. :math:`16/(5n)`
    at :math:`q = 1`."""
    d, _ = linear_rule("xavier-sigmoid", Text("Xavier initialisation for the sigmoid",
                                              "Khởi tạo Xavier cho sigmoid"),
                       "sigmoid", "maclaurin-sigmoid", (ZERO_MEAN_Z, UNIT_VARIANCE), inconsistent=True)
    exact = d.steps[0].relation
    linear = next(a for a in d.assumptions if a.id == "linear-regime-sigmoid")
    d.step(Mean(a**2), Var(a) + Mean(a) ** 2, "variance identity",
           "without $E[a] = 0$: $E[a^2] = \\operatorname{Var}(a) + E[a]^2$",
           "bỏ giả thiết $E[a] = 0$: $E[a^2] = \\operatorname{Var}(a) + E[a]^2$")
    moment = d.then(sp.S.One / 4 + Var(z_l) / 16, "linear regime", "$E[1/2 + z/4] = 1/2$ since $E[z] = 0$",
                    "$E[1/2 + z/4] = 1/2$ vì $E[z] = 0$", (linear, ZERO_MEAN_Z))
    d.step(Var(z_next), n * Var(w) * moment, "substitution", "insert into the layer identity",
           "thay vào đẳng thức của lớp", using=(exact, d.last))
    combined = d.last
    d.require(Var(z_next), Var(z_l), "keep the variance from layer to layer",
              "giữ nguyên phương sai qua các lớp", (FORWARD_GOAL,))
    variance = d.solve(sp.Eq(Var(z_l), combined.rhs), Var(w), "solve",
                       "solve: the rule the consistent assumptions give", "giải: quy tắc từ các giả thiết nhất quán")
    d.result("consistent")
    d.step(Var(w), variance.subs(Var(z_l), 1), "at unit variance", "at $q = 1$: the rule to compare with $16/n$",
           "tại $q = 1$: quy tắc để so với $16/n$", (UNIT_VARIANCE,), (d.last,))
    d.result("consistent-unit")
    return d.build()


@register("he-relu")
def he_relu() -> Derivation:
    r"""He/Kaiming for ReLU: :math:`E[\operatorname{relu}(z)^2] = \operatorname{Var}(z)/2`
    exactly, so :math:`\operatorname{Var}(w) = 2/n`; normal std and uniform bound."""
    act = activation("ReLU", relu(z_l))
    d = Builder("he-relu", Text("He (Kaiming) initialisation for ReLU", "Khởi tạo He (Kaiming) cho ReLU"),
                (IID, ZERO_MEAN_W, ZERO_BIAS, act, GAUSSIAN_PREACTIVATION, FORWARD_GOAL, SYMMETRIC_UNIFORM),
                layer_model())
    exact = start(d)
    d.step(Mean(a**2), Mean(relu(z_l)**2), "activation", "$a_l = \\max(0, z_l)$", "$a_l = \\max(0, z_l)$",
           (act,))
    density = stats.density(stats.Normal("z_l", 0, sp.sqrt(q)))(x)
    half = d.then(sp.Integral(x**2 * density, (x, 0, sp.oo)), "half moment",
                  "ReLU zeroes the negative half: integrate $x^2 f(x)$ over $x > 0$",
                  "ReLU triệt tiêu nửa âm: tích phân $x^2 f(x)$ trên $x > 0$", (act, GAUSSIAN_PREACTIVATION))
    d.then(half.doit(conds="none").subs(q, Var(z_l)), "integration", "evaluate with $q = \\operatorname{Var}(z_l)$",
           "tính tích phân với $q = \\operatorname{Var}(z_l)$", (act, GAUSSIAN_PREACTIVATION))
    second_moment = d.last
    d.step(Var(z_next), exact.rhs.xreplace({second_moment.lhs: second_moment.rhs}), "substitution",
           "insert the half moment into the layer identity", "thay moment nửa vào đẳng thức của lớp",
           using=(exact, second_moment))
    _, variance = preserve(d, d.last, Var(z_l))
    d.result("forward")
    distributions(d, variance)
    return d.build()
