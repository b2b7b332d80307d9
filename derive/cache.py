"""A cache of checked derivations, so that a new process need not prove them again.

Building a derivation proves every step with sympy, which takes seconds. The
built :class:`~derive.derivation.Derivation` is pickled under a key that hashes
the source of every module of :mod:`derive` together with the versions of Python,
sympy and mpmath: any change to a step, a check or a library invalidates every
entry, in the way ``__pycache__`` follows its sources. Only derivations whose
steps all passed are ever written (a failing step raises before :func:`store`).

The directory is ``$INITPROOF_CACHE_DIR``, else ``$XDG_CACHE_HOME/initproof``,
else ``~/.cache/initproof``; ``INITPROOF_CACHE=off`` turns the cache off. Writes go
to a temporary file that is renamed into place.

What the cache trusts: an entry is a pickle, and unpickling runs code, so an entry is read
only when the cache directory, the key directory and the entry itself belong to the user
and can be written by nobody else (as ssh and pip require of their files); the directories
are created private (mode 0700). Each entry carries the SHA-256 of its pickle, checked before
unpickling: a flipped bit, a truncated write or any error while loading is a miss, and the
derivation is proved again and the entry rewritten.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from functools import cache
from pathlib import Path

import mpmath
import sympy as sp

from .derivation import Derivation

PACKAGE = Path(__file__).parent
DIGEST = 32
"""Bytes of the SHA-256 that precedes each entry's pickle."""


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
    return sources_digest(PACKAGE, (sys.version, sp.__version__, mpmath.__version__))[:20]


def sources_digest(package: Path, versions: tuple[str, ...]) -> str:
    """The SHA-256 (hex) of every ``.py`` file under ``package`` (names and contents) and ``versions``."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for version in versions:
        digest.update(version.encode())
    return digest.hexdigest()


def _path(identifier: str, options: dict) -> Path:
    suffix = "".join(f"-{key}={value}" for key, value in sorted(options.items()))
    return directory() / f"{identifier}{suffix}.pickle"


def present(identifier: str, options: dict) -> bool:
    """Whether an entry exists (it may still turn out unreadable)."""
    return enabled() and _path(identifier, options).exists()


def trusted(path: Path) -> bool:
    """Whether ``path`` and the cache folders above it belong to the user and are writable by
    nobody else (a file planted by another user must never be unpickled)."""
    root = directory().parent
    for item in (root, path.parent, path):
        try:
            status = item.lstat()
        except OSError:
            return False
        if stat.S_ISLNK(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o022:
            return False
    return True


@cache
def _refuse(root: Path) -> None:
    """Say once per process why the cache at ``root`` is not used."""
    print(f"initproof: not using the proof cache in {root}: it must be yours and writable by nobody else "
          "(chmod go-w, or set INITPROOF_CACHE_DIR)", file=sys.stderr)


def load(identifier: str, options: dict) -> Derivation | None:
    """The cached derivation, or ``None`` when absent, untrusted, corrupt, unreadable or disabled."""
    body = read(_path(identifier, options).name)
    derivation = _unpickled(body) if body is not None else None
    return derivation if derivation is not None and derivation.id == identifier else None


def read(name: str) -> bytes | None:
    """The body of entry ``name`` of the current key folder, or None when the cache is off, or the
    entry is absent, not trusted (:func:`trusted`), unreadable, or fails its checksum."""
    if not enabled():
        return None
    path = directory() / name
    if not trusted(path):
        return None
    try:
        return verified(path.read_bytes())
    except OSError:
        return None


def write(name: str, body: bytes) -> None:
    """Store ``body`` (checksummed) as entry ``name``, atomically, in private folders; a read-only
    or full disk only costs the speed-up."""
    if not enabled():
        return
    path = directory() / name
    try:
        path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        if not trusted(path.parent):
            _refuse(path.parent.parent)
            return
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            handle.write(checksummed(body))
        os.replace(handle.name, path)
    except OSError:
        return


def checksummed(body: bytes) -> bytes:
    """``body`` preceded by its SHA-256."""
    return hashlib.sha256(body).digest() + body


def verified(data: bytes) -> bytes | None:
    """The body of what :func:`checksummed` wrote, or None if it does not match its checksum."""
    digest, body = data[:DIGEST], data[DIGEST:]
    return body if hashlib.sha256(body).digest() == digest else None


def serialize(derivation: Derivation) -> bytes:
    """The derivation as the SHA-256 of its pickle followed by the pickle (relations unevaluated)."""
    return checksummed(_pickled(derivation))


def _pickled(derivation: Derivation) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(derivation)
    return buffer.getvalue()


def deserialize(data: bytes) -> Derivation | None:
    """What :func:`serialize` wrote, or None if the bytes do not match their checksum or fail to load."""
    body = verified(data)
    return _unpickled(body) if body is not None else None


def _unpickled(body: bytes) -> Derivation | None:
    try:
        derivation = pickle.loads(body)
    except Exception:  # noqa: BLE001  (any failure to load is a miss: the derivation is proved again)
        return None
    return derivation if isinstance(derivation, Derivation) else None


def _unevaluated(kind: type, *args: sp.Basic) -> sp.Basic:
    return kind(*args, evaluate=False)


class _Pickler(pickle.Pickler):
    """Pickles relations, sums, products and powers as unevaluated: sympy's default rebuilds them
    by evaluating, which is slow and changes what a step shows (``1/6 = 1/6`` would become
    ``True``, ``(a + b)/2`` would become ``a/2 + b/2``)."""

    def reducer_override(self, obj):
        if isinstance(obj, (sp.core.relational.Relational, sp.Add, sp.Mul, sp.Pow)):
            return _unevaluated, (type(obj), *obj.args)
        return NotImplemented


def store(derivation: Derivation, options: dict) -> None:
    """Write ``derivation`` atomically; a read-only or full disk only costs the speed-up."""
    if enabled():
        write(_path(derivation.id, options).name, _pickled(derivation))
