"""Checks of tanh's edge of chaos: real networks at each regime's weight and bias variances."""

from __future__ import annotations

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from ..checks import NetworkCheck
from ..registry import register
from ..settings import NARROW


@register("tanh-edge-of-chaos")
def tanh_edge_of_chaos(width: int = NARROW, depth: int = 6) -> list:
    d = derive.get("tanh-edge-of-chaos")
    checks = []
    for label, kept in (("torch", ("forward",)), ("critical-bias", ("forward", "backward"))):
        fixed = d.named(f"fixed-point-{label}").rhs
        weight, bias = (float(d.named(f"{kind}-{label}").rhs) for kind in ("weight", "bias"))
        chi = float(d.named(f"chi-{label}").rhs)
        checks.append(NetworkCheck(
            d.id,
            label,
            Text(f"tanh, n Var(w) = {weight:.4g}, Var(b) = {bias:g}: q_l = q* = {float(fixed):.4g}, "
                 f"gradients x {chi:.4g} per layer",
                 f"tanh, n Var(w) = {weight:.4g}, Var(b) = {bias:g}: q_l = q* = {float(fixed):.4g}, "
                 f"gradient x {chi:.4g} mỗi lớp"),
            named("tanh"), weight, width, depth, replicates=64, bias_var=bias, preserves=kept,
            input_var=(float(fixed) - bias) / weight,
        ))
    return checks
