"""The LaTeX of every derivation compiles (pdfLaTeX; Vietnamese with the T5 fonts of vntex)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from initproof import derive
from initproof.derive import render
from initproof.handout.tex import TexError, compile_document, compile_pdf

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                               reason="pdflatex not installed (CI installs TeX Live)")


def _has_vntex() -> bool:
    found = shutil.which("kpsewhich") and subprocess.run(
        ["kpsewhich", "t5enc.def"], capture_output=True, text=True).stdout.strip()
    return bool(found)


@needs_tex
@pytest.mark.parametrize("identifier", derive.ids())
def test_each_derivation_compiles_in_english(identifier: str) -> None:
    pdf = compile_pdf(render.latex_document([derive.get(identifier)], "en"), "pdflatex")
    assert pdf.startswith(b"%PDF")


@needs_tex
@pytest.mark.skipif(not _has_vntex(), reason="vntex (texlive-lang-other) not installed")
def test_all_derivations_compile_in_vietnamese() -> None:
    pdf = compile_pdf(render.latex_document(derive.all_derivations(), "vi"), "pdflatex")
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
        assert "giải tìm phương sai trọng số" in text


@needs_tex
def test_he_relu_fragment_pastes_into_a_plain_document() -> None:
    import contextlib
    import io

    from initproof.cli import main  # the CLI output itself, as a user would paste it
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["derive", "he-relu", "--format", "latex"]) == 0
    document = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
                f"{out.getvalue()}\n\\end{{document}}\n")
    assert compile_pdf(document, "pdflatex").startswith(b"%PDF")


@needs_tex
def test_broken_latex_raises_with_the_log() -> None:
    with pytest.raises(TexError, match="Undefined control sequence"):
        compile_pdf("\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}", "pdflatex")


def test_missing_engine_is_a_clear_error() -> None:
    with pytest.raises(TexError, match="no TeX engine"):
        compile_pdf("x", "no-such-tex-engine")


UNBREAKABLE = {"exact-gain-selu": 95.0}
"""Points a derivation may run past a plain article's margin: SELU's moments are piecewise
expressions of 16-digit constants inside an expectation, which no line break can split."""


@pytest.mark.slow
@needs_tex
@pytest.mark.skipif(not _has_vntex(), reason="vntex (texlive-lang-other) not installed")
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_every_derivation_fits_a_plain_article(lang: str) -> None:
    fonts = "\\usepackage[T5]{fontenc}\n" if lang == "vi" else ""
    wide = {}
    for derivation in derive.all_derivations():
        document = ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n" + fonts
                    + "\\usepackage{amsmath,amssymb}\n\\begin{document}\n" + render.latex(derivation, lang)
                    + "\n\\end{document}\n")
        widest = max((points for points, _ in compile_document(document, "pdflatex").overfull()), default=0.0)
        if widest > UNBREAKABLE.get(derivation.id, 2.0):
            wide[derivation.id] = widest
    assert wide == {}  # was he-relu 75 pt, xavier-tanh 167 pt, exact-gain-elu 380 pt, selu-constants 864 pt
