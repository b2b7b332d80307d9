"""Compile LaTeX to PDF with an installed TeX engine, without shell escape."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("pdflatex", "xelatex", "lualatex")


class TexError(RuntimeError):
    """TeX is missing or failed; the message carries the end of the log."""


def find_engine(preferred: tuple[str, ...] = ENGINES) -> str | None:
    """The first of ``preferred`` on the PATH, or None."""
    return next((engine for engine in preferred if shutil.which(engine)), None)


@dataclass(frozen=True)
class Compiled:
    """A PDF and the log of the run that made it."""

    pdf: bytes
    log: str

    def overfull(self) -> list[tuple[float, str]]:
        """Boxes wider than their line: ``(points too wide, the log's line)`` for each."""
        return [(float(m.group(1)), m.group(0))
                for m in re.finditer(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)[^\n]*", self.log)]


def compile_pdf(source: str, engine: str | None = None, runs: int = 1, timeout: float = 120,
                files: dict[str, bytes] | None = None) -> bytes:
    """The PDF bytes of :func:`compile_document`."""
    return compile_document(source, engine, runs, timeout, files).pdf


def compile_document(source: str, engine: str | None = None, runs: int = 1, timeout: float = 120,
                     files: dict[str, bytes] | None = None) -> Compiled:
    """Compile ``source`` in a temporary directory; the PDF and the last run's log.

    ``files`` (relative path to content) are written beside the source first,
    e.g. the figures it includes.

    Runs ``engine`` (default: the first installed) ``runs`` times with
    ``-no-shell-escape -halt-on-error``; raises :class:`TexError` with the last
    lines of the log when it fails.
    """
    engine = engine or find_engine()
    if engine is None or shutil.which(engine) is None:
        raise TexError(f"no TeX engine found (looked for {', '.join(ENGINES)}); "
                       "install one, e.g. 'apt-get install texlive-latex-recommended'")
    with tempfile.TemporaryDirectory(prefix="initproof-tex-") as work:
        for name, content in (files or {}).items():
            target = Path(work) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        tex = Path(work) / "document.tex"
        tex.write_text(source, encoding="utf-8")
        for _ in range(runs):
            done = subprocess.run(
                [engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                cwd=work, capture_output=True, text=True, errors="replace", timeout=timeout)
            if done.returncode != 0:
                log = (Path(work) / "document.log")
                tail = (log.read_text(errors="replace") if log.exists() else done.stdout)[-2000:]
                raise TexError(f"{engine} failed:\n{tail}")
        log = Path(work) / "document.log"
        return Compiled((Path(work) / "document.pdf").read_bytes(), log.read_text(errors="replace"))
