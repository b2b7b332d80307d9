"""The notes audit: wrong claims are flagged, correct ones pass, rounding is recognised."""

from __future__ import annotations

import json
import math

import pytest
import sympy as sp

from initproof.cli import main
from initproof.derive.audit import Claim, audit, grade
from initproof.derive.text import Text

T = Text("t", "t")


def test_deliberately_wrong_and_correct_claims() -> None:
    assert grade(Claim(T, sp.Rational(1, 4) ** 2, "0.0625", "here")).verdict == "correct"
    assert grade(Claim(T, sp.Rational(1, 4) ** 2, "0.0626", "here")).verdict == "wrong"
    assert grade(Claim(T, sp.pi, "3.1416", "here")).verdict == "rounding"
    assert grade(Claim(T, sp.pi, "3.1415", "here")).verdict == "wrong"
    x = sp.Symbol("x")
    assert grade(Claim(T, sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1, "here")).verdict == "correct"
    assert grade(Claim(T, sp.tanh(x), 2 / (1 + sp.exp(-x)) - 1, "here")).verdict == "wrong"


def test_the_notes_sigmoid_slip_is_found() -> None:
    grades = {g.claim.claim.en: g for g in audit()}
    slip = grades["sigmoid'(14.15) = sigmoid (1 - sigmoid)"]
    e = math.exp(-14.15)
    assert slip.verdict == "wrong" and float(slip.computed) == float(f"{e / (1 + e) ** 2:.10g}")
    assert grades["sigmoid(14.15)"].verdict == "wrong"
    assert grades["largest value of sigmoid'"].verdict == "correct"
    assert grades["sigmoid(x) in the table of activations"].verdict == "wrong"


def test_cli_json_and_exit_status(capsys) -> None:
    assert main(["audit-notes", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert all(set(d) == {"claim", "stated", "computed", "verdict", "where"} for d in data)
    assert {d["verdict"] for d in data} <= {"correct", "rounding", "wrong"}
    assert main(["audit-notes", "--lang", "vi"]) == 1
    assert "giá trị lớn nhất của sigmoid'" in capsys.readouterr().out


LECTURER = '''
[[claim]]
claim = "sigma'(0)"
computed = "d"
results = { d = "activation-derivatives/sigmoid" }
at = { z = "0" }
stated = "0.25"
where = "my notes, 1"

[[claim]]
claim = "He's rule"
claim_vi = "quy tắc của He"
computed = "rule"
results = { rule = "he-relu/forward" }
stated = "1/n"
where = "my notes, 2"

[[claim]]
claim = "e to 3 digits"
computed = "exp(1)"
stated = "2.72"
where = "my notes, 3"
'''


def test_a_lecturers_claims_file_is_graded(tmp_path, capsys) -> None:
    from initproof.derive.audit import load_claims

    grades = audit(load_claims(LECTURER))
    assert [g.verdict for g in grades] == ["correct", "wrong", "rounding"]  # He's rule is 2/n, not 1/n
    assert grades[1].claim.claim.vi == "quy tắc của He" and grades[2].claim.claim.vi == "e to 3 digits"
    path = tmp_path / "mine.toml"
    path.write_text(LECTURER)
    assert main(["audit-notes", "--claims", str(path), "--json"]) == 1
    assert [d["verdict"] for d in json.loads(capsys.readouterr().out)] == ["correct", "wrong", "rounding"]


def test_a_stated_zero_means_exactly_zero() -> None:
    assert grade(Claim(T, sp.Rational(39, 100), "0", "here")).verdict == "wrong"
    assert grade(Claim(T, sp.S.Zero, "0", "here")).verdict == "correct"


BAD_CLAIMS = {
    "not = [toml": "not TOML",
    "[other]\nx = 1": "expected [[claim]]",
    '[[claim]]\nclaim = "c"\ncomputed = "1"\nstated = "1"': "no 'where'",
    '[[claim]]\nclaim = "c"\ncomputed = "1"\nstated = "1"\nwhere = "w"\nextra = "e"': "unknown field 'extra'",
    '[[claim]]\nclaim = "c"\ncomputed = "__import__(\'os\')"\nstated = "1"\nwhere = "w"': "not allowed",
    '[[claim]]\nclaim = "c"\ncomputed = "r"\nresults = { r = "no-such/x" }\nstated = "1"\nwhere = "w"':
        "no derivation 'no-such'",
    '[[claim]]\nclaim = "c"\ncomputed = "r"\nresults = { r = "he-relu/nope" }\nstated = "1"\nwhere = "w"':
        "has no result 'nope'",
    '[[claim]]\nclaim = "c"\ncomputed = "x"\nat = { q = "1" }\nstated = "1"\nwhere = "w"': "may name x",
    '[[claim]]\nclaim = "c"\ncomputed = "2*x"\nstated = "1"\nwhere = "w"': "still depends on x",
    '[[claim]]\nclaim = 3\ncomputed = "1"\nstated = "1"\nwhere = "w"': "every field is a string",
}


@pytest.mark.parametrize("text", BAD_CLAIMS)
def test_a_bad_claims_file_is_one_line_naming_the_claim(tmp_path, capsys, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["audit-notes", "--claims", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and BAD_CLAIMS[text] in err, err


def test_a_missing_claims_file_is_one_line(tmp_path, capsys) -> None:
    assert main(["audit-notes", "--claims", str(tmp_path / "none.toml")]) == 2
    assert "No such file" in capsys.readouterr().err
