"""Build a handout file: HTML, LaTeX sources, or PDF, written atomically.

Nothing is written until the whole document is ready: each output goes to a
temporary file (or folder) beside its destination and is then renamed over
it, so a failed build leaves any earlier handout untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..tex import TexError, compile_pdf, find_engine
from . import content, html, latex
from .formats import HandoutError


@dataclass
class Timings:
    """Seconds spent in each stage of a build."""

    stages: dict[str, float] = field(default_factory=dict)

    def measure(self, stage: str, action: Callable):
        start = time.perf_counter()
        value = action()
        self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - start
        return value


def build(path: Path, lang: str, fmt: str, seed: int = 0, timings: Timings | None = None) -> list[Path]:
    """Build the handout at ``path``; return the paths written.

    ``pdf`` also leaves ``<path>.tex`` and ``<path>-figures/`` beside the PDF for
    editing; ``tex`` writes a folder with ``handout.tex`` and its figures.
    """
    timings = timings or Timings()
    if fmt == "pdf" and not find_engine(("pdflatex",)):
        raise HandoutError("pdflatex not found: install TeX Live (e.g. 'apt-get install "
                           "texlive-latex-recommended texlive-lang-other lmodern') or use --format html")
    handout = content.build(seed, timings=timings)
    if fmt == "html":
        page = timings.measure("figures", lambda: html.document(handout, lang))
        _write(path, page.encode("utf-8"))
        return [path]
    figures = f"{path.stem}-figures" if fmt == "pdf" else "figures"
    source, files = timings.measure("figures", lambda: latex.document(handout, lang, figures))
    if fmt == "tex":
        _write_folder(path, {"handout.tex": source.encode("utf-8"), **files})
        return [path]
    try:
        pdf = timings.measure("tex", lambda: compile_pdf(source, "pdflatex", runs=2, files=files))
    except TexError as error:
        raise HandoutError(f"LaTeX failed; nothing was written. {error}") from None
    tex_path, figure_path = path.with_suffix(".tex"), path.parent / figures
    _write(tex_path, source.encode("utf-8"))
    _write_folder(figure_path, {name.split("/", 1)[1]: data for name, data in files.items()})
    _write(path, pdf)
    return [path, tex_path, figure_path]


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_folder(path: Path, files: dict[str, bytes]) -> None:
    """Replace the folder ``path`` with one holding ``files``, swapping it in whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        staging.chmod(0o777 & ~_umask())
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            staging.rename(path)
            shutil.rmtree(old)
        else:
            staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
