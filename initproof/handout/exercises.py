"""An exercise sheet with fresh numbers per seed, and its answer key.

Each exercise draws its parameters from the seed and computes its answer from a derived result
(:mod:`initproof.derive`), never from a formula typed here: the sheet and the key of a seed always
agree, and two seeds give two sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from initproof.derive.library import distributions, variance
from initproof.derive.library.layers import d_k, kv, p, qv
from initproof.derive.library.rules import a
from initproof.derive.moments import Mean, Var
from initproof.derive.registry import result as _r
from initproof.derive.symbols import m, n, z
from initproof.derive.text import Text

from .blocks import Block, Paragraph, Question
from .content import Handout
from .prose import say


@dataclass(frozen=True)
class Exercise:
    """A question, its answer, and the parameters they were made from."""

    question: Text
    answer: Text
    values: dict[str, float]


def he_bound(rng: np.random.Generator) -> Exercise:
    fan_in = int(rng.choice([64, 128, 200, 256, 300, 512, 784, 1000, 1024]))
    bound = float(_r("he-relu", "uniform-bound").subs(n, fan_in))
    return Exercise(
        say("exercise_he_bound_question", fan_in=fan_in),
        say("exercise_he_bound_answer", bound=bound),
        {"n": fan_in, "r": bound})


def xavier_std(rng: np.random.Generator) -> Exercise:
    fan_in, fan_out = (int(v) for v in rng.choice([32, 64, 100, 128, 256, 400, 512], size=2, replace=False))
    std = float(_r("xavier-tanh", "normal-std-fan-average").subs({n: fan_in, m: fan_out}))
    return Exercise(
        say("exercise_xavier_std_question", fan_in=fan_in, fan_out=fan_out),
        say("exercise_xavier_std_answer", std=std),
        {"n": fan_in, "m": fan_out, "std": std})


def sigmoid_slope(rng: np.random.Generator) -> Exercise:
    point = float(rng.choice([1.5, 2.5, 3.0, 4.0, 5.5, 6.5, 8.0]))
    slope = float(sp.N(_r("activation-derivatives", "sigmoid").subs(z, sp.Rational(str(point))), 15))
    return Exercise(
        say("exercise_sigmoid_slope_question", point=point),
        say("exercise_sigmoid_slope_answer", point=point, slope=slope, fraction=4 * slope),
        {"z": point, "slope": slope})


def product_variance(rng: np.random.Generator) -> Exercise:
    low, high = sorted(int(v) for v in rng.choice(np.arange(-2, 6), size=2, replace=False))
    mean_y, var_y = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    bounds = {distributions.a: low, distributions.b: high}
    formula = sp.latex(_r("product-variance", "variance"))
    x_, y_ = variance.X, variance.Y
    value = _r("product-variance", "variance").xreplace({
        Mean(x_): _r("uniform-moments", "mean").subs(bounds), Var(x_): _r("uniform-moments", "variance").subs(bounds),
        Mean(y_): mean_y, Var(y_): var_y})
    return Exercise(
        say("exercise_product_variance_question", low=low, high=high, mean_y=mean_y, var_y=var_y),
        say("exercise_product_variance_answer", formula=formula, value=sp.nsimplify(value)),
        {"a": low, "b": high, "mean_y": mean_y, "var_y": var_y, "variance": float(value)})


def bus(rng: np.random.Generator) -> Exercise:
    period = int(rng.choice([20, 30, 45, 60]))
    start = int(rng.integers(0, period // 2))
    end = int(rng.integers(start + 1, period + 1))
    mean = _r("uniform-moments", "mean").subs({distributions.a: 0, distributions.b: period})
    probability = sp.Rational(end - start, period)
    return Exercise(
        say("exercise_bus_question", period=period, start=start, end=end),
        say("exercise_bus_answer", period=period, end=end, start=start, probability=probability, mean=mean),
        {"period": period, "start": start, "end": end, "probability": float(probability), "mean": float(mean)})


def dropout(rng: np.random.Generator) -> Exercise:
    rate = float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.5]))
    moment = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
    value = float(_r("dropout-variance", "second-moment").subs({Mean(a**2): moment, p: sp.Rational(str(rate))}))
    return Exercise(
        say("exercise_dropout_question", rate=rate, moment=moment),
        say("exercise_dropout_answer", value=value, growth=1 / (1 - rate)),
        {"p": rate, "moment": moment, "second_moment": value})


def attention(rng: np.random.Generator) -> Exercise:
    head = int(rng.choice([16, 32, 64, 96, 128]))
    score = float(_r("attention-scale", "score").subs({d_k: head, Var(qv): 1, Var(kv): 1}))
    scale = _r("attention-scale", "scale").subs(d_k, head)
    return Exercise(
        say("exercise_attention_question", head=head),
        say("exercise_attention_answer", score=score, scale=scale),
        {"d": head, "variance": score, "scale": float(scale)})


EXERCISES: tuple[Callable[[np.random.Generator], Exercise], ...] = (
    he_bound, xavier_std, sigmoid_slope, product_variance, bus, dropout, attention)


def exercises(seed: int) -> list[Exercise]:
    """One of each exercise, with parameters drawn from ``seed``."""
    streams = np.random.SeedSequence(seed).spawn(len(EXERCISES))
    return [make(np.random.default_rng(stream)) for make, stream in zip(EXERCISES, streams, strict=True)]


def _numbered(k: int, text: Text) -> Text:
    """``text`` as the ``k``-th item of a list."""
    return Text(f"{k}. {text.en}", f"{k}. {text.vi}")


def sheets(seed: int) -> tuple[Handout, Handout]:
    """The exercise sheet and its answer key for ``seed``."""
    found = exercises(seed)
    title, key = say("exercise_sheet_title", seed=seed), say("exercise_key_title", seed=seed)
    note = Paragraph(say("exercise_sheet_note"))
    questions: list[Block] = [note, *(Paragraph(_numbered(k, e.question)) for k, e in enumerate(found, 1))]
    answers: list[Block] = [Question(_numbered(k, e.question), e.answer) for k, e in enumerate(found, 1)]
    return Handout(title, questions, [], seed), Handout(key, answers, [], seed)
