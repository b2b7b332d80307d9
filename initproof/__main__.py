"""``python -m initproof``."""

from .cli import run

run()
