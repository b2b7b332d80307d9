"""Kinds of checks: sampling, exact and deep-network, each producing an :class:`Outcome`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.text import Text

from .estimate import Draw, Estimate, block_statistics, interval
from .network import Weights, gaussian_weights, simulate
from .numeric import activation_pair
from .recursion import gaussian_expectation, predict
from .settings import Settings


@dataclass(frozen=True)
class Outcome:
    """The result of one check; ``layers`` holds per-layer rows for network checks.

    ``claim`` is bilingual; JSON and the terminal table use its English text.
    """

    id: str
    claim: Text
    expected: float
    estimate: Estimate
    passed: bool
    layers: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = {"id": self.id, "claim": self.claim.en, "expected": self.expected,
                "estimate": self.estimate.estimate, "stderr": self.estimate.stderr,
                "ci": list(self.estimate.ci), "samples": self.estimate.samples, "passed": self.passed}
        if self.layers:
            data["layers"] = self.layers
        return data


@dataclass(frozen=True)
class SamplingCheck:
    """The mean (or variance) of i.i.d. draws against a derived value."""

    id: str
    claim: Text
    expected: float
    draw: Draw
    statistic: str = "mean"
    comparisons: int = 1

    def run(self, rng: np.random.Generator, settings: Settings) -> Outcome:
        values = block_statistics(self.draw, rng, settings.samples, settings.replicates, self.statistic)
        estimate = interval(values, settings.alpha, settings.comparisons,
                            settings.samples // settings.replicates * settings.replicates)
        passed = estimate.agrees(self.expected) and estimate.precise(settings.precision, self.expected)
        return Outcome(self.id, self.claim, self.expected, estimate, passed)


@dataclass(frozen=True)
class ExactCheck:
    """A deterministic computation against a derived value, to a relative tolerance."""

    id: str
    claim: Text
    expected: float
    compute: Callable[[np.random.Generator], float]
    tolerance: float = 1e-12
    comparisons: int = 0

    def run(self, rng: np.random.Generator, settings: Settings) -> Outcome:
        value = float(self.compute(rng))
        passed = abs(value - self.expected) <= self.tolerance * max(abs(self.expected), 1e-300)
        return Outcome(self.id, self.claim, self.expected, Estimate(value, 0.0, (value, value), 1, 1), passed)


@dataclass(frozen=True)
class NetworkCheck:
    """Per-layer forward and backward variances of simulated networks against predictions.

    A direction named in ``preserves`` (``"forward"``, ``"backward"``) is held at
    every layer against one value: the first layer's predicted variance forward,
    the top layer's backward (the claim of a variance-preserving rule); other
    directions against the exact recursion of :mod:`verify.recursion`. ``gain``
    is ``n Var(w)``; inputs have variance ``input_var``. ``unit_slopes`` runs the
    backward pass through fresh unit-variance pre-activations (the mean-field
    model of a backward rule derived at ``q = 1``). The check passes when every layer of
    each direction in ``judged`` agrees with its prediction, precisely; the other direction
    is measured and reported only (its mean-field prediction can carry a finite-width
    bias that compounds over depth). The outcome's summary is the last layer's forward
    variance, or, for a backward claim, the gradient that reached layer 1.
    """

    id: str
    claim: Text
    activation: sp.Expr
    gain: float
    width: int = 256
    depth: int = 10
    replicates: int = 64
    bias_var: float = 0.0
    preserves: tuple[str, ...] = ()
    weights: Weights | None = None
    input_var: float = 1.0
    unit_slopes: bool = False
    judged: tuple[str, ...] = ("forward", "backward")

    @property
    def comparisons(self) -> int:
        return 2 * self.depth

    def predictions(self) -> tuple[np.ndarray, np.ndarray]:
        phi, dphi = activation_pair(self.activation)
        forward, backward = predict(phi, dphi, self.gain, self.depth, self.input_var, self.bias_var)
        if self.unit_slopes:
            factor = self.gain * gaussian_expectation(lambda u: dphi(u) ** 2, 1.0)
            backward = factor ** np.arange(self.depth, 0, -1, dtype=float)
        if "forward" in self.preserves:
            forward = np.full(self.depth, forward[0])
        if "backward" in self.preserves:
            backward = np.full(self.depth, backward[-1])
        return forward, backward

    def run(self, rng: np.random.Generator, settings: Settings) -> Outcome:
        phi, dphi = activation_pair(self.activation)
        weights = self.weights or gaussian_weights(self.gain / self.width)
        measured = simulate(phi, dphi, weights, self.width, self.depth, self.replicates, rng,
                            batch=64, q0=self.input_var, bias_var=self.bias_var, unit_slopes=self.unit_slopes)
        forward, backward = self.predictions()
        layers, passed = [], True
        for layer in range(self.depth):
            row = {"layer": layer + 1}
            for direction, predicted, values in (("forward", forward, measured.forward),
                                                 ("backward", backward, measured.backward)):
                estimate = interval(values[:, layer], settings.alpha, settings.comparisons, measured.values)
                agrees = bool(estimate.agrees(predicted[layer]))
                precise = bool(estimate.precise(settings.network_precision, predicted[layer]))
                if direction in self.judged:
                    passed &= agrees and precise
                row |= {f"predicted_{direction}": float(predicted[layer]),
                        f"measured_{direction}": estimate.estimate,
                        f"ci_{direction}": list(estimate.ci), f"agrees_{direction}": agrees,
                        f"precise_{direction}": precise, f"judged_{direction}": direction in self.judged}
            layers.append(row)
        if self.preserves == ("backward",):
            shown, values = float(backward[0]), measured.backward[:, 0]
        else:
            shown, values = float(forward[-1]), measured.forward[:, -1]
        summary = interval(values, settings.alpha, settings.comparisons, measured.values)
        return Outcome(self.id, self.claim, shown, summary, bool(passed), layers)
