"""The notes audit: wrong claims are flagged, correct ones pass, rounding is recognised."""

from __future__ import annotations

import json
import math

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
