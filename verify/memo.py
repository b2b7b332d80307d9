"""Outcomes kept for reuse: the same checks, settings, seed and code give the same numbers.

A run of the suite is deterministic given its seed (one reduction order, generators spawned per
check), so its outcomes are stored, as JSON, in the folder of the proof cache
(:mod:`derive.cache`: the folder's key follows the sources of :mod:`derive`; entries are private,
checksummed and read only when nobody else could have written them). The entry's name hashes
the sources of :mod:`verify`, the versions of numpy and scipy, the derivation ids asked for, the
settings and the seed: a change to any of them is a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import cache
from pathlib import Path

import numpy as np
import scipy

from initproof.derive import cache as store
from initproof.derive.text import Text

from . import suite
from .checks import Layer, Outcome
from .estimate import Estimate
from .settings import Settings

PACKAGE = Path(__file__).parent


def outcomes(ids: Sequence[str], settings: Settings, seed: int,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Outcome], bool]:
    """The outcomes of the checks of ``ids`` (all if empty) with ``settings`` and ``seed``, and
    whether they were reused from an earlier run."""
    name = _entry(tuple(ids), settings, seed)
    body = store.read(name)
    if body is not None:
        try:
            return [_decoded(item) for item in json.loads(body)], True
        except (ValueError, TypeError, KeyError):
            pass
    found = suite.run(suite.checks(list(ids) or None), settings, seed, progress)
    store.write(name, json.dumps([asdict(o) for o in found]).encode())
    return found, False


def _entry(ids: tuple[str, ...], settings: Settings, seed: int) -> str:
    digest = hashlib.sha256(_code_key().encode())
    digest.update(json.dumps([list(ids), asdict(settings), seed]).encode())
    return f"outcomes-{digest.hexdigest()[:24]}.json"


@cache
def _code_key() -> str:
    """A hash of this package's sources and of the numpy and scipy versions."""
    return store.sources_digest(PACKAGE, (np.__version__, scipy.__version__))


def _decoded(item: dict) -> Outcome:
    estimate = item["estimate"] | {"ci": tuple(item["estimate"]["ci"])}
    return Outcome(**item | {"claim": Text(**item["claim"]), "estimate": Estimate(**estimate),
                             "layers": tuple(Layer.from_dict(layer) for layer in item["layers"])})
