"""The handout as one self-contained HTML file: MathML for math, inline SVG figures, no scripts."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import singledispatch
from pathlib import Path

from latex2mathml.converter import convert

from initproof import derive
from initproof.derive.render import HEADINGS, chained, justification, relation_latex

from .blocks import DerivationBlock, Figure, Heading, Paragraph, Question, Table, cell
from .content import Handout
from .figures import to_svg
from .files import write_file
from .prose import environment

STYLE = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; } h3 { margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
td, th { padding: .25rem .6rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }
table.steps td.rel { text-align: center; } table.steps td.why { color: #555; font-size: .85rem; }
table.steps td.lhs { text-align: right; }
figure { margin: 1.2rem 0; } figure svg { width: 100%; height: auto; } figcaption { font-size: .9rem; color: #444; }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: bold; } p.erratum { color: #8b1a1a; }
p.byline { color: #555; margin-top: -.5rem; }
code { font-size: .85rem; color: #666; }
"""


def document(handout: Handout, lang: str) -> str:
    """The complete HTML page."""
    body = "\n".join(render(block, lang) for block in handout.blocks)
    return environment().get_template("handout.html.j2").render(
        lang=lang, title=handout.title(lang), author=handout.author, course=handout.course, style=STYLE, body=body)


def math(latex: str, display: str = "inline") -> str:
    """MathML for a LaTeX formula."""
    return convert(latex, display=display)


def prose(text: str) -> str:
    """Escaped text with typographic quotes and each ``$...$`` turned into inline MathML."""
    parts = re.split(r"(\$[^$]+\$)", text)
    return "".join(math(p[1:-1]) if p.startswith("$") and p.endswith("$") and len(p) > 1
                   else html.escape(_curly(p), quote=False) for p in parts)


def _curly(text: str) -> str:
    """Straight quotes as typographic ones: opening after a space or bracket, closing otherwise."""
    text = re.sub(r"(^|(?<=[\s(\[]))'", "\u2018", text)
    text = re.sub(r'(^|(?<=[\s(\[]))"', "\u201c", text)
    return text.replace("'", "\u2019").replace('"', "\u201d")


@singledispatch
def render(block, lang: str) -> str:
    raise TypeError(f"no HTML renderer for {type(block).__name__}")


@render.register
def _(block: Heading, lang: str) -> str:
    return f"<h2>{prose(block.text(lang))}</h2>"


@render.register
def _(block: Paragraph, lang: str) -> str:
    return f"<p>{prose(block.text(lang))}</p>"


@render.register
def _(block: DerivationBlock, lang: str) -> str:
    d = derive.get(block.id)
    heading = HEADINGS["assumptions"](lang)
    items = "".join(f"<li>{prose(a.text(lang))}</li>" for a in d.assumptions)
    conflicts = "".join(f'<p class="conflict"><strong>{HEADINGS["conflicts"](lang)}:</strong> {prose(c.text(lang))}</p>'
                        for c in d.conflicts)
    rows = []
    for k, step in enumerate(d.steps):
        lhs, operator, rhs = relation_latex(step.relation)
        left = "" if chained(d, k) else math(lhs)
        rows.append(f'<tr><td class="lhs">{left}</td><td class="rel">{math(operator)}</td><td>{math(rhs)}</td>'
                    f'<td class="why">{prose(justification(d, k, lang))}</td></tr>')
    return (f"<h3>{html.escape(d.title(lang))} <code>{d.id}</code></h3>\n<p>{heading}:</p><ul>{items}</ul>\n"
            f'{conflicts}<table class="steps">{"".join(rows)}</table>')


@render.register
def _(block: Table, lang: str) -> str:
    math_columns = block.math or (False,) * len(block.header)
    head = "".join(f"<th>{prose(h(lang))}</th>" for h in block.header)
    rows = "".join("<tr>" + "".join(
        f"<td>{math(cell(value, lang)) if is_math else prose(cell(value, lang))}</td>"
        for value, is_math in zip(row, math_columns, strict=True)) + "</tr>" for row in block.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@render.register
def _(block: Figure, lang: str) -> str:
    return f"<figure>{to_svg(block.draw(lang))}<figcaption>{prose(block.caption(lang))}</figcaption></figure>"


@render.register
def _(block: Question, lang: str) -> str:
    label = {"en": "Erratum", "vi": "Đính chính"}[lang]
    if block.answer is None:
        return f"<p><b>{prose(block.question(lang))}</b></p>"
    erratum = f'<p class="erratum"><b>{label}.</b> {prose(block.erratum(lang))}</p>' if block.erratum else ""
    return (f"<details><summary>{prose(block.question(lang))}</summary><p>{prose(block.answer(lang))}</p>"
            f"{erratum}</details>")


def outputs(path: Path) -> dict[Path, str]:
    return {path: "file"}


def edited(path: Path) -> None:
    """Nothing in an HTML handout is meant to be edited."""


def write(handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    page = measure("figures", lambda: document(handout, lang))
    write_file(path, page.encode("utf-8"))
    return [path]
