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
from dataclasses import dataclass, replace

import numpy as np
import sympy as sp

from derive.activations import activation
from derive.parse import ParseError, parse_expression
from derive.symbols import m, n
from derive.text import Text

from .checks import NetworkCheck, Outcome
from .settings import Settings

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


def rule_check(activation_text: str, var_w: str, width: int = 256, depth: int = 10,
               bias_var: str | None = None, replicates: int = 64) -> NetworkCheck:
    """The network check for the user's rule (raises :class:`ParseError` on bad input)."""
    if not 2 <= width <= 4096:
        raise ParseError(f"--width must be from 2 to 4096, not {width}")
    if not 1 <= depth <= 500:
        raise ParseError(f"--depth must be from 1 to 500, not {depth}")
    phi = activation(activation_text)
    weight_variance = variance(var_w, width, "--var-w")
    if weight_variance == 0:
        raise ParseError("--var-w is 0: all weights zero; try a positive variance")
    bias = variance(bias_var, width, "--bias-var") if bias_var else 0.0
    suffix = f", Var(b) = {bias_var}" if bias_var else ""
    claim = Text(f"activation {activation_text}, Var(w) = {var_w}{suffix}",
                 f"hàm kích hoạt {activation_text}, Var(w) = {var_w}{suffix}")
    gain = width * weight_variance
    return NetworkCheck("user-rule", claim, phi, gain, width, depth, replicates, bias, input_var=1 / gain)


def judge(check: NetworkCheck, outcome: Outcome, factor: float) -> RuleReport:
    """Whether measured forward and backward variances stay within ``factor`` across the layers."""
    forward = np.array([row["measured_forward"] for row in outcome.layers])
    backward = np.array([row["measured_backward"] for row in outcome.layers])
    spreads = [_spread(values) for values in (forward, backward)]
    return RuleReport(outcome, all(s <= factor for s in spreads), factor, *spreads)


def _spread(values: np.ndarray) -> float:
    """Largest over smallest value (infinite if a variance vanished)."""
    low = float(np.min(values))
    return float(np.max(values)) / low if low > 0 else float("inf")


def run_rule(check: NetworkCheck, seed: int, factor: float = 2.0, settings: Settings | None = None) -> RuleReport:
    """Simulate ``check`` with ``seed`` and judge the rule."""
    settings = replace(settings or Settings(), comparisons=check.comparisons)
    outcome = check.run(np.random.default_rng(np.random.SeedSequence(seed)), settings)
    return judge(check, outcome, factor)


__all__ = ["ParseError", "RuleReport", "judge", "rule_check", "run_rule"]
