"""A cache of checked derivations, so that a new process need not prove them again.

Building a derivation proves every step with sympy, which takes seconds. The
built :class:`~derive.derivation.Derivation` is pickled under a key that hashes
the source of every module of :mod:`derive` together with the versions of Python,
sympy and mpmath: any change to a step, a check or a library invalidates every
entry, in the way ``__pycache__`` follows its sources. Only derivations whose
steps all passed are ever written (a failing step raises before :func:`store`).

The directory is ``$INITPROOF_CACHE_DIR``, else ``$XDG_CACHE_HOME/initproof``,
else ``~/.cache/initproof``; ``INITPROOF_CACHE=off`` turns the cache off. An
unreadable or corrupt entry is ignored and rebuilt; writes go to a temporary file
that is renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import tempfile
from functools import cache
from pathlib import Path

import mpmath
import sympy as sp

from .derivation import Derivation

PACKAGE = Path(__file__).parent


def enabled() -> bool:
    """Whether the cache is in use (``INITPROOF_CACHE=off`` disables it)."""
    return os.environ.get("INITPROOF_CACHE", "on").lower() not in {"off", "0", "no", "false"}


def directory() -> Path:
    """Where entries live for the current sources."""
    explicit = os.environ.get("INITPROOF_CACHE_DIR")
    base = Path(explicit) if explicit else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "initproof"
    return base / source_key()


@cache
def source_key() -> str:
    """A hash of the package's sources and of the versions its proofs depend on."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for version in (platform.python_version(), sp.__version__, mpmath.__version__):
        digest.update(version.encode())
    return digest.hexdigest()[:20]


def _path(identifier: str, options: dict) -> Path:
    suffix = "".join(f"-{key}={value}" for key, value in sorted(options.items()))
    return directory() / f"{identifier}{suffix}.pickle"


def present(identifier: str, options: dict) -> bool:
    """Whether an entry exists (it may still turn out unreadable)."""
    return enabled() and _path(identifier, options).exists()


def load(identifier: str, options: dict) -> Derivation | None:
    """The cached derivation, or ``None`` when absent, unreadable or disabled."""
    if not enabled():
        return None
    try:
        with _path(identifier, options).open("rb") as handle:
            derivation = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return derivation if isinstance(derivation, Derivation) and derivation.id == identifier else None


def _relation(kind: type, lhs: sp.Expr, rhs: sp.Expr) -> sp.Basic:
    return kind(lhs, rhs, evaluate=False)


class _Pickler(pickle.Pickler):
    """Pickles relations as unevaluated: sympy's default rebuilds ``Eq(a, b)`` by evaluating it,
    which is slow and would turn a displayed step such as ``1/6 = 1/6`` into ``True``."""

    def reducer_override(self, obj):
        if isinstance(obj, sp.core.relational.Relational):
            return _relation, (type(obj), obj.lhs, obj.rhs)
        return NotImplemented


def store(derivation: Derivation, options: dict) -> None:
    """Write ``derivation`` atomically; a read-only or full disk only costs the speed-up."""
    if not enabled():
        return
    path = _path(derivation.id, options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            _Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(derivation)
        os.replace(handle.name, path)
    except OSError:
        return
