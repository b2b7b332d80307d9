"""The command line: each command and each error path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy as sp

from initproof import derive
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


def test_gain_of_a_catalogue_activation_lists_every_part(capsys) -> None:
    status, out, _ = run(capsys, "gain", "leaky_relu", "--json")
    data = json.loads(out)
    names = [r["name"] for r in data["results"]]
    assert status == 0 and data["id"] == "exact-gain-leaky_relu"
    assert {"forward", "backward", "forward-default", "backward-default", "forward-gain"} <= set(names)
    assert data["result"]["rhs"] == "2/(n*(a**2 + 1))"


def test_gain_of_a_user_expression_evaluates_to_its_value(capsys) -> None:
    import sympy as sp
    status, out, _ = run(capsys, "gain", "z*tanh(z)", "--json")
    rhs = sp.sympify(json.loads(out)["result"]["rhs"])
    assert status == 0 and rhs.free_symbols == {sp.Symbol("n")}
    assert float(rhs * sp.Symbol("n")) > 0


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["gain", "__import__('os')"], 2, "function '__import__' is not allowed"),
    (["gain", "z.real"], 2, "not allowed"),
    (["gain", "exp(z**2)"], 2, "is not finite"),
    (["frameworks", "--activation", "lambda: 0"], 2, "not allowed"),
])
def test_gain_and_frameworks_errors(capsys, argv: list[str], status: int, message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == status and out == "" and err.count("\n") == 1 and message in err


def test_frameworks_json_and_table(capsys) -> None:
    status, out, _ = run(capsys, "frameworks", "--activation", "tanh", "--json")
    rows = json.loads(out)
    assert status == 0
    assert {r["framework"] for r in rows} == {"PyTorch", "Keras", "initproof"}
    assert all({"n_var", "ratio", "forward", "backward", "source"} <= set(r) for r in rows)
    torch = next(r for r in rows if r["initializer"].startswith("kaiming_normal_"))
    assert torch["n_var"] == pytest.approx(25 / 9) and "calculate_gain('tanh')" in torch["note"]
    status, out, _ = run(capsys, "frameworks", "--activation", "relu")
    assert status == 0 and "nn.Linear default" in out and "0.167" in out


@pytest.mark.parametrize("columns", [100, 132])
def test_frameworks_table_fits_the_terminal(capsys, monkeypatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    status, out, _ = run(capsys, "frameworks")
    lines = out.splitlines()
    assert status == 0 and max(map(len, lines)) <= columns  # was 199 wherever it printed
    recipes = [line for line in lines if line.startswith(("1 ", "2 "))]
    assert len(recipes) == 4  # row k of the recipes and row k of the depths carry the same number
    assert recipes[0].split()[1:3] == recipes[2].split()[1:3]


@pytest.mark.parametrize("text", [
    "((((((2**64)**64)**64)**64)**64)**64)", "n**n**n", "((z**64)**64)**64", "exp(exp(exp(exp(exp(exp(z))))))",
    "z**64.0000001", "exp()", "atan(z,z)", "sigmoid(z,z)", "z**(0/0)", "z/0", "z*sqrt(-1)", "z**z", "1e999",
    "1 if z else 2", "sqrt(z)", "log(z)", "1/z", "sin(z)**2+cos(z)**2", "\udcff\udcfe",
])
def test_hostile_activations_get_one_line_and_exit_2_quickly(text: str, capsys) -> None:
    import time

    start = time.monotonic()
    assert main(["gain", text]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("initproof: error:"), error
    assert time.monotonic() - start < 20


def test_typed_numbers_are_kept_exactly() -> None:
    from initproof.derive.parse import parse_expression

    n = sp.Symbol("n", positive=True, integer=True)
    assert parse_expression("1.00000001/n", {"n": n}) == sp.Rational(100000001, 100000000) / n
    assert parse_expression("1e-60", {}) == sp.Rational(1, 10**60)
    assert parse_expression("0.1", {}) == sp.Rational(1, 10)


def test_version_help_and_negative_expressions(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("initproof ")
    with pytest.raises(SystemExit):
        main(["handout", "--help"])
    assert "(default: None)" not in capsys.readouterr().out
    assert main(["verify", "--activation", "relu", "--var-w", "-1/n"]) == 2
    assert "is negative" in capsys.readouterr().err


def test_text_format_prints_assumptions_without_tex(capsys) -> None:
    assert main(["derive", "he-relu"]) == 0
    out = capsys.readouterr().out
    assert "E[w] = 0" in out and "z_l ~ N(0, q)" in out
    assert "mathbb" not in out and "\\" not in out.split("Steps")[0]


def test_list_prints_each_result_with_its_own_relation_and_flags_conflicts(capsys) -> None:
    assert main(["list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "<= (1/4)**L" in lines["gradient-vanishing"] and " = (1/4)**L" not in lines["gradient-vanishing"]
    assert "zero-mean-activations" in lines["xavier-sigmoid"] and "conflict" in lines["xavier-sigmoid"]
    assert "conflict" not in lines["he-relu"]


def test_the_command_exits_with_the_status_of_main_after_freezing_what_is_alive(capsys, monkeypatch) -> None:
    import tomllib
    from pathlib import Path

    from initproof import cli

    frozen = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    for argv, status in ((["derive", "nope"], 2), (["list"], 0)):
        with pytest.raises(SystemExit) as exit_:
            cli.run(argv)
        assert exit_.value.code == status
    assert frozen == [True, True]
    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"initproof": "initproof.cli:run"}


def test_the_package_installs_nothing_at_the_top_level_but_initproof() -> None:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(name == "initproof" or name.startswith("initproof.") for name in config["packages"])
    assert config["package-dir"] == {"initproof.derive": "derive", "initproof.verify": "verify"}
    import initproof.derive
    import initproof.verify

    assert str(initproof.derive.get("he-relu").result.rhs) == "2/n"
    assert initproof.verify.__name__ == "initproof.verify"


def test_a_first_run_says_it_is_proving(capsys, monkeypatch) -> None:
    from initproof import cli

    monkeypatch.setattr(cli, "missing", lambda: ["he-relu", "xavier-tanh"])
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert err == "initproof: proving 2 derivations step by step (once: they are cached for later runs)\n"
    monkeypatch.setattr(cli, "missing", lambda: [])
    assert main(["list"]) == 0
    assert capsys.readouterr().err == ""


def test_a_typed_activation_is_parsed_once_per_command(monkeypatch, capsys) -> None:
    from initproof.derive import activations

    calls, original = [], activations._parsed
    monkeypatch.setattr(activations, "_parsed", lambda text: calls.append(text) or original(text))
    assert main(["train", "--activation", "z*tanh(z)", "--epochs", "1", "--json"]) == 0
    assert main(["verify", "--activation", "z*tanh(z)", "--var-w", "1/n", "--depth", "3", "--width", "32",
                 "--json"]) in (0, 1)
    assert main(["frameworks", "--activation", "z*tanh(z)", "--json"]) == 0
    assert calls == ["z*tanh(z)"] * 3
