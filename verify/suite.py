"""The verification suite: at least one check for every derivation, run with one seed.

The checks live in :mod:`.library`, one module per module of :mod:`initproof.derive.library`; every
expected value comes from a :mod:`derive` result (lambdified or evaluated), never retyped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace

import numpy as np
from threadpoolctl import threadpool_limits

from initproof import derive

from . import library  # noqa: F401  (importing the library registers the checks)
from .checks import DriftCheck, NetworkCheck, measure_networks
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
    """Run ``selected`` with one seed; Bonferroni over all their comparisons.

    The network checks are simulated together, on draws they share where their widths agree
    (:func:`~.checks.measure_networks`), while the other checks run beside them, one thread per core; each
    check draws from a stream of its own and BLAS keeps one thread throughout, so the numbers do not depend
    on which ran when."""
    total = sum(check.comparisons for check in selected) or 1
    settings = replace(settings, comparisons=total)
    *streams, shared = np.random.SeedSequence(seed).spawn(len(selected) + 1)
    simulated = [k for k, check in enumerate(selected) if isinstance(check, NetworkCheck | DriftCheck)]
    others = sorted(set(range(len(selected))) - set(simulated))
    outcomes: list = [None] * len(selected)
    rngs = [np.random.default_rng(stream) for stream in streams]
    done = 0

    def finished(k: int, outcome) -> None:
        nonlocal done
        outcomes[k], done = outcome, done + 1
        if progress:
            progress(done, len(selected))

    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        measuring = pool.submit(measure_networks, [selected[k] for k in simulated], np.random.default_rng(shared))
        running = {pool.submit(selected[k].run, rngs[k], settings): k for k in others}
        for job in as_completed(running):
            finished(running[job], job.result())
        for k, measured in zip(simulated, measuring.result(), strict=True):
            finished(k, selected[k].run(rngs[k], settings, measured=measured))
    return outcomes
