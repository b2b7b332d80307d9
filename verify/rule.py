"""A weight rule of the user's own: does it keep the signal alive through depth?

The activation is a catalogue name or an expression over ``z``; the weight
and bias variances are expressions over ``n`` (fan-in) and ``m`` (fan-out),
all parsed by :mod:`derive.parse` (never ``eval``). The rule is simulated in
square networks whose inputs are scaled so that the first layer's pre-activations
have unit variance (``q_1 = 1``, as ``initproof frameworks`` starts), and every
layer is held against the exact recursion; the verdict says whether the measured
forward and backward variances stay within ``factor`` of each other across the depth.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from initproof.derive.activations import Activation
from initproof.derive.parse import ParseError, parse_expression
from initproof.derive.symbols import m, n
from initproof.derive.text import Text

from .checks import Layer, NetworkCheck, Outcome
from .network import Cost, Progress
from .settings import Settings

MAX_SECONDS = 3600.0
"""The longest estimated simulation a rule may ask for."""

MEMORY_SHARE = 0.5
"""The largest share of the memory available now that a simulation may plan to use."""

MAX_VARIANCE = 1e100
"""The largest weight or bias variance a rule may ask for: beyond it the simulation overflows."""


@dataclass(frozen=True)
class RuleReport:
    """The network check's outcome and the verdict on the rule."""

    outcome: Outcome
    preserves: bool
    factor: float
    forward_spread: float
    backward_spread: float
    extrapolated: Outcome | None = None
    """When some layer differs: the same rule measured as :math:`2 v_n - v_{n/2}` (networks of
    width ``n`` and ``n/2``, Richardson), which removes the finite-width bias of order ``1/n``."""


def variance(text: str, width: int, what: str) -> float:
    """A variance expression over ``n`` and ``m`` evaluated at ``n = m = width``; must be >= 0."""
    expr = parse_expression(text, {"n": n, "m": m})
    number = expr.subs({n: width, m: width})
    if not number.is_number or not number.is_real:
        raise ParseError(f"{what} {text!r} does not evaluate to a real number at n = m = {width}")
    if number < 0:
        raise ParseError(f"{what} {text!r} is negative at n = m = {width}")
    value = float(sp.N(number, 20))
    if not math.isfinite(value) or value > MAX_VARIANCE:
        raise ParseError(f"{what} {text!r} is beyond {MAX_VARIANCE:.0e} at n = m = {width}")
    return value


def rule_check(activation: Activation, var_w: str, width: int = 256, depth: int = 10,
               bias_var: str | None = None, replicates: int = 64, dtype: str = "float32") -> NetworkCheck:
    """The network check for the user's rule (raises :class:`ParseError` on bad input)."""
    if not 2 <= width <= 4096:
        raise ParseError(f"--width must be from 2 to 4096, not {width}")
    if not 1 <= depth <= 500:
        raise ParseError(f"--depth must be from 1 to 500, not {depth}")
    weight_variance = variance(var_w, width, "--var-w")
    if weight_variance == 0:
        raise ParseError("--var-w is 0: all weights zero; try a positive variance")
    bias = variance(bias_var, width, "--bias-var") if bias_var else 0.0
    suffix = f", Var(b) = {bias_var}" if bias_var else ""
    claim = Text(f"activation {activation.name}, Var(w) = {var_w}{suffix}",
                 f"hàm kích hoạt {activation.name}, Var(w) = {var_w}{suffix}")
    gain = width * weight_variance
    return NetworkCheck("user-rule", "rule", claim, activation.phi, gain, width, depth, replicates, bias,
                        input_var=1 / gain, dtype=dtype)


def afford(check: NetworkCheck) -> Cost:
    """The check's estimated cost; :class:`ParseError` (with the numbers) when it would take more than
    :data:`MAX_SECONDS` or more than :data:`MEMORY_SHARE` of the memory available."""
    needed = check.cost()
    available = available_memory()
    if available is not None and needed.bytes > MEMORY_SHARE * available:
        raise ParseError(f"--width {check.width} --depth {check.depth} needs about {_gib(needed.bytes)} of memory "
                         f"and {_gib(available)} is available; lower --width or --depth")
    if needed.seconds > MAX_SECONDS:
        raise ParseError(f"--width {check.width} --depth {check.depth} would take about "
                         f"{needed.seconds / 3600:.1f} h here (limit {MAX_SECONDS / 3600:g} h); "
                         "lower --width or --depth")
    return needed


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``; None if unknown)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def judge(check: NetworkCheck, outcome: Outcome, factor: float, extrapolated: Outcome | None = None) -> RuleReport:
    """Whether measured forward and backward variances stay within ``factor`` across the layers."""
    forward = np.array([layer.forward.measured for layer in outcome.layers])
    backward = np.array([layer.backward.measured for layer in outcome.layers])
    spreads = [_spread(values) for values in (forward, backward)]
    return RuleReport(outcome, all(s <= factor for s in spreads), factor, *spreads, extrapolated)


def layer_verdict(layer: Layer) -> str:
    """``agrees``, ``DIFFERS`` or ``undecided`` for one layer of a rule check (both directions)."""
    measures = (layer.forward, layer.backward)
    agrees = all(m.agrees for m in measures)
    if not all(m.precise for m in measures):
        return "undecided" if agrees else "DIFFERS"
    return "agrees" if agrees else "DIFFERS"


def _spread(values: np.ndarray) -> float:
    """Largest over smallest value (infinite if a variance vanished)."""
    low = float(np.min(values))
    return float(np.max(values)) / low if low > 0 else float("inf")


def run_rule(check: NetworkCheck, seed: int, factor: float = 2.0, settings: Settings | None = None,
             progress: Progress | None = None) -> RuleReport:
    """Simulate ``check`` with ``seed`` and judge the rule; when some layer differs, measure it again
    extrapolated to infinite width (an independent stream of the same seed) to tell the finite-width
    bias from a failing prediction."""
    settings = replace(settings or Settings(), comparisons=check.comparisons)
    outcome = check.run(np.random.default_rng(np.random.SeedSequence(seed)), settings, progress)
    extrapolated = None
    if check.width >= 4 and any(layer_verdict(layer) == "DIFFERS" for layer in outcome.layers):
        stream = np.random.default_rng(np.random.SeedSequence([seed, 1]))
        extrapolated = replace(check, extrapolate=True).run(stream, settings, progress)
    return judge(check, outcome, factor, extrapolated)


__all__ = ["ParseError", "RuleReport", "afford", "judge", "rule_check", "run_rule"]
