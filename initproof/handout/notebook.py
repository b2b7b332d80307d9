"""The handout as a Jupyter notebook a student opens in Colab: the prose, derivations and tables as
Markdown (``$...$`` math), the figures as images attached to their cells, and live cells at the end
that rerun Monte Carlo checks, training experiments and a rule of the reader's own through
initproof's Python API."""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import singledispatch
from pathlib import Path

from initproof import derive
from initproof.derive.render import markdown

from .blocks import DerivationBlock, Figure, Heading, Paragraph, Question, Table, cell
from .content import Handout
from .figures import to_png
from .files import write_file
from .prose import say

SETUP = say("notebook_setup")
LIVE = say("notebook_live")
LIVE_CELLS = (
    (say("notebook_checks"),
     "from initproof.verify import report, suite\n"
     "from initproof.verify.settings import Settings\n\n"
     "settings = Settings()\n"
     "outcomes = suite.run(suite.checks([\"he-relu\", \"xavier-tanh\"]), settings, seed=1)\n"
     "print(report.table(outcomes, settings))"),
    (say("notebook_experiments"),
     "from initproof.verify import experiments\n\n"
     "findings = experiments.run([\"depth\", \"symmetry\"], 2)\n"
     "print(report.experiments_table(findings, \"{lang}\"))"),
    (say("notebook_rule"),
     "from initproof.derive.activations import activation\n"
     "from initproof.verify.rule import rule_check, run_rule\n\n"
     "check = rule_check(activation(\"tanh\"), \"1/n\", width=128, depth=10)\n"
     "print(report.layer_table(run_rule(check, seed=0)))"),
)
"""Introductions and sources of the live cells, in order."""


def notebook(handout: Handout, lang: str):
    """The handout as an :mod:`nbformat` version-4 notebook."""
    import nbformat

    byline = " · ".join(part for part in (handout.author, handout.course) if part)
    cells = [nbformat.v4.new_markdown_cell(f"# {handout.title(lang)}\n\n" + (f"*{byline}*\n\n" if byline else "")
                                           + SETUP(lang))]
    cells += [render(block, lang) for block in handout.blocks]
    cells.append(nbformat.v4.new_markdown_cell(f"## {LIVE(lang)}"))
    for intro, source in LIVE_CELLS:
        cells += [nbformat.v4.new_markdown_cell(intro(lang)), nbformat.v4.new_code_cell(source.replace("{lang}", lang))]
    for number, made in enumerate(cells):
        made.id = f"cell-{number}"  # the same notebook twice is the same file
    book = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(book)
    return book


@singledispatch
def render(block, lang: str):
    raise TypeError(f"no notebook cell for {type(block).__name__}")


@render.register
def _(block: Heading, lang: str):
    return _markdown(f"## {block.text(lang)}")


@render.register
def _(block: Paragraph, lang: str):
    return _markdown(block.text(lang))


@render.register
def _(block: DerivationBlock, lang: str):
    return _markdown("#" + markdown(derive.get(block.id), lang) + f"\n`initproof derive {block.id}`")


@render.register
def _(block: Table, lang: str):
    def row(cells) -> str:
        return "| " + " | ".join(cells) + " |"

    maths = block.math or (False,) * len(block.header)
    body = [row(_cell(value, lang, math) for value, math in zip(values, maths, strict=True)) for values in block.rows]
    return _markdown("\n".join([row(h(lang) for h in block.header), row("---" for _ in block.header), *body]))


@render.register
def _(block: Figure, lang: str):
    import nbformat

    name = f"{block.name}.png"
    figure = nbformat.v4.new_markdown_cell(f"![{block.name}](attachment:{name})\n\n*{block.caption(lang)}*")
    figure.attachments = {name: {"image/png": base64.b64encode(to_png(block.draw(lang), dpi=110)).decode()}}
    return figure


@render.register
def _(block: Question, lang: str):
    labels = {"en": ("Question", "Answer", "Erratum"), "vi": ("Câu hỏi", "Trả lời", "Đính chính")}[lang]
    parts = [f"**{labels[0]}.** {block.question(lang)}"]
    if block.answer is not None:
        parts.append(f"**{labels[1]}.** {block.answer(lang)}")
    if block.answer is not None and block.erratum:
        parts.append(f"**{labels[2]}.** {block.erratum(lang)}")
    return _markdown("\n\n".join(parts))


def _markdown(source: str):
    import nbformat

    return nbformat.v4.new_markdown_cell(source)


def _cell(value, lang: str, math: bool) -> str:
    text = cell(value, lang).replace("|", "\\|").replace("\n", " ")
    return f"${text}$" if math and text else text


def outputs(path: Path) -> dict[Path, str]:
    return {path: "file"}


def edited(path: Path) -> None:
    """A generated notebook is not protected: edit a copy."""


def write(handout: Handout, lang: str, path: Path, measure: Callable) -> list[Path]:
    import nbformat

    book = measure("figures", lambda: notebook(handout, lang))
    write_file(path, nbformat.writes(book).encode("utf-8"))
    return [path]
