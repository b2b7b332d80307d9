"""The catalogue of derivations, by id."""

from __future__ import annotations

import inspect
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache

from . import cache as proofs
from .derivation import Derivation

_BUILDERS: dict[str, Callable[[], Derivation]] = {}


class UnknownDerivation(KeyError):
    """No derivation has this id."""

    def __str__(self) -> str:
        return f"unknown derivation {self.args[0]!r}; choose from: {', '.join(ids())}"


def register(identifier: str) -> Callable[[Callable[[], Derivation]], Callable[[], Derivation]]:
    """Register a function that builds the derivation ``identifier``."""

    def decorate(builder: Callable[[], Derivation]) -> Callable[[], Derivation]:
        if identifier in _BUILDERS:
            raise ValueError(f"derivation {identifier!r} registered twice")
        _BUILDERS[identifier] = builder
        return builder

    return decorate


def options(identifier: str) -> tuple[str, ...]:
    """The names of the options the builder of ``identifier`` accepts."""
    _load()
    if identifier not in _BUILDERS:
        raise UnknownDerivation(identifier)
    return tuple(inspect.signature(_BUILDERS[identifier]).parameters)


def ids() -> list[str]:
    """Every derivation id, in catalogue order."""
    _load()
    return list(_BUILDERS)


@cache
def get(identifier: str, **options: int) -> Derivation:
    """The built (and therefore checked) derivation ``identifier``, from the cache of
    checked derivations (:mod:`derive.cache`) when the sources have not changed since.

    ``options`` are passed to its builder, e.g. ``get("maclaurin-tanh", order=9)``.
    """
    _load()
    if identifier not in _BUILDERS:
        raise UnknownDerivation(identifier)
    derivation = proofs.load(identifier, options)
    if derivation is None:
        derivation = _BUILDERS[identifier](**options)
        assert derivation.id == identifier, (derivation.id, identifier)
        proofs.store(derivation, options)
    return derivation


def all_derivations() -> list[Derivation]:
    """Every derivation, built and checked.

    With the cache on, derivations missing from it are proved in parallel, one process per
    core; each process writes what it proves to the cache, from which they are then read.
    """
    missing = [identifier for identifier in ids() if not proofs.present(identifier, {})]
    workers = min(os.cpu_count() or 1, len(missing))
    if proofs.enabled() and workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_prove, missing))
    return [get(identifier) for identifier in ids()]


def _prove(identifier: str) -> None:
    get(identifier)


def _load() -> None:
    from . import library  # noqa: F401  (registers the catalogue)
