"""The statistics primer of the notes (Model Initialization, 3.1 and 3.2): expectations of a discrete
and of a continuous variable, why :math:`\\sum_i x_i^2 P(x_i) = E[X^2]`, and the notes' examples: a fair
die, the distance from home to school, the bus that leaves once an hour."""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..assumptions import distributed
from ..derivation import Builder, Derivation
from ..moments import Mean, Var
from ..registry import register
from ..steps import Model
from ..text import Text

k, t = sp.symbols("k t", positive=True)
D, K, S, T = sp.symbols("D K S T", real=True)
FACES = 6
DISTANCES = {1: sp.Rational(3, 10), 2: sp.Rational(2, 5), 3: sp.Rational(3, 10)}
"""The notes' survey: 30% of the pupils live 1 km from school, 40% 2 km, 30% 3 km."""
HOUR, EARLY, LATE = 60, 5, 20
"""The bus leaves once every 60 minutes; the notes ask for a wait between 5 and 20 minutes."""

DIE = distributed("fair-die", "a fair die: each face has the same probability",
                  "xúc xắc cân đối: mỗi mặt có cùng xác suất", D, stats.Die("D", FACES))
DISTANCE = distributed("distance", "the distance to school, in km, with the survey's probabilities",
                       "khoảng cách đến trường, tính bằng km, với xác suất của khảo sát", K,
                       stats.FiniteRV("K", DISTANCES))
SQUARED = distributed("squared-distance", "the same pupils measured in square kilometres: each value squared, "
                      "each probability kept", "cùng học sinh đó đo bằng km vuông: mỗi giá trị bình phương, giữ "
                      "nguyên xác suất", S, stats.FiniteRV("S", {x**2: p for x, p in DISTANCES.items()}))
BUS = distributed("bus-wait", "the wait for a bus that leaves once an hour, at a time nobody knows",
                  "thời gian chờ xe buýt rời bến mỗi giờ một lần, vào lúc không ai biết", T,
                  stats.Uniform("T", 0, HOUR))


@register("expectation-examples")
def expectation_examples() -> Derivation:
    r"""A fair die has :math:`E[D] = 7/2`, :math:`E[D^2] = 91/6`, :math:`\operatorname{Var}(D) = 35/12`;
    :math:`E[K^2] = \sum_x x^2 P(K = x)` is the mean of :math:`S = K^2` (the law of the unconscious
    statistician); a bus wait :math:`T \sim U(0, 60)` lies between 5 and 20 minutes with probability 1/4."""
    d = Builder("expectation-examples",
                Text("Expectation: a die, a distance, a bus", "Kỳ vọng: xúc xắc, khoảng cách, xe buýt"),
                (DIE, DISTANCE, SQUARED, BUS), Model(random=(D, K, S, T)))
    d.step(Mean(D), sp.Sum(k * sp.Rational(1, FACES), (k, 1, FACES)), "definition of expectation",
           "a discrete variable: each value times its probability, $1/6$ for every face",
           "biến rời rạc: mỗi giá trị nhân xác suất của nó, $1/6$ cho mỗi mặt", (DIE,))
    mean = d.then(d.last.rhs.doit(), "summation", "add the six terms", "cộng sáu số hạng", (DIE,))
    d.result("die-mean")
    d.step(Mean(D**2), sp.Sum(k**2 * sp.Rational(1, FACES), (k, 1, FACES)), "unconscious statistician",
           "$E[D^2]$: the squared values with the same probabilities",
           "$E[D^2]$: các giá trị bình phương với cùng xác suất", (DIE,))
    second = d.then(d.last.rhs.doit(), "summation", "add the six terms", "cộng sáu số hạng", (DIE,))
    d.step(Var(D), Mean(D**2) - Mean(D) ** 2, "variance identity", "$\\operatorname{Var}(D) = E[D^2] - E[D]^2$",
           "$\\operatorname{Var}(D) = E[D^2] - E[D]^2$", (DIE,))
    d.then(second - mean**2, "substitution", "insert the two moments", "thay hai moment vào", (DIE,))
    d.result("die-variance")
    terms = sp.Add(*(sp.Mul(sp.Pow(sp.Integer(x), 2, evaluate=False), p, evaluate=False)
                     for x, p in DISTANCES.items()), evaluate=False)
    d.step(Mean(K**2), terms, "unconscious statistician",
           "$\\sum_x x^2 P(K = x)$: the values squared, the probabilities of $K$ kept",
           "$\\sum_x x^2 P(K = x)$: giá trị bình phương, giữ xác suất của $K$", (DISTANCE,))
    d.then(terms.doit(), "arithmetic", "$0.3 + 1.6 + 2.7$", "$0.3 + 1.6 + 2.7$", (DISTANCE,))
    d.result("distance-second-moment")
    d.step(Mean(K**2), Mean(S), "unconscious statistician",
           "it is the mean of $S = K^2$ computed from the distribution of $S$ itself: $S$ takes the value $x^2$ "
           "exactly when $K$ takes $x$", "đó chính là kỳ vọng của $S = K^2$ tính theo phân phối của chính $S$: $S$ "
           "nhận giá trị $x^2$ đúng khi $K$ nhận $x$", (DISTANCE, SQUARED))
    d.result("law-of-the-unconscious-statistician")
    density = stats.density(stats.Uniform("T", 0, HOUR))(t).args[0][0]
    d.step(sp.Integral(density, (t, EARLY, LATE)), sp.Rational(LATE - EARLY, HOUR), "integration",
           "$P(5 \\le T \\le 20)$: the area under the density $1/60$ from 5 to 20 minutes",
           "$P(5 \\le T \\le 20)$: diện tích dưới hàm mật độ $1/60$ từ phút 5 đến phút 20", (BUS,))
    d.result("bus-probability")
    d.step(Mean(T), sp.Integral(t * density, (t, 0, HOUR)), "definition of expectation",
           "a continuous variable: integrate $t f(t)$", "biến liên tục: tích phân của $t f(t)$", (BUS,))
    d.then(d.last.rhs.doit(), "integration", "evaluate the integral", "tính tích phân", (BUS,))
    d.result("bus-mean")
    return d.build(main="law-of-the-unconscious-statistician")

