r"""Estimates from independent replicates, with Bonferroni-corrected t intervals.

A quantity is estimated in ``R`` independent replicates (separate sample blocks
or separate networks). The estimate is their mean, the standard error
:math:`s/\sqrt{R}` from their spread, and the interval
:math:`\bar x \pm t_{R-1}(1 - \alpha / (2K))\, s/\sqrt{R}` for a family of ``K``
comparisons with family-wise false-alarm rate ``alpha`` (Bonferroni).
A check passes when the claimed value lies in the interval *and* the interval's
relative half-width is at most the requested precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import mpmath
import numpy as np

CHUNK = 1 << 18
"""Most values drawn at once: memory stays bounded whatever the sample count."""


@dataclass(frozen=True)
class Estimate:
    """A replicated estimate and its confidence interval."""

    estimate: float
    stderr: float
    ci: tuple[float, float]
    samples: int
    replicates: int

    def agrees(self, expected: float) -> bool:
        """Whether ``expected`` lies in the interval."""
        return self.ci[0] <= expected <= self.ci[1]

    def precise(self, precision: float, expected: float) -> bool:
        """Whether the relative half-width is at most ``precision``."""
        half = (self.ci[1] - self.ci[0]) / 2
        return half <= precision * max(abs(expected), abs(self.estimate))


def interval(values: np.ndarray, alpha: float, comparisons: int, samples: int) -> Estimate:
    """Estimate from replicate values (last axis: replicates)."""
    values = np.asarray(values, dtype=float)
    replicates = values.shape[-1]
    mean = values.mean(axis=-1)
    stderr = values.std(axis=-1, ddof=1) / np.sqrt(replicates)
    quantile = t_quantile(replicates - 1, alpha / (2 * comparisons))
    return Estimate(float(mean), float(stderr), (float(mean - quantile * stderr),
                                                 float(mean + quantile * stderr)), samples, replicates)


@cache
def t_quantile(df: int, tail: float) -> float:
    r"""Student's :math:`t_{df}` quantile with upper tail probability ``tail``: the root of
    :math:`P(T > t) = \tfrac12 I_{df/(df + t^2)}(df/2, 1/2) = \text{tail}` (the regularized incomplete
    beta function), found by mpmath at 40 digits with the Illinois method on the log of both sides,
    bracketed below by the normal quantile (the t distribution's tail is heavier) and above by doubling.
    Agrees with ``scipy.special.stdtrit`` to 1e-14 from 1 to 1e8 degrees of freedom; mpmath comes with
    sympy, and scipy.special would add 0.22 s to every start."""
    with mpmath.workdps(40):
        a, half, target = mpmath.mpf(df) / 2, mpmath.mpf(1) / 2, mpmath.log(mpmath.mpf(tail))

        def gap(t: mpmath.mpf) -> mpmath.mpf:
            return mpmath.log(mpmath.betainc(a, half, 0, df / (df + t * t), regularized=True) / 2) - target

        low = mpmath.mpf(NormalDist().inv_cdf(1 - tail)) if tail < 0.5 else mpmath.mpf(0)
        high = 2 * low + 1
        while gap(high) > 0:
            high *= 2
        return float(mpmath.findroot(gap, (low, high), solver="illinois", tol=mpmath.mpf(10) ** -30))


def chunks(total: int, chunk: int = CHUNK) -> Iterator[int]:
    """Sizes of successive draws that add up to ``total``, none above ``chunk``."""
    full, rest = divmod(total, chunk)
    yield from (chunk for _ in range(full))
    if rest:
        yield rest


Draw = Callable[[np.random.Generator, int], np.ndarray]
"""Draws ``size`` i.i.d. values of the quantity whose mean (or variance) is checked."""


def block_statistics(draw: Draw, rng: np.random.Generator, samples: int, replicates: int,
                     statistic: str) -> np.ndarray:
    """Per-replicate mean or unbiased variance of ``samples // replicates`` draws each.

    Each block is drawn in chunks of at most :data:`CHUNK` values; sums are
    accumulated around a pilot value to keep the variance computation stable.
    """
    size = samples // replicates
    out = np.empty(replicates)
    shift = float(np.mean(draw(rng, 64)))
    for k in range(replicates):
        total = squares = 0.0
        for count in chunks(size):
            values = draw(rng, count) - shift
            total += float(values.sum())
            squares += float(np.dot(values, values))
        mean = total / size
        out[k] = mean + shift if statistic == "mean" else (squares - size * mean**2) / (size - 1)
    return out
