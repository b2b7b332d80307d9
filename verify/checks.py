"""Kinds of checks: sampling, exact and deep-network, each producing an :class:`Outcome`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import sympy as sp

from initproof.derive.text import Text

from .estimate import Draw, Estimate, block_statistics, interval
from .network import Cost, Measurement, Network, Progress, Weights, cost, gaussian_weights, simulate_shared
from .numeric import activation_pair
from .recursion import predict
from .settings import Settings

BATCH = 64
"""Inputs per simulated network."""
SAFE_RANGE = (1e-30, 1e30)
"""Variances a float32 network represents with room to spare (its range is 1e-38 to 3e38 for the
values, whose squares are summed in float64)."""


class Direction(StrEnum):
    """What a network check measures at each layer."""

    FORWARD = "forward"
    """Pre-activation variances."""
    BACKWARD = "backward"
    """Gradient variances."""


DIRECTIONS = tuple(Direction)


class Statistic(StrEnum):
    """What a sampling check estimates from its draws."""

    MEAN = "mean"
    VARIANCE = "variance"


DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Measure:
    """One direction at one layer: the prediction, the estimate, its interval and the verdicts
    (``precise``: the interval is narrow enough; ``judged``: the check is decided on it)."""

    predicted: float
    measured: float
    ci: tuple[float, float]
    agrees: bool
    precise: bool = True
    judged: bool = True

    @property
    def half_width(self) -> float:
        return (self.ci[1] - self.ci[0]) / 2


@dataclass(frozen=True)
class Layer:
    """A network check's results at layer ``number`` (from 1); ``log``: the values are
    :math:`\\log q_l` (a drift check, forward only)."""

    number: int
    forward: Measure
    backward: Measure | None = None
    log: bool = False

    def as_dict(self) -> dict:
        """The JSON row: ``layer``, then per direction ``predicted_``, ``measured_``, ``ci_``,
        ``agrees_``, ``precise_`` and ``judged_`` (``predicted_log_forward``, ... on the log scale)."""
        row: dict = {"layer": self.number}
        for direction in DIRECTIONS:
            measure: Measure | None = getattr(self, direction)
            if measure is None:
                continue
            name = f"log_{direction}" if self.log else direction
            row |= {f"predicted_{name}": measure.predicted, f"measured_{name}": measure.measured,
                    f"ci_{name}": list(measure.ci), f"agrees_{name}": measure.agrees}
            if not self.log:
                row |= {f"precise_{name}": measure.precise, f"judged_{name}": measure.judged}
        return row

    @classmethod
    def from_dict(cls, data: dict) -> Layer:
        """What :func:`dataclasses.asdict` made of a layer, as a layer again."""
        measures = {d: Measure(**data[d] | {"ci": tuple(data[d]["ci"])}) if data.get(d) else None
                    for d in DIRECTIONS}
        return cls(data["number"], measures["forward"], measures["backward"], data["log"])


@dataclass(frozen=True)
class Outcome:
    """The result of one check; ``layers`` holds per-layer rows for network checks.

    ``claim`` is bilingual; JSON and the terminal table use its English text.
    """

    id: str
    key: str
    """``derivation-id/check-name``: stable, unique, what the handout and the tests ask for."""
    claim: Text
    expected: float
    estimate: Estimate
    passed: bool
    layers: tuple[Layer, ...] = ()
    detects: float | None = None
    """For a network check: the smallest relative error of what it judges that it catches
    (:func:`detectable`; None: not even 100%)."""

    def as_dict(self) -> dict:
        data = {"id": self.id, "key": self.key, "claim": self.claim.en, "expected": self.expected,
                "estimate": self.estimate.estimate, "stderr": self.estimate.stderr,
                "ci": list(self.estimate.ci), "samples": self.estimate.samples, "passed": self.passed}
        if self.layers:
            data["layers"] = [layer.as_dict() for layer in self.layers]
            data["detects_relative_error"] = self.detects
        return data


@dataclass(frozen=True)
class SamplingCheck:
    """The mean (or variance) of i.i.d. draws against a derived value."""

    id: str
    name: str
    claim: Text
    expected: float
    draw: Draw
    statistic: Statistic = Statistic.MEAN
    comparisons: int = 1
    share: float = 1.0
    """The fraction of ``settings.samples`` this check draws: less for a draw that is costly and whose
    values vary little (its interval and the precision it must reach are unchanged)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistic", Statistic(self.statistic))

    def run(self, rng: np.random.Generator, settings: Settings) -> Outcome:
        samples = max(settings.replicates, round(settings.samples * self.share))
        values = block_statistics(self.draw, rng, samples, settings.replicates, self.statistic)
        estimate = interval(values, settings.alpha, settings.comparisons,
                            samples // settings.replicates * settings.replicates)
        passed = estimate.agrees(self.expected) and estimate.precise(settings.precision, self.expected)
        return Outcome(self.id, f"{self.id}/{self.name}", self.claim, self.expected, estimate, passed)


@dataclass(frozen=True)
class ExactCheck:
    """A deterministic computation against a derived value, to a relative tolerance."""

    id: str
    name: str
    claim: Text
    expected: float
    compute: Callable[[np.random.Generator], float]
    tolerance: float = 1e-12
    comparisons: int = 0

    def run(self, rng: np.random.Generator, settings: Settings) -> Outcome:
        value = float(self.compute(rng))
        passed = abs(value - self.expected) <= self.tolerance * max(abs(self.expected), 1e-300)
        exact = Estimate(value, 0.0, (value, value), 1, 1)
        return Outcome(self.id, f"{self.id}/{self.name}", self.claim, self.expected, exact, passed)


@dataclass(frozen=True)
class NetworkCheck:
    r"""Per-layer forward and backward variances of simulated networks against predictions.

    A direction named in ``preserves`` (``"forward"``, ``"backward"``) is held at
    every layer against one value: the first layer's predicted variance forward,
    the top layer's backward (the claim of a variance-preserving rule); other
    directions against the exact recursion of :mod:`verify.recursion`. ``gain``
    is ``n Var(w)``; inputs have variance ``input_var``. The networks are real: the backward
    pass multiplies by :math:`\phi'` at each layer's own pre-activations. The check passes when
    every layer of each direction in ``judged`` agrees with its prediction, precisely; the other
    direction is measured and reported only (its mean-field prediction can carry a finite-width
    bias that compounds over depth). The outcome's summary is the last layer's forward
    variance, or, for a backward claim, the gradient that reached layer 1; its ``detects`` is
    the check's power (:func:`detectable`).

    ``extrapolate`` removes the :math:`O(1/n)` finite-width bias the recursion does not have: each
    replicate pairs a network of width ``n`` with one of width ``n/2`` and measures
    :math:`2 v_n - v_{n/2}` (Richardson). For SiLU under its backward rule the gradient reaching
    layer 1 is 0.970, 0.889 and 0.843 at widths 128, 256 and 512 against the recursion's 0.800;
    extrapolated, 0.808 and 0.797.
    """

    id: str
    name: str
    claim: Text
    activation: sp.Expr
    gain: float
    width: int = 256
    depth: int = 10
    replicates: int = 64
    bias_var: float = 0.0
    preserves: tuple[Direction, ...] = ()
    weights: Weights | None = None
    input_var: float = 1.0
    judged: tuple[Direction, ...] = DIRECTIONS
    extrapolate: bool = False
    dtype: str = "float32"
    """Precision of the simulated networks (their sums of squares are always taken in float64).
    Variances the recursion predicts outside :data:`SAFE_RANGE` are simulated in float64."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "preserves", tuple(map(Direction, self.preserves)))
        object.__setattr__(self, "judged", tuple(map(Direction, self.judged)))
        if self.dtype not in DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r}; choose from {', '.join(DTYPES)}")

    @property
    def comparisons(self) -> int:
        return 2 * self.depth

    def predictions(self, error: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Predicted forward and backward variances per layer, for a gain wrong by the relative
        ``error`` (0: the check's own)."""
        return self.claimed(*self.actual(error))

    def actual(self, error: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """What networks run with a gain wrong by ``error`` do, by the recursion."""
        phi, dphi = activation_pair(self.activation)
        return predict(phi, dphi, self.gain * (1 + error), self.depth, self.input_var, self.bias_var)

    def claimed(self, forward: np.ndarray, backward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The claim made from the recursion's ``forward`` and ``backward``: a kept direction is
        constant at its first layer's value (forward) or its top layer's (backward)."""
        if "forward" in self.preserves:
            forward = np.full(self.depth, forward[0])
        if "backward" in self.preserves:
            backward = np.full(self.depth, backward[-1])
        return forward, backward

    def widths(self) -> tuple[int, ...]:
        """The widths simulated: the check's, and half of it when extrapolating."""
        return (self.width, self.width // 2) if self.extrapolate else (self.width,)

    def precision(self) -> type:
        """The dtype the networks run in: :attr:`dtype`, or float64 when a predicted variance leaves
        the range float32 represents with room to spare."""
        forward, backward = self.actual()
        values = np.abs(np.concatenate([forward, backward, [self.input_var]]))
        safe = np.all(np.isfinite(values)) and SAFE_RANGE[0] <= values.min() and values.max() <= SAFE_RANGE[1]
        return np.dtype(self.dtype).type if safe else np.float64

    def cost(self) -> Cost:
        """Estimated time and peak memory of :meth:`run`."""
        costs = [cost(width, self.depth, self.replicates, BATCH, self.precision(), gaussian=self.weights is None)
                 for width in self.widths()]
        return sum(costs[1:], costs[0])

    def networks(self) -> list[tuple[tuple, Network]]:
        """The networks it simulates, one per width, each with the key of the draws it can share: its
        width, dtype and weight distribution."""
        phi, dphi = activation_pair(self.activation)
        out = []
        for width in self.widths():
            weights = self.weights or gaussian_weights(self.gain / width)
            out.append(((width, self.precision(), weights.draw),
                        Network(phi, dphi, weights.scale, self.depth, self.replicates, self.input_var,
                                self.bias_var, spread=False)))
        return out

    def measure(self, rng: np.random.Generator, progress: Progress | None = None) -> Measurement:
        """Per-replicate forward and backward variances (extrapolated to infinite width if asked)."""
        return measure_networks([self], rng, progress)[0]

    def run(self, rng: np.random.Generator, settings: Settings, progress: Progress | None = None,
            measured: Measurement | None = None) -> Outcome:
        """The outcome of the networks measured here (or of ``measured``, from :func:`measure_networks`)."""
        if measured is None:
            measured = self.measure(rng, progress)
        forward, backward = self.predictions()
        layers, passed = [], True
        for layer in range(self.depth):
            measures = {}
            for direction, predicted, values in (("forward", forward, measured.forward),
                                                 ("backward", backward, measured.backward)):
                estimate = interval(values[:, layer], settings.alpha, settings.comparisons, measured.values)
                measures[direction] = Measure(
                    float(predicted[layer]), estimate.estimate, estimate.ci, bool(estimate.agrees(predicted[layer])),
                    bool(estimate.precise(settings.network_precision, predicted[layer])), direction in self.judged)
                if direction in self.judged:
                    passed &= measures[direction].agrees and measures[direction].precise
            layers.append(Layer(layer + 1, **measures))
        if self.preserves == ("backward",):
            shown, values = float(backward[0]), measured.backward[:, 0]
        else:
            shown, values = float(forward[-1]), measured.forward[:, -1]
        summary = interval(values, settings.alpha, settings.comparisons, measured.values)
        return Outcome(self.id, f"{self.id}/{self.name}", self.claim, shown, summary, bool(passed), tuple(layers),
                       detectable(self, layers))


def measure_networks(checks: Sequence[NetworkCheck | DriftCheck], rng: np.random.Generator,
                     progress: Progress | None = None) -> list[Measurement]:
    """Each check's measurement, the networks of one width, dtype and weight distribution simulated
    together on shared draws (:func:`~.network.simulate_shared`), each group's replicates spawned from ``rng``
    in turn (so one check alone draws what it drew before networks were shared)."""
    groups: dict[tuple, list[tuple[int, int, Network]]] = {}
    for c, check in enumerate(checks):
        for w, (key, network) in enumerate(check.networks()):
            groups.setdefault(key, []).append((c, w, network))
    total = sum(max(n.replicates for *_, n in members) for members in groups.values())
    parts: dict[tuple[int, int], Measurement] = {}
    done = 0
    for (width, dtype, draw), members in groups.items():
        report = progress and (lambda finished, _, before=done: progress(before + finished, total))
        measured = simulate_shared([n for *_, n in members], draw, width, rng, BATCH, dtype, report)
        parts.update({(c, w): m for (c, w, _), m in zip(members, measured, strict=True)})
        done += max(n.replicates for *_, n in members)
    return [_extrapolated(*(parts[c, w] for w in range(len(check.widths())))) for c, check in enumerate(checks)]


def _extrapolated(measured: Measurement, half: Measurement | None = None) -> Measurement:
    """``measured``, or with ``half`` (width n/2) its Richardson extrapolation ``2 v_n - v_{n/2}``."""
    if half is None:
        return measured
    return Measurement(2 * measured.forward - half.forward, 2 * measured.backward - half.backward,
                       measured.spread, measured.values + half.values)


@dataclass(frozen=True)
class DriftCheck:
    r"""Networks started just off a repelling fixed point leave it as the recursion says.

    Inputs are scaled so that :math:`q_1` = ``start``; each layer's mean over networks of
    :math:`\log q_l` is held against :math:`\log` of the recursion started there. On the log scale
    the network-to-network spread stays of order one while :math:`q_l` itself spreads over orders
    of magnitude (at depth 40 a per-layer interval for SiLU's :math:`q_{40}` spans :math:`\pm 10^5`).
    The check passes when every layer agrees, and the last layer's interval both excludes the
    starting value (the variance did leave) and is no wider than the drift
    (half-width at most :math:`|\log q_L - \log q_1|`). The outcome's values are on the log scale.
    """

    id: str
    name: str
    claim: Text
    activation: sp.Expr
    gain: float
    start: float = 1.5
    width: int = 256
    depth: int = 40
    replicates: int = 24

    @property
    def comparisons(self) -> int:
        return self.depth

    def widths(self) -> tuple[int, ...]:
        return (self.width,)

    def networks(self) -> list[tuple[tuple, Network]]:
        """The network it simulates, keyed like :meth:`NetworkCheck.networks`."""
        phi, dphi = activation_pair(self.activation)
        weights = gaussian_weights(self.gain / self.width)
        return [((self.width, np.float32, weights.draw),
                 Network(phi, dphi, weights.scale, self.depth, self.replicates, self.start / self.gain, spread=False))]

    def run(self, rng: np.random.Generator, settings: Settings, measured: Measurement | None = None) -> Outcome:
        """The outcome of the networks measured here (or of ``measured``, from :func:`measure_networks`)."""
        phi, dphi = activation_pair(self.activation)
        if measured is None:
            measured = measure_networks([self], rng)[0]
        logs = np.log(measured.forward)
        predicted = np.log(predict(phi, dphi, self.gain, self.depth, self.start / self.gain)[0])
        layers, passed = [], True
        for layer in range(self.depth):
            estimate = interval(logs[:, layer], settings.alpha, settings.comparisons, measured.values)
            agrees = bool(estimate.agrees(predicted[layer]))
            passed &= agrees
            layers.append(Layer(layer + 1, Measure(float(predicted[layer]), estimate.estimate, estimate.ci, agrees),
                                log=True))
        drift = abs(predicted[-1] - predicted[0])
        passed &= not estimate.agrees(float(predicted[0])) and (estimate.ci[1] - estimate.ci[0]) / 2 <= drift
        return Outcome(self.id, f"{self.id}/{self.name}", self.claim, float(predicted[-1]), estimate, bool(passed),
                       tuple(layers))


def detectable(check: NetworkCheck, layers: list[Layer], largest: float = 0.5) -> float | None:
    r"""The check's power: the smallest relative error of what it judges that it would catch.

    For a direction the rule claims to keep (``preserves``), a rule wrong by :math:`\delta` runs its
    networks with gain :math:`n \operatorname{Var}(w)(1 + \delta)` and still claims a constant variance;
    it is caught once the recursion moves some layer away from that claim by twice the layer's
    interval half-width (either sign of :math:`\delta`; the larger is returned; None if even
    ``largest`` is not caught). For a direction judged against the recursion, the smallest
    relative error of the predicted values that is twice a half-width at some layer."""
    half_widths = {direction: np.array([getattr(layer, direction).half_width for layer in layers])
                   for direction in check.judged}
    index = {"forward": 0, "backward": 1}
    kept = [d for d in check.judged if d in check.preserves]
    predicted = check.predictions()
    errors = [float(np.min(2 * half_widths[d] / np.abs(predicted[index[d]]))) for d in check.judged if d not in kept]

    def caught(error: float) -> bool:
        actual = check.actual(error)
        claimed = check.claimed(*actual)
        with np.errstate(invalid="ignore", over="ignore"):
            return any(np.any(np.abs(actual[index[d]] - claimed[index[d]]) >= 2 * half_widths[d]) for d in kept)

    if kept:
        bounds = []
        for sign in (1.0, -1.0):
            if not caught(sign * largest):
                return None
            low, high = 0.0, largest
            for _ in range(14):
                middle = (low + high) / 2
                low, high = (low, middle) if caught(sign * middle) else (middle, high)
            bounds.append(high)
        errors.append(max(bounds))
    return min(errors) if errors else None
