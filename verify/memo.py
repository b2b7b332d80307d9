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
from importlib.util import find_spec
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
    return _reused("outcomes", [list(ids), asdict(settings), seed],
                   lambda: suite.run(suite.checks(list(ids) or None), settings, seed, progress), _decoded)


def findings(names: Sequence[str], seeds: int, seed: int,
             progress: Callable[[int, int], None] | None = None) -> tuple[list, bool]:
    """The training experiments ``names`` (all if empty) over ``seeds`` seeds spawned from ``seed``
    (:func:`initproof.verify.experiments.run`), and whether they were reused."""
    from . import experiments

    return _reused("findings", [list(names), seeds, seed],
                   lambda: experiments.run(list(names), seeds, seed, progress), experiments.Finding.from_dict)


def _reused(kind: str, key: list, compute: Callable[[], list], decode: Callable[[dict], object]) -> tuple[list, bool]:
    """What ``compute`` returns, stored as JSON under a name that hashes the code and ``key``."""
    name = _name(kind, key)
    body = store.read(name)
    if body is not None:
        try:
            return [decode(item) for item in json.loads(body)], True
        except (ValueError, TypeError, KeyError):
            pass
    found = compute()
    store.write(name, json.dumps([asdict(item) for item in found]).encode())
    return found, False


def _name(kind: str, key: list) -> str:
    """The entry's file name: ``kind``, and a hash of the code and of ``key``."""
    digest = hashlib.sha256(_code_key().encode())
    digest.update(json.dumps(key).encode())
    return f"{kind}-{digest.hexdigest()[:24]}.json"


@cache
def _code_key() -> str:
    """A hash of this package's sources and of the numpy and scipy versions."""
    sklearn = find_spec("sklearn")
    data = Path(sklearn.origin).parent / "datasets" / "data" / "digits.csv.gz" if sklearn and sklearn.origin else None
    versions = (np.__version__, scipy.__version__, hashlib.sha256(data.read_bytes()).hexdigest() if data and
                data.is_file() else "no digits")
    return store.sources_digest(PACKAGE, versions)


def _decoded(item: dict) -> Outcome:
    estimate = item["estimate"] | {"ci": tuple(item["estimate"]["ci"])}
    return Outcome(**item | {"claim": Text(**item["claim"]), "estimate": Estimate(**estimate),
                             "layers": tuple(Layer.from_dict(layer) for layer in item["layers"])})
