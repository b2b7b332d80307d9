"""The kinds of block a handout is made of; renderers register one function per kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from derive.text import Text


@dataclass(frozen=True)
class Heading:
    text: Text
    level: int = 1


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
    """A table; ``math`` marks columns whose cells are LaTeX math."""

    header: tuple[Text, ...]
    rows: tuple[tuple[str, ...], ...]
    math: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A figure drawn by ``draw(lang)``, with a caption."""

    name: str
    caption: Text
    draw: Callable = field(compare=False)


@dataclass(frozen=True)
class Question:
    question: Text
    answer: Text


Block = Heading | Paragraph | DerivationBlock | Table | Figure | Question
