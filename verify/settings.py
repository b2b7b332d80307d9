"""How hard the verification looks: samples, precision, family-wise error rate."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How hard to look.

    ``samples`` per sampling check, split into ``replicates`` independent
    blocks; ``precision`` is the largest relative half-width a passing interval
    may have (``network_precision`` for per-layer network measurements);
    ``alpha`` is the family-wise false-alarm rate, shared by ``comparisons``
    comparisons with Bonferroni's correction.
    """

    samples: int = 4_000_000
    replicates: int = 100
    precision: float = 0.02
    network_precision: float = 0.35
    alpha: float = 1e-6
    comparisons: int = 1


WIDTH = 256
"""Width of the simulated networks of the checks (finite-width effects are O(1/width))."""
NARROW = 128
"""Width of the edge-of-chaos networks (tanh's fixed points attract, so finite width barely shows)."""
