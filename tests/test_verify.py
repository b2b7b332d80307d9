"""Monte Carlo checks: they pass on the derivations, and wrong formulas fail them."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from initproof import derive
from initproof.derive.activations import activation, named
from initproof.derive.frameworks import Initializer
from initproof.derive.symbols import z
from initproof.derive.text import Text
from initproof.verify import memo, suite
from initproof.verify.checks import NetworkCheck, SamplingCheck
from initproof.verify.estimate import CHUNK, block_statistics, chunks, interval
from initproof.verify.library import constants, gains, gradients, series, variance
from initproof.verify.network import gaussian_weights, simulate
from initproof.verify.numeric import activation_pair
from initproof.verify.recursion import gaussian_expectation, predict
from initproof.verify.settings import Settings

SEED = 5
"""The seed of the whole suite here and in the handout's tests: it runs once per session (verify.memo)."""
SETTINGS = Settings()


def run_one(check, seed: int = SEED, settings: Settings = SETTINGS):
    return suite.run([check], settings, seed)[0]


@pytest.fixture(scope="module")
def outcomes():
    return memo.outcomes((), SETTINGS, SEED)[0]


def test_every_derivation_has_a_check(outcomes) -> None:
    assert {o.id for o in outcomes} == set(derive.ids())


def test_unknown_directions_statistics_and_precisions_are_errors() -> None:
    relu = named("relu")
    with pytest.raises(ValueError, match="'forwards' is not a valid Direction"):
        NetworkCheck("he-relu", "x", Text("-", "-"), relu, 2.0, preserves=("forwards",))
    with pytest.raises(ValueError, match="unknown dtype 'float16'"):
        NetworkCheck("he-relu", "x", Text("-", "-"), relu, 2.0, dtype="float16")
    with pytest.raises(ValueError, match="'var' is not a valid Statistic"):
        SamplingCheck("uniform-moments", "x", Text("-", "-"), 1.0, lambda rng, k: rng.random(k), "var")
    with pytest.raises(ValueError, match="'gaussian' is not a valid Distribution"):
        Initializer("PyTorch", "x", "gaussian", sp.S.One, "-", "-")
    assert Initializer("PyTorch", "x", "uniform", sp.S.One, "-", "-").variance == sp.Rational(1, 3)


def test_outcomes_read_back_from_the_store_exactly(outcomes) -> None:
    import json
    from dataclasses import asdict

    again = [memo._decoded(item) for item in json.loads(json.dumps([asdict(o) for o in outcomes]))]
    assert again == outcomes
    assert all(isinstance(layer.forward.ci, tuple) for o in again for layer in o.layers)


def test_edge_of_chaos_checks_read_the_regimes_the_derivation_publishes() -> None:
    d = derive.get("tanh-edge-of-chaos")
    checks = {c.name: c for c in suite.checks(["tanh-edge-of-chaos"])}
    assert checks["torch"].gain == pytest.approx(25 / 9) and checks["torch"].bias_var == 0  # gain 5/3, no bias
    assert checks["critical-bias"].gain == float(d.named("weight-critical-bias").rhs)
    assert checks["critical-bias"].bias_var == pytest.approx(0.05)


def test_every_outcome_has_a_unique_stable_key(outcomes) -> None:
    keys = [o.key for o in outcomes]
    assert len(set(keys)) == len(keys) == len(outcomes)
    assert {"he-relu/relu", "xavier-sigmoid/sigmoid", "gradient-vanishing/symmetry"} <= set(keys)
    assert all(key.startswith(o.id + "/") for key, o in zip(keys, outcomes, strict=True))


def test_every_check_passes_on_its_derivation(outcomes) -> None:
    failed = [o.claim.en for o in outcomes if not o.passed]
    assert not failed


def test_passing_intervals_are_informative(outcomes) -> None:
    for o in outcomes:
        if o.layers:
            continue
        half = (o.estimate.ci[1] - o.estimate.ci[0]) / 2
        assert half <= SETTINGS.precision * abs(o.expected) or o.estimate.stderr == 0, o.claim.en


# Power: the wrong formulas of the issue must fail.


def test_relu_with_one_over_n_claimed_to_preserve_fails() -> None:
    wrong = NetworkCheck(
        "he-relu", "wrong", Text("ReLU 1/n preserves", "ReLU 1/n preserves"), named("relu"), 1.0, 256, 6,
        preserves=("forward", "backward")
    )
    assert not run_one(wrong).passed


def test_uniform_variance_r2_over_2_fails() -> None:
    r = 1.3
    wrong = SamplingCheck(
        "uniform-moments", "wrong", Text("Var U(-r, r) = r^2/2", "-"), r**2 / 2, lambda rng, k: rng.uniform(-r, r, k),
        "variance",
    )
    assert not run_one(wrong).passed


def test_sigmoid_linearised_with_slope_one_half_fails() -> None:
    wrong = series.series_check("maclaurin-sigmoid", named("sigmoid"), sp.S.Half + z / 2)
    assert not run_one(wrong).passed
    right = series.series_check("maclaurin-sigmoid", named("sigmoid"), sp.S.Half + z / 4)
    assert run_one(right).passed


def test_product_variance_without_mean_terms_fails() -> None:
    # X ~ U(1, 3): mean 2, variance 1/3; Y ~ Exp(mean 2): variance 4.
    wrong = SamplingCheck(
        "product-variance", "wrong",
        Text("Var XY = Var X Var Y", "-"),
        4 / 3,
        lambda rng, k: rng.uniform(1, 3, k) * rng.exponential(2.0, k),
        "variance",
    )
    assert not run_one(wrong).passed
    assert variance.product_variance_value(2.0, 1 / 3, 2.0, 4.0) == pytest.approx(56 / 3)


def test_recursion_prediction_of_tanh_against_a_preservation_claim_fails() -> None:
    wrong = NetworkCheck(
        "xavier-tanh", "wrong",
        Text("tanh 1/n preserves exactly", "tanh 1/n preserves exactly"),
        named("tanh"),
        1.0,
        256,
        8,
        preserves=("forward", "backward"),
    )
    assert not run_one(wrong).passed


def test_uninformative_interval_is_a_failure() -> None:
    check = SamplingCheck("uniform-moments", "wrong", Text("E U(-1, 3) = 1", "-"), 1.0,
                          lambda rng, k: rng.uniform(-1, 3, k))
    tiny = Settings(samples=400, replicates=100)
    outcome = run_one(check, settings=tiny)
    assert outcome.estimate.agrees(1.0) and not outcome.passed


# Statistics and memory.


def test_interval_uses_t_quantile_with_bonferroni() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0])
    est = interval(values, alpha=0.05, comparisons=5, samples=4)
    from scipy import stats

    half = stats.t.ppf(1 - 0.05 / 10, 3) * np.std(values, ddof=1) / 2
    assert est.ci == pytest.approx((2.5 - half, 2.5 + half))


@pytest.mark.parametrize("df", [1, 2, 3, 7, 23, 63, 999, 10**4, 10**5, 10**6, 10**8])
def test_the_t_quantile_agrees_with_scipy_from_one_to_a_hundred_million_degrees_of_freedom(df) -> None:
    from scipy import special

    from initproof.verify.estimate import t_quantile

    for tail in (0.25, 0.025, 1e-3, 1e-6, 3.3e-9, 1e-12, 1e-15):
        assert t_quantile(df, tail) == pytest.approx(-special.stdtrit(df, tail), rel=1e-13)
    assert t_quantile(df, 0.025) != pytest.approx(-special.stdtrit(2 * df, 0.025), rel=1e-13)  # df matters


def test_the_sigmoid_is_scipys_expit_to_a_few_ulps_without_overflow() -> None:
    from scipy import special

    from initproof.verify.numeric import _sigmoid

    u = np.linspace(-800, 800, 200_001)
    for dtype in (np.float64, np.float32):
        x = u.astype(dtype)
        with np.errstate(over="raise"):
            mine = _sigmoid(x)
        reference = special.expit(x)
        normal = reference >= np.finfo(dtype).tiny
        assert mine.dtype == dtype
        assert np.max(np.abs(mine - reference)[normal] / reference[normal]) <= 4 * np.finfo(dtype).eps
        assert np.all(mine[~normal] < np.finfo(dtype).tiny)


@pytest.mark.parametrize(("name", "helper"), [("relu", "Heaviside"), ("sigmoid", "sigmoid"), ("softplus", "softplus")])
def test_compiled_activations_call_the_fast_helpers(name, helper) -> None:
    """The unit step, sigmoid and softplus of :data:`numeric.NUMPY` (numpy.heaviside is ten times as slow),
    whether they appear in the activation or in its derivative."""
    import inspect

    from initproof.verify import numeric

    compiled = [numeric._compiled(numeric.fast(numeric.stable(expr)), z)
                for expr in (named(name), sp.diff(named(name), z))]
    using = [f for f in compiled if f"{helper}(" in inspect.getsource(f)]
    assert using and all(f.__globals__[helper] is numeric.NUMPY[helper] for f in using)


def test_a_rule_without_erf_verifies_without_importing_scipy_special() -> None:
    """scipy.special takes 0.22 s to import; ReLU, tanh and the sigmoid do not need it, GELU does."""
    import subprocess
    import sys

    code = ("import sys\nfrom initproof.cli import main\n"
            "for act in ('relu', 'tanh', 'sigmoid'):\n"
            "    main(['verify', '--activation', act, '--var-w', '1/n', '--width', '32', '--depth', '2', '--json'])\n"
            "print('scipy.special' in sys.modules)\n"
            "main(['verify', '--activation', 'gelu', '--var-w', '1/n', '--width', '32', '--depth', '2', '--json'])\n"
            "print('scipy.special' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    imported = [line for line in done.stdout.splitlines() if line in ("False", "True")]
    assert imported == ["False", "True"], done.stderr[-2000:]


def test_chunks_bound_memory_for_a_billion_samples() -> None:
    sizes = list(chunks(10**9))
    assert sum(sizes) == 10**9 and max(sizes) <= CHUNK
    assert len(sizes) == -(-(10**9) // CHUNK)


def test_block_statistics_draws_in_bounded_chunks() -> None:
    seen: list[int] = []
    zeros = np.zeros(CHUNK)

    def draw(rng, size):
        seen.append(size)
        return zeros[:size] + 1.0

    values = block_statistics(draw, np.random.default_rng(0), 4 * CHUNK + 10, 2, "mean")
    assert max(seen) <= CHUNK and sum(seen[1:]) == 4 * CHUNK + 10
    assert np.allclose(values, 1.0)


def test_same_seed_same_json_different_seed_different(capsys) -> None:
    from initproof.cli import main

    def json_for(seed: str) -> str:
        assert main(["verify", "uniform-moments", "product-variance", "--json", "--seed", seed]) == 0
        return capsys.readouterr().out

    first = json_for("7")
    assert json_for("7") == first
    assert json_for("8") != first


# Recursion and networks against closed forms.


def test_gaussian_expectations_by_quadrature() -> None:
    relu, _ = activation_pair(named("relu"))
    assert gaussian_expectation(lambda u: relu(u) ** 2, 2.5) == pytest.approx(1.25, rel=1e-10)
    assert gaussian_expectation(lambda u: u**4, 0.7) == pytest.approx(3 * 0.49, rel=1e-10)


def test_recursion_closed_forms() -> None:
    relu = activation_pair(named("relu"))
    forward, backward = predict(*relu, gain=1.0, depth=5)
    assert forward == pytest.approx([1, 0.5, 0.25, 0.125, 0.0625])
    assert backward == pytest.approx([1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2])
    linear = activation_pair(named("linear"))
    forward, backward = predict(*linear, gain=1.5, depth=3, bias_var=0.1)
    assert forward == pytest.approx([1.6, 1.5 * 1.6 + 0.1, 1.5 * 2.5 + 0.1])
    assert backward == pytest.approx([1.5**3, 1.5**2, 1.5])


def test_tanh_recursion_decays_and_the_cubic_term_predicts_it() -> None:
    tanh = activation_pair(named("tanh"))
    forward, _ = predict(*tanh, gain=1.0, depth=3, q0=0.01)
    # E[tanh(z)^2] = q - 2 q^2 + O(q^3) for z ~ N(0, q), from tanh z = z - z^3/3 + ...
    assert forward[1] == pytest.approx(0.01 - 2e-4, rel=1e-3)
    assert forward[2] < forward[1] < forward[0]


def test_sigmoid_with_16_over_n_settles_far_from_one() -> None:
    sigmoid = activation_pair(named("sigmoid"))
    forward, backward = predict(*sigmoid, gain=16.0, depth=30)
    fixed = forward[-1]
    assert abs(forward[-2] - fixed) < 1e-6 and 5 < fixed < 7
    assert backward[0] < 1e-6  # gradients still vanish at the fixed point: 16 E[s'^2] < 1


def test_constant_weights_make_all_units_equal_random_weights_do_not() -> None:
    assert gradients.symmetry_spread(named("sigmoid"), 0.1) <= 1e-12
    assert gradients.symmetry_spread(named("tanh"), 0.0) == 0.0
    phi, dphi = activation_pair(named("tanh"))
    measured = simulate(phi, dphi, gaussian_weights(1 / 64), 64, 3, 1, np.random.default_rng(0))
    assert measured.spread.min() > 0.1


def test_truncated_normal_claimed_to_keep_unit_variance_fails() -> None:
    wrong = SamplingCheck("truncated-normal", "wrong", Text("Var = 1", "-"), 1.0, constants.truncated_draw, "variance")
    assert not run_one(wrong).passed
    draws = constants.truncated_draw(np.random.default_rng(0), 10_000)
    assert draws.size == 10_000 and np.abs(draws).max() <= 2.0


def test_selu_without_its_lambda_fails_the_unit_variance_check() -> None:
    alpha = float(derive.get("selu-constants").named("alpha-value").rhs)

    def selu_lambda_one(rng, k):
        xi = rng.standard_normal(k)
        return np.where(xi > 0, xi, alpha * np.expm1(np.minimum(xi, 0.0))) ** 2

    wrong = SamplingCheck("selu-constants", "wrong", Text("E[selu^2] = 1", "-"), 1.0, selu_lambda_one)
    assert not run_one(wrong).passed


def test_replicate_networks_give_the_same_numbers_on_any_number_of_cores(monkeypatch) -> None:
    phi, dphi = activation_pair(named("tanh"))

    def run():
        return simulate(phi, dphi, gaussian_weights(1 / 32), 32, 4, 5, np.random.default_rng(3), batch=16)

    monkeypatch.setattr("os.cpu_count", lambda: 1)
    serial = run()
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    threaded = run()
    assert np.array_equal(serial.forward, threaded.forward)
    assert np.array_equal(serial.backward, threaded.backward)
    assert len(set(serial.forward[:, 0])) == 5  # the replicates are different networks


def test_networks_that_draw_their_weights_again_give_the_same_numbers_in_bounded_memory() -> None:
    import tracemalloc

    phi, dphi = activation_pair(named("tanh"))

    def run(kept: int):
        tracemalloc.start()
        measured = simulate(phi, dphi, gaussian_weights(1 / 512), 512, 20, 1, np.random.default_rng(5),
                            batch=64, kept_weights=kept)  # a batch wide enough to draw whole matrices
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return measured, peak

    kept, kept_peak = run(2**40)
    redrawn, redrawn_peak = run(0)
    assert np.array_equal(kept.forward, redrawn.forward) and np.array_equal(kept.backward, redrawn.backward)
    every_layer = 20 * 512 * 512 * 8  # 42 MB: what keeping all weights costs
    assert kept_peak > every_layer
    assert redrawn_peak < 4 * 512 * 512 * 8 + 20 * 64 * 512 * 8 * 2  # a few matrices and the slopes


def test_float32_networks_round_far_below_the_statistical_error() -> None:
    from initproof.verify.network import Weights

    phi, dphi = activation_pair(named("tanh"))
    def same_draws_in_either_precision(generators, out):
        for rng, slab in zip(generators, out, strict=True):
            slab[...] = rng.standard_normal(slab.shape)
        return out

    same_draws = Weights(same_draws_in_either_precision, 1 / np.sqrt(256))
    runs = {dtype: simulate(phi, dphi, same_draws, 256, 10, 8, np.random.default_rng(9), batch=64, dtype=dtype)
            for dtype in (np.float32, np.float64)}
    for direction in ("forward", "backward"):
        single, double = getattr(runs[np.float32], direction), getattr(runs[np.float64], direction)
        rounding = np.max(np.abs(single / double - 1))
        spread = np.min(np.std(double, axis=0, ddof=1) / np.mean(double, axis=0))  # network-to-network
        assert rounding < 1e-5 and rounding < 1e-3 * spread, (direction, rounding, spread)


def test_the_float32_normal_sampler_has_normal_moments_and_shape() -> None:
    from scipy import stats

    from initproof.verify.network import standard_normal

    draws = standard_normal(np.random.default_rng(11), (1000, 1000), np.float32)
    assert draws.dtype == np.float32 and draws.shape == (1000, 1000)
    x = draws.astype(np.float64).ravel()
    stderr = 1 / np.sqrt(x.size)
    assert abs(x.mean()) < 5 * stderr and abs(x.var() - 1) < 5 * np.sqrt(2) * stderr
    assert abs(np.mean(x**4) - 3) < 5 * np.sqrt(96) * stderr and np.abs(x).max() <= 5.78
    assert stats.kstest(x[:200_000], "norm").pvalue > 1e-3
    assert stats.kstest(1.02 * x[:200_000], "norm").pvalue < 1e-6  # a 2% scale error is caught


def test_float32_uniforms_from_raw_bits_are_numpys_own() -> None:
    from initproof.verify.network import uniforms32

    for bits in (np.random.PCG64, np.random.SFC64, np.random.Philox):
        ours, numpys = np.random.Generator(bits(4)), np.random.Generator(bits(4))
        for size in (65_536, 2, 1_000):
            out = uniforms32(ours, np.empty(size, np.float32))
            assert np.array_equal(out, numpys.random(size, dtype=np.float32)), (bits, size)
    mersenne = uniforms32(np.random.Generator(np.random.MT19937(4)), np.empty(10_000, np.float32))  # 32-bit output
    assert np.array_equal(mersenne, np.random.Generator(np.random.MT19937(4)).random(10_000, dtype=np.float32))


def test_normals_drawn_into_an_array_or_a_stack_are_the_ones_drawn_fresh() -> None:
    from initproof.verify.network import standard_normal, standard_normals

    for dtype, shape in ((np.float32, (64, 256)), (np.float32, (33, 33)), (np.float64, (64, 256))):
        out = np.full(shape, np.nan, dtype)
        drawn = standard_normal(np.random.default_rng(2), shape, dtype, out=out)
        assert drawn is out and np.array_equal(out, standard_normal(np.random.default_rng(2), shape, dtype))
        stack = standard_normals([np.random.default_rng(k) for k in range(3)], np.full((3, *shape), np.nan, dtype))
        for k in range(3):  # one transform for the stack, the values of each layer drawn alone
            assert np.array_equal(stack[k], standard_normal(np.random.default_rng(k), shape, dtype)), (dtype, shape, k)
    with pytest.raises(ValueError, match="C-contiguous"):
        standard_normal(np.random.default_rng(2), (8, 8), np.float32, out=np.empty((8, 16), np.float32)[:, ::2])


def test_a_rule_too_large_for_memory_or_time_is_refused_with_the_numbers(monkeypatch) -> None:
    from initproof.verify import rule

    check = rule.rule_check(activation("relu"), "2/n", 4096, 50)
    assert check.cost().bytes < 2**30  # weights are drawn again, not kept: was 7.6 GB
    monkeypatch.setattr(rule, "available_memory", lambda: 2**28)
    with pytest.raises(rule.ParseError, match=r"needs about 0\.\d GiB of memory and 0\.2 GiB is available"):
        rule.afford(check)
    monkeypatch.setattr(rule, "available_memory", lambda: None)
    monkeypatch.setattr("initproof.verify.network._rates", lambda dtype: (1e8, 1e10))  # a machine of known speed
    monkeypatch.setattr("initproof.verify.network.os.cpu_count", lambda: 2)
    # 64 networks x 500 layers x (2 draws of 4096^2 at 1e8/s + 4 x 64 x 4096^2 operations at 1e10/s) / 1.7
    with pytest.raises(rule.ParseError, match=r"would take about 4\.0 h here \(limit 1 h\)"):
        rule.afford(rule.rule_check(activation("relu"), "2/n", 4096, 500))
    assert rule.afford(rule.rule_check(activation("relu"), "2/n", 64, 5)).seconds < 5


def test_a_check_is_decided_by_the_directions_it_judges() -> None:
    grows = {"activation": named("relu"), "gain": 2.6, "width": 128, "depth": 4, "replicates": 32,
             "preserves": ("forward",)}
    claim = Text("ReLU, Var(w) = 2.6/n keeps q_l", "-")
    on_forward = run_one(NetworkCheck("he-relu", "wrong", claim, judged=("forward",), **grows))
    on_backward = run_one(NetworkCheck("he-relu", "wrong", claim, judged=("backward",), **grows))
    assert not on_forward.passed  # q_l grows by 1.3 per layer: the claim is false
    assert on_backward.passed  # the gradients follow the recursion, which is right
    assert all(layer.backward.agrees and not layer.forward.judged for layer in on_backward.layers)


@pytest.mark.parametrize("q", [1e-6, 1.0, 1e4, 1e8])
@pytest.mark.parametrize("name", ["softplus", "gelu", "elu", "tanh", "sigmoid", "silu"])
def test_recursion_expectations_match_mpmath_at_every_scale(name: str, q: float) -> None:
    import mpmath

    phi = named(name)
    for expr, numeric in zip((phi**2, sp.diff(phi, z) ** 2), activation_pair(phi), strict=True):
        exact = sp.lambdify(z, expr, "mpmath")
        with mpmath.workdps(30):
            scale = mpmath.sqrt(q)
            reference = mpmath.quad(lambda u, f=exact, s=scale: f(u) * mpmath.npdf(u, 0, s),
                                    [-mpmath.inf, -scale, -1, 0, 1, scale, mpmath.inf])
        assert gaussian_expectation(lambda u, f=numeric: f(u) ** 2, q) == pytest.approx(float(reference), rel=1e-12)


def test_softplus_backward_rule_gradient_after_50_layers() -> None:
    phi, dphi = activation_pair(named("softplus"))
    gain = float(sp.Symbol("m", positive=True, integer=True) * derive.get("exact-gain-softplus").named("backward").rhs)
    _, backward = predict(phi, dphi, gain, 50, 1 / gain)
    assert backward[0] == pytest.approx(4.20388e10, rel=2e-6)


def test_elu_is_compiled_without_cancellation_near_zero() -> None:
    phi, _ = activation_pair(named("elu"))
    small = np.array([-1e-10, -1e-7])
    assert phi(small) == pytest.approx(np.expm1(small), rel=1e-15)


def test_a_network_check_states_its_power_and_a_larger_error_is_caught() -> None:
    settings = Settings(comparisons=40)
    check = NetworkCheck("he", "wrong", Text("2/n", "2/n"), named("relu"), 2.0, 256, 6, replicates=64,
                         preserves=("forward",), judged=("forward",), input_var=0.5)
    outcome = check.run(np.random.default_rng(0), settings)
    assert outcome.passed and 0.02 < outcome.detects < 0.15
    wrong = NetworkCheck("he", "wrong", Text("wrong", "sai"), named("relu"), 2.0 * (1 + 2 * outcome.detects), 256, 6,
                         replicates=64, preserves=("forward",), judged=("forward",), input_var=0.5)
    assert not wrong.run(np.random.default_rng(0), settings).passed


def test_backward_rule_checks_run_real_networks() -> None:
    forward_rule, backward_rule = gains.exact_gain_checks("tanh")
    predicted_forward, predicted_backward = backward_rule.predictions()
    assert predicted_forward[-1] < 0.8  # q_l leaves 1 under the backward rule ...
    assert abs(predicted_backward[0] - 1) > 0.2  # ... so the gradient is not kept, and the check says so
    assert "real network" in backward_rule.claim.en
    assert backward_rule.run(np.random.default_rng(1), Settings(comparisons=40)).passed


def test_width_extrapolation_removes_the_finite_width_bias() -> None:
    settings = Settings(comparisons=40)
    silu = gains.exact_gain_checks("silu")[1]
    assert silu.extrapolate
    from dataclasses import replace
    plain = replace(silu, extrapolate=False, width=128, replicates=128)
    narrow, extrapolated = (c.run(np.random.default_rng(2), settings).layers[0] for c in (plain, silu))
    assert narrow.backward.measured > 1.1 * narrow.backward.predicted and not narrow.backward.agrees
    assert extrapolated.backward.agrees and extrapolated.backward.precise


def test_a_repelling_fixed_point_is_checked_at_depth_40_on_the_log_scale() -> None:
    from dataclasses import replace

    from initproof.verify.checks import DriftCheck

    settings = Settings(comparisons=40)
    (drift,) = [c for c in gains.exact_gain_checks("silu") if isinstance(c, DriftCheck)]
    assert drift.depth >= 40 and not [c for c in gains.exact_gain_checks("tanh") if isinstance(c, DriftCheck)]
    outcome = drift.run(np.random.default_rng(0), settings)
    assert outcome.passed and outcome.estimate.ci[0] > np.log(drift.start) + 5
    no_drift = replace(drift, activation=named("linear"), gain=1.0)
    assert not no_drift.run(np.random.default_rng(0), settings).passed


def test_the_checks_mirror_the_derivation_library_and_cover_every_derivation() -> None:
    from pathlib import Path

    from initproof.derive.library import MODULES
    from initproof.verify import library, registry

    folder = Path(library.__file__).parent
    assert {p.stem for p in folder.glob("*.py")} - {"__init__"} == set(MODULES)
    keys = [f"{c.id}/{c.name}" for c in suite.checks()]
    assert len(keys) == len(set(keys))  # every check has its own stable key
    assert {key.split("/")[0] for key in keys} == set(derive.ids())
    with pytest.raises(LookupError, match="no checks"):
        registry.builder("no-such-derivation")
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("he-relu")(lambda: [])


@pytest.mark.parametrize(("key", "wrong"), [
    ("attention-scale/scaled-scores", 32.0),  # no 1/sqrt(d): the unscaled score's variance
    ("dropout-variance/second-moment", 1.25),  # E[a^2]: forgets the 1/(1 - p)
    ("dropout-variance/next-layer", 1.25),
    ("convolution-fan/he-convolution", 0.5),  # He's rule with the fan of all 8 channels, not 8/g
    ("residual-variance/scaled-stream", 2.0),  # 1 + c: one block's growth, not L of them
    ("deepnet-scale/bounded-step", 12 / 24**0.5),  # K 2 beta^2 without LN's 1/alpha^2, K = 6, beta^4 = 1/24
])
def test_the_layer_checks_reject_a_wrong_formula(outcomes, key: str, wrong: float) -> None:
    from dataclasses import replace

    assert {o.key: o for o in outcomes}[key].passed
    (check,) = [c for c in suite.checks([key.split("/")[0]]) if f"{c.id}/{c.name}" == key]
    outcome = run_one(replace(check, expected=wrong), settings=Settings(samples=1_000_000))
    assert not outcome.passed and not outcome.estimate.agrees(wrong)


def test_the_numpy_convolution_is_torchs_grouped_conv2d() -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (pip install torch==2.13.0; CI installs it)")
    from initproof.verify.library.layers import grouped_convolution

    rng = np.random.default_rng(0)
    x, weights = rng.standard_normal((3, 8, 6, 5)), rng.standard_normal((3, 4, 4, 3, 2))
    ours = grouped_convolution(x, weights, 2)
    theirs = np.stack([torch.nn.functional.conv2d(torch.tensor(x[k:k + 1]), torch.tensor(weights[k]), groups=2)
                       .numpy()[0] for k in range(3)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_networks_that_share_draws_give_each_the_numbers_it_gets_alone() -> None:
    """Sharing a group's weights, inputs and gradients must not let one network's work touch another's."""
    from initproof.verify.network import Network, simulate_shared, standard_normals

    relu, tanh = activation_pair(named("relu")), activation_pair(named("tanh"))
    deep = Network(*relu, np.sqrt(2 / 32), depth=5, replicates=6)
    shallow = Network(*tanh, np.sqrt(1 / 32), depth=3, replicates=4, q0=2.0, bias_var=0.1)
    together = simulate_shared([deep, shallow], standard_normals, 32, np.random.default_rng(4), batch=8)
    for network, shared in zip((deep, shallow), together, strict=True):
        (alone,) = simulate_shared([network], standard_normals, 32, np.random.default_rng(4), batch=8)
        np.testing.assert_array_equal(shared.forward, alone.forward)
        np.testing.assert_array_equal(shared.backward, alone.backward)
        assert shared.forward.shape == (network.replicates, network.depth)
    assert not np.allclose(together[0].forward[:4, :3], together[1].forward)


def test_the_suite_runs_the_network_checks_on_shared_draws_and_still_rejects_a_wrong_rule() -> None:
    """The default suite measures its network checks together; a claim the networks contradict still fails."""
    from dataclasses import replace

    (relu,) = [c for c in suite.checks(["he-relu"]) if isinstance(c, NetworkCheck) and c.name == "relu"]
    wrong = replace(relu, name="wrong", gain=1.0)  # ReLU with 1/n claimed to keep the variance
    outcomes = suite.run([relu, wrong], Settings(), 0)
    assert [o.passed for o in outcomes] == [True, False]


@pytest.mark.parametrize("name", ["gelu", "elu", "selu", "leaky_relu", "softplus", "sigmoid", "silu"])
def test_compiled_activations_keep_float32_and_agree_with_float64(name: str) -> None:
    phi, dphi = activation_pair(named(name))
    values = np.linspace(-30, 30, 2001)
    for f in (phi, dphi):
        single = np.asarray(f(values.astype(np.float32)))
        assert single.dtype == np.float32 or np.ndim(single) == 0 or name == "leaky_relu" and f is dphi
        np.testing.assert_allclose(single, f(values), rtol=1e-5, atol=1e-6)  # float32 resolution


def test_softplus_and_the_unit_step_are_exact_at_the_extremes() -> None:
    from initproof.verify.numeric import _heaviside, _softplus

    u = np.array([-800.0, -40.0, -1e-9, 0.0, 1e-9, 40.0, 800.0])
    np.testing.assert_allclose(_softplus(u), np.logaddexp(0.0, u), rtol=1e-15, atol=0)
    np.testing.assert_array_equal(_heaviside(u), [0, 0, 0, 0.5, 1, 1, 1])
    assert _heaviside(np.float32([0, 2]), 0.0).dtype == np.float32
