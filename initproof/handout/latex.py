"""The handout as a pdfLaTeX document (Vietnamese through the T5 fonts of vntex)."""

from __future__ import annotations

from functools import singledispatch

import derive
from derive.render import HEADINGS, latex_align, tex_escape

from .blocks import DerivationBlock, Figure, Heading, Paragraph, Question, Table, cell
from .content import Handout
from .figures import to_pdf

PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[%(encoding)s]{fontenc}
%(fonts)s
\usepackage{amsmath,amssymb,graphicx,longtable,array}
\usepackage[margin=1.8cm]{geometry}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\pdfobjcompresslevel=0
%(names)s
\setlength{\parskip}{0.4em}\setlength{\parindent}{0pt}
\title{%(title)s}
\date{}
\begin{document}
\maketitle
"""
FONTS = {"en": ("T5", "\\usepackage{lmodern}"), "vi": ("T5", "\\usepackage{lmodern}")}
"""T5 (vntex) in both languages: the English handout quotes the notes' Vietnamese headings."""
NAMES = {"en": "", "vi": "\\renewcommand{\\figurename}{Hình}\\renewcommand{\\tablename}{Bảng}"}
VERDICT = {"✓": "$\\checkmark$", "✗": "$\\times$"}


def document(handout: Handout, lang: str, figure_dir: str = "figures") -> tuple[str, dict[str, bytes]]:
    """The LaTeX source and the figure files (PDF) it includes, by relative path."""
    encoding, fonts = FONTS[lang]
    files: dict[str, bytes] = {}
    body = [render(block, lang, files, figure_dir) for block in handout.blocks]
    head = PREAMBLE % {"encoding": encoding, "fonts": fonts, "names": NAMES[lang],
                       "title": tex_escape(handout.title(lang))}
    return head + "\n\n".join(body) + "\n\\end{document}\n", files


@singledispatch
def render(block, lang: str, files: dict[str, bytes], figure_dir: str) -> str:
    raise TypeError(f"no LaTeX renderer for {type(block).__name__}")


@render.register
def _(block: Heading, lang, files, figure_dir) -> str:
    return f"\\section*{{{tex_escape(block.text(lang))}}}"


@render.register
def _(block: Paragraph, lang, files, figure_dir) -> str:
    return tex_escape(block.text(lang))


@render.register
def _(block: DerivationBlock, lang, files, figure_dir) -> str:
    d = derive.get(block.id)
    assumptions = "\n".join(f"  \\item {tex_escape(a.text(lang))}" for a in d.assumptions)
    heading = HEADINGS["assumptions"](lang)
    conflicts = "".join(f"\\noindent\\textbf{{{HEADINGS['conflicts'](lang)}:}} {tex_escape(c.text(lang))}\n\n"
                        for c in d.conflicts)
    steps = latex_align(d, lang, justification="\\parbox{{0.3\\linewidth}}{{\\raggedright\\small {}}}")
    return (f"\\subsection*{{{tex_escape(d.title(lang))} \\texttt{{({tex_escape(d.id)})}}}}\n"
            f"{heading}:\n\\begin{{itemize}}\\itemsep0pt\n{assumptions}\n\\end{{itemize}}\n{conflicts}"
            f"{{\\small\n{steps}\n}}")


@render.register
def _(block: Table, lang, files, figure_dir) -> str:
    math = block.math or (False,) * len(block.header)
    shares = block.widths or tuple(0.16 if k == 0 else 0.3 if k == 1 and len(math) > 4 else 0.0
                                   for k in range(len(math)))
    widths = [f"p{{{share}\\linewidth}}" if share else "l" for share in shares]
    head = " & ".join(f"\\textbf{{{tex_escape(h(lang))}}}" for h in block.header)
    rows = [" & ".join(f"${cell(value, lang)}$" if is_math else
                       VERDICT.get(cell(value, lang), tex_escape(cell(value, lang)))
                       for value, is_math in zip(row, math, strict=True)) for row in block.rows]
    stretch = "\\renewcommand{\\arraystretch}{1.6}" if any(math) else ""
    return ("{\\footnotesize" + stretch + "\n\\begin{longtable}{" + "".join(widths) + "}\n\\hline\n" + head
            + " \\\\\n\\hline\\endhead\n" + " \\\\\n".join(rows) + " \\\\\n\\hline\n\\end{longtable}\n}")


@render.register
def _(block: Figure, lang, files, figure_dir) -> str:
    path = f"{figure_dir}/{block.name}.pdf"
    files[path] = to_pdf(block.draw(lang))
    return (f"\\begin{{figure}}[htbp]\\centering\n\\includegraphics[width=\\linewidth]{{{path}}}\n"
            f"\\caption{{{tex_escape(block.caption(lang))}}}\n\\end{{figure}}")


@render.register
def _(block: Question, lang, files, figure_dir) -> str:
    label = {"en": ("Question", "Answer"), "vi": ("Câu hỏi", "Trả lời")}[lang]
    return (f"\\textbf{{{label[0]}.}} {tex_escape(block.question(lang))}\\\\\n"
            f"\\textit{{{label[1]}:}} {tex_escape(block.answer(lang))}")
