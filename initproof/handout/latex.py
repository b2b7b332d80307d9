"""The handout as a pdfLaTeX document (Vietnamese through the T5 fonts of vntex)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import singledispatch
from importlib.metadata import version
from pathlib import Path

from initproof import derive
from initproof.derive.render import HEADINGS, latex_align, latex_assumption, latex_conflict, tex_escape

from .blocks import DerivationBlock, Figure, Heading, Paragraph, Question, Table, cell
from .content import Handout
from .figures import to_pdf
from .files import write_folder
from .prose import environment, say

SUBJECT = say("handout_subject")
HANDOUT_LINE = 85.0
"""Characters of 10 pt math in the handout's text width."""
FONTS = {"en": ("T5", "\\usepackage{lmodern}"), "vi": ("T5", "\\usepackage{lmodern}")}
"""T5 (vntex) in both languages: the English handout quotes the notes' Vietnamese headings."""
NAMES = {"en": "", "vi": "\\renewcommand{\\figurename}{Hình}\\renewcommand{\\tablename}{Bảng}"}
VERDICT = {"✓": "$\\checkmark$", "✗": "$\\times$"}


def document(handout: Handout, lang: str, figure_dir: str = "figures") -> tuple[str, dict[str, bytes]]:
    """The LaTeX source and the figure files (PDF) it includes, by relative path."""
    encoding, fonts = FONTS[lang]
    files: dict[str, bytes] = {}
    body = [render(block, lang, files, figure_dir) for block in handout.blocks]
    return environment().get_template("handout.tex.j2").render(
        encoding=encoding, fonts=fonts, names=NAMES[lang], body="\n\n".join(body), **front_matter(handout, lang)), files


def front_matter(handout: Handout, lang: str) -> dict[str, str]:
    """What a document's title page and PDF metadata say: title, author (initproof when none is given),
    byline, course, subject and language."""
    return {"title": handout.title(lang), "author": handout.author or f"initproof {version('initproof')}",
            "byline": handout.author, "course": handout.course, "subject": SUBJECT(lang), "lang": lang}


@singledispatch
def render(block, lang: str, files: dict[str, bytes], figure_dir: str) -> str:
    raise TypeError(f"no LaTeX renderer for {type(block).__name__}")


@render.register
def _(block: Heading, lang, files, figure_dir) -> str:
    return f"\\floatbarrier\n\\section*{{{tex_escape(block.text(lang))}}}"  # a section after its figures


@render.register
def _(block: Paragraph, lang, files, figure_dir) -> str:
    return tex_escape(block.text(lang))


@render.register
def _(block: DerivationBlock, lang, files, figure_dir) -> str:
    d = derive.get(block.id)
    assumptions = "\n".join(f"  \\item {latex_assumption(a, lang, HANDOUT_LINE)}" for a in d.assumptions)
    heading = HEADINGS["assumptions"](lang)
    conflicts = "".join(f"{{\\raggedright\\textbf{{{HEADINGS['conflicts'](lang)}:}} "
                        f"{latex_conflict(c, lang)}\\par}}\n\n" for c in d.conflicts)
    steps = latex_align(d, lang, justification="\\parbox{{0.3\\linewidth}}{{\\raggedright\\small {}}}")
    return (f"\\subsection*{{{tex_escape(d.title(lang))} \\texttt{{({tex_escape(d.id)})}}}}\n"
            f"{heading}:\n\\begin{{itemize}}\\itemsep0pt\\raggedright\n{assumptions}\n\\end{{itemize}}\n{conflicts}"
            f"{{\\small\n{steps}\n}}")


@render.register
def _(block: Table, lang, files, figure_dir) -> str:
    shares = column_shares(block, lang, LANDSCAPE if block.landscape else 1.0)
    columns, head, rows = table_parts(block, lang, shares, lambda formula: f"$\\displaystyle {formula}$")
    fractions = any("\\frac" in cell(value, lang) for row in block.rows for value in row)
    stretch = f"\\renewcommand{{\\arraystretch}}{{{1.6 if fractions else 1.2}}}" if any(block.math) else ""
    table = ("{\\footnotesize" + stretch + "\n\\begin{longtable}{" + columns + "}\n\\hline\n" + head
             + " \\\\\n\\hline\\endhead\n" + " \\\\\n".join(rows) + " \\\\\n\\hline\n\\end{longtable}\n}")
    return f"\\begin{{landscape}}\n{table}\n\\end{{landscape}}" if block.landscape else table


def table_parts(block: Table, lang: str, shares: list[float],
                formula: Callable[[str], str]) -> tuple[str, str, list[str]]:
    """A table's column specification (one ragged column per share of the line), its bold header, and
    its rows in LaTeX: a formula cell through ``formula``, a verdict as its symbol, text escaped."""
    math = block.math or (False,) * len(block.header)
    columns = "".join(f">{{\\raggedright\\arraybackslash}}p{{\\dimexpr {share:.3f}\\linewidth-2\\tabcolsep\\relax}}"
                      for share in shares)
    head = " & ".join(f"\\textbf{{{tex_escape(h(lang))}}}" for h in block.header)
    rows = [" & ".join(formula(cell(value, lang)) if is_math else
                       VERDICT.get(cell(value, lang), tex_escape(cell(value, lang)))
                       for value, is_math in zip(row, math, strict=True)) for row in block.rows]
    return columns, head, rows


LINE_CHARS = 95
"""About how many characters of a table's small type fit in the line width, less the column gaps."""
LANDSCAPE = 1.5
"""How much longer a line is on a page turned sideways (A4 less the margins: 26.1 cm against 17.4 cm)."""
FULL = 0.99
"""The share of the line a table may take (a hair under 1: rounding in TeX's lengths)."""


def column_shares(block: Table, lang: str, scale: float = 1.0) -> list[float]:
    """Each column's share of the line: as given, or for a column given none, its longest cell;
    at least its longest word (so no word is cut); then the columns above that minimum shrink in
    proportion to their slack until the table fits within the margins."""
    given = block.widths or (0.0,) * len(block.header)
    texts = [[cell(value, lang) for value in (block.header[k], *(row[k] for row in block.rows))]
             for k in range(len(given))]
    line = LINE_CHARS * scale
    least = [(max(visible_length(w) for text in column for w in text.split()) + 2) / line for column in texts]
    wanted = [max(share or (max(map(visible_length, column)) + 2) / line, low)
              for share, column, low in zip(given, texts, least, strict=True)]
    excess, slack = sum(wanted) - FULL, [w - low for w, low in zip(wanted, least, strict=True)]
    if excess <= 0:
        return wanted
    cut = min(excess / (sum(slack) or 1), 1.0)
    return [w - cut * s for w, s in zip(wanted, slack, strict=True)]


def visible_length(text: str) -> int:
    """About how many characters ``text`` prints (TeX commands and grouping removed)."""
    return max(len(re.sub(r"\\[a-zA-Z]+|[{}$^_]", "", text)), 1)


@render.register
def _(block: Figure, lang, files, figure_dir) -> str:
    path = f"{figure_dir}/{block.name}.pdf"
    files[path] = to_pdf(block.draw(lang))
    return (f"\\begin{{figure}}[htbp]\\centering\n\\includegraphics[width=\\linewidth]{{{path}}}\n"
            f"\\caption{{{tex_escape(block.caption(lang))}}}\n\\end{{figure}}")


@render.register
def _(block: Question, lang, files, figure_dir) -> str:
    label = {"en": ("Question", "Answer", "Erratum"), "vi": ("Câu hỏi", "Trả lời", "Đính chính")}[lang]
    question = f"\\textbf{{{label[0]}.}} {tex_escape(block.question(lang))}"
    if block.answer is None:
        return question
    erratum = f"\\\\\n\\textbf{{{label[2]}.}} {tex_escape(block.erratum(lang))}" if block.erratum else ""
    return f"{question}\\\\\n\\textit{{{label[1]}:}} {tex_escape(block.answer(lang))}{erratum}"


def stamped(source: str) -> str:
    """``source`` with a first line that records its hash, so a later build can tell an edit."""
    return f"% initproof handout {hashlib.sha256(source.encode()).hexdigest()}\n{source}"


def edited_source(path: Path) -> Path | None:
    """``path`` when it is a file that is not a LaTeX source as initproof wrote it (no stamp, or one
    its text no longer matches), else None."""
    if not path.is_file():
        return None
    try:
        first, rest = path.read_text(encoding="utf-8").split("\n", 1)
    except (OSError, UnicodeDecodeError, ValueError):
        return path
    return None if first == f"% initproof handout {hashlib.sha256(rest.encode()).hexdigest()}" else path


def outputs(path: Path) -> dict[Path, str]:
    """The ``tex`` format writes one folder."""
    return {path: "folder"}


def edited(path: Path) -> Path | None:
    return edited_source(path / "handout.tex")


def write(handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    """The folder ``path`` with ``handout.tex`` and ``figures/``."""
    source, files = measure("figures", lambda: document(handout, lang, "figures"))
    write_folder(path, {"handout.tex": stamped(source).encode("utf-8"), **files})
    return [path]
