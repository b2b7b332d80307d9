"""The notes' own review questions (Model Initialization, 5. Câu hỏi ôn tập), answered with the
numbers the tool derives, verifies and measures; where the notes' answer is wrong or misleading,
it is quoted and corrected."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import stats as sstats

from initproof.derive.activations import named
from initproof.derive.registry import result as _r
from initproof.derive.symbols import n, z
from initproof.verify.checks import Outcome
from initproof.verify.experiments import Finding
from initproof.verify.numeric import activation_pair
from initproof.verify.recursion import predict

from .blocks import Block, Heading, Paragraph, Question
from .prose import say

WHERE = "Model Initialization, 5. Câu hỏi ôn tập"
LARGE = 400.0
"""``n Var(w)`` of the large-weight sigmoid network (standard deviation 20/sqrt(n))."""


def _mean(finding: Finding, label: str) -> float:
    values = [v for v in finding.measured[label] if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def questions(by_key: dict[str, Outcome], findings: dict[str, Finding]) -> list[Block]:
    """The 22 review questions, in the notes' order."""
    intro = Paragraph(say("review_intro", count=len(_ALL), where=WHERE))
    return [Heading(say("review_heading")), intro,
            *(make(by_key, findings) for make in _ALL)]


def fixed_values(by_key, findings) -> Question:
    symmetry = findings["symmetry"]
    equal, random = symmetry.measured["constant"], symmetry.measured["random"]
    return Question(
        say("fixed_values_question"),
        say("fixed_values_answer", max_equal=max(equal), min_random=min(random), seeds=len(equal)),
        say("fixed_values_erratum"))


def xavier_or_he(by_key, findings) -> Question:
    return Question(
        say("xavier_or_he_question"),
        say("xavier_or_he_answer"),
        say("xavier_or_he_erratum"))


def sigmoid_tails(by_key, findings) -> Question:
    d = _r("activation-derivatives", "sigmoid")
    at4, at14 = float(d.subs(z, 4)), float(_r("gradient-vanishing", "sigmoid-derivative-large-z"))
    return Question(
        say("sigmoid_tails_question"),
        say("sigmoid_tails_answer", at4=at4, at14=at14))


def sigmoid_at_14(by_key, findings) -> Question:
    exact = float(_r("gradient-vanishing", "sigmoid-derivative-large-z"))
    stated = sp.Rational("0.9999992912")
    z_stated = float(sp.log(stated / (1 - stated)))
    value = float(sp.N(named("sigmoid").subs(z, sp.Rational("14.15")), 15))
    return Question(
        say("sigmoid_at_14_question"),
        say("sigmoid_at_14_answer", value=value, exact=exact),
        say("sigmoid_at_14_erratum", z_stated=z_stated))


def deep_gradients(by_key, findings) -> Question:
    phi, dphi = activation_pair(named("sigmoid"))
    eight, large = (float(predict(phi, dphi, gain, 8, 1 / gain)[1][0]) for gain in (16.0, LARGE))
    bound = _r("gradient-vanishing", "bound-8")
    return Question(
        say("deep_gradients_question"),
        say("deep_gradients_answer", eight=eight, bound=bound),
        say("deep_gradients_erratum", gain=LARGE, ratio=large))


def sigmoid_peak(by_key, findings) -> Question:
    peak = _r("activation-derivatives", "sigmoid-max")
    return Question(
        say("sigmoid_peak_question"),
        say("sigmoid_peak_answer", peak=peak))


def theta_update(by_key, findings) -> Question:
    depth = findings["depth"]
    five = _mean(depth, "5 layers: |dW_1| / |W_1| after one step")
    eight = _mean(depth, "8 layers: |dW_1| / |W_1| after one step")
    return Question(
        say("theta_update_question"),
        say("theta_update_answer", five=five, eight=eight),
        say("theta_update_erratum"))


def exploding_when(by_key, findings) -> Question:
    steps = [int(step) for step in findings["exploding"].measured["diverged at step"] if np.isfinite(step)]
    relu = by_key["gradient-vanishing/relu-exploding"].layers[0].backward
    seeds = len(findings["exploding"].held)
    return Question(
        say("exploding_when_question"),
        say("exploding_when_answer", relu=relu, steps=steps, seeds=seeds))


def no_convergence(by_key, findings) -> Question:
    rates = findings["learning-rate"]
    moderate = _mean(rates, "lr 0.1: train loss")
    large = rates.measured["lr 3: train loss"]
    finite = [v for v in large if np.isfinite(v)]
    return Question(say("no_convergence_question"), say(
        "no_convergence_answer", moderate=moderate, stuck=len(finite), mean=float(np.mean(finite)) if finite else None,
        diverged=len(large) - len(finite), seeds=len(large), guessing=float(np.log(10))))


def discrete_mean(by_key, findings) -> Question:
    die = sstats.Die("D", 6)
    return Question(
        say("discrete_mean_question"),
        say("discrete_mean_answer", mean=sstats.E(die)))


def product_mean(by_key, findings) -> Question:
    return Question(
        say("product_mean_question"),
        say("product_mean_answer"))


def continuous_mean(by_key, findings) -> Question:
    return Question(
        say("continuous_mean_question"),
        say("continuous_mean_answer"))


def variance_form(by_key, findings) -> Question:
    return Question(
        say("variance_form_question"),
        say("variance_form_answer"))


def product_variance(by_key, findings) -> Question:
    check = by_key["product-variance/uniform-times-exponential"]
    low, high = check.estimate.ci
    return Question(
        say("product_variance_question"),
        say("product_variance_answer", check=check, low=low, high=high))


def uniform_definition(by_key, findings) -> Question:
    a, b, x = sp.symbols("a b x", real=True)
    total = sp.latex(sp.simplify(sp.integrate(1 / (b - a), (x, a, b))))
    return Question(
        say("uniform_definition_question"),
        say("uniform_definition_answer", total=total))


def bus(by_key, findings) -> Question:
    wait = sstats.Uniform("T", 0, 60)
    t = sp.Symbol("t")
    probability = sstats.P(sp.And(wait >= 5, wait <= 20))
    density = sstats.density(wait)(t).args[0][0]
    return Question(
        say("bus_question"),
        say("bus_answer", density=density, probability=probability),
        say("bus_erratum"))


def uniform_variance(by_key, findings) -> Question:
    return Question(
        say("uniform_variance_question"),
        say("uniform_variance_answer"))


def maclaurin(by_key, findings) -> Question:
    series = _r("maclaurin-tanh", "series")
    return Question(
        say("maclaurin_question"),
        say("maclaurin_answer", series=series))


def maclaurin_use(by_key, findings) -> Question:
    check = by_key["maclaurin-tanh/next-terms"]
    return Question(
        say("maclaurin_use_question"),
        say("maclaurin_use_answer", check=check))


def xavier_tanh_range(by_key, findings) -> Question:
    return Question(
        say("xavier_tanh_range_question"),
        say("xavier_tanh_range_answer"))


def xavier_sigmoid_range(by_key, findings) -> Question:
    initialisation = findings["initialisation-sigmoid"]
    textbook, exact = _mean(initialisation, "16/n"), _mean(initialisation, "exact")
    gain = float(n * _r("exact-gain-sigmoid", "forward"))
    return Question(
        say("xavier_sigmoid_range_question"),
        say("xavier_sigmoid_range_answer", gain=gain, textbook=textbook, exact=exact))


def he_range(by_key, findings) -> Question:
    check = by_key["he-relu/relu"].layers[-1].forward
    low, high = check.ci
    return Question(
        say("he_range_question"),
        say("he_range_answer", check=check, low=low, high=high))


_ALL = (fixed_values, xavier_or_he, sigmoid_tails, sigmoid_at_14, deep_gradients, sigmoid_peak, theta_update,
        exploding_when, no_convergence, discrete_mean, product_mean, continuous_mean, variance_form, product_variance,
        uniform_definition, bus, uniform_variance, maclaurin, maclaurin_use, xavier_tanh_range, xavier_sigmoid_range,
        he_range)
"""The notes' questions, in the notes' order."""
