"""Numbers as the handout prints them."""

from __future__ import annotations


def significant(value: float, measured: bool = False) -> str:
    """Four significant digits; powers of ten in TeX form (``7.157 \\times 10^{-7}``); a
    ``measured`` value keeps its trailing zeros (``1.000``, not ``1``)."""
    value = float(value)
    text = f"{value:#.4g}" if measured else f"{value:.4g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def inline(value: float) -> str:
    """A number as inline math."""
    return f"${significant(value)}$"
