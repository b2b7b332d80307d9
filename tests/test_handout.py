"""Handouts: content from derive and verify, HTML and PDF in both languages, safe writes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from initproof.cli import main
from initproof.handout import content, html, latex, slides
from initproof.handout.tex import compile_document

SEED = 5
TITLES = {"en": ["1. Motivation: vanishing and exploding gradients", "4. Evidence: Monte Carlo checks",
                 "5. Training experiments", "6. Summary and review questions",
                 "7. Review questions of the notes, answered"],
          "vi": ["1. Động lực: Gradient Vanishing và Exploding Gradient", "4. Bằng chứng: kiểm chứng Monte Carlo",
                 "5. Thí nghiệm huấn luyện", "6. Tóm tắt và câu hỏi ôn tập", "Khai triển Maclaurin của tanh",
                 "7. Câu hỏi ôn tập của bài giảng"]}
needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                               reason="pdflatex and pdftotext not installed (CI installs them)")


@pytest.fixture(scope="module")
def handout() -> content.Handout:
    return content.build(SEED)


@pytest.fixture(scope="module")
def pages(handout) -> dict[str, str]:
    """The HTML handout in each language, rendered once for the tests that read it."""
    return {lang: html.document(handout, lang) for lang in ("en", "vi")}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.attributes += attrs


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_html_is_self_contained_with_mathml_and_svg(pages, lang: str) -> None:
    page = pages[lang]
    parser = _Collector()
    parser.feed(page)
    assert parser.tags.count("math") > 100 and parser.tags.count("svg") == 10
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    for name, value in parser.attributes:
        if name in ("src", "href") and value:
            assert not re.match(r"(https?:)?//", value), (name, value)
    assert "url(http" not in page and "@import" not in page
    for title in TITLES[lang]:
        assert title in page


def test_vietnamese_html_has_no_english_headings(pages) -> None:
    page = pages["vi"]
    assert "Motivation" not in page and "Assumptions" not in page and "Evidence" not in page
    assert "giảm một nửa mỗi lớp" in page and "halves each layer" not in page
    assert "initproof: quy tắc chính xác cho lan truyền tiến" in page and "exact forward rule" not in page
    assert "nn.Linear default" not in page and "[symbolic]" not in page and "/ exact" not in page


def test_measured_number_matches_verify_json(pages, capsys) -> None:
    assert main(["verify", "--json", "--seed", str(SEED)]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    page = pages["en"]
    checks = {c["key"]: c for c in data["checks"]}
    assert f"<mn>{content._g(checks['he-relu/relu']['estimate'])}</mn>" in page
    layer = checks["he-relu/relu-one-over-n"]["layers"][-1]
    assert content._g(layer["measured_forward"]) in page


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_pdf_text_titles_formulas_and_figures(handout, lang: str) -> None:
    source, files = latex.document(handout, lang)
    compiled = compile_document(source, "pdflatex", runs=2, files=files)
    assert [line for points, line in compiled.overfull() if points > 1] == []  # was 155 pt (evidence table)
    pdf = compiled.pdf
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    for title in TITLES[lang]:
        assert title in text
    assert "Var(w)" in text and "σ" in text
    assert ("Hình 7" if lang == "vi" else "Figure 7") in text
    assert len(re.findall(rb"/PTEX.FileName", pdf)) == len(files) == 10


def test_failing_pdf_build_leaves_existing_file(tmp_path, capsys, monkeypatch) -> None:
    target = tmp_path / "handout.pdf"
    target.write_bytes(b"earlier handout")
    monkeypatch.setenv("PATH", str(tmp_path))  # no TeX engine reachable
    status = main(["handout", "--format", "pdf", "-o", str(target), "--seed", str(SEED)])
    _, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and "pdflatex not found" in err
    assert target.read_bytes() == b"earlier handout"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf"]


def test_interrupted_write_leaves_existing_file(tmp_path, monkeypatch) -> None:
    from initproof.handout import files
    target = tmp_path / "h.html"
    target.write_text("earlier")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken)
    with pytest.raises(OSError):
        files.write_file(target, b"new")
    assert target.read_text() == "earlier" and [p.name for p in tmp_path.iterdir()] == ["h.html"]


def test_cli_html_end_to_end(tmp_path, capsys) -> None:
    target = tmp_path / "h.html"
    assert main(["handout", "--format", "html", "--lang", "vi", "-o", str(target), "--seed", str(SEED)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_measured_numbers_keep_their_trailing_zeros() -> None:
    assert content._g(1.00004, measured=True) == "1.000"
    assert content._g(2.0) == "2"
    assert content._g(7.1573e-7, measured=True) == "7.157 \\times 10^{-7}"


def test_bad_output_paths_are_refused_before_any_work_and_nothing_is_lost(tmp_path, capsys) -> None:
    precious = tmp_path / "notes.html"
    precious.write_text("precious")
    folder = tmp_path / "adir"
    folder.mkdir()
    cases = [["--format", "tex", "-o", str(precious)], ["--format", "html", "-o", str(folder)],
             ["--format", "html", "-o", str(tmp_path / "missing" / "x.html")],
             ["--format", "html", "-o", "/proc/x.html"], ["--format", "html", "--seed", "-1"]]
    for arguments in cases:
        assert main(["handout", *arguments]) == 2, arguments
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("initproof: error:"), error
    assert precious.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "notes.html"]
    assert list(folder.iterdir()) == []


def test_an_edited_latex_source_is_kept_unless_forced(tmp_path, capsys) -> None:
    from initproof.handout.build import check_destination
    from initproof.handout.formats import HandoutError
    from initproof.handout.latex import stamped

    target = tmp_path / "h.pdf"
    source = tmp_path / "h.tex"
    source.write_text(stamped("\\documentclass{article}\n"))
    check_destination(target, "pdf")
    source.write_text(source.read_text() + "% my own notes\n")
    with pytest.raises(HandoutError, match="edited"):
        check_destination(target, "pdf")
    check_destination(target, "pdf", force=True)


def test_html_prose_has_typographic_quotes_and_escapes_markup() -> None:
    expected = "\u2018detects\u2019 is PyTorch\u2019s \u201cgain\u201d &lt;b&gt;"
    assert html.prose("'detects' is PyTorch's \"gain\" <b>") == expected


def test_the_experiments_section_quotes_the_notes_and_gives_verdicts(pages) -> None:
    vi, en = pages["vi"], pages["en"]
    assert "Loss giữ nguyên ở 10, ko học đc" in vi and "Loss stays at 10, does not learn" in en
    assert "bác bỏ" in vi and "xác nhận" in vi and "refuted" in en and "confirmed" in en
    assert "initialisation-sigmoid" in en and "learning-rate" in en
    assert "không thể có một đường Linear nào" in vi and "no straight line can separate blue from red" in en
    assert "one colour per initialisation" in en and "mỗi cách khởi tạo một màu" in vi


def test_a_new_output_format_is_one_module_and_one_registry_entry(handout, tmp_path, monkeypatch, capsys) -> None:
    import sys
    import types

    from initproof.handout import build, formats

    plain = types.ModuleType("plain_format")
    plain.outputs = lambda path: {path: "file"}
    plain.edited = lambda path: None
    plain.write = lambda doc, lang, path, measure: [path] if path.write_text(doc.title(lang)) else []
    monkeypatch.setitem(sys.modules, "plain_format", plain)
    monkeypatch.setitem(formats.FORMATS, "txt", formats.Format("txt", ".txt", "plain_format", "plain text"))
    monkeypatch.setattr(build.content, "build", lambda seed, timings=None: handout)
    assert build.build(tmp_path / "h.txt", "vi", "txt") == [tmp_path / "h.txt"]
    assert (tmp_path / "h.txt").read_text() == content.TITLE.vi
    with pytest.raises(formats.HandoutError, match="must end in .txt"):
        build.build(tmp_path / "h.md", "en", "txt")
    assert main(["handout", "--format", "txt", "-o", str(tmp_path / "cli.txt")]) == 0  # the CLI offers it too
    assert (tmp_path / "cli.txt").read_text() == content.TITLE.en


def test_the_notes_review_questions_are_all_answered_and_the_wrong_answers_corrected(handout) -> None:
    import math

    from initproof.handout.blocks import Heading, Question

    start = next(k for k, b in enumerate(handout.blocks) if isinstance(b, Heading) and b.text.en.startswith("7."))
    end = next(k for k, b in enumerate(handout.blocks) if k > start and isinstance(b, Heading))
    questions = [b for b in handout.blocks[start:end] if isinstance(b, Question)]
    assert len(questions) == 22  # Model Initialization, 5. Câu hỏi ôn tập
    assert questions[6].question.vi.startswith("Trong mạng 5 layers")
    corrected = [k + 1 for k, q in enumerate(questions) if q.erratum]
    assert corrected == [1, 2, 4, 5, 7, 16]
    assert "increase" in questions[6].erratum.en and "tăng" in questions[6].erratum.vi  # theta goes up
    z_stated = math.log(0.9999992912 / (1 - 0.9999992912))
    assert f"z = {z_stated:.4f}" in questions[3].erratum.en
    assert "\\frac{1}{4}" in questions[15].answer.en and "\\frac{1}{60}" in questions[15].answer.en  # the bus
    assert "\\frac{7}{2}" in questions[9].answer.en  # the die


def test_the_notebook_runs_top_to_bottom(handout, tmp_path) -> None:
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (the test extra installs it)")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (the test extra installs it)")
    from initproof.handout import notebook

    book = notebook.notebook(handout, "vi")
    assert "## 7. Câu hỏi ôn tập của bài giảng" in [c.source for c in book.cells]
    assert sum(bool(c.get("attachments")) for c in book.cells) == 10  # every figure, as an image
    assert any(c.source.startswith("### Khởi tạo He") for c in book.cells)  # derivations as Markdown
    nbclient.NotebookClient(book, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on an error
    printed = "".join(o.get("text", "") for c in book.cells if c.cell_type == "code" for o in c.outputs)
    assert "he-relu" in printed and "pass" in printed and "agrees" in printed


def test_an_exercise_sheet_has_fresh_numbers_per_seed_and_its_key_the_answers(tmp_path, capsys) -> None:
    import math

    from initproof.handout.exercises import exercises

    sheet = tmp_path / "sheet.html"
    assert main(["handout", "--exercises", "--format", "html", "-o", str(sheet), "--seed", "3", "--lang", "vi"]) == 0
    key = tmp_path / "sheet-answers.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet-answers.html", "sheet.html"]
    he = exercises(3)[0]
    assert he.values["r"] == pytest.approx(math.sqrt(6 / he.values["n"]), rel=1e-12)  # He's bound, recomputed
    bus = exercises(3)[4].values
    assert bus["probability"] == pytest.approx((bus["end"] - bus["start"]) / bus["period"])
    answer = f"{he.values['r']:.4g}"
    assert answer in key.read_text() and answer not in sheet.read_text()
    assert "Đáp án" not in sheet.read_text() and "đáp án (seed 3)" in key.read_text()
    assert [e.values for e in exercises(3)] != [e.values for e in exercises(4)]
    assert [e.values for e in exercises(3)] == [e.values for e in exercises(3)]


def _prose(page: str) -> str:
    """The words of an HTML page a reader sees as prose: no math, figures, code or styles."""
    import html as markup

    for tag in ("math", "svg", "style", "code", "title"):
        page = re.sub(rf"<{tag}.*?</{tag}>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", markup.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_vietnamese_handout_speaks_the_notes_vietnamese(handout, pages) -> None:
    from initproof.derive.audit import claims
    from initproof.handout import glossary
    from initproof.handout.blocks import Question
    from initproof.verify import memo

    findings, _ = memo.findings((), content.EXPERIMENT_SEEDS, SEED)
    quoted = ([f.quote.vi for f in findings] + [f.where for f in findings] + [c.where for c in claims()]
              + [b.question.vi for b in handout.blocks if isinstance(b, Question)])  # the notes' own words
    prose = _prose(pages["vi"])
    for quote in sorted(set(quoted), key=len, reverse=True):
        words = re.sub(r"\s+", " ", re.sub(r"\$[^$]*\$", " ", quote)).strip()
        for piece in re.split(r" {2,}", words):
            prose = prose.replace(html._curly(piece), " ").replace(piece, " ")
    kept = {term.lower() for term in glossary.KEPT}
    english = [w for w in re.findall(r"(?<![\w-])[A-Za-z]+(?![\w-])", prose)
               if w.lower() in glossary.ENGLISH and w.lower() not in kept]
    assert english == []
    for english_term, vietnamese in glossary.TERMS.items():
        assert vietnamese in pages["vi"], english_term


def test_a_lecturer_tailors_the_handout_and_a_student_version_keeps_answers_in_a_key(handout, tmp_path) -> None:
    from initproof.handout import html as page
    from initproof.handout import tailor
    from initproof.handout.blocks import Heading, Question

    mine, key = tailor.tailor(handout, "Deep Learning 2026: initialisation", "Nguyễn Văn A", "Course DL101",
                              ["1", "7"], student=True)
    headings = [b.text.en for b in mine.blocks if isinstance(b, Heading)]
    assert [h.split(".")[0] for h in headings] == ["1", "7"]
    assert all(b.answer is None and b.erratum is None for b in mine.blocks if isinstance(b, Question))
    answers = [b for b in key.blocks if isinstance(b, Question)]
    assert len(answers) == 22 and all(b.answer is not None for b in answers)
    student = page.document(mine, "vi")
    assert '<meta name="author" content="Nguyễn Văn A">' in student and "Course DL101" in student
    assert answers[0].answer.vi.startswith("Vì tính đối xứng") and "Vì tính đối xứng" not in student
    assert "Trả lời" not in student and "Đính chính" not in student
    answer_key = page.document(key, "vi")
    assert "Deep Learning 2026: initialisation: đáp án" in answer_key and "Vì tính đối xứng" in answer_key
    with pytest.raises(ValueError, match="no section '9'"):
        tailor.tailor(handout, chosen=["9"])
    whole, none = tailor.tailor(handout)
    assert whole.blocks == handout.blocks and none is None


@needs_tex
def test_the_pdf_carries_the_lecturers_name(handout, tmp_path) -> None:
    from initproof.handout import tailor

    mine, _ = tailor.tailor(handout, author="Trần Thị B", chosen=["1"])
    source, files = latex.document(mine, "vi")
    pdf = compile_document(source, "pdflatex", files=files).pdf
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Trần Thị B" in info


def _has_beamer() -> bool:
    if shutil.which("kpsewhich") is None:
        return False
    found = [subprocess.run(["kpsewhich", name], capture_output=True, text=True).stdout.strip()
             for name in ("beamer.cls", "pgfmath.sty", "t5enc.def")]
    return all(found)


needs_beamer = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None
                                  or not _has_beamer(),
                                  reason="Beamer, pgf and vntex not installed (CI installs texlive-latex-recommended, "
                                         "texlive-pictures and texlive-lang-other)")


@pytest.mark.slow
@needs_beamer
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_slides_hold_one_idea_per_frame_in_both_languages(handout, lang: str) -> None:
    source, files = slides.document(handout, lang)
    compiled = compile_document(source, "pdflatex", runs=2, files=files)
    assert compiled.overfull() == []
    frames = re.findall(r"\\begin\{frame\}(.*?)\\end\{frame\}", source, re.S)
    anchors = r"includegraphics|\\begin\{tabular\}|\\begin\{align\*\}|\\titlepage|" + slides.LABELS[lang][0]
    prose = [frame for frame in frames if not re.search(anchors, frame)]
    assert len(frames) > 90 and len(prose) <= 10, len(prose)  # prose too long to lead an idea has a frame
    assert all("\\frametitle{" in frame for frame in frames[1:])
    assert len(files) == 10 and all(f"keepaspectratio]{{{path}}}" in source for path in files)
    text = subprocess.run(["pdftotext", "-", "-"], input=compiled.pdf, capture_output=True).stdout.decode()
    for title in TITLES[lang][:5]:
        assert title in text
    assert ("Câu hỏi" if lang == "vi" else "Question") in text


def test_a_long_table_is_split_over_frames_that_each_fit() -> None:
    """Rows as tall as their longest wrapped cell; no frame past LINES lines; none lost or repeated."""
    texts = [["short", "x" * length] for length in (10, 300, 40, 200, 20, 600, 5, 90)]
    rows = [" & ".join(text) for text in texts]
    pages = slides._pages(rows, texts, [0.3, 0.3])
    assert [row for page in pages for row in page] == rows and len(pages) > 1
    width = int(0.3 * latex.LINE_CHARS * slides.SLIDE_LINE) - 2
    for page in pages:
        heights = [-(-len(text[1]) // width) for text in texts if " & ".join(text) in page]
        assert sum(heights) <= slides.LINES or len(page) == 1


@needs_beamer
def test_the_cli_writes_slides_beside_their_source(tmp_path, capsys) -> None:
    assert main(["handout", "--format", "slides", "--sections", "1", "-o", str(tmp_path / "deck.pdf")]) == 0
    assert (tmp_path / "deck.pdf").read_bytes().startswith(b"%PDF")
    source = (tmp_path / "deck.tex").read_text(encoding="utf-8")
    assert "\\documentclass[10pt,aspectratio=169]{beamer}" in source
    assert "\\section{1. Motivation" in source and "\\section{4." not in source  # --sections 1 only


def test_a_short_handout_leaves_out_only_the_long_tables(handout) -> None:
    from initproof.handout import tailor
    from initproof.handout.blocks import Paragraph, Table

    short, _ = tailor.tailor(handout, short=True)
    long_tables = [b for b in handout.blocks if isinstance(b, Table) and len(b.rows) > tailor.LONG]
    assert long_tables and not [b for b in short.blocks if isinstance(b, Table) and len(b.rows) > tailor.LONG]
    assert len(short.blocks) == len(handout.blocks)  # each long table became one line
    notes = [b for b in short.blocks if isinstance(b, Paragraph) and "--short" in b.text("en")]
    assert len(notes) == len(long_tables) and all("--short" in b.text("vi") for b in notes)
    kept = [b for b in short.blocks if isinstance(b, Table)]
    assert kept == [b for b in handout.blocks if isinstance(b, Table) and len(b.rows) <= tailor.LONG]


def test_long_prose_on_a_slide_is_one_bullet_per_sentence() -> None:
    text = ("The value $q = 0.5$ holds, e.g. at depth 3. A stop inside math, $x. Y$, does not end it. "
            "Đây là câu tiếng Việt. " + "Padding words " * 30 + "end.")
    assert slides._sentences(text) == [
        "The value $q = 0.5$ holds, e.g. at depth 3.", "A stop inside math, $x. Y$, does not end it.",
        "Đây là câu tiếng Việt.", "Padding words " * 29 + "Padding words end."]
    frame = slides._text_frame("Title", text)
    assert frame.count("\\item ") == 4 and "\\begin{itemize}" in frame
    assert "\\item" not in slides._text_frame("Title", "One short sentence. And another.")
