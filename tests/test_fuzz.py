"""Random expressions and byte strings against the parser and a command's entry point.

Each input gives a result, or one line on stderr with exit status 2, within a time limit; never a
traceback. ``derandomize`` fixes the examples, so the test is deterministic.
"""

from __future__ import annotations

import time
import warnings

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from initproof.cli import main
from initproof.derive.parse import MAX_EXPONENT, ParseError, _degree, parse_expression

z = sp.Symbol("z", real=True)
n, m = sp.symbols("n m", positive=True, integer=True)
TOKENS = ("z", "n", "m", "0", "1", "2", "0.5", "1e-3", "64", "65", "9" * 40, "pi", "e", "exp", "log", "sqrt",
          "tanh", "max", "min", "abs", "erf", "sigmoid", "atan", "+", "-", "*", "/", "**", "(", ")", ",", " ",
          "__import__", "'os'", ".", "lambda", "[", "]", " if ", " else ", "<", "=", "x", "z.real", "0/0", "1e999")
ATOMS = st.sampled_from(("z", "n", "m", "x", "0", "1", "2", "0.5", "1e-3", "64", "65", "9" * 40, "1e999", "pi", "e"))
CALLS = ("exp", "log", "sqrt", "tanh", "max", "min", "abs", "erf", "sigmoid", "atan", "__import__", "print")


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(("+", "-", "*", "/", "**")), children)
        .map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(CALLS), st.lists(children, max_size=3)).map(lambda t: f"{t[0]}({','.join(t[1])})"),
        children.map(lambda c: f"-{c}"),
    )


GRAMMAR = st.recursive(ATOMS, _extend, max_leaves=10)
SOUP = st.lists(st.sampled_from(TOKENS), max_size=24).map("".join)
GARBAGE = st.binary(max_size=40).map(lambda data: data.decode("utf-8", "surrogateescape"))
INPUTS = st.one_of(GRAMMAR, GRAMMAR, SOUP, st.text(max_size=40), GARBAGE)
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(INPUTS)
def test_the_parser_gives_a_bounded_expression_or_a_parse_error(text: str) -> None:
    start = time.monotonic()
    try:
        expr = parse_expression(text, {"z": z, "n": n, "m": m})
    except ParseError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert isinstance(expr, sp.Expr) and _degree(expr) <= MAX_EXPONENT
        assert not expr.has(sp.nan, sp.zoo, sp.oo, sp.I)
    assert time.monotonic() - start < 2


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(INPUTS)
def test_a_command_gives_a_result_or_one_line_and_exit_2(capsys, text: str) -> None:
    start = time.monotonic()
    status = main(["verify", "--activation", "relu", "--var-w", text, "--width", "4", "--depth", "1",
                   "--samples", "200"])
    out, err = capsys.readouterr()
    assert time.monotonic() - start < 20
    if status == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("initproof: error:"), err
    else:
        assert status in (0, 1) and "Traceback" not in err and out


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(INPUTS)
def test_training_from_any_init_gives_a_result_or_one_line_and_exit_2(capsys, text: str) -> None:
    start = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would reach the user's terminal: fail instead
        status = main(["train", "--init", text, "--epochs", "1", "--depth", "2", "--width", "4"])
    out, err = capsys.readouterr()
    assert time.monotonic() - start < 20
    if status == 2:
        assert out == "" and err.count("\n") == 1 and err.startswith("initproof: error:"), err
    else:
        assert status == 0 and "Traceback" not in err and out


def test_an_overflowing_weight_variance_is_refused(capsys) -> None:
    assert main(["verify", "--activation", "relu", "--var-w", "exp(exp(exp(n)))", "--width", "4"]) == 2
    assert "beyond" in capsys.readouterr().err
