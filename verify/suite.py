"""The verification suite: at least one check for every derivation, run with one seed.

The checks live in :mod:`.library`, one module per module of :mod:`initproof.derive.library`; every
expected value comes from a :mod:`derive` result (lambdified or evaluated), never retyped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from initproof import derive

from . import library  # noqa: F401  (importing the library registers the checks)
from .registry import builder
from .settings import Settings


def checks(identifiers: Iterable[str] | None = None) -> list:
    """The checks for ``identifiers`` (default: every derivation)."""
    wanted = list(identifiers) if identifiers else [d.id for d in derive.all_derivations()]
    unknown = [i for i in wanted if i not in derive.ids()]
    if unknown:
        raise derive.UnknownDerivation(unknown[0])
    return [check for identifier in wanted for check in builder(identifier)()]


def run(selected: list, settings: Settings, seed: int, progress: Callable[[int, int], None] | None = None):
    """Run ``selected`` with one seed; Bonferroni over all their comparisons."""
    total = sum(check.comparisons for check in selected) or 1
    settings = replace(settings, comparisons=total)
    streams = np.random.SeedSequence(seed).spawn(len(selected))
    outcomes = []
    for k, (check, stream) in enumerate(zip(selected, streams, strict=True)):
        outcomes.append(check.run(np.random.default_rng(stream), settings))
        if progress:
            progress(k + 1, len(selected))
    return outcomes
