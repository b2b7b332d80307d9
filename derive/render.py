"""Derivations as plain text, Markdown, LaTeX and JSON-ready data, in English or Vietnamese.

LaTeX output is an ``align*`` block (amsmath), one step per line with its
justification; consecutive steps that share a left-hand side print as a chain
``&= ...``. Text inside ``\\text{}`` is TeX-escaped except for ``$...$`` math.
"""

from __future__ import annotations

import re

import sympy as sp
from pylatexenc.latex2text import LatexNodes2Text
from sympy.printing.pretty.pretty_symbology import greek_unicode
from sympy.printing.str import StrPrinter

from . import breaking
from .derivation import Derivation
from .steps import Requirement, Solution, Step
from .text import Text

HEADINGS = {
    "assumptions": Text("Assumptions", "Giả thiết"),
    "steps": Text("Steps", "Các bước"),
    "results": Text("Results", "Kết quả"),
    "require": Text("goal", "mục tiêu"),
    "uses": Text("uses step", "dùng bước"),
    "step": Text("step", "bước"),
    "defines": Text("definition", "định nghĩa"),
    "conflicts": Text("Assumptions in conflict", "Các giả thiết mâu thuẫn"),
}
_TEX_SPECIALS = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                 "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


_TEX_TO_TEXT = LatexNodes2Text(math_mode="text", keep_braced_groups=True, keep_braced_groups_minlen=2)


class _TextPrinter(StrPrinter):
    r"""sympy's str printer with ``E[X]`` for expectations, ``Var(X)`` for variances, and symbols
    named in TeX (``\delta_{l+1}``) in Unicode (``δ_{l+1}``)."""

    def _print_Mean(self, expr) -> str:
        return f"E[{self._print(expr.args[0])}]"

    def _print_MatrixBase(self, expr) -> str:
        """A matrix on one line, row by row: ``[[a, b], [c, d]]``."""
        rows = (", ".join(self._print(expr[i, j]) for j in range(expr.cols)) for i in range(expr.rows))
        return "[" + ", ".join(f"[{row}]" for row in rows) + "]"

    _print_ImmutableDenseMatrix = _print_MutableDenseMatrix = _print_MatrixBase  # noqa: N815 (sympy's printer names)

    def _print_Symbol(self, expr) -> str:
        if "\\" in expr.name:
            return tex_to_text(expr.name)
        head, underscore, tail = expr.name.partition("_")
        return greek_unicode.get(head, head) + underscore + tail


def plain(expr: sp.Basic) -> str:
    """One-line text form of ``expr``."""
    return _TextPrinter().doprint(expr)


def plain_relation(relation: sp.Basic) -> str:
    """``lhs OP rhs`` in plain text, with the relation's own operator (``=``, ``<=``, ...)."""
    operator = "=" if relation.rel_op == "==" else relation.rel_op
    return f"{plain(relation.lhs)} {operator} {plain(relation.rhs)}"


def relation_latex(relation: sp.Basic) -> tuple[str, str, str]:
    """``(lhs, operator, rhs)`` of a relation in LaTeX."""
    operator = {"==": "=", "<=": r"\le", ">=": r"\ge", "<": "<", ">": ">"}[relation.rel_op]
    return sp.latex(relation.lhs), operator, sp.latex(relation.rhs)


def tex_escape(text: str) -> str:
    """Escape TeX specials in ``text``, leaving ``$...$`` math untouched; straight quotes become
    TeX's opening and closing quotes (an apostrophe inside a word stays one)."""
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1
                   else _quotes("".join(_TEX_SPECIALS.get(c, c) for c in p)) for p in parts)


def _quotes(text: str) -> str:
    """``'word'`` as `` `word' `` and ``"word"`` as ``` ``word'' ```."""
    text = re.sub(r"(^|(?<=[\s(\[]))'", "`", text)
    text = re.sub(r'(^|(?<=[\s(\[]))"', "``", text)
    return text.replace('"', "''")


def _chained(steps: tuple[Step, ...], k: int) -> bool:
    """Whether step ``k`` continues the chain of step ``k - 1`` (same lhs, an equality); a goal or a
    solution starts a line of its own (``g = 1`` for fan-in and ``g = 0.97`` for fan-out are two
    results, not a chain ``g = 1 = 0.97``)."""
    return (k > 0 and steps[k].relation.rel_op == "==" and steps[k - 1].relation.rel_op == "=="
            and steps[k].lhs == steps[k - 1].lhs and not isinstance(steps[k], (Requirement, Solution))
            and not isinstance(steps[k - 1], Requirement))


def _why(step: Step, lang: str) -> str:
    prefix = (f"{HEADINGS['require'](lang)}: " if isinstance(step, Requirement)
              else f"{HEADINGS['defines'](lang)}: " if isinstance(step, Solution) and step.defines else "")
    return prefix + step.why(lang)


def uses(derivation: Derivation, k: int) -> list[int]:
    """The numbers (from 1) of the earlier steps whose relations step ``k`` (from 0) uses as facts."""
    steps = derivation.steps
    return [max(j for j in range(k) if steps[j].relation == fact) + 1 for fact in steps[k].facts]


def _why_with_facts(derivation: Derivation, k: int, lang: str) -> str:
    numbers = uses(derivation, k)
    suffix = f" ({HEADINGS['uses'](lang)} {', '.join(map(str, numbers))})" if numbers else ""
    return _why(derivation.steps[k], lang) + suffix


LINE = 60.0
"""Characters of 10 pt math in the text width of a plain article (345 pt)."""


def latex_align(derivation: Derivation, lang: str = "en", environment: str = "align*",
                justification: str | None = None, line: float = LINE) -> str:
    r"""The steps as an ``align*`` block, each numbered ``(k)`` with its justification.

    By default the justification is set above its step as ``\intertext`` (it wraps, and the
    relation gets the full width) and relations wider than ``line`` characters are broken over
    lines (:mod:`derive.breaking`). ``justification``, a format string for the escaped text
    (e.g. ``"\\parbox{5cm}{{{}}}"``), sets it beside the step instead, with ``line`` left for
    the relation.
    """
    steps = derivation.steps
    lefts = [None if _chained(steps, k) else step.lhs for k, step in enumerate(steps)]
    kept = [breaking.width(lhs) for lhs in lefts if lhs is not None and breaking.width(lhs) <= line / 3]
    room = line - max(kept, default=0.0) - TAG
    rows = []
    for k, step in enumerate(steps):
        why = tex_escape(_why_with_facts(derivation, k, lang))
        lines = _relation_rows(step.relation, lefts[k], line / 3, room)
        if justification is None:
            lines[0] = f"  \\intertext{{\\small ({k + 1}) {why}:}}\n{lines[0]}"
            lines[-1] += f" \\tag*{{({k + 1})}}"
        else:
            lines[-1] += f" && {justification.format(why)} \\tag*{{({k + 1})}}"
        rows += lines
    return f"\\begin{{{environment}}}\n" + " \\\\\n".join(rows) + f"\n\\end{{{environment}}}"


TAG = 6.0
"""Characters taken by a step's number ``(k)`` and the space before it."""


def _relation_rows(relation: sp.Basic, lhs: sp.Expr | None, widest_left: float, room: float) -> list[str]:
    """``lhs &= rhs`` as align rows: a left side wider than ``widest_left`` moves to a row of its
    own (broken if need be), the right side is broken to ``room``; ``lhs=None`` continues a chain."""
    _, operator, _ = relation_latex(relation)
    rows, shown = [], ""
    if lhs is not None and breaking.width(lhs) > widest_left:
        rows += [f"  & {part}" for part in breaking.lines(lhs, room)]
    elif lhs is not None:
        shown = sp.latex(lhs)
    parts = breaking.lines(relation.rhs, room - 3)
    rows.append(f"  {shown} &{operator} {parts[0]}")
    rows += [f"  &\\quad {{}} {part}" for part in parts[1:]]
    return rows


def latex_conflict(conflict, lang: str) -> str:
    """A conflict's sentence in LaTeX, its assumption ids in typewriter type (never broken at
    their hyphens)."""
    text = tex_escape(conflict.text(lang))
    for identifier in conflict.ids:
        text = text.replace(tex_escape(identifier), f"\\texttt{{{tex_escape(identifier)}}}")
    return text


def latex_assumption(assumption, lang: str, line: float = LINE) -> str:
    """An assumption as LaTeX text; formulas too wide to share a line with it are displayed."""
    formulas = assumption.formulas()
    if not any(breaking.text_width(f) > line / 2 for f in formulas):
        return tex_escape(assumption.text(lang))
    shown = ", \\\\\n".join(formulas)
    return f"{tex_escape(assumption.lead(lang))}:\n\\begin{{gather*}}\n{shown}\n\\end{{gather*}}"


def latex(derivation: Derivation, lang: str = "en") -> str:
    """A LaTeX fragment (needs amsmath, amssymb): title, assumptions, conflicts, steps and results."""
    assumptions = "\n".join(f"  \\item {latex_assumption(a, lang)}" for a in derivation.assumptions)
    conflicts = "".join(f"{{\\raggedright\\textbf{{{HEADINGS['conflicts'](lang)}:}} "
                        f"{latex_conflict(c, lang)}\\par}}\n\n" for c in derivation.conflicts)
    return (f"% initproof: {derivation.id} (requires \\usepackage{{amsmath,amssymb}})\n"
            f"\\paragraph{{{tex_escape(derivation.title(lang))}}}\n"
            f"{HEADINGS['assumptions'](lang)}:\n\\begin{{itemize}}\\raggedright\n{assumptions}\n\\end{{itemize}}\n"
            f"{conflicts}{latex_align(derivation, lang)}\n")


_PREAMBLE = {
    "en": "\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}",
    "vi": "\\usepackage[T5]{fontenc}",
}


def latex_document(derivations: list[Derivation], lang: str = "en") -> str:
    """A complete pdfLaTeX document holding ``derivations`` (Vietnamese uses T5 fonts, vntex)."""
    body = "\n".join(latex(d, lang) for d in derivations)
    return ("\\documentclass[10pt]{article}\n\\usepackage[utf8]{inputenc}\n"
            f"{_PREAMBLE[lang]}\n\\usepackage{{amsmath,amssymb}}\n"
            "\\usepackage[a4paper,margin=1.5cm,landscape]{geometry}\n"
            f"\\begin{{document}}\n{body}\\end{{document}}\n")


def latex_display(derivation: Derivation, lang: str = "en") -> str:
    """The steps for Jupyter/MathJax: an ``aligned`` block in display math, one step per line with
    its justification beside it (MathJax scrolls a wide display)."""
    lines = []
    for k, step in enumerate(derivation.steps):
        lhs, operator, rhs = relation_latex(step.relation)
        left = "" if _chained(derivation.steps, k) else lhs
        lines.append(f"  {left} &{operator} {rhs} && \\text{{{tex_escape(_why_with_facts(derivation, k, lang))}}}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"


def chained(derivation: Derivation, k: int) -> bool:
    """Whether step ``k`` continues the previous step's chain of equalities."""
    return _chained(derivation.steps, k)


def justification(derivation: Derivation, k: int, lang: str) -> str:
    """Step ``k``'s justification in ``lang``, prefixed for goals, with the steps it uses."""
    return _why_with_facts(derivation, k, lang)


def markdown(derivation: Derivation, lang: str = "en") -> str:
    """Markdown with ``$...$`` math: title, assumptions, numbered steps, results."""
    out = [f"## {derivation.title(lang)}", "", f"**{HEADINGS['assumptions'](lang)}**", ""]
    out += [f"- {a.text(lang)}" for a in derivation.assumptions]
    out += [f"\n**{HEADINGS['conflicts'](lang)}:** {c.text(lang)}" for c in derivation.conflicts]
    out += ["", f"**{HEADINGS['steps'](lang)}**", ""]
    for k, step in enumerate(derivation.steps):
        lhs, operator, rhs = relation_latex(step.relation)
        out.append(f"{k + 1}. ${lhs} {operator} {rhs}$ — {_why_with_facts(derivation, k, lang)}")
    out += ["", f"**{HEADINGS['results'](lang)}**", ""]
    out += [f"- ${sp.latex(r.relation)}$ ({_step_of(derivation, r, lang)})" for r in derivation.results]
    return "\n".join(out) + "\n"


def text(derivation: Derivation, lang: str = "en") -> str:
    """Plain text: title, assumptions, numbered steps with justification and proof method."""
    out = [f"{derivation.id}: {derivation.title(lang)}", "", f"{HEADINGS['assumptions'](lang)}:"]
    out += [f"  - {a.plain(lang, plain) if a.licenses else tex_to_text(a.plain(lang, plain))}"
            for a in derivation.assumptions]
    for conflict in derivation.conflicts:
        out += ["", f"{HEADINGS['conflicts'](lang)}: {tex_to_text(conflict.text(lang))}"]
    out += ["", f"{HEADINGS['steps'](lang)}:"]
    width = len(str(len(derivation.steps)))
    for k, (step, verdict) in enumerate(zip(derivation.steps, derivation.verdicts, strict=True)):
        out.append(f"  {k + 1:>{width}}. {plain_relation(step.relation)}")
        out.append(f"  {'':>{width}}  {tex_to_text(_why_with_facts(derivation, k, lang))}  [{verdict.label(lang)}]")
    out += ["", f"{HEADINGS['results'](lang)}:"]
    out += [f"  {plain_relation(r.relation)}  ({_step_of(derivation, r, lang)})" for r in derivation.results]
    return "\n".join(out) + "\n"


def _step_of(derivation: Derivation, result, lang: str) -> str:
    """``step 8``: the step that established ``result`` (its last occurrence)."""
    k = max(k for k, step in enumerate(derivation.steps) if step.relation == result.relation)
    return f"{HEADINGS['step'](lang)} {k + 1}"


def tex_to_text(sentence: str) -> str:
    r"""A sentence with ``$...$`` math as Unicode text: ``$\sigma_w = \sqrt{\operatorname{Var}(w)}$``
    becomes ``σ_w = √(Var(w))``; subscripts longer than a character keep their braces."""
    sentence = re.sub(r"\\operatorname\{(\w+)\}", r"\1", sentence)
    return _TEX_TO_TEXT.latex_to_text(sentence)


def as_dict(derivation: Derivation, lang: str = "en") -> dict:
    """JSON-ready data: id, title, assumptions, steps, result and all results.

    ``lhs`` and ``rhs`` of a result are sympy strings (``str(expr)``), so
    ``he-relu``'s main result has ``rhs == "2/n"``.
    """
    return {
        "id": derivation.id,
        "title": derivation.title(lang),
        "assumptions": [{"id": a.id, "text": a.text(lang), "goal": a.goal} for a in derivation.assumptions],
        "conflicts": [{"assumptions": list(c.ids), "text": c.text(lang)} for c in derivation.conflicts],
        "steps": [
            {"latex": "{} {} {}".format(*relation_latex(s.relation)), "lhs": str(s.lhs),
             "rhs": str(s.rhs), "rule": s.rule, "justification": s.why(lang),
             "proof": v.proof.value, "detail": v.detail(lang), "uses": uses(derivation, k)}
            for k, (s, v) in enumerate(zip(derivation.steps, derivation.verdicts, strict=True))
        ],
        "result": _result(derivation.result),
        "results": [_result(r) for r in derivation.results],
    }


def _result(result) -> dict:
    return {"name": result.name, "lhs": str(result.lhs), "rhs": str(result.rhs),
            "latex": sp.latex(result.relation)}


FORMATS = {"text": text, "markdown": markdown, "latex": latex}
"""Renderers by ``--format`` name."""

__all__ = ["FORMATS", "as_dict", "latex", "latex_align", "latex_display", "latex_document",
           "markdown",
           "plain", "tex_escape", "text"]
