"""Checks of the statistics primer: dice rolled, pupils sampled by the survey's shares, bus waits drawn,
and their averages held against the derived expectations and probability."""

from __future__ import annotations

import numpy as np

from initproof.derive.library.statistics import DISTANCES, EARLY, FACES, HOUR, LATE
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import derived
from ..registry import register


@register("expectation-examples")
def expectation_examples() -> list:
    values, shares = np.array(list(DISTANCES)), np.array([float(p) for p in DISTANCES.values()])

    def rolls(rng: np.random.Generator, k: int) -> np.ndarray:
        return rng.integers(1, FACES + 1, k).astype(float)

    def wait(rng: np.random.Generator, k: int) -> np.ndarray:
        return rng.uniform(0, HOUR, k)

    def within(rng: np.random.Generator, k: int) -> np.ndarray:
        times = wait(rng, k)
        return ((times >= EARLY) & (times <= LATE)).astype(float)

    return [
        SamplingCheck("expectation-examples", "die-mean", Text("E[D] = 7/2 for rolls of a fair die",
                                                               "E[D] = 7/2 khi tung xúc xắc cân đối"),
                      derived("expectation-examples", "die-mean"), rolls),
        SamplingCheck("expectation-examples", "die-variance", Text("Var(D) = 35/12 for rolls of a fair die",
                                                                   "Var(D) = 35/12 khi tung xúc xắc cân đối"),
                      derived("expectation-examples", "die-variance"), rolls, statistic="variance"),
        SamplingCheck("expectation-examples", "distance-second-moment",
                      Text("E[K^2] = 23/5 km^2: pupils drawn with the survey's 30%, 40%, 30%",
                           "E[K^2] = 23/5 km^2: học sinh rút theo tỉ lệ 30%, 40%, 30% của khảo sát"),
                      derived("expectation-examples", "distance-second-moment"),
                      lambda rng, k: rng.choice(values, k, p=shares) ** 2.0),
        SamplingCheck("expectation-examples", "bus-probability",
                      Text(f"P({EARLY} <= T <= {LATE}) = 1/4 for a wait T ~ U(0, {HOUR}) minutes",
                           f"P({EARLY} <= T <= {LATE}) = 1/4 với thời gian chờ T ~ U(0, {HOUR}) phút"),
                      derived("expectation-examples", "bus-probability"), within),
        SamplingCheck("expectation-examples", "bus-mean", Text(f"E[T] = {HOUR // 2} minutes",
                                                               f"E[T] = {HOUR // 2} phút"),
                      derived("expectation-examples", "bus-mean"), wait),
    ]

