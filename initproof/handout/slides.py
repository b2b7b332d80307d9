"""The handout as Beamer slides, compiled by pdflatex (its LaTeX source and figures left beside the PDF).

A frame holds one idea: a figure, a table (a long one over several frames), a derivation (its steps
broken over frames as they run), or a review question with its answer. The prose that leads to it in
the handout goes on the same frame, beside a figure or above the rest; prose too long for that, and
prose that leads to nothing, gets a frame of its own. Sections become Beamer sections, so the PDF's
outline follows the handout's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from initproof import derive
from initproof.derive.render import HEADINGS, latex_align, latex_assumption, tex_escape

from . import latex
from .blocks import DerivationBlock, Figure, Heading, Paragraph, Question, Table, cell
from .content import Handout
from .figures import to_pdf
from .pdf import compiled, edited, outputs  # noqa: F401  (the slides write the same files as the PDF handout)
from .prose import environment

LEAD = 420
"""Characters of prose that fit on a frame above (or beside) what it leads to."""
LINES = 17
"""Lines of a table's type a frame holds below its header."""
SLIDE_LINE = 0.95
"""A slide's line against the handout's, in characters of a table's type (16:9 at 10 pt, script size)."""
BREAKABLE_COMMA = ",\\allowbreak "
"""A comma in a table's formula where a narrow column may break its line (an interval ``[a, b]``)."""
LABELS = {"en": ("Question", "Answer", "Erratum"), "vi": ("Câu hỏi", "Trả lời", "Đính chính")}


def document(handout: Handout, lang: str, figure_dir: str = "figures") -> tuple[str, dict[str, bytes]]:
    """The Beamer source and the figure files (PDF) it includes, by relative path."""
    files: dict[str, bytes] = {}
    frames, section, lead = [], handout.title(lang), []
    for block in handout.blocks:
        if isinstance(block, Heading):
            frames += [_text_frame(section, text) for text in lead]
            section, lead = block.text(lang), []
            frames.append(f"\\section{{{tex_escape(section)}}}")
        elif isinstance(block, Paragraph):
            lead.append(block.text(lang))
        else:
            short = lead and len(lead[-1]) <= LEAD
            frames += [_text_frame(section, text) for text in (lead[:-1] if short else lead)]
            frames += FRAMES[type(block)](block, lang, section, lead[-1] if short else "", files, figure_dir)
            lead = []
    frames += [_text_frame(section, text) for text in lead]
    return environment().get_template("slides.tex.j2").render(
        body="\n\n".join(frames), **latex.front_matter(handout, lang)), files


def _frame(title: str, body: str, options: str = "") -> str:
    return f"\\begin{{frame}}{options}\n\\frametitle{{{tex_escape(title)}}}\n{body}\n\\end{{frame}}"


def _text_frame(title: str, text: str) -> str:
    """Prose with nothing to lead to: a short text as it is, a longer one as one bullet per sentence."""
    sentences = _sentences(text)
    if len(text) <= LEAD or len(sentences) < 2:
        return _frame(title, f"{{\\small {tex_escape(text)}\\par}}", "[allowframebreaks]")
    items = "\n".join(f"\\item {tex_escape(sentence)}" for sentence in sentences)
    return _frame(title, f"{{\\small\n\\begin{{itemize}}\n{items}\n\\end{{itemize}}\n\\par}}", "[allowframebreaks]")


def _sentences(text: str) -> list[str]:
    """``text`` cut after each full stop that ends a sentence: outside math, followed by a space and a
    capital (so neither ``0.5``, ``e.g. the`` nor a stop inside ``$...$`` cuts)."""
    cuts, math = [], False
    for k, char in enumerate(text):
        if char == "$" and (k == 0 or text[k - 1] != "\\"):
            math = not math
        elif char == "." and not math and text[k + 1:k + 2] == " " and text[k + 2:k + 3].isupper():
            cuts.append(k + 1)
    return [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if text[a:b].strip()]


def _lead(text: str) -> str:
    return f"{{\\small {tex_escape(text)}\\par}}\\medskip\n" if text else ""


def _figure(block: Figure, lang: str, title: str, lead: str, files: dict[str, bytes], figure_dir: str) -> list[str]:
    path = f"{figure_dir}/{block.name}.pdf"
    files[path] = to_pdf(block.draw(lang))
    caption = f"{{\\scriptsize {tex_escape(block.caption(lang))}\\par}}"
    graphic = f"\\includegraphics[width=\\linewidth,height=0.72\\textheight,keepaspectratio]{{{path}}}"
    if not lead:
        return [_frame(title, f"\\centering\n{graphic}\n\n{caption}")]
    return [_frame(title, f"\\begin{{columns}}[T]\n\\begin{{column}}{{0.34\\textwidth}}\n{_lead(lead)}{caption}\n"
                          f"\\end{{column}}\n\\begin{{column}}{{0.64\\textwidth}}\n{graphic}\n\\end{{column}}\n"
                          "\\end{columns}")]


def _table(block: Table, lang: str, title: str, lead: str, files: dict[str, bytes], figure_dir: str) -> list[str]:
    shares = latex.column_shares(block, lang, SLIDE_LINE)
    columns, head, rows = latex.table_parts(block, lang, shares,
                                            lambda formula: "$" + formula.replace(", ", BREAKABLE_COMMA) + "$")
    parts = _pages(rows, [[cell(value, lang) for value in row] for row in block.rows], shares)
    frames = []
    for k, part in enumerate(parts):
        suffix = f" ({k + 1}/{len(parts)})" if len(parts) > 1 else ""
        table = (f"{{\\scriptsize\n\\begin{{tabular}}{{{columns}}}\n\\hline\n{head} \\\\\n\\hline\n"
                 + "".join(f"{row} \\\\\n" for row in part) + "\\hline\n\\end{tabular}\n}")
        frames.append(_frame(title + suffix, (_lead(lead) if k == 0 else "") + table))
    return frames


def _pages(rows: list[str], texts: list[list[str]], shares: list[float]) -> list[list[str]]:
    """The rows in frames of at most :data:`LINES` lines, a row as tall as its longest wrapped cell."""
    width = latex.LINE_CHARS * SLIDE_LINE
    pages: list[list[str]] = [[]]
    used = 0
    for row, text in zip(rows, texts, strict=True):
        height = max(-(-latex.visible_length(t) // max(int(share * width) - 2, 1))
                     for t, share in zip(text, shares, strict=True))
        if pages[-1] and used + height > LINES:
            pages.append([])
            used = 0
        pages[-1].append(row)
        used += height
    return pages


def _derivation(block: DerivationBlock, lang: str, title: str, lead: str, files: dict[str, bytes],
                figure_dir: str) -> list[str]:
    d = derive.get(block.id)
    assumptions = "\n".join(f"\\item {latex_assumption(a, lang, latex.HANDOUT_LINE)}" for a in d.assumptions)
    steps = latex_align(d, lang, justification="\\parbox{{0.32\\linewidth}}{{\\raggedright\\tiny {}}}")
    body = (f"{_lead(lead)}{{\\scriptsize\\textbf{{{HEADINGS['assumptions'](lang)}:}}\n"
            f"\\begin{{itemize}}\\itemsep0pt\n{assumptions}\n\\end{{itemize}}\n}}\n{{\\scriptsize\n{steps}\n}}")
    return [_frame(f"{d.title(lang)} ({d.id})", body, "[allowframebreaks]")]


def _question(block: Question, lang: str, title: str, lead: str, files: dict[str, bytes],
              figure_dir: str) -> list[str]:
    label = LABELS[lang]
    body = f"{_lead(lead)}\\textbf{{{label[0]}.}} {tex_escape(block.question(lang))}\n\n"
    if block.answer is not None:
        body += f"\\medskip\n{{\\small\\textit{{{label[1]}:}} {tex_escape(block.answer(lang))}\\par}}\n"
    if block.answer is not None and block.erratum:
        body += f"\\medskip\n{{\\small\\textbf{{{label[2]}.}} {tex_escape(block.erratum(lang))}\\par}}\n"
    return [_frame(title, body, "[allowframebreaks]")]


FRAMES: dict[type, Callable[..., list[str]]] = {Figure: _figure, Table: _table, DerivationBlock: _derivation,
                                                Question: _question}


def write(handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    return compiled(document, handout, lang, path, measure)
