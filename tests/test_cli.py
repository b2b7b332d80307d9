"""The command line: each command and each error path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import derive
from initproof.cli import main


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list(capsys) -> None:
    status, out, _ = run(capsys, "list")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == derive.ids()
    assert "Var(w) = 2/n" in out


def test_list_json(capsys) -> None:
    status, out, _ = run(capsys, "list", "--json")
    data = json.loads(out)
    assert status == 0 and [d["id"] for d in data] == derive.ids()
    assert all({"id", "title", "assumptions", "result"} <= set(d) for d in data)


def test_derive_json_he_relu(capsys) -> None:
    status, out, _ = run(capsys, "derive", "he-relu", "--json")
    data = json.loads(out)
    assert status == 0
    assert data["id"] == "he-relu" and data["result"]["rhs"] == "2/n"
    assert data["result"]["lhs"] == "Var(w)"
    assert all({"latex", "justification"} <= set(s) for s in data["steps"])


@pytest.mark.parametrize(("fmt", "marker"), [("text", "Steps:"), ("markdown", "**Steps**"),
                                             ("latex", "\\begin{align*}")])
def test_derive_formats(capsys, fmt: str, marker: str) -> None:
    status, out, _ = run(capsys, "derive", "xavier-sigmoid", "--format", fmt)
    assert status == 0 and marker in out


def test_derive_vietnamese(capsys) -> None:
    status, out, _ = run(capsys, "derive", "he-relu", "--lang", "vi")
    assert status == 0 and "Các bước:" in out and "Giả thiết:" in out


def test_derive_order(capsys) -> None:
    status, out, _ = run(capsys, "derive", "maclaurin-tanh", "--order", "9", "--json")
    assert status == 0 and "62*z**9/2835" in json.loads(out)["result"]["rhs"]


@pytest.mark.parametrize(("argv", "message"), [
    (["derive", "no-such-id"], "unknown derivation 'no-such-id'; choose from: uniform-moments"),
    (["derive", "he-relu", "--format", "pdf"], "invalid choice: 'pdf' (choose from 'text', 'markdown'"),
    (["derive", "he-relu", "--lang", "fr"], "invalid choice: 'fr' (choose from 'en', 'vi')"),
    (["derive", "he-relu", "--order", "3"], "--order applies only to maclaurin-tanh, maclaurin-sigmoid"),
    (["derive", "maclaurin-tanh", "--order", "0"], "--order must be from 1 to 25"),
    (["derive", "maclaurin-tanh", "--order", "x"], "invalid int value: 'x'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_errors_are_one_line_exit_2(capsys, argv: list[str], message: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("initproof: error: ") and message in err


def test_python_dash_m_and_no_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "initproof", "derive", "nope"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("initproof: error: unknown")
