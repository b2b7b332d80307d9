"""The PDF handout: the LaTeX document compiled twice by pdflatex, its source (``NAME.tex``) and
figures (``NAME-figures/``) left beside the PDF for editing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import latex
from .content import Handout
from .files import write_file, write_folder
from .formats import HandoutError
from .tex import TexError, compile_pdf


def outputs(path: Path) -> dict[Path, str]:
    return {path: "file", path.with_suffix(".tex"): "file", path.parent / f"{path.stem}-figures": "folder"}


def edited(path: Path) -> Path | None:
    return latex.edited_source(path.with_suffix(".tex"))


def write(handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    return compiled(latex.document, handout, lang, path, measure)


def compiled(document: Callable, handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    """``document(handout, lang, figure_dir)`` compiled to ``path``, its source and figures beside it."""
    figures = f"{path.stem}-figures"
    source, files = measure("figures", lambda: document(handout, lang, figures))
    source = latex.stamped(source)
    try:
        pdf = measure("tex", lambda: compile_pdf(source, "pdflatex", runs=2, files=files))
    except TexError as error:
        raise HandoutError(f"LaTeX failed; nothing was written. {error}") from None
    tex_path, figure_path = path.with_suffix(".tex"), path.parent / figures
    write_file(tex_path, source.encode("utf-8"))
    if files:
        write_folder(figure_path, {name.split("/", 1)[1]: data for name, data in files.items()})
    write_file(path, pdf)
    return [path, tex_path, *([figure_path] if files else [])]
