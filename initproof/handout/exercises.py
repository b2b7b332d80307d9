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
from .numbers import significant as _g


@dataclass(frozen=True)
class Exercise:
    """A question, its answer, and the parameters they were made from."""

    question: Text
    answer: Text
    values: dict[str, float]



def _latex(identifier: str, name: str) -> str:
    return sp.latex(_r(identifier, name))


def he_bound(rng: np.random.Generator) -> Exercise:
    fan_in = int(rng.choice([64, 128, 200, 256, 300, 512, 784, 1000, 1024]))
    bound = float(_r("he-relu", "uniform-bound").subs(n, fan_in))
    return Exercise(
        Text(f"A ReLU layer has fan-in $n = {fan_in}$. Its weights are drawn from $U(-r, r)$ with He's rule. "
             "What is $r$?",
             f"Một lớp ReLU có fan-in $n = {fan_in}$. Trọng số được lấy từ $U(-r, r)$ theo quy tắc He. $r$ bằng "
             "bao nhiêu?"),
        Text(f"$r = {_latex('he-relu', 'uniform-bound')} = {_g(bound)}$.",
             f"$r = {_latex('he-relu', 'uniform-bound')} = {_g(bound)}$."),
        {"n": fan_in, "r": bound})


def xavier_std(rng: np.random.Generator) -> Exercise:
    fan_in, fan_out = (int(v) for v in rng.choice([32, 64, 100, 128, 256, 400, 512], size=2, replace=False))
    std = float(_r("xavier-tanh", "normal-std-fan-average").subs({n: fan_in, m: fan_out}))
    return Exercise(
        Text(f"A tanh layer maps ${fan_in}$ inputs to ${fan_out}$ outputs. With Xavier's fan average and normal "
             "weights, what standard deviation should the weights have?",
             f"Một lớp tanh ánh xạ ${fan_in}$ đầu vào thành ${fan_out}$ đầu ra. Với trung bình fan của Xavier và "
             "trọng số phân phối chuẩn, độ lệch chuẩn của trọng số là bao nhiêu?"),
        Text(f"$\\sigma_w = {_latex('xavier-tanh', 'normal-std-fan-average')} = {_g(std)}$.",
             f"$\\sigma_w = {_latex('xavier-tanh', 'normal-std-fan-average')} = {_g(std)}$."),
        {"n": fan_in, "m": fan_out, "std": std})


def sigmoid_slope(rng: np.random.Generator) -> Exercise:
    point = float(rng.choice([1.5, 2.5, 3.0, 4.0, 5.5, 6.5, 8.0]))
    slope = float(sp.N(_r("activation-derivatives", "sigmoid").subs(z, sp.Rational(str(point))), 15))
    return Exercise(
        Text(f"What is $\\sigma'(z)$ at $z = {point:g}$, and what fraction of the largest possible value is it?",
             f"$\\sigma'(z)$ tại $z = {point:g}$ bằng bao nhiêu, và bằng bao nhiêu phần giá trị lớn nhất?"),
        Text(f"$\\sigma'(z) = {_latex('activation-derivatives', 'sigmoid')}$, so $\\sigma'({point:g}) = "
             f"{_g(slope)}$, that is ${_g(4 * slope)}$ of the "
             "maximum $1/4$.",
             f"$\\sigma'(z) = {_latex('activation-derivatives', 'sigmoid')}$, nên $\\sigma'({point:g}) = "
             f"{_g(slope)}$, tức ${_g(4 * slope)}$ lần giá trị lớn "
             "nhất $1/4$."),
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
        Text(f"$X \\sim U({low}, {high})$ and an independent $Y$ with $E[Y] = {mean_y}$, $\\operatorname{{Var}}(Y) = "
             f"{var_y}$. What is $\\operatorname{{Var}}(XY)$?",
             f"$X \\sim U({low}, {high})$ và $Y$ độc lập với $E[Y] = {mean_y}$, $\\operatorname{{Var}}(Y) = {var_y}$. "
             "$\\operatorname{Var}(XY)$ bằng bao nhiêu?"),
        Text(f"$\\operatorname{{Var}}(XY) = {formula} = {sp.latex(sp.nsimplify(value))}$.",
             f"$\\operatorname{{Var}}(XY) = {formula} = {sp.latex(sp.nsimplify(value))}$."),
        {"a": low, "b": high, "mean_y": mean_y, "var_y": var_y, "variance": float(value)})


def bus(rng: np.random.Generator) -> Exercise:
    period = int(rng.choice([20, 30, 45, 60]))
    start = int(rng.integers(0, period // 2))
    end = int(rng.integers(start + 1, period + 1))
    mean = _r("uniform-moments", "mean").subs({distributions.a: 0, distributions.b: period})
    probability = sp.Rational(end - start, period)
    return Exercise(
        Text(f"A bus leaves every {period} minutes; you arrive at a random time. What is the probability of waiting "
             f"between {start} and {end} minutes, and the mean wait?",
             f"Xe buýt rời bến {period} phút một chuyến; bạn đến vào thời điểm ngẫu nhiên. Xác suất chờ từ {start} "
             f"đến {end} phút là bao nhiêu, và thời gian chờ trung bình?"),
        Text(f"The wait is $U(0, {period})$ with density $1/{period}$: $P = ({end} - {start})/{period} = "
             f"{sp.latex(probability)}$; mean ${_latex('uniform-moments', 'mean')} = {sp.latex(mean)}$ minutes.",
             f"Thời gian chờ là $U(0, {period})$ với mật độ $1/{period}$: $P = ({end} - {start})/{period} = "
             f"{sp.latex(probability)}$; trung bình ${_latex('uniform-moments', 'mean')} = {sp.latex(mean)}$ phút."),
        {"period": period, "start": start, "end": end, "probability": float(probability), "mean": float(mean)})


def dropout(rng: np.random.Generator) -> Exercise:
    rate = float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.5]))
    moment = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
    value = float(_r("dropout-variance", "second-moment").subs({Mean(a**2): moment, p: sp.Rational(str(rate))}))
    return Exercise(
        Text(f"Inverted dropout with $p = {rate:g}$ acts on activations with $E[a^2] = {moment:g}$. What is $E[y^2]$ "
             "after dropout, and by how much does the next layer's variance grow?",
             f"Dropout đảo với $p = {rate:g}$ tác động lên kích hoạt có $E[a^2] = {moment:g}$. $E[y^2]$ sau dropout "
             "bằng bao nhiêu, và phương sai của lớp sau tăng bao nhiêu lần?"),
        Text(f"$E[y^2] = {_latex('dropout-variance', 'second-moment')} = {_g(value)}$; the next layer's "
             f"variance grows by $1/(1 - p) = "
             f"{_g(1 / (1 - rate))}$.",
             f"$E[y^2] = {_latex('dropout-variance', 'second-moment')} = {_g(value)}$; phương sai của lớp sau "
             f"tăng $1/(1 - p) = "
             f"{_g(1 / (1 - rate))}$ lần."),
        {"p": rate, "moment": moment, "second_moment": value})


def attention(rng: np.random.Generator) -> Exercise:
    head = int(rng.choice([16, 32, 64, 96, 128]))
    score = float(_r("attention-scale", "score").subs({d_k: head, Var(qv): 1, Var(kv): 1}))
    scale = _r("attention-scale", "scale").subs(d_k, head)
    return Exercise(
        Text(f"Queries and keys of dimension $d = {head}$ have independent entries of mean 0 and variance 1. What "
             "is the variance of $q \\cdot k$, and by what must it be multiplied to have variance 1?",
             f"Query và key có chiều $d = {head}$ với các phần tử độc lập, kỳ vọng 0, phương sai 1. Phương sai của "
             "$q \\cdot k$ bằng bao nhiêu, và cần nhân với bao nhiêu để phương sai bằng 1?"),
        Text(f"$\\operatorname{{Var}}(q \\cdot k) = {_latex('attention-scale', 'score')} = {_g(score)}$; multiply by "
             f"${_latex('attention-scale', 'scale')} = {sp.latex(scale)}$.",
             f"$\\operatorname{{Var}}(q \\cdot k) = {_latex('attention-scale', 'score')} = {_g(score)}$; nhân với "
             f"${_latex('attention-scale', 'scale')} = {sp.latex(scale)}$."),
        {"d": head, "variance": score, "scale": float(scale)})


EXERCISES: tuple[Callable[[np.random.Generator], Exercise], ...] = (
    he_bound, xavier_std, sigmoid_slope, product_variance, bus, dropout, attention)


def exercises(seed: int) -> list[Exercise]:
    """One of each exercise, with parameters drawn from ``seed``."""
    streams = np.random.SeedSequence(seed).spawn(len(EXERCISES))
    return [make(np.random.default_rng(stream)) for make, stream in zip(EXERCISES, streams, strict=True)]


def sheets(seed: int) -> tuple[Handout, Handout]:
    """The exercise sheet and its answer key for ``seed``."""
    found = exercises(seed)
    title = Text(f"Weight initialisation: exercises (seed {seed})", f"Khởi tạo trọng số: bài tập (hạt giống {seed})")
    key = Text(f"Weight initialisation: answers (seed {seed})", f"Khởi tạo trọng số: đáp án (hạt giống {seed})")
    note = Paragraph(Text("Every answer is computed by initproof from its derivations; the key of the same seed "
                          "holds them.",
                          "Mọi đáp án được initproof tính từ các phép chứng minh; đáp án cùng hạt giống chứa chúng."))
    questions: list[Block] = [note, *(Paragraph(Text(f"{k}. {e.question.en}", f"{k}. {e.question.vi}"))
                                      for k, e in enumerate(found, 1))]
    answers: list[Block] = [Question(Text(f"{k}. {e.question.en}", f"{k}. {e.question.vi}"), e.answer)
                            for k, e in enumerate(found, 1)]
    return Handout(title, questions, [], seed), Handout(key, answers, [], seed)
