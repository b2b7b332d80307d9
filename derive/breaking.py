r"""Long right-hand sides broken over the lines of an ``align`` environment.

sympy prints an expression as one line of LaTeX; a closed form such as SELU's
:math:`\lambda` runs to several line widths. :func:`lines` splits a sum at its
terms, and a product or quotient whose widest part is a sum inside that sum, so
that each line fits a given width. Widths are estimated from the expression tree in
units of about one character of 10 pt math (a fraction is as wide as the wider of its
numerator and denominator, an exponent counts for less than the base); the estimate
errs on the wide side. Parts that cannot be split (a long square root, an integral)
stay whole.
"""

from __future__ import annotations

import re

import sympy as sp

SCRIPT = 0.7
"""Width of a superscript or subscript character, relative to a character on the line."""


def width(expr: sp.Basic) -> float:
    """Estimated printed width of ``expr`` in characters."""
    if isinstance(expr, sp.Add):
        return sum(width(term) for term in expr.args) + 2.5 * (len(expr.args) - 1)
    if isinstance(expr, sp.Mul):
        numerator, denominator = sp.fraction(expr)
        if denominator != 1:
            return max(width(numerator), width(denominator)) + 1
        return sum(width(f) + (2 if isinstance(f, sp.Add) else 0.5) for f in expr.args)
    if isinstance(expr, sp.Pow):
        if expr.exp == sp.S.Half:
            return width(expr.base) + 2
        return width(expr.base) + SCRIPT * width(expr.exp) + (2 if not expr.base.is_Atom else 0)
    if isinstance(expr, sp.Function) and expr.args:
        return len(type(expr).__name__) + sum(width(a) for a in expr.args) + 2
    return text_width(sp.latex(expr))


def text_width(latex: str) -> float:
    """Width of LaTeX text with its commands, braces and sizing removed (a rough upper bound)."""
    latex = re.sub(r"\\(left|right|operatorname|mathbb|mathrm|limits|displaystyle)\b", "", latex)
    latex = re.sub(r"\\[a-zA-Z]+", "x", latex)
    return float(len(re.sub(r"[{}\s]", "", latex)))


def lines(expr: sp.Expr, room: float) -> list[str]:
    r"""``expr`` in LaTeX as one or more lines, each estimated to fit ``room`` characters.

    A sum breaks between its terms; a product around its widest factor (a product of matrices, which
    does not commute, stays whole); a quotient as
    :math:`\frac{1}{d}\bigl(\dots\bigr)` or, when the denominator is wide too,
    :math:`\bigl(\dots\bigr) \cdot \bigl(\dots\bigr)^{-1}`; a power of a wide base as
    :math:`\bigl(\dots\bigr)^{p}`.
    """
    if width(expr) <= room or not expr.is_commutative:  # a product of matrices keeps its order: one line
        return [sp.latex(expr)]
    if isinstance(expr, sp.Add):
        return _sum_lines(list(sp.Add.make_args(expr)), room)
    numerator, denominator = sp.fraction(expr)
    if denominator != 1:
        if width(denominator) < room / 2:
            return _around(rf"\frac{{1}}{{{sp.latex(denominator)}}} \Bigl(", lines(numerator, room), r"\Bigr)")
        return lines(numerator, room) + _around(r"\cdot \Bigl(", lines(denominator, room), r"\Bigr)^{-1}")
    if isinstance(expr, sp.Pow) and width(expr.base) > room:
        return _around(r"\Bigl(", lines(expr.base, room), rf"\Bigr)^{{{sp.latex(expr.exp)}}}")
    if isinstance(expr, sp.Mul):
        widest = max(expr.args, key=width)
        rest = sp.latex(sp.Mul(*[f for f in expr.args if f is not widest]))
        rest = "" if rest == "1" else rest
        if isinstance(widest, sp.Add):
            return _around(f"{rest} \\Bigl(", lines(widest, room - text_width(rest)), r"\Bigr)")
        return _around(rest, lines(widest, room - text_width(rest)), "")
    return [sp.latex(expr)]


def _around(before: str, inner: list[str], after: str) -> list[str]:
    """``inner`` with ``before`` on its first line and ``after`` on its last."""
    return [f"{before} {inner[0]}".strip(), *inner[1:-1], f"{inner[-1]} {after}".strip()] if len(inner) > 1 \
        else [f"{before} {inner[0]} {after}".strip()]


def _sum_lines(terms: list[sp.Expr], room: float) -> list[str]:
    """Terms of a sum packed greedily into lines of at most ``room`` characters; a term wider than
    a line is broken itself."""
    out, current, used = [], "", 0.0
    for k, term in enumerate(terms):
        negative = term.could_extract_minus_sign()
        shown = -term if negative else term
        sign = "-" if negative else ("+" if k else "")
        size = width(shown) + 2.5
        if current and used + size > room:
            out.append(current)
            current, used = "", 0.0
        if size > room:
            broken = lines(shown, room - 2.5)
            if len(broken) > 1 and sign == "-":
                broken = _around(r"\Bigl(", broken, r"\Bigr)")
            out += [f"{current} {sign} {broken[0]}".strip(), *broken[1:-1]]
            current, used = broken[-1], text_width(broken[-1])
            continue
        current = f"{current} {sign} {sp.latex(shown)}".strip()
        used += size
    return [*out, current]
