"""The handout's output formats, and what is chosen when the user does not say."""

from __future__ import annotations

from pathlib import Path

from .tex import find_engine

FORMATS = ("pdf", "html", "tex")


class HandoutError(RuntimeError):
    """The handout could not be built; nothing was written."""


def default_format() -> str:
    """``pdf`` when a TeX engine is installed, else ``html``."""
    return "pdf" if find_engine(("pdflatex",)) else "html"


def default_path(lang: str, fmt: str) -> Path:
    """``handout-LANG.FORMAT`` in the working directory (a folder for ``tex``)."""
    return Path(f"handout-{lang}" + ("" if fmt == "tex" else f".{fmt}"))
