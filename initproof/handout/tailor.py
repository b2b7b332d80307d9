"""A handout as a lecturer wants it: their title, name and course, the sections they teach, a short
version without the long tables, and a student's version whose answers move to a separate key."""

from __future__ import annotations

import re
from dataclasses import replace

from initproof.derive.text import Text

from .blocks import Block, Heading, Paragraph, Question, Table
from .content import Handout
from .prose import say

APPENDIX = "appendix"
"""The name of the sections without a number (the appendix and what follows it)."""
LONG = 12
"""A table of more rows than this is left out of a short handout."""


def sections(handout: Handout) -> list[str]:
    """The section names of ``handout`` in order: their numbers, and :data:`APPENDIX`."""
    found: list[str] = []
    for block in handout.blocks:
        if isinstance(block, Heading) and _section(block) not in found:
            found.append(_section(block))
    return found


def _section(heading: Heading) -> str:
    number = re.match(r"(\d+)\.", heading.text.en)
    return number.group(1) if number else APPENDIX


def tailor(handout: Handout, title: str | None = None, author: str = "", course: str = "",
           chosen: list[str] | None = None, student: bool = False,
           short: bool = False) -> tuple[Handout, Handout | None]:
    """``handout`` with ``title`` (in both languages), ``author`` and ``course``, only the sections
    ``chosen`` (numbers or ``appendix``; all when None), when ``short`` each table of more than
    :data:`LONG` rows replaced by a line that says so, and, for a ``student``, its questions without
    answers together with a key that holds them (None otherwise)."""
    unknown = sorted(set(chosen or ()) - set(sections(handout)))
    if unknown:
        raise ValueError(f"no section {unknown[0]!r}; the handout has {', '.join(sections(handout))}")
    blocks = _within(handout.blocks, chosen) if chosen else list(handout.blocks)
    if short:
        blocks = [_left_out(block) if isinstance(block, Table) and len(block.rows) > LONG else block
                  for block in blocks]
    named = Text(title, title) if title else handout.title
    tailored = replace(handout, title=named, blocks=blocks, author=author, course=course)
    if not student:
        return tailored, None
    questions = [block for block in blocks if isinstance(block, Question)]
    key_title = say("answers_title", title=named)
    key = replace(tailored, title=key_title, blocks=questions)
    hidden = [replace(block, answer=None, erratum=None) if isinstance(block, Question) else block for block in blocks]
    return replace(tailored, blocks=hidden), key


def _within(blocks: list[Block], chosen: list[str]) -> list[Block]:
    """The blocks of the sections ``chosen``; what precedes the first heading goes with the first section."""
    kept, current = [], None
    for block in blocks:
        if isinstance(block, Heading):
            current = _section(block)
        if (current or "1") in chosen:
            kept.append(block)
    return kept


def _left_out(table: Table) -> Paragraph:
    rows = len(table.rows)
    return Paragraph(say("short_left_out", rows=rows))
