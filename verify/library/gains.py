"""Checks of the exact rules of every catalogue activation, in real networks."""

from __future__ import annotations

from functools import partial

import numpy as np

from initproof import derive
from initproof.derive.activations import NAMES, activation, named
from initproof.derive.text import Text

from ..checks import DriftCheck, NetworkCheck
from ..comparison import exact_gains
from ..numeric import activation_pair
from ..recursion import fixed_point_slope, predict
from ..registry import register
from ..settings import WIDTH


def exact_gain_checks(name: str, width: int = WIDTH, depth: int = 6) -> list:
    """Real networks at the exact forward rule and at the exact backward rule, each judged in the
    direction its rule is about.

    The forward rule makes ``q = 1`` a fixed point: the claim says whether it attracts or repels
    (the recursion's slope there). The backward rule keeps the gradient variance only while the
    pre-activations stay at ``q = 1``; in a real network ``q_l`` moves, and the gradients are held
    against the exact recursion, which follows it. The other direction is reported against the
    mean-field recursion, which is exact only at infinite width: for SiLU at width 128 the
    gradient reaching layer 1 of the forward-rule network is 1.78 (512 replicates) against the
    recursion's 1.47, and a finite-width bias is not a false formula.
    """
    d = derive.get(f"exact-gain-{name}")
    forward, backward = exact_gains(activation(name))
    phi, dphi = activation_pair(named(name))
    slope = fixed_point_slope(phi, forward, 1.0)
    kind = Text("repels" if slope > 1 + 1e-6 else "attracts" if slope < 1 - 1e-6 else "is neutral",
                "đẩy ra" if slope > 1 + 1e-6 else "hút vào" if slope < 1 - 1e-6 else "trung tính")
    drift, _ = predict(phi, dphi, backward, depth, 1 / backward)
    repels = slope > 1 + 1e-6
    leaving = [DriftCheck(d.id, "drift", Text(
        f"{name}, Var(w) = {forward:.4g}/n: q = 1 repels; from q_1 = 1.5, log q_l follows the recursion to "
        f"log q_40 = {_log_q(phi, dphi, forward):.3g}",
        f"{name}, Var(w) = {forward:.4g}/n: q = 1 đẩy ra; từ q_1 = 1,5, log q_l theo đúng phép truy hồi đến "
        f"log q_40 = {_log_q(phi, dphi, forward):.3g}"), named(name), forward)] if repels else []
    width_note = Text(f", extrapolated to infinite width from n = {width // 2} and {width}" if repels else "",
                      f", ngoại suy ra độ rộng vô hạn từ n = {width // 2} và {width}" if repels else "")
    return [
        NetworkCheck(
            d.id,
            "forward",
            Text(f"{name}, Var(w) = {forward:.4g}/n: q_l = 1 in every layer (the fixed point {kind.en}, "
                 f"slope {slope:.4g})",
                 f"{name}, Var(w) = {forward:.4g}/n: q_l = 1 ở mọi lớp (điểm bất động {kind.vi}, độ dốc {slope:.4g})"),
            named(name), forward, width, depth, replicates=64, preserves=("forward",), judged=("forward",),
            input_var=1 / forward,
        ),
        NetworkCheck(
            d.id,
            "backward",
            Text(f"{name}, Var(w) = {backward:.4g}/m in a real network: gradients follow the exact recursion "
                 f"(kept only at q = 1; here q_l goes from 1 to {drift[-1]:.3g}{width_note.en})",
                 f"{name}, Var(w) = {backward:.4g}/m trong mạng thật: gradient theo đúng phép truy hồi "
                 f"(chỉ giữ nguyên khi q = 1; ở đây q_l đi từ 1 đến {drift[-1]:.3g}{width_note.vi})"),
            named(name), backward, width, depth, replicates=128 if repels else 64, judged=("backward",),
            input_var=1 / backward, extrapolate=repels,
        ),
        *leaving,
    ]


def _log_q(phi, dphi, gain: float, start: float = 1.5, depth: int = 40) -> float:
    r""":math:`\log q_{40}` of the recursion started at :math:`q_1` = ``start``."""
    return float(np.log(predict(phi, dphi, gain, depth, start / gain)[0][-1]))


for _name in NAMES:
    register(f"exact-gain-{_name}")(partial(exact_gain_checks, _name))
