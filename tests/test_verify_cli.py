"""`initproof verify` from the command line: suite, user rules and bad input."""

from __future__ import annotations

import json

import pytest

from initproof.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table_for_selected_ids(capsys) -> None:
    status, out, _ = run(capsys, "verify", "uniform-moments", "gaussian-moments")
    assert status == 0
    assert out.splitlines()[0].split() == ["id", "claim", "expected", "measured", "interval", "verdict"]
    assert "5 passed, 0 failed" in out and "Bonferroni" in out


def test_json_shape(capsys) -> None:
    status, out, _ = run(capsys, "verify", "layer-variance", "--json", "--seed", "3")
    data = json.loads(out)
    assert status == 0 and data["seed"] == 3 and data["passed"] is True
    (check,) = data["checks"]
    assert set(check) >= {"id", "claim", "expected", "estimate", "stderr", "ci", "samples", "passed"}
    assert check["ci"][0] <= check["expected"] <= check["ci"][1]


def test_relu_one_over_n_is_not_preserving_and_matches_prediction(capsys) -> None:
    status, out, _ = run(capsys, "verify", "--activation", "relu", "--var-w", "1/n", "--depth", "20", "--json")
    data = json.loads(out)
    assert status == 1 and data["preserves"] is False
    layers = data["layers"]
    assert len(layers) == 20
    assert all(row["agrees_forward"] and row["agrees_backward"] for row in layers)
    for k, row in enumerate(layers):
        assert row["predicted_forward"] == pytest.approx(2.0**-k)


def test_he_rule_is_preserving(capsys) -> None:
    status, out, _ = run(capsys, "verify", "--activation", "relu", "--var-w", "2/n", "--depth", "6")
    assert status == 0 and "The rule keeps the variance within a factor 2" in out


def test_user_expression_activation(capsys) -> None:
    status, out, _ = run(capsys, "verify", "--activation", "z*erf(z)", "--var-w", "2/n", "--depth", "4",
                         "--json")
    data = json.loads(out)
    assert status == 1 and data["preserves"] is False
    assert all(row["agrees_forward"] for row in data["layers"])


@pytest.mark.parametrize("argv", [
    ["--activation", "__import__('os').system('true')", "--var-w", "1/n"],
    ["--activation", "relu", "--var-w", "n.__class__"],
    ["--activation", "relu", "--var-w", "(lambda: 1)()"],
    ["--activation", "'z'", "--var-w", "1/n"],
    ["--activation", "relu", "--var-w", "-1/n"],
    ["--activation", "relu", "--var-w", "0"],
    ["--activation", "relu", "--var-w", "q/n"],
    ["--activation", "relu", "--var-w", "9**9**9**9"],
    ["--activation", "1", "--var-w", "1/n"],
    ["--activation", "relu"],
    ["--activation", "relu", "--var-w", "1/n", "he-relu"],
    ["--activation", "relu", "--var-w", "1/n", "--factor", "0.5"],
    ["--activation", "relu", "--var-w", "1/n", "--factor", "nan"],
    ["--activation", "relu", "--var-w", "1/n", "--factor", "inf"],
    ["--samples", "0"],
    ["--samples", str(10**12)],
    ["--activation", "relu", "--var-w", "2/n", "--width", "4096", "--depth", "500", "--dtype", "float64"],
    ["--precision", "2"],
    ["no-such-id"],
])
def test_bad_input_is_one_line_exit_2(capsys, argv: list[str]) -> None:
    status, out, err = run(capsys, "verify", *argv)
    assert status == 2 and out == "" and err.count("\n") == 1 and err.startswith("initproof: error: ")


def test_a_long_simulation_says_up_front_how_long_it_will_take(capsys, monkeypatch) -> None:
    from initproof.verify import network

    monkeypatch.setattr(network, "_rates", lambda dtype: (1e5, 1e7))  # a slow machine
    status, out, err = run(capsys, "verify", "--activation", "relu", "--var-w", "2/n", "--width", "64",
                           "--depth", "3")
    assert status == 0 and "keeps the variance" in out
    assert err.startswith("initproof: simulating 64 networks of width 64 and depth 3: about ")


@pytest.mark.slow
def test_layers_that_differ_are_told_apart_from_the_finite_width_bias(capsys) -> None:
    rule = ["verify", "--activation", "selu", "--var-w", "1/n", "--depth", "30"]
    status, out, _ = run(capsys, *rule, "--width", "64", "--seed", "2")
    assert "differs at 6." in out  # width 64: 6 of 30 layers off the infinite-width recursion
    assert "The 6 layers that differ are consistent with the finite-width bias (of order 1/n)" in out
    status, out, _ = run(capsys, "verify", "--activation", "silu", "--var-w", "2.81/n", "--depth", "30",
                         "--width", "128", "--seed", "1", "--json")
    data = json.loads(out)
    differ = [k for k, row in enumerate(data["layers"]) if not (row["agrees_forward"] and row["agrees_backward"])]
    still = [k for k in differ if not (data["extrapolated_layers"][k]["agrees_forward"]
                                       and data["extrapolated_layers"][k]["agrees_backward"])]
    assert status == 1 and len(differ) > 20 and still  # near SiLU's repelling fixed point


def test_a_rule_that_agrees_everywhere_is_not_measured_again(capsys) -> None:
    status, out, _ = run(capsys, "verify", "--activation", "relu", "--var-w", "2/n", "--json")
    assert status == 0 and "extrapolated_layers" not in json.loads(out)


def test_bias_variance_enters_the_prediction(capsys) -> None:
    status, out, _ = run(capsys, "verify", "--activation", "tanh", "--var-w", "1/n", "--bias-var", "0.05",
                         "--depth", "4", "--json")
    layers = json.loads(out)["layers"]
    assert layers[0]["predicted_forward"] == pytest.approx(1.05)
    assert all(row["agrees_forward"] and row["agrees_backward"] for row in layers)
