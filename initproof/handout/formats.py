"""The handout's output formats, a registry, and what is chosen when the user does not say.

A format is a name, the suffix of its path (none for a format that writes a folder), the TeX engine
it needs, and the module that writes it. That module, imported only when a handout is built,
provides ``outputs(path)`` (each path it writes, ``file`` or ``folder``), ``edited(path)`` (a source
the user edited since initproof wrote it, which a build must not overwrite, or None) and
``write(handout, lang, path, measure)``. A new format is a new module and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType

from .tex import find_engine


class HandoutError(RuntimeError):
    """The handout could not be built; nothing was written."""


@dataclass(frozen=True)
class Format:
    """An output format of the handout."""

    name: str
    suffix: str
    """The ending of its path (``.pdf``); empty for a format that writes a folder."""
    module: str
    """The module that writes it (dotted path)."""
    description: str
    engine: str | None = None
    """The TeX engine it needs, or None."""
    stem: str = "handout"
    """The start of its default file name."""

    def writer(self) -> ModuleType:
        return import_module(self.module)

    def default_path(self, lang: str) -> Path:
        """``STEM-LANG`` and the suffix, in the working directory."""
        return Path(f"{self.stem}-{lang}{self.suffix}")


FORMATS: dict[str, Format] = {fmt.name: fmt for fmt in (
    Format("pdf", ".pdf", "initproof.handout.pdf", "needs pdflatex; leaves its LaTeX source and figures beside it",
           "pdflatex"),
    Format("html", ".html", "initproof.handout.html", "one self-contained page"),
    Format("tex", "", "initproof.handout.latex", "a folder of LaTeX sources and figures"),
    Format("ipynb", ".ipynb", "initproof.handout.notebook", "a Jupyter notebook with live cells (Colab)"),
    Format("slides", ".pdf", "initproof.handout.slides", "Beamer slides (needs pdflatex), their source beside them",
           "pdflatex", "slides"),
)}


def default_format() -> str:
    """``pdf`` when a TeX engine is installed, else ``html``."""
    return "pdf" if find_engine(("pdflatex",)) else "html"
