"""The handout's words: Jinja2 templates, one folder per language, and the filters that format numbers.

``templates/en/*.j2`` and ``templates/vi/*.j2`` define the same macros, one per piece of prose, with
the same parameters; :func:`say` renders a macro in both languages into a :class:`Text`. Python
computes the values (a derived formula, a measured variance) and passes them unformatted; the
template formats each once, through a filter. The delimiters are commands LaTeX does not have,
``\\BLOCK{...}``, ``\\VAR{...}`` and ``\\#{...}``, so that LaTeX's braces, parentheses and percent
signs stay literal.

Templates of whole documents (``*.tex.j2``, ``*.html.j2``) use the same environment; each output
format escapes text with its own filter: ``tex`` in LaTeX, Jinja2's autoescape in HTML.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2
import sympy as sp

from initproof.derive.registry import result
from initproof.derive.render import tex_escape
from initproof.derive.text import LANGUAGES, Text

from .numbers import inline, significant


def _interval(outcome) -> str:
    """A check's estimate and its confidence interval, as measured values in inline math."""
    low, high = outcome.estimate.ci
    return f"${significant(outcome.estimate.estimate, True)}$ $[{significant(low, True)}, {significant(high, True)}]$"


def _fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals."""
    return f"{float(value):.{digits}f}"


FILTERS = {
    "sig": significant,
    "measured": lambda value: significant(value, True),
    "math": inline,
    "latex": sp.latex,
    "formula": lambda expr: f"${sp.latex(expr)}$",
    "interval": _interval,
    "fixed": _fixed,
    "short": lambda value: f"{value:g}",
    "tex": tex_escape,
}
"""How a template formats a value: four significant digits (``sig``; ``measured`` keeps trailing zeros),
the same as inline math (``math``), a check's estimate with its interval (``interval``), a sympy
expression in LaTeX (``latex``, or ``formula`` as inline math), a fixed number of decimals
(``fixed(k)``), the shortest form (``short``), and text escaped for LaTeX (``tex``). A template may also
name a derived result, ``result("he-relu", "forward")``, which :func:`initproof.derive.registry.result`
looks up."""


def _strict(format_value):
    """``format_value`` refusing a value the caller did not pass (Jinja2 hands a filter an Undefined)."""
    def checked(value, *args):
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return format_value(value, *args)
    return checked


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: delimiters LaTeX does not use, undefined names an error,
    HTML templates autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("initproof.handout", "templates"),
        block_start_string="\\BLOCK{", block_end_string="}",
        variable_start_string="\\VAR{", variable_end_string="}",
        comment_start_string="\\#{", comment_end_string="}",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False))
    env.filters.update({name: _strict(format_value) for name, format_value in FILTERS.items()})
    env.globals["result"] = result
    return env


@cache
def macros(lang: str) -> dict[str, jinja2.runtime.Macro]:
    """Every macro of the language's templates, by name; a name defined twice is an error."""
    env, found = environment(), {}
    for name in env.list_templates(filter_func=lambda path: path.startswith(f"{lang}/")):
        module = env.get_template(name).module
        for key in dir(module):
            value = getattr(module, key)
            if isinstance(value, jinja2.runtime.Macro):
                if key in found:
                    raise ValueError(f"{name}: macro {key} is defined twice in the {lang} templates")
                found[key] = value
    return found


def render(name: str, lang: str, values: dict) -> str:
    """The macro ``name`` of ``lang`` with ``values``, as one line of prose."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    try:
        macro = macros(lang)[name]
    except KeyError:
        raise KeyError(f"no macro {name!r} in the {lang} templates") from None
    return re.sub(r"\s*\n\s*", " ", str(macro(**values))).strip()


def say(name: str, **values) -> Text:
    """The prose ``name`` in every language, with ``values`` put in."""
    return Text(*(render(name, lang, values) for lang in LANGUAGES))
