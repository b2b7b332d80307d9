"""The catalogue of derivations, by id."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from functools import cache

from sympy import Expr

from . import cache as proofs
from .derivation import Derivation

_BUILDERS: dict[str, Callable[[], Derivation]] = {}
PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process receives when its parent dies."""


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
    if identifier not in _BUILDERS:
        raise UnknownDerivation(identifier)
    return tuple(inspect.signature(_BUILDERS[identifier]).parameters)


def ids() -> list[str]:
    """Every derivation id, in catalogue order."""
    return list(_BUILDERS)


def result(identifier: str, name: str) -> Expr:
    """The right-hand side of the result ``name`` of the derivation ``identifier`` (``he-relu``,
    ``forward`` -> ``2/n``)."""
    return get(identifier).named(name).rhs


@cache
def get(identifier: str, **options: int) -> Derivation:
    """The built (and therefore checked) derivation ``identifier``, from the cache of
    checked derivations (:mod:`derive.cache`) when the sources have not changed since.

    ``options`` are passed to its builder, e.g. ``get("maclaurin-tanh", order=9)``.
    """
    if identifier not in _BUILDERS:
        raise UnknownDerivation(identifier)
    derivation = _PROVED.pop(identifier, None) if not options else None
    derivation = derivation or proofs.load(identifier, options)
    if derivation is None:
        derivation = _BUILDERS[identifier](**options)
        assert derivation.id == identifier, (derivation.id, identifier)
        proofs.store(derivation, options)
    return derivation


def missing() -> list[str]:
    """The derivations the cache does not hold: what :func:`all_derivations` has to prove."""
    return [identifier for identifier in ids() if not proofs.present(identifier, {})]


def all_derivations(progress: Callable[[int, int], None] | None = None) -> list[Derivation]:
    """Every derivation, built and checked; ``progress(done, total)`` follows the proofs.

    With the cache on, derivations missing from it are proved in parallel, one process per
    core; each process writes what it proves to the cache and hands it back (checksummed), so a
    read-only cache costs no second proof. Workers ignore Ctrl-C and die with their parent.
    """
    import multiprocessing  # only here: a command that proves one derivation starts 7 ms sooner
    from concurrent.futures import ProcessPoolExecutor, as_completed

    unproved = missing()
    workers = min(os.cpu_count() or 1, len(unproved))
    if proofs.enabled() and workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker) as pool:
            futures = {pool.submit(_prove, identifier): identifier for identifier in unproved}
            for done, future in enumerate(as_completed(futures), 1):
                _PROVED[futures[future]] = proofs.deserialize(future.result())
                if progress:
                    progress(done, len(unproved))
    return [get(identifier) for identifier in ids()]


_PROVED: dict[str, Derivation | None] = {}
"""Derivations proved by worker processes, waiting for :func:`get`."""


def _prove(identifier: str) -> bytes:
    return proofs.serialize(get(identifier))


def _worker() -> None:
    """In a worker: leave Ctrl-C to the parent, and (on Linux) end with it."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
