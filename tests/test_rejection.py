"""Wrong steps are rejected when a derivation is built."""

from __future__ import annotations

import pytest
import sympy as sp

from initproof.derive import Builder, DerivationError, Text
from initproof.derive.assumptions import Assumption, described, goal, independent
from initproof.derive.functions import sigmoid
from initproof.derive.library import distributions as dist
from initproof.derive.library.rules import layer_model, z_l, z_next
from initproof.derive.moments import Mean, Var
from initproof.derive.steps import Bound, Expansion, Model

n = sp.Symbol("n", positive=True, integer=True)
r = sp.Symbol("r", positive=True)
z = sp.Symbol("z", real=True)
X, Y = sp.symbols("X Y")
w, a = sp.symbols("w a")
TITLE = Text("test", "thử")
NOTE = ("why", "vì sao")


def uniform_builder() -> Builder:
    return Builder("wrong", TITLE, (dist.UNIFORM, dist.SYMMETRIC), Model(random=(dist.X,)))


def test_wrong_uniform_variance_is_rejected() -> None:
    d = uniform_builder()
    with pytest.raises(DerivationError, match=r"step 1 .*r\*\*2/2"):
        d.step(Var(dist.X), r**2 / 2, "substitution", *NOTE, (dist.UNIFORM, dist.SYMMETRIC))


def test_right_uniform_variance_is_accepted() -> None:
    d = uniform_builder()
    d.step(Var(dist.X), r**2 / 3, "substitution", *NOTE, (dist.UNIFORM, dist.SYMMETRIC))
    assert len(d.steps) == 1


def test_step_that_needs_an_uncited_assumption_is_rejected() -> None:
    d = uniform_builder()
    with pytest.raises(DerivationError, match="differ"):
        d.step(Var(dist.X), r**2 / 3, "substitution", *NOTE, (dist.UNIFORM,))


def test_step_citing_an_unlisted_assumption_is_rejected() -> None:
    d = uniform_builder()
    stranger = described("stranger", "x", "x")
    with pytest.raises(DerivationError, match="unlisted assumptions stranger"):
        d.step(Var(dist.X), r**2 / 3, "substitution", *NOTE, (dist.UNIFORM, dist.SYMMETRIC, stranger))


def test_product_variance_without_mean_terms_is_rejected() -> None:
    d = Builder("wrong", TITLE, (), Model(random=(X, Y)))
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Var(X * Y), Var(X) * Var(Y), "product", *NOTE)


def test_layer_variance_needs_zero_mean_inputs_for_the_short_form() -> None:
    from initproof.derive.library.rules import IID, ZERO_BIAS, ZERO_MEAN_W
    d = Builder("wrong", TITLE, (IID, ZERO_MEAN_W, ZERO_BIAS), layer_model())
    with pytest.raises(DerivationError):
        d.step(Var(z_next), n * Var(w) * Var(a), "layer", *NOTE, (IID, ZERO_MEAN_W, ZERO_BIAS))
    d.step(Var(z_next), n * Var(w) * Mean(a**2), "layer", *NOTE, (IID, ZERO_MEAN_W, ZERO_BIAS))


def test_wrong_linearisation_of_sigmoid_is_rejected() -> None:
    d = Builder("wrong", TITLE, ())
    with pytest.raises(DerivationError):
        d.step(sigmoid(z), sp.S.Half + z / 2 + sp.O(z**3), "linear", *NOTE, kind=Expansion)


def test_wrong_series_coefficient_is_rejected() -> None:
    d = Builder("wrong", TITLE, ())
    with pytest.raises(DerivationError):
        d.step(sp.tanh(z), z - z**3 / 6 + sp.O(z**5), "series", *NOTE, kind=Expansion)


def goal_builder(quantity: sp.Expr, value: sp.Expr, target: sp.Expr) -> tuple[Builder, sp.Eq]:
    """A builder where ``quantity`` is defined as ``value`` and the goal is ``quantity = target``;
    returns it with the premise ``value = target``, which follows."""
    aim = goal("aim", "the goal", "mục tiêu", (quantity, target))
    d = Builder("wrong", TITLE, (aim,), Model(definitions={quantity: value}))
    d.step(quantity, value, "definition", *NOTE)
    d.require(quantity, target, *NOTE, (aim,))
    return d, sp.Eq(value, target)


def test_wrong_solution_is_rejected() -> None:
    d, premise = goal_builder(Var(z_next), n * Var(w) / 2, sp.S.One)
    with pytest.raises(DerivationError, match="gives"):
        d.solved(sp.Eq(Var(w), 1 / n), premise, Var(w), "solve", *NOTE)
    d.solved(sp.Eq(Var(w), 2 / n), premise, Var(w), "solve", *NOTE)


def test_wrong_gradient_bound_is_rejected() -> None:
    L, l = sp.symbols("L l", positive=True, integer=True)
    factor = sigmoid(z_l) * (1 - sigmoid(z_l))
    d = Builder("wrong", TITLE, ())
    for wrong in (sp.Rational(1, 2) ** L, sp.Rational(1, 8) ** L):
        with pytest.raises(DerivationError):
            d.add(Bound(relation=sp.Le(sp.Product(factor, (l, 1, L)), wrong), rule="bound", why=Text(*NOTE)))
    d.add(Bound(relation=sp.Le(sp.Product(factor, (l, 1, L)), sp.Rational(1, 4) ** L), rule="bound", why=Text(*NOTE)))


def test_wrong_numeric_value_is_rejected() -> None:
    d = Builder("wrong", TITLE, ())
    at_large = sp.Subs(sp.Derivative(sigmoid(z), z), z, sp.Float("14.15", 30))
    with pytest.raises(DerivationError, match="differ"):
        d.step(at_large, sp.Float("7.08e-7"), "evaluation", *NOTE)


def test_undecidable_step_is_rejected_not_accepted() -> None:
    d = Builder("wrong", TITLE, (), Model(random=(X,)))
    with pytest.raises(DerivationError, match=r"Mean\(tanh\(X\)\)"):
        d.step(Mean(sp.tanh(X)), 0, "guess", *NOTE)


def test_assumption_substitution_is_what_makes_the_step_hold() -> None:
    zero_x = Assumption("zero-x", Text("zero-mean X", "X có kỳ vọng 0"), ((Mean(X), 0),))
    apart = independent("apart", "independent", "độc lập", (X,), (Y,))
    d = Builder("t", TITLE, (zero_x, apart), Model(random=(X, Y)))
    d.step(Var(X * Y), Var(X) * (Var(Y) + Mean(Y) ** 2), "product", *NOTE, (zero_x, apart))
    with pytest.raises(DerivationError):
        d.step(Var(X * Y), Var(X) * (Var(Y) + Mean(Y) ** 2), "product", *NOTE, (apart,))


def test_wrong_selu_alpha_is_rejected() -> None:
    from initproof.derive.library.constants import alpha
    mean = sp.sqrt(2) / sp.sqrt(sp.pi) - alpha * (1 - sp.exp(sp.Rational(1, 2)) * sp.erfc(1 / sp.sqrt(2)))
    d, premise = goal_builder(Mean(sp.Symbol("selu")), mean, sp.S.Zero)
    with pytest.raises(DerivationError, match="gives"):
        d.solved(sp.Eq(alpha, sp.Rational(167, 100)), premise, alpha, "solve", *NOTE)
    d.solve(premise, alpha, "solve", *NOTE)
    assert float(d.last.rhs) == pytest.approx(1.6732632423543772, rel=1e-14)


KEEP = goal("keep", "the goal", "mục tiêu", (Var(z_next), Var(a)))


def layer_builder() -> Builder:
    d = Builder("wrong", TITLE, (described("layer", "layer", "lớp"), KEEP),
                Model(definitions={z_next: n * Var(w) * Var(a)}))
    d.step(Var(z_next), n * Var(w) * Var(a), "layer identity", *NOTE)
    d.require(Var(z_next), Var(a), *NOTE, (KEEP,))
    return d


def test_a_solved_premise_must_follow_from_the_earlier_steps() -> None:
    d = layer_builder()
    with pytest.raises(DerivationError, match="does not follow from the earlier steps"):
        d.solve(sp.Eq(n * Var(w) * Var(a), 2 * Var(a)), Var(w), "solve", *NOTE)
    assert d.solve(sp.Eq(n * Var(w) * Var(a), Var(a)), Var(w), "solve", *NOTE) == 1 / n


def test_a_definition_is_marked_as_such() -> None:
    d = layer_builder()
    s = sp.Symbol("s", positive=True)
    with pytest.raises(DerivationError, match="does not follow"):
        d.solve(sp.Eq(s**2, 1 / n), s, "square root", *NOTE)
    assert d.solve(sp.Eq(s**2, 1 / n), s, "square root", *NOTE, defines=True) == 1 / sp.sqrt(n)
    assert d.steps[-1].defines


def test_exact_gain_solving_for_the_wrong_variance_is_rejected(monkeypatch) -> None:
    from initproof.derive.library import gains

    def keep_two(d: Builder, combined: sp.Expr, en: str, vi: str) -> sp.Expr:
        d.require(Var(gains.z_next), 1, en, vi, (gains.KEEP_UNIT,))
        return d.solve(sp.Eq(combined, 2), Var(gains.w), "solve", en, vi)

    monkeypatch.setattr(gains, "_keep_unit", keep_two)
    with pytest.raises(DerivationError, match="does not follow from the earlier steps"):
        gains.exact_gain("relu", gains.named("relu"))


def _layers_builder(name: str) -> tuple[Builder, object]:
    from initproof.derive.library import layers

    models = {
        "attention": ((layers.QUERIES_AND_KEYS, layers.ZERO_MEAN_Q, layers.ZERO_MEAN_K),
                      Model(random=(layers.qv, layers.kv), definitions={layers.s: layers.SCORE})),
        "dropout": ((layers.BERNOULLI, layers.MASK_INDEPENDENT),
                    Model(random=(layers.mask, layers.a),
                          definitions={layers.y: layers.mask * layers.a / (1 - layers.p)})),
        "residual": ((layers.BRANCH_INDEPENDENT, layers.ZERO_MEAN_BRANCH, layers.BRANCH_GAIN),
                     Model(random=(layers.stream, layers.branch),
                           definitions={layers.after: layers.stream + layers.alpha * layers.branch})),
    }
    given, model = models[name]
    return Builder("wrong", TITLE, given, model), layers


def test_an_attention_score_without_its_d_is_rejected() -> None:
    d, layers = _layers_builder("attention")
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Var(layers.s), Var(layers.qv) * Var(layers.kv), "independence", *NOTE, d.assumptions)


def test_dropout_that_keeps_the_second_moment_is_rejected() -> None:
    d, layers = _layers_builder("dropout")
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Mean(layers.y**2), Mean(layers.a**2), "Bernoulli mask", *NOTE, d.assumptions)
    d.step(Mean(layers.y**2), Mean(layers.a**2) / (1 - layers.p), "Bernoulli mask", *NOTE, d.assumptions)


def test_a_residual_block_that_adds_alpha_not_its_square_is_rejected() -> None:
    d, layers = _layers_builder("residual")
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Var(layers.after), (1 + layers.alpha * layers.gain) * Var(layers.stream), "gain", *NOTE, d.assumptions)
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(sp.Limit((1 + layers.gain / layers.depth) ** layers.depth, layers.depth, sp.oo),
               sp.exp(2 * layers.gain), "limit", *NOTE)


def test_a_convolution_fan_that_forgets_the_groups_is_rejected() -> None:
    from initproof.derive.library import layers
    from initproof.derive.library.rules import IID, ZERO_BIAS, b
    from initproof.derive.library.variance import ZERO_MEAN_W

    d = Builder("wrong", TITLE, (IID, ZERO_MEAN_W, ZERO_BIAS),
                Model(random=(layers.w, layers.a, b), definitions={z_next: layers.CONVOLUTION}))
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Var(z_next), layers.k_h * layers.k_w * layers.c_in * Var(layers.w) * Mean(layers.a**2), "layer-variance",
               *NOTE, (IID, ZERO_MEAN_W, ZERO_BIAS))


def test_a_transposed_convolution_with_the_stored_fan_is_rejected() -> None:
    """PyTorch's fan-in for a transposed convolution, k_h k_w C_out/g, is not the number of terms an output sums."""
    from initproof.derive.library import layers
    from initproof.derive.library.rules import IID, ZERO_BIAS, b
    from initproof.derive.library.variance import ZERO_MEAN_W

    d = Builder("wrong", TITLE, (IID, ZERO_MEAN_W, ZERO_BIAS),
                Model(random=(layers.w, layers.a, b), definitions={z_next: layers.TRANSPOSED}))
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Var(z_next), layers.TORCH_FAN * Var(layers.w) * Mean(layers.a**2), "layer-variance",
               *NOTE, (IID, ZERO_MEAN_W, ZERO_BIAS))


def test_a_normalised_second_moment_without_its_shift_is_rejected() -> None:
    from initproof.derive.library import normalisation as norm

    d = Builder("wrong", TITLE, (norm.STATISTICS,), Model(random=(norm.x_in, norm.y_out),
                                                          definitions={norm.y_out: norm.NORMALISED}))
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Mean(norm.y_out**2), norm.gamma**2, "second moment", *NOTE, (norm.STATISTICS,))
    with pytest.raises(DerivationError, match="does not hold"):  # the input's variance is not kept
        d.step(Var(norm.y_out), norm.gamma**2 * Var(norm.x_in), "scaling", *NOTE, (norm.STATISTICS,))
    d.step(Mean(norm.y_out**2), norm.gamma**2 + norm.beta**2, "second moment", *NOTE, (norm.STATISTICS,))


def test_a_fixup_step_that_counts_one_layer_per_branch_is_rejected() -> None:
    from initproof.derive.library import layers

    d = Builder("wrong", TITLE, (layers.HOMOGENEOUS_BRANCH,),
                Model(definitions={layers.branch_change: layers.rate * layers.STEP_CHANGE * layers.size}))
    d.step(layers.branch_change, layers.rate * layers.STEP_CHANGE * layers.size, "definition", *NOTE,
           (layers.HOMOGENEOUS_BRANCH,))
    m, lam = layers.layers_per_branch, layers.branch_scale
    with pytest.raises(DerivationError, match="does not hold"):
        d.then(layers.rate * lam ** (2 * m - 2) * layers.size, "summation", *NOTE)
    with pytest.raises(DerivationError, match="does not hold"):
        d.then(layers.rate * m * lam ** (2 * m) * layers.size, "summation", *NOTE)


def test_a_statistics_primer_with_wrong_numbers_is_rejected() -> None:
    from initproof.derive.library import foundations as fd
    from initproof.derive.library import statistics as st

    d = Builder("wrong", TITLE, (st.DIE, st.DISTANCE, st.SQUARED, fd.NODES), Model(random=(st.D, st.K, st.S)))
    with pytest.raises(DerivationError, match="does not hold"):  # the variance of a die, halved twice over
        d.step(Var(st.D), sp.Rational(35, 6), "variance", *NOTE, (st.DIE,))
    with pytest.raises(DerivationError, match="does not hold"):  # squaring the probabilities too
        d.step(Mean(st.K**2), sum(x**2 * p**2 for x, p in st.DISTANCES.items()), "lotus", *NOTE, (st.DISTANCE,))
    with pytest.raises(DerivationError, match="does not hold"):  # the chain rule without the upstream gradient
        d.step(sp.Derivative(fd.z * (fd.x + fd.y), fd.y), 1, "chain rule", *NOTE, (fd.NODES,))
    d.step(Var(st.D), sp.Rational(35, 12), "variance", *NOTE, (st.DIE,))


def test_an_aligned_score_that_grows_like_the_square_root_is_rejected() -> None:
    """Aligned queries and keys: the score's mean grows like d, so 1/sqrt(d) does not hold it."""
    from initproof.derive.library import layers

    d = Builder("wrong", TITLE, (layers.ALIGNED_PAIRS, layers.ALIGNED),
                Model(random=(layers.qv, layers.kv), definitions={layers.s: layers.SCORE}))
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(Mean(layers.s), sp.sqrt(layers.d_k) * layers.rho, "alignment", *NOTE,
               (layers.ALIGNED_PAIRS, layers.ALIGNED))
    d.step(Mean(layers.s), layers.d_k * layers.rho, "alignment", *NOTE, (layers.ALIGNED_PAIRS, layers.ALIGNED))



def test_a_wrongly_grouped_matrix_product_is_rejected() -> None:
    """A matrix relation holds entry by entry: W2 (W1 x) is not (W1^T W2^T) x."""
    from initproof.derive.library import foundations as fd

    d = Builder("wrong", TITLE, (fd.LINEAR,), Model())
    with pytest.raises(DerivationError, match="does not hold"):
        d.step(sp.MatMul(fd.W2, sp.MatMul(fd.W1, fd.X)), sp.MatMul(fd.W1.T * fd.W2.T, fd.X), "grouping", *NOTE,
               (fd.LINEAR,))
    d.step(sp.MatMul(fd.W2, sp.MatMul(fd.W1, fd.X)), sp.MatMul(fd.W2 * fd.W1, fd.X), "grouping", *NOTE, (fd.LINEAR,))


def test_a_deepnet_step_that_forgets_layernorms_scale_is_rejected() -> None:
    """LN divides alpha x + G by alpha: a sub-layer's step without 1/alpha^2, or counted as one layer, fails."""
    from initproof.derive.library import layers

    d = Builder("wrong", TITLE, (layers.DEEPNORM,),
                Model(definitions={layers.branch_change: layers.rate * layers.DEEPNORM_STEP * layers.size}))
    d.step(layers.branch_change, layers.rate * layers.DEEPNORM_STEP * layers.size, "definition", *NOTE,
           (layers.DEEPNORM,))
    beta, alpha = layers.sublayer_scale, layers.residual_weight
    with pytest.raises(DerivationError, match="does not hold"):
        d.then(2 * layers.rate * beta**2 * layers.size, "summation", *NOTE)
    with pytest.raises(DerivationError, match="does not hold"):
        d.then(layers.rate * beta**2 * layers.size / alpha**2, "summation", *NOTE)
    d.then(2 * layers.rate * beta**2 * layers.size / alpha**2, "summation", *NOTE)


def test_a_saturated_unit_whose_chain_rule_forgets_the_input_is_rejected() -> None:
    from initproof.derive.library import gradients as g

    d = Builder("wrong", TITLE, (g.UNIT, g.TARGET), Model())
    loss = (sigmoid(g.w * g.x) - g.t) ** 2 / 2
    without_input = (sigmoid(g.w * g.x) - g.t) * sigmoid(g.w * g.x) * (1 - sigmoid(g.w * g.x))
    with pytest.raises(DerivationError, match="step 1"):
        d.step(sp.Derivative(loss, g.w), without_input, "chain rule", *NOTE, (g.UNIT,))
    d.step(sp.Derivative(loss, g.w), without_input * g.x, "chain rule", *NOTE, (g.UNIT,))


def test_the_notes_update_read_as_a_decrease_is_rejected() -> None:
    from initproof.derive.library import gradients as g

    d = Builder("wrong", TITLE, (g.UNIT,), Model())
    values = (sp.Rational("0.919"), g.NOTES_RATE, sp.Rational("-0.0002"))
    with pytest.raises(DerivationError, match="step 1"):
        d.step(sp.Subs(g.theta - g.eta * g.g, (g.theta, g.eta, g.g), values), sp.Float("0.918998", 7), "arithmetic",
               *NOTE)
