"""Text, Markdown, LaTeX and JSON forms of derivations."""

from __future__ import annotations

import pytest
import sympy as sp

from initproof import derive
from initproof.derive import render


def test_latex_align_numbers_each_step_under_its_justification() -> None:
    d = derive.get("he-relu")
    block = render.latex_align(d)
    assert block.startswith("\\begin{align*}") and block.endswith("\\end{align*}")
    assert block.count("\\intertext{") == block.count("\\tag*{") == len(d.steps)
    assert ("\\intertext{\\small (8) solve for the weight variance:}\n"
            "  \\operatorname{Var}\\left(w\\right) &= \\frac{2}{n} \\tag*{(8)}") in block


def test_chained_steps_omit_the_repeated_left_side() -> None:
    block = render.latex_align(derive.get("uniform-moments"))
    assert "\\intertext{\\small (2) evaluate the integral:}\n   &= \\frac{a + b}{2} \\tag*{(2)}" in block


def test_two_results_for_one_symbol_are_not_chained() -> None:
    block = render.latex_align(derive.get("exact-gain-selu"))
    assert "\n  g &= 1 \\tag*{(14)}" in block and "\n  g &= 0.966025776973901 \\tag*{(15)}" in block


def test_a_long_right_side_is_broken_into_lines_that_fit() -> None:
    from initproof.derive import breaking

    block = render.latex_align(derive.get("selu-constants"))
    rows = [row for row in block.split("\\\\\n") if "\\intertext" not in row]
    assert any(row.lstrip().startswith("&\\quad {}") for row in rows)  # continuation lines exist
    lam = derive.get("selu-constants").named("lambda").rhs
    parts = breaking.lines(lam, 50)
    assert len(parts) > 3 and all(breaking.text_width(part) < 90 for part in parts)
    assert breaking.lines(sp.Symbol("x") + 1, 50) == ["x + 1"]


def test_vietnamese_justifications() -> None:
    block = render.latex_align(derive.get("he-relu"), "vi")
    assert "giải tìm phương sai trọng số" in block
    assert "solve for" not in block


@pytest.mark.parametrize(("raw", "escaped"), [
    ("50% & more_x", r"50\% \& more\_x"),
    ("keep $a_l = \\max(0, z)$ as math", "keep $a_l = \\max(0, z)$ as math"),
    ("{braces} #1", r"\{braces\} \#1"),
    ("'detects' is PyTorch's \"gain\" ($\\phi'$)", "`detects' is PyTorch's ``gain'' ($\\phi'$)"),
])
def test_tex_escape(raw: str, escaped: str) -> None:
    assert render.tex_escape(raw) == escaped


def test_json_shape() -> None:
    data = render.as_dict(derive.get("xavier-tanh"))
    assert {"id", "assumptions", "steps", "result", "results"} <= set(data)
    assert data["result"] == {"name": "forward", "lhs": "Var(w)", "rhs": "1/n",
                              "latex": r"\operatorname{Var}\left(w\right) = \frac{1}{n}"}
    assert {r["rhs"] for r in data["results"]} >= {"1/m", "2/(m + n)"}
    assert all({"latex", "justification"} <= set(step) for step in data["steps"])
    assert "linear-regime-tanh" in {a["id"] for a in data["assumptions"]}


def test_text_and_markdown_mention_every_step() -> None:
    d = derive.get("product-variance")
    text = render.text(d)
    assert "Var(X*Y) = E[X]**2*Var(Y) + E[Y]**2*Var(X) + Var(X)*Var(Y)" in text
    assert text.count("[symbolic]") == len(d.steps)
    markdown = render.markdown(d, "vi")
    assert markdown.startswith("## Phương sai của tích")
    assert markdown.count("\n4. $") == 1


def test_jupyter_display_is_display_math(monkeypatch) -> None:
    import sys
    import types

    registered = {}
    formatter = types.SimpleNamespace(for_type=lambda kind, show: registered.setdefault(kind, show))
    shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(formatters={"text/latex": formatter}))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    derive._register_display()
    latex = registered[derive.Derivation](derive.get("he-relu"))
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_text_format_prints_no_tex(lang: str) -> None:
    for d in derive.all_derivations():
        out = render.text(d, lang)
        assert "\\" not in out and "$" not in out and "frac{" not in out, d.id
        assert "begin{" not in out and "operatorname" not in out, d.id


def test_text_format_turns_tex_into_unicode() -> None:
    out = render.text(derive.get("xavier-tanh"))
    assert "δ_l = g_l ∑_{j=1}^m w_j δ_{l+1,j} with g_l = tanh'(z_l) ≈ 1" in out
    assert "normal weights N(0, σ_w^2): σ_w = √(Var(w))" in out
    assert "g_l ⊥ w ⊥ δ_{l+1}" in out


def test_vietnamese_text_names_its_proofs_in_vietnamese() -> None:
    out = render.text(derive.get("exact-gain-gelu"), "vi")
    assert "[ký hiệu]" in out and "[cầu phương, sai khác " in out and "ước lượng sai số" in out
    assert "[symbolic]" not in out and "quadrature" not in out and "difference" not in out


def test_a_product_of_matrices_is_never_broken_out_of_order() -> None:
    """Line breaking splits a long product around its widest factor; a product of matrices does not
    commute, so it stays whole: W2 (W1 x) must print b, then a, then x."""
    from initproof import derive
    from initproof.derive.render import latex_align

    first = latex_align(derive.get("linear-composition"), "en", justification="{}").splitlines()[1]
    assert first.index("b_{11}") < first.index("a_{11}") < first.index("x_{1}")
