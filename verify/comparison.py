r"""Framework initialisers against initproof's exact gains, with depth predictions.

For square layers (``n = m``) each recipe of :mod:`derive.frameworks` gives
``n Var(w)``; it is compared with the exact forward rule of ``exact-gain-ACT``
and pushed through the exact recursion (:mod:`verify.recursion`) from inputs of
first-layer pre-activations of unit variance (``q_1 = 1``): the forward variance
``q_L`` and the gradient variance reaching the input, relative to the output's,
after ``L`` = 10 and 50 layers; and where the forward map
:math:`q \mapsto n \operatorname{Var}(w) E[\phi(\sqrt q\,\xi)^2]` settles from ``q = 1`` (its fixed
point :math:`q^*`, 0 when the variance dies out and infinity when it blows up) with the map's slope
there, which says whether that fixed point attracts (< 1) or repels (> 1) the variance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import cache

from initproof.derive.activations import Activation
from initproof.derive.frameworks import initializers
from initproof.derive.library.gains import for_activation
from initproof.derive.symbols import m, n

from .numeric import activation_pair
from .recursion import fixed_point_slope, gaussian_expectation, predict

DEPTHS = (10, 50)
SQUARE = 7
"""Any ``n = m``: ``n Var(w)`` of square layers does not depend on it."""


@dataclass(frozen=True)
class Row:
    """One initialiser for one activation (``n_var`` is ``n Var(w)`` at ``n = m``)."""

    activation: str
    framework: str
    initializer: str
    note: str
    formula: str
    n_var: float
    ratio: float
    fixed_point: float
    slope: float
    forward: dict[int, float]
    backward: dict[int, float]
    source: str

    def as_dict(self) -> dict:
        return asdict(self) | {"forward": {str(k): v for k, v in self.forward.items()},
                               "backward": {str(k): v for k, v in self.backward.items()}}


def exact_gains(activation: Activation) -> tuple[float, float]:
    """``n Var(w)`` of the exact forward and backward rules (at default parameters)."""
    d = for_activation(activation)
    suffix = "-default" if any(r.name == "forward-default" for r in d.results) else ""
    return (float(n * d.named("forward" + suffix).rhs), float(m * d.named("backward" + suffix).rhs))


@cache
def depth_profile(activation: Activation, gain: float) -> tuple[dict[int, float], dict[int, float], float, float]:
    """Forward variance and input-gradient variance after each depth of :data:`DEPTHS` from
    ``q_1 = 1``, the fixed point the forward map settles at, and the map's slope there."""
    phi, dphi = activation_pair(activation.phi)
    forward, backward = {}, {}
    for depth in DEPTHS:
        q, g = predict(phi, dphi, gain, depth, q0=1 / gain)
        forward[depth], backward[depth] = float(q[-1]), float(g[0])
    fixed = settle(phi, gain)
    slope = fixed_point_slope(phi, gain, max(fixed, 1e-10)) if math.isfinite(fixed) else math.nan
    return forward, backward, fixed, slope


def settle(phi, gain: float, start: float = 1.0, layers: int = 2000) -> float:
    r"""Where :math:`q_{l+1} = n \operatorname{Var}(w) E[\phi(\sqrt{q_l}\,\xi)^2]` settles from ``start``:
    a positive fixed point, 0 when the variance dies out, infinity when it grows without bound."""
    q, previous = start, start
    for _ in range(layers):
        q, previous = gain * gaussian_expectation(lambda u: phi(u) ** 2, q), q
        if not math.isfinite(q) or q > 1e100:
            return math.inf
        if q < 1e-100:
            return 0.0
        if abs(q - previous) <= 1e-13 * q:
            return q
    return 0.0 if q < previous else math.inf


def compare(activation: Activation) -> list[Row]:
    """Every framework recipe (recipes of one framework with equal variance share a row), then
    initproof's exact forward and backward rules, for ``activation``."""
    forward_gain, backward_gain = exact_gains(activation)
    groups: dict[tuple[str, float], list] = {}
    for init in initializers(activation.name):
        gain = float((n * init.variance).subs({m: SQUARE, n: SQUARE}))
        groups.setdefault((init.framework, round(gain, 12)), []).append(init)
    rows = []
    for (framework, gain), members in groups.items():
        names = " / ".join(init.name for init in members)
        notes = "; ".join(dict.fromkeys(init.note for init in members if init.note))
        formulas = "; ".join(init.documented for init in members)
        rows.append(_row(activation, framework, names, notes, formulas, gain, forward_gain, members[0].source))
    for direction, gain in (("forward", forward_gain), ("backward", backward_gain)):
        rows.append(_row(activation, "initproof", f"exact {direction} rule", "", f"n Var(w) = {gain:.6g}", gain,
                         forward_gain, f"initproof gain {activation.name}"))
    return rows


def _row(activation: Activation, framework: str, name: str, note: str, formula: str, gain: float, exact: float,
         source: str) -> Row:
    forward, backward, fixed, slope = depth_profile(activation, gain)
    return Row(activation.name, framework, name, note, formula, gain, gain / exact, fixed, slope, forward, backward,
               source)
