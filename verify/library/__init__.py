"""The checks, one module per module of :mod:`initproof.derive.library` (the same names); importing
this package registers them (:mod:`..registry`)."""

from importlib import import_module

from initproof.derive.library import MODULES

for _module in MODULES:
    import_module(f"{__name__}.{_module}")
