"""The kinds of block a handout is made of; renderers register one function per kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from initproof.derive.text import Text


@dataclass(frozen=True)
class Heading:
    text: Text


@dataclass(frozen=True)
class Paragraph:
    """Prose with inline ``$...$`` math."""

    text: Text


@dataclass(frozen=True)
class DerivationBlock:
    """A derivation from :mod:`derive`, by id."""

    id: str


@dataclass(frozen=True)
class Table:
    """A table; cells are strings or bilingual :class:`Text`; ``math`` marks LaTeX-math columns;
    ``widths`` gives each column's share of the line width (0 for a column as wide as its cells);
    ``landscape`` turns its pages sideways in print (a wide table of many rows)."""

    header: tuple[Text, ...]
    rows: tuple[tuple[str | Text, ...], ...]
    math: tuple[bool, ...] = ()
    widths: tuple[float, ...] = ()
    landscape: bool = False


def cell(value: str | Text, lang: str) -> str:
    """A table cell in ``lang``."""
    return value(lang) if isinstance(value, Text) else value


@dataclass(frozen=True)
class Figure:
    """A figure drawn by ``draw(lang)``, with a caption."""

    name: str
    caption: Text
    draw: Callable = field(compare=False)


@dataclass(frozen=True)
class Question:
    """A question and its answer; ``erratum`` quotes and corrects a wrong answer of the notes."""

    question: Text
    answer: Text | None
    """None in a student's version: the answer is in the key."""
    erratum: Text | None = None


Block = Heading | Paragraph | DerivationBlock | Table | Figure | Question
