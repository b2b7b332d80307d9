"""Numeric and symbolic claims of the course notes, recomputed by sympy.

Each claim is data: what it says, the expression that computes it, the value the
notes state (as written), and where it stands. :func:`grade` calls a claim

* ``correct`` when the stated value equals the computed one (exactly, or to 12
  significant digits for decimals; identically for formulas),
* ``rounding`` when the stated decimal is the computed value rounded to the
  digits the notes give,
* ``wrong`` otherwise.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import sympy as sp

from .parse import ParseError, parse_expression
from .registry import get, ids
from .symbols import m, n, z
from .text import Text

x = sp.Symbol("x", real=True)


@dataclass(frozen=True)
class Claim:
    """A claim of the notes: ``computed`` is a sympy expression; ``stated`` is the notes' value,
    a decimal string (e.g. ``"7.08e-7"``) or a sympy expression for a formula."""

    claim: Text
    computed: sp.Expr
    stated: str | sp.Expr
    where: str


class Verdict(StrEnum):
    """How a stated value compares with the computed one."""

    CORRECT = "correct"
    ROUNDING = "rounding"
    """Equal to the stated digits, rounded."""
    WRONG = "wrong"


@dataclass(frozen=True)
class Grade:
    claim: Claim
    computed: str
    verdict: Verdict

    def as_dict(self, lang: str = "en") -> dict:
        stated = self.claim.stated if isinstance(self.claim.stated, str) else str(self.claim.stated)
        return {"claim": self.claim.claim(lang), "stated": stated, "computed": self.computed,
                "verdict": self.verdict, "where": self.claim.where}


def grade(claim: Claim) -> Grade:
    """Compare the stated value with the computed one."""
    if not isinstance(claim.stated, str):
        same = sp.simplify(sp.expand(claim.computed - claim.stated).rewrite(sp.exp)) == 0
        return Grade(claim, str(claim.computed), Verdict.CORRECT if same else Verdict.WRONG)
    value = sp.N(claim.computed.rewrite(sp.exp), 30)
    stated = Decimal(claim.stated)
    computed = Decimal(str(value))
    if stated == 0:  # a stated zero means exactly zero, not a value rounded to units
        verdict = Verdict.CORRECT if abs(computed) <= Decimal("1e-12") else Verdict.WRONG
    elif abs(computed - stated) <= abs(computed) * Decimal("1e-12"):
        verdict = Verdict.CORRECT
    elif abs(computed - stated) <= Decimal(1).scaleb(stated.as_tuple().exponent) / 2:
        verdict = Verdict.ROUNDING
    else:
        verdict = Verdict.WRONG
    return Grade(claim, f"{float(value):.10g}", verdict)


class ClaimsError(ValueError):
    """A claims file that cannot be read; the message says which claim and why."""


FIELDS = {"claim", "claim_vi", "computed", "results", "at", "stated", "where"}
REQUIRED = ("claim", "computed", "stated", "where")
MAX_CLAIMS = 1000
MAX_BYTES = 1_000_000
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
a, b = sp.symbols("a b", real=True)
VARIABLES = {"x": x, "z": z, "n": n, "m": m, "a": a, "b": b}
"""The symbols a claim's expressions may use (``a`` and ``b`` are the bounds of a uniform
distribution, as in ``uniform-moments``)."""
BUNDLED = Path(__file__).with_name("notes.toml")
"""The course notes' claims, in the format of a lecturer's own file."""


def load_claims(text: str, source: str = "claims") -> list[Claim]:
    """The claims of a TOML document (the format of :data:`BUNDLED`): every expression goes through
    :func:`~.parse.parse_expression` (never ``eval``), every result is a derived one; a
    :class:`ClaimsError` names the claim and the problem."""
    if len(text.encode()) > MAX_BYTES:
        raise ClaimsError(f"{source}: larger than {MAX_BYTES // 1000} kB")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ClaimsError(f"{source}: not TOML: {error}") from None
    entries = document.get("claim")
    if set(document) != {"claim"} or not isinstance(entries, list) or not entries:
        raise ClaimsError(f"{source}: expected [[claim]] tables and nothing else")
    if len(entries) > MAX_CLAIMS:
        raise ClaimsError(f"{source}: more than {MAX_CLAIMS} claims")
    return [_claim(entry, f"{source}: claim {k}") for k, entry in enumerate(entries, 1)]


def _claim(entry: dict, where: str) -> Claim:
    unknown = sorted(set(entry) - FIELDS)
    missing = [key for key in REQUIRED if key not in entry]
    if unknown or missing:
        raise ClaimsError(f"{where}: " + (f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]!r}"))
    strings = {key: entry[key] for key in ("claim", "claim_vi", "computed", "stated", "where") if key in entry}
    tables = {key: entry.get(key, {}) for key in ("results", "at")}
    if not all(isinstance(value, str) for value in strings.values()) or not all(
            isinstance(table, dict) and all(isinstance(v, str) for v in table.values()) for table in tables.values()):
        raise ClaimsError(f"{where}: every field is a string, 'results' and 'at' tables of strings")
    try:
        variables = VARIABLES | {name: _result(key) for name, key in tables["results"].items()}
        computed = parse_expression(entry["computed"], variables)
        at = {VARIABLES[name] if name in VARIABLES else _unknown(name): parse_expression(value, {})
              for name, value in tables["at"].items()}
        stated = entry["stated"].strip()
        stated = stated if DECIMAL.fullmatch(stated) else parse_expression(stated, variables)
    except (ParseError, LookupError) as error:
        raise ClaimsError(f"{where}: {error}") from None
    computed = computed.subs(at)
    if isinstance(stated, str) and computed.free_symbols:
        names = ", ".join(sorted(str(symbol) for symbol in computed.free_symbols))
        raise ClaimsError(f"{where}: 'computed' still depends on {names}: give them values in 'at', or state a "
                          "formula")
    return Claim(Text(entry["claim"], entry.get("claim_vi", entry["claim"])), computed, stated, entry["where"])


def _result(key: str) -> sp.Expr:
    """The derived result ``derivation-id/result-name``."""
    identifier, _, name = key.partition("/")
    if identifier not in ids():
        raise LookupError(f"no derivation {identifier!r} (see 'initproof list')")
    derivation = get(identifier)
    if name not in {result.name for result in derivation.results}:
        raise LookupError(f"{identifier} has no result {name!r}; it has "
                          f"{', '.join(result.name for result in derivation.results)}")
    return derivation.named(name).rhs


def _unknown(name: str) -> sp.Symbol:
    raise LookupError(f"'at' names {name!r}; it may name {', '.join(VARIABLES)}")


def claims() -> list[Claim]:
    """The audited claims of the course notes (:data:`BUNDLED`), located by the notes' own section
    headings."""
    return load_claims(BUNDLED.read_text(encoding="utf-8"), BUNDLED.name)


def audit(chosen: list[Claim] | None = None) -> list[Grade]:
    """Every claim of ``chosen`` (default: the course notes'), graded."""
    return [grade(c) for c in (claims() if chosen is None else chosen)]
