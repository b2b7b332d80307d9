"""Build a handout file: HTML, LaTeX sources, or PDF, written atomically.

Nothing is written until the whole document is ready: each output goes to a
temporary file (or folder) beside its destination and is then renamed over
it, so a failed build leaves any earlier handout untouched. The destination is
checked before any work (:func:`check_destination`): its folder must exist and be
writable, a file format never replaces a folder nor a folder format a file, and a
LaTeX source that was edited since initproof wrote it is kept unless ``force``.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import content, html, latex
from .files import write_file, write_folder
from .formats import HandoutError
from .tex import TexError, compile_pdf, find_engine


@dataclass
class Timings:
    """Seconds spent in each stage of a build."""

    stages: dict[str, float] = field(default_factory=dict)

    def measure(self, stage: str, action: Callable):
        start = time.perf_counter()
        value = action()
        self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - start
        return value


def outputs(path: Path, fmt: str) -> dict[Path, str]:
    """What a build of ``fmt`` at ``path`` writes: each path with ``file`` or ``folder``."""
    if fmt == "html":
        return {path: "file"}
    if fmt == "tex":
        return {path: "folder"}
    return {path: "file", path.with_suffix(".tex"): "file", path.parent / f"{path.stem}-figures": "folder"}


def require_engine(fmt: str) -> None:
    """Refuse a PDF build when pdflatex is missing (a failed build: nothing is written)."""
    if fmt == "pdf" and not find_engine(("pdflatex",)):
        raise HandoutError("pdflatex not found: install TeX Live (e.g. 'apt-get install "
                           "texlive-latex-recommended texlive-lang-other lmodern') or use --format html")


def check_destination(path: Path, fmt: str, force: bool = False) -> None:
    """Refuse, in one line and before any work, a destination the build could not or should not
    write: a missing or read-only folder, a folder where a file goes (or the reverse), or an
    edited LaTeX source (unless ``force``)."""
    if fmt == "pdf" and path.suffix != ".pdf":
        raise HandoutError(f"{path}: a PDF handout's path must end in .pdf")
    for target, kind in outputs(path, fmt).items():
        if kind == "file" and target.is_dir():
            raise HandoutError(f"{target} is a folder; give a file path for --format {fmt}")
        if kind == "folder" and target.exists() and not target.is_dir():
            raise HandoutError(f"{target} is a file; --format {fmt} writes a folder, give a folder path")
    folder = path.parent
    if not folder.is_dir():
        raise HandoutError(f"folder {folder} does not exist; create it first")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise HandoutError(f"cannot write in {folder}: {error.strerror or error}") from None
    source = path / "handout.tex" if fmt == "tex" else path.with_suffix(".tex") if fmt == "pdf" else None
    if source is not None and source.is_file() and not force and not _unedited(source):
        raise HandoutError(f"{source} was edited since initproof wrote it; pass --force to replace it, "
                           "or -o to write elsewhere")


def _stamped(source: str) -> str:
    """``source`` with a first line that records its hash, so a later build can tell an edit."""
    return f"% initproof handout {hashlib.sha256(source.encode()).hexdigest()}\n{source}"


def _unedited(path: Path) -> bool:
    """Whether ``path`` is a LaTeX source as initproof wrote it (its stamp matches its text)."""
    try:
        first, rest = path.read_text(encoding="utf-8").split("\n", 1)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return first == f"% initproof handout {hashlib.sha256(rest.encode()).hexdigest()}"


def build(path: Path, lang: str, fmt: str, seed: int = 0, timings: Timings | None = None,
          force: bool = False) -> list[Path]:
    """Build the handout at ``path``; return the paths written.

    ``pdf`` also leaves ``<path>.tex`` and ``<path>-figures/`` beside the PDF for
    editing; ``tex`` writes a folder with ``handout.tex`` and its figures.
    """
    timings = timings or Timings()
    require_engine(fmt)
    check_destination(path, fmt, force)
    handout = content.build(seed, timings=timings)
    if fmt == "html":
        page = timings.measure("figures", lambda: html.document(handout, lang))
        write_file(path, page.encode("utf-8"))
        return [path]
    figures = f"{path.stem}-figures" if fmt == "pdf" else "figures"
    source, files = timings.measure("figures", lambda: latex.document(handout, lang, figures))
    source = _stamped(source)
    if fmt == "tex":
        write_folder(path, {"handout.tex": source.encode("utf-8"), **files})
        return [path]
    try:
        pdf = timings.measure("tex", lambda: compile_pdf(source, "pdflatex", runs=2, files=files))
    except TexError as error:
        raise HandoutError(f"LaTeX failed; nothing was written. {error}") from None
    tex_path, figure_path = path.with_suffix(".tex"), path.parent / figures
    write_file(tex_path, source.encode("utf-8"))
    write_folder(figure_path, {name.split("/", 1)[1]: data for name, data in files.items()})
    write_file(path, pdf)
    return [path, tex_path, figure_path]
