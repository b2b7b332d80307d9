"""The verification suite: at least one check for every derivation.

Every expected value comes from a :mod:`derive` result (lambdified or
evaluated), never retyped. Distributions and sizes are chosen so each check
is informative at the default settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np
import sympy as sp
from sympy import stats as sstats

from initproof import derive
from initproof.derive.activations import NAMES, named
from initproof.derive.library.variance import X, Y, b, w, x
from initproof.derive.moments import Mean, Var
from initproof.derive.steps import distribution_moment
from initproof.derive.symbols import n, z
from initproof.derive.text import Text

from .checks import DriftCheck, ExactCheck, NetworkCheck, SamplingCheck
from .comparison import exact_gains
from .network import constant_weights, uniform_weights
from .numeric import activation_pair, function, value
from .recursion import fixed_point_slope, predict
from .settings import Settings

WIDTH = 256
"""Width of the simulated networks (finite-width effects are O(1/width))."""
NARROW = 128
"""Width of the edge-of-chaos networks (tanh's fixed points attract, so finite width barely shows)."""


def result(identifier: str, name: str) -> sp.Expr:
    return derive.get(identifier).named(name).rhs


def _uniform_checks() -> list:
    a, b, v = -1.0, 3.0, 0.5
    r = value(result("uniform-moments", "bound"), v=v)
    return [
        SamplingCheck(
            "uniform-moments",
            "mean",
            Text("E[U(-1, 3)] = (a + b)/2", "E[U(-1, 3)] = (a + b)/2"),
            value(result("uniform-moments", "mean"), a=a, b=b),
            lambda rng, k: rng.uniform(a, b, k),
        ),
        SamplingCheck(
            "uniform-moments",
            "variance",
            Text("Var(U(-1, 3)) = (b - a)^2/12", "Var(U(-1, 3)) = (b - a)^2/12"),
            value(result("uniform-moments", "variance"), a=a, b=b),
            lambda rng, k: rng.uniform(a, b, k),
            "variance",
        ),
        SamplingCheck(
            "uniform-moments",
            "variance-at-bound",
            Text("Var(U(-r, r)) = v for r = sqrt(3v), v = 0.5", "Var(U(-r, r)) = v với r = sqrt(3v), v = 0.5"),
            v,
            lambda rng, k: rng.uniform(-r, r, k),
            "variance",
        ),
    ]


def _gaussian_checks() -> list:
    s = 1.5
    return [
        SamplingCheck(
            "gaussian-moments",
            "fourth-moment",
            Text("E[Z^4] = 3 sigma^4 for N(0, 1.5^2)", "E[Z^4] = 3 sigma^4 với N(0, 1.5^2)"),
            value(result("gaussian-moments", "fourth-moment"), sigma=s),
            lambda rng, k: (s * rng.standard_normal(k)) ** 4,
        ),
        SamplingCheck(
            "gaussian-moments",
            "half-moment",
            Text("E[Z^2 1{Z>0}] = sigma^2/2 for N(0, 1.5^2)", "E[Z^2 1{Z>0}] = sigma^2/2 với N(0, 1.5^2)"),
            value(result("gaussian-moments", "half-moment"), sigma=s),
            lambda rng, k: np.maximum(s * rng.standard_normal(k), 0.0) ** 2,
        ),
    ]


def _moments(variable: sp.Expr) -> dict[sp.Expr, float]:
    """E and Var of a sympy.stats variable, as numbers."""
    return {"mean": float(sstats.E(variable)), "var": float(sstats.variance(variable))}


def product_variance_value(x_mean: float, x_var: float, y_mean: float, y_var: float) -> float:
    """The ``product-variance`` result evaluated at the given moments."""
    formula = result("product-variance", "variance")
    return float(formula.xreplace({Mean(X): x_mean, Var(X): x_var, Mean(Y): y_mean, Var(Y): y_var}))


def _product_checks() -> list:
    x = _moments(sstats.Uniform("X", 1, 3))
    y = _moments(sstats.Exponential("Y", sp.Rational(1, 2)))
    expected = product_variance_value(x["mean"], x["var"], y["mean"], y["var"])
    return [
        SamplingCheck(
            "product-variance",
            "uniform-times-exponential",
            Text("Var(XY), X ~ U(1, 3), Y ~ Exp(mean 2)", "Var(XY), X ~ U(1, 3), Y ~ Exp(kỳ vọng 2)"),
            expected,
            lambda rng, k: rng.uniform(1, 3, k) * rng.exponential(2.0, k),
            "variance",
        )
    ]


def _layer_checks() -> list:
    units, var_w, var_b = 8, 0.125, 0.01
    general = result("layer-variance", "general")
    expected = float(
        general.xreplace(
            {
                Var(w): var_w,
                Var(x): sp.Rational(1, 3),
                Mean(x): 1,
                Var(b): var_b,
                n: units,
            }
        )
    )

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        weights = np.sqrt(var_w) * rng.standard_normal((k, units))
        inputs = rng.uniform(0, 2, (k, units))
        return np.einsum("ij,ij->i", weights, inputs) + np.sqrt(var_b) * rng.standard_normal(k)

    return [
        SamplingCheck(
            "layer-variance",
            "general",
            Text(
                "Var(sum of 8 w x + b), E[x] = 1 (general form)",
                "Var(tổng 8 số hạng w x + b), E[x] = 1 (dạng tổng quát)",
            ),
            expected,
            draw,
            "variance",
        )
    ]


def series_check(identifier: str, phi: sp.Expr, linear: sp.Expr, half_width: float = 0.2) -> SamplingCheck:
    """Mean squared error of ``linear`` for ``z ~ U(-h, h)`` against the series' higher terms.

    The prediction is ``E[(series - its linear part)^2]`` with the derived
    series through z^7; a wrong ``linear`` leaves a first-order error and fails.
    """
    series = derive.get(identifier).named("series").rhs.removeO()
    higher = series - series.coeff(z, 0) - series.coeff(z, 1) * z
    uniform = ((z, sstats.Uniform("u", -half_width, half_width)),)
    expected = float(distribution_moment(Mean(sp.expand(higher**2)), uniform))
    f, approx = function(phi), function(linear)
    h = half_width
    return SamplingCheck(
        identifier,
        "next-terms",
        Text(
            f"E[({phi} - ({linear}))^2], z ~ U(-{h}, {h}): next terms of the series",
            f"E[({phi} - ({linear}))^2], z ~ U(-{h}, {h}): các số hạng tiếp theo của chuỗi",
        ),
        expected,
        lambda rng, k: (lambda u: (f(u) - approx(u)) ** 2)(rng.uniform(-h, h, k)),
    )


def derivative_check(name: str, derived: sp.Expr, step: float = 1e-4) -> SamplingCheck:
    """E over N(0, 1) of a central finite difference of ``name`` against the derived derivative."""
    from .recursion import gaussian_expectation

    f, d = function(named(name)), function(derived)
    expected = gaussian_expectation(d, 1.0)
    return SamplingCheck(
        "activation-derivatives",
        f"{name}-derivative",
        Text(
            f"E[finite difference of {name}'] = E[{derived}], z ~ N(0, 1)",
            f"E[sai phân hữu hạn của {name}'] = E[{derived}], z ~ N(0, 1)",
        ),
        expected,
        lambda rng, k: (lambda u: (f(u + step) - f(u - step)) / (2 * step))(rng.standard_normal(k)),
    )


def _derivative_checks() -> list:
    d = derive.get("activation-derivatives")
    return [derivative_check("sigmoid", d.named("sigmoid").rhs), derivative_check("tanh", d.named("tanh").rhs)]


def _gradient_checks() -> list:
    g = derive.get("gradient-vanishing")
    large = float(g.named("sigmoid-derivative-large-z").rhs)
    stable_form, (variable,), (point,) = g.named("sigmoid-derivative-stable-form").rhs.args
    stable = function(stable_form, variable)
    sigmoid = named("sigmoid")
    return [
        ExactCheck(
            "gradient-vanishing",
            "stable-sigmoid-derivative",
            Text(
                f"sigma'({point:.2f}) in float64 from the stable form = derived value",
                f"sigma'({point:.2f}) tính bằng float64 theo dạng ổn định = giá trị chứng minh",
            ),
            large,
            lambda rng: float(stable(np.array(float(point)))),
        ),
        NetworkCheck(
            "gradient-vanishing",
            "sigmoid-vanishing",
            Text(
                "sigmoid, Var(w) = 1/(16 n), 8 layers: vanishing, as predicted",
                "sigmoid, Var(w) = 1/(16 n), 8 lớp: biến mất, đúng như dự đoán",
            ),
            sigmoid,
            1 / 16,
            WIDTH,
            8,
            replicates=24,
        ),
        NetworkCheck(
            "gradient-vanishing",
            "relu-exploding",
            Text(
                "ReLU, Var(w) = 4/n, 5 layers: exploding, as predicted",
                "ReLU, Var(w) = 4/n, 5 lớp: bùng nổ, đúng như dự đoán",
            ),
            named("relu"),
            4.0,
            WIDTH,
            5,
        ),
        ExactCheck(
            "gradient-vanishing",
            "symmetry",
            Text(
                "constant weights: all units of every layer equal (symmetry)",
                "trọng số hằng: mọi nơ-ron trong mỗi lớp bằng nhau (đối xứng)",
            ),
            0.0,
            lambda rng: symmetry_spread(sigmoid, 0.1),
            tolerance=1e-12,
        ),
    ]


def symmetry_spread(phi: sp.Expr, weight: float, width: int = 64, depth: int = 8) -> float:
    """Largest relative difference between units of any layer with all weights ``weight``."""
    from .network import simulate

    f, d = activation_pair(phi)
    measured = simulate(f, d, constant_weights(weight), width, depth, 1, np.random.default_rng(0))
    return float(measured.spread.max())


def gain(identifier: str, n: int = WIDTH) -> float:
    """``n Var(w)`` from a rule's forward result."""
    return n * value(result(identifier, "forward"), n=n)


def _rule_checks() -> list:
    return [
        NetworkCheck(
            "xavier-tanh",
            "tanh",
            Text(
                "tanh, Var(w) = 1/n: q_l follows the exact recursion (slow decay)",
                "tanh, Var(w) = 1/n: q_l theo đúng truy hồi chính xác (giảm chậm)",
            ),
            named("tanh"),
            gain("xavier-tanh"),
            WIDTH,
            10,
            replicates=24,
        ),
        NetworkCheck(
            "xavier-sigmoid",
            "sigmoid",
            Text(
                "sigmoid, Var(w) = 16/n: q_l settles at the recursion's fixed point",
                "sigmoid, Var(w) = 16/n: q_l ổn định tại điểm bất động của truy hồi",
            ),
            named("sigmoid"),
            gain("xavier-sigmoid"),
            WIDTH,
            10,
            replicates=48,
        ),
        NetworkCheck(
            "he-relu",
            "relu",
            Text(
                "ReLU, Var(w) = 2/n: forward and backward variance preserved (q_l = 2 from unit inputs)",
                "ReLU, Var(w) = 2/n: phương sai lan truyền xuôi và ngược được giữ nguyên (q_l = 2 từ đầu vào "
                "phương sai 1)",
            ),
            named("relu"),
            gain("he-relu"),
            WIDTH,
            10,
            replicates=96,
            preserves=("forward", "backward"),
        ),
        NetworkCheck(
            "he-relu",
            "relu-one-over-n",
            Text(
                "ReLU, Var(w) = 1/n: q_l halves each layer, as the recursion predicts",
                "ReLU, Var(w) = 1/n: q_l giảm một nửa mỗi lớp, đúng như truy hồi dự đoán",
            ),
            named("relu"),
            gain("he-relu") / 2,
            WIDTH,
            8,
        ),
    ]


def truncated_draw(rng: np.random.Generator, k: int, cut: float = 2.0) -> np.ndarray:
    """``k`` draws of N(0, 1) restricted to ``[-cut, cut]``, by rejection (as frameworks do)."""
    out = np.empty(0)
    while out.size < k:
        more = rng.standard_normal(int(1.1 * (k - out.size)) + 16)
        out = np.concatenate([out, more[np.abs(more) <= cut]])
    return out[:k]


def _truncated_checks() -> list:
    factor = float(result("truncated-normal", "std-factor-value"))
    return [
        SamplingCheck(
            "truncated-normal",
            "variance",
            Text(
                "Var(N(0, 1) truncated at +-2) = (std factor)^2", "Var(N(0, 1) cắt tại +-2) = (hệ số độ lệch chuẩn)^2"
            ),
            factor**2,
            truncated_draw,
            "variance",
        )
    ]


def _selu_checks() -> list:
    d = derive.get("selu-constants")
    a, lam = float(d.named("alpha-value").rhs), float(d.named("lambda-value").rhs)

    def selu(rng: np.random.Generator, k: int) -> np.ndarray:
        xi = rng.standard_normal(k)
        return lam * np.where(xi > 0, xi, a * np.expm1(np.minimum(xi, 0.0)))

    return [
        SamplingCheck(
            "selu-constants",
            "mean",
            Text("E[selu(xi)] + 1 = 1 (zero mean), xi ~ N(0, 1)", "E[selu(xi)] + 1 = 1 (kỳ vọng 0), xi ~ N(0, 1)"),
            1.0,
            lambda rng, k: selu(rng, k) + 1.0,
        ),
        SamplingCheck(
            "selu-constants",
            "variance",
            Text("E[selu(xi)^2] = 1 (unit variance), xi ~ N(0, 1)", "E[selu(xi)^2] = 1 (phương sai 1), xi ~ N(0, 1)"),
            1.0,
            lambda rng, k: selu(rng, k) ** 2,
        ),
    ]


def exact_gain_checks(name: str, width: int = WIDTH, depth: int = 6) -> list:
    """Real networks at the exact forward rule and at the exact backward rule, each judged in the
    direction its rule is about.

    The forward rule makes ``q = 1`` a fixed point: the claim says whether it attracts or repels
    (the recursion's slope there). The backward rule keeps the gradient variance only while the
    pre-activations stay at ``q = 1``; in a real network ``q_l`` moves, and the gradients are held
    against the exact recursion, which follows it. The other direction is reported against the
    mean-field recursion, which is exact only at infinite width: for SiLU at width 128 the
    gradient reaching layer 1 of the forward-rule network is 1.78 (512 replicates) against the
    recursion's 1.47, and a finite-width bias is not a false formula.
    """
    d = derive.get(f"exact-gain-{name}")
    forward, backward = exact_gains(name)
    phi, dphi = activation_pair(named(name))
    slope = fixed_point_slope(phi, forward, 1.0)
    kind = Text("repels" if slope > 1 + 1e-6 else "attracts" if slope < 1 - 1e-6 else "is neutral",
                "đẩy ra" if slope > 1 + 1e-6 else "hút vào" if slope < 1 - 1e-6 else "trung tính")
    drift, _ = predict(phi, dphi, backward, depth, 1 / backward)
    repels = slope > 1 + 1e-6
    leaving = [DriftCheck(d.id, "drift", Text(
        f"{name}, Var(w) = {forward:.4g}/n: q = 1 repels; from q_1 = 1.5, log q_l follows the recursion to "
        f"log q_40 = {_log_q(phi, dphi, forward):.3g}",
        f"{name}, Var(w) = {forward:.4g}/n: q = 1 đẩy ra; từ q_1 = 1,5, log q_l theo đúng phép truy hồi đến "
        f"log q_40 = {_log_q(phi, dphi, forward):.3g}"), named(name), forward)] if repels else []
    width_note = Text(f", extrapolated to infinite width from n = {width // 2} and {width}" if repels else "",
                      f", ngoại suy ra độ rộng vô hạn từ n = {width // 2} và {width}" if repels else "")
    return [
        NetworkCheck(
            d.id,
            "forward",
            Text(f"{name}, Var(w) = {forward:.4g}/n: q_l = 1 in every layer (the fixed point {kind.en}, "
                 f"slope {slope:.4g})",
                 f"{name}, Var(w) = {forward:.4g}/n: q_l = 1 ở mọi lớp (điểm bất động {kind.vi}, độ dốc {slope:.4g})"),
            named(name), forward, width, depth, replicates=64, preserves=("forward",), judged=("forward",),
            input_var=1 / forward,
        ),
        NetworkCheck(
            d.id,
            "backward",
            Text(f"{name}, Var(w) = {backward:.4g}/m in a real network: gradients follow the exact recursion "
                 f"(kept only at q = 1; here q_l goes from 1 to {drift[-1]:.3g}{width_note.en})",
                 f"{name}, Var(w) = {backward:.4g}/m trong mạng thật: gradient theo đúng phép truy hồi "
                 f"(chỉ giữ nguyên khi q = 1; ở đây q_l đi từ 1 đến {drift[-1]:.3g}{width_note.vi})"),
            named(name), backward, width, depth, replicates=128 if repels else 64, judged=("backward",),
            input_var=1 / backward, extrapolate=repels,
        ),
        *leaving,
    ]


def _log_q(phi, dphi, gain: float, start: float = 1.5, depth: int = 40) -> float:
    r""":math:`\log q_{40}` of the recursion started at :math:`q_1` = ``start``."""
    return float(np.log(predict(phi, dphi, gain, depth, start / gain)[0][-1]))


def _edge_of_chaos_checks(width: int = NARROW, depth: int = 6) -> list:
    d = derive.get("tanh-edge-of-chaos")
    checks = []
    for label, kept in (("torch", ("forward",)), ("critical-bias", ("forward", "backward"))):
        fixed = d.named(f"fixed-point-{label}").rhs
        weight, bias = (float(d.named(f"{kind}-{label}").rhs) for kind in ("weight", "bias"))
        chi = float(d.named(f"chi-{label}").rhs)
        checks.append(NetworkCheck(
            d.id,
            label,
            Text(f"tanh, n Var(w) = {weight:.4g}, Var(b) = {bias:g}: q_l = q* = {float(fixed):.4g}, "
                 f"gradients x {chi:.4g} per layer",
                 f"tanh, n Var(w) = {weight:.4g}, Var(b) = {bias:g}: q_l = q* = {float(fixed):.4g}, "
                 f"gradient x {chi:.4g} mỗi lớp"),
            named("tanh"), weight, width, depth, replicates=64, bias_var=bias, preserves=kept,
            input_var=(float(fixed) - bias) / weight,
        ))
    return checks


def _torch_linear_checks(width: int = WIDTH) -> list:
    d = derive.get("linear-default-torch")
    bound = value(d.named("bound").rhs, n=width)
    factor = float(d.named("relu-factor").rhs)
    return [
        SamplingCheck(
            d.id,
            "variance",
            Text(f"Var(U(-1/sqrt(n), 1/sqrt(n))) = Var(w) of nn.Linear, n = {width}",
                 f"Var(U(-1/sqrt(n), 1/sqrt(n))) = Var(w) của nn.Linear, n = {width}"),
            value(d.named("variance").rhs, n=width),
            lambda rng, k: rng.uniform(-bound, bound, k),
            "variance",
        ),
        NetworkCheck(
            d.id,
            "relu-network",
            Text(f"ReLU with nn.Linear's default: q_l shrinks by {factor:.4g} per layer",
                 f"ReLU với mặc định của nn.Linear: q_l giảm {factor:.4g} lần mỗi lớp"),
            named("relu"), width * value(d.named("variance").rhs, n=width), width, 5, replicates=64,
            weights=uniform_weights(bound),
        ),
    ]


BUILDERS: dict[str, Callable[[], list]] = {
    "uniform-moments": _uniform_checks,
    "gaussian-moments": _gaussian_checks,
    "product-variance": _product_checks,
    "layer-variance": _layer_checks,
    "maclaurin-tanh": lambda: [
        series_check("maclaurin-tanh", named("tanh"), result("maclaurin-tanh", "linear").removeO())
    ],
    "maclaurin-sigmoid": lambda: [
        series_check("maclaurin-sigmoid", named("sigmoid"), result("maclaurin-sigmoid", "linear").removeO())
    ],
    "activation-derivatives": _derivative_checks,
    "gradient-vanishing": _gradient_checks,
    "truncated-normal": _truncated_checks,
    "selu-constants": _selu_checks,
    "linear-default-torch": _torch_linear_checks,
    "tanh-edge-of-chaos": _edge_of_chaos_checks,
    **{f"exact-gain-{name}": (lambda name=name: exact_gain_checks(name)) for name in NAMES},
}


def checks(identifiers: Iterable[str] | None = None) -> list:
    """The checks for ``identifiers`` (default: every derivation)."""
    wanted = list(identifiers) if identifiers else [d.id for d in derive.all_derivations()]
    unknown = [i for i in wanted if i not in derive.ids()]
    if unknown:
        raise derive.UnknownDerivation(unknown[0])
    rules = _rule_checks()
    found = []
    for identifier in wanted:
        found += BUILDERS[identifier]() if identifier in BUILDERS else [c for c in rules if c.id == identifier]
    return found


def run(selected: list, settings: Settings, seed: int, progress: Callable[[int, int], None] | None = None):
    """Run ``selected`` with one seed; Bonferroni over all their comparisons."""
    total = sum(check.comparisons for check in selected) or 1
    settings = replace(settings, comparisons=total)
    streams = np.random.SeedSequence(seed).spawn(len(selected))
    outcomes = []
    for k, (check, stream) in enumerate(zip(selected, streams, strict=True)):
        outcomes.append(check.run(np.random.default_rng(stream), settings))
        if progress:
            progress(k + 1, len(selected))
    return outcomes
