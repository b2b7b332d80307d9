"""The checks of each derivation, by derivation id.

Each module of :mod:`.library` registers, for the derivations of the module of the same name in
:mod:`initproof.derive.library`, a function that builds their checks; :func:`builder` hands it out.
"""

from __future__ import annotations

from collections.abc import Callable

Builder = Callable[[], list]
_BUILDERS: dict[str, Builder] = {}


def register(identifier: str) -> Callable[[Builder], Builder]:
    """Register a function that builds the checks of the derivation ``identifier``."""

    def decorate(build: Builder) -> Builder:
        if identifier in _BUILDERS:
            raise ValueError(f"checks of {identifier!r} registered twice")
        _BUILDERS[identifier] = build
        return build

    return decorate


def builder(identifier: str) -> Builder:
    """What builds the checks of ``identifier``; :class:`LookupError` for a derivation without checks."""
    if identifier not in _BUILDERS:
        raise LookupError(f"derivation {identifier!r} has no checks")
    return _BUILDERS[identifier]
