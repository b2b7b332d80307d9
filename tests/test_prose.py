"""The handout's prose lives in per-language Jinja2 templates: both languages say the same things,
every macro is used, a missing value is an error, and each output format escapes in its own way."""

import ast
import re
from pathlib import Path

import jinja2
import pytest

from initproof.derive.text import LANGUAGES, Text
from initproof.handout import html, latex, prose, slides
from initproof.handout.content import Handout

HANDOUT = Path(prose.__file__).parent


def _said() -> set[str]:
    """The name of every ``say("...")`` in the handout's modules."""
    names = set()
    for path in HANDOUT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say":
                names.add(node.args[0].value)
    return names


def test_both_languages_define_the_same_macros_with_the_same_parameters():
    en, vi = prose.macros("en"), prose.macros("vi")
    assert set(en) == set(vi)
    assert {name: en[name].arguments for name in en} == {name: vi[name].arguments for name in vi}


def test_every_macro_is_said_and_every_said_name_has_a_macro():
    assert _said() == set(prose.macros("en"))


def test_no_sentence_is_left_in_the_handout_modules():
    """A ``Text`` built from string literals with words in them is prose outside the templates."""
    found = []
    for path in HANDOUT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Text":
                parts = [part for arg in node.args
                         for part in (arg.values if isinstance(arg, ast.JoinedStr) else [arg])]
                literal = " ".join(part.value for part in parts
                                   if isinstance(part, ast.Constant) and isinstance(part.value, str))
                if len(re.findall(r"[^\W\d_]{2,}", literal)) >= 2:
                    found.append(f"{path.name}:{node.lineno}: {literal[:60]}")
    assert not found, found


def test_a_missing_value_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        prose.say("exploding_when_answer", relu=None, steps=[])


def test_an_unknown_macro_or_language_is_named_in_the_error():
    with pytest.raises(KeyError, match="no macro 'nothing'"):
        prose.say("nothing")
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        prose.render("handout_title", "fr", {})


def test_a_value_passed_once_is_formatted_the_same_way_in_both_languages():
    said = prose.say("summary_he_bound_answer", bound=0.10825317547305482)
    assert said.en == said.vi == r"$r = \sqrt{6/512} = 0.1083$."


@pytest.mark.parametrize(("stuck", "diverged", "en", "vi"), [
    (2, 1, "with 3 it stayed at 2.310 in 2 of 3 seeds and became infinite in 1 ($\\ln 10",
     "với 3, nó đứng ở 2.310 ở 2 trên 3 seed và thành vô cùng ở 1 ($\\ln 10"),
    (0, 3, "with 3 it became infinite in 3 ($\\ln 10", "với 3, nó thành vô cùng ở 3 ($\\ln 10"),
    (3, 0, "with 3 it stayed at 2.310 in 3 of 3 seeds ($\\ln 10", "với 3, nó đứng ở 2.310 ở 3 trên 3 seed ($\\ln 10"),
])
def test_a_branch_of_a_template_joins_its_clauses_as_a_sentence(stuck, diverged, en, vi):
    said = prose.say("no_convergence_answer", moderate=0.05, stuck=stuck, mean=2.31 if stuck else None,
                     diverged=diverged, seeds=3, guessing=2.302585)
    assert en in said.en
    assert vi in said.vi


def test_a_list_in_a_template_is_joined_without_stray_spaces():
    said = prose.say("exploding_when_answer", relu=type("B", (), {"predicted": 32.0, "measured": 31.5})(),
                     steps=[4, 9], seeds=3)
    assert said.en.endswith("diverged in 2 of 3 seeds, at step 4 to 9.")
    assert prose.say("exploding_when_answer", relu=type("B", (), {"predicted": 32.0, "measured": 31.5})(),
                     steps=[], seeds=3).en.endswith("diverged in 0 of 3 seeds.")


HOSTILE = Handout(Text("Init <&> 50% $x_1$", "Khởi tạo <&> 50%"), [], [], 0, author="Ann & <Bob>", course="DL #1")


def test_html_escapes_through_autoescape():
    page = html.document(HOSTILE, "en")
    assert "<title>Init &lt;&amp;&gt; 50% $x_1$</title>" in page
    assert 'content="Ann &amp; &lt;Bob&gt;"' in page
    assert "<Bob>" not in page


@pytest.mark.parametrize("document", [lambda h, lang: latex.document(h, lang)[0],
                                      lambda h, lang: slides.document(h, lang)[0]])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_latex_escapes_through_the_tex_filter(document, lang):
    source = document(HOSTILE, lang)
    assert "\\author{Ann \\& <Bob>}" in source
    assert "\\date{DL \\#1}" in source
    assert "50\\%" in source and "50%" not in source.replace("50\\%", "")


def test_the_same_notebook_twice_is_the_same_file():
    import nbformat

    from initproof.handout import notebook
    from initproof.handout.blocks import Paragraph

    handout = Handout(Text("T", "T"), [Paragraph(prose.say("tools_nonlinearity"))], [], 0)
    first, second = (nbformat.writes(notebook.notebook(handout, "vi")) for _ in range(2))
    assert first == second
    assert "Mạng nơ-ron là các lớp tuyến tính" in first
