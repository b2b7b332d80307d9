"""Safe parsing of user-typed expressions into sympy.

The text is parsed by :func:`ast.parse` and the tree is walked node by node;
only numbers, whitelisted names and functions, ``+ - * / **`` and unary signs
are accepted. Nothing is ever passed to ``eval`` or :func:`sympy.sympify`, so
``__import__('os')``, attribute access, lambdas, strings and subscripts are
rejected with a :class:`ParseError` that says what was found.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy as sp

from .functions import sigmoid

FUNCTIONS: Mapping[str, object] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "sin": sp.sin, "cos": sp.cos, "atan": sp.atan, "erf": sp.erf,
    "abs": sp.Abs, "max": sp.Max, "min": sp.Min, "sigmoid": sigmoid,
}
"""Functions a user expression may call."""
CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}
_OPERATORS = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul,
              ast.Div: lambda a, b: a / b, ast.Pow: sp.Pow}
MAX_LENGTH = 500
MAX_EXPONENT = 64


class ParseError(ValueError):
    """The expression is not in the accepted language; the message says why."""


def parse_expression(text: str, variables: Mapping[str, sp.Symbol]) -> sp.Expr:
    """``text`` as a sympy expression over ``variables``, e.g. ``parse_expression("2/n", {"n": n})``."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ParseError(f"not an expression: {error.msg}") from None
    return _build(tree.body, variables)


def _build(node: ast.AST, variables: Mapping[str, sp.Symbol]) -> sp.Expr:
    allowed = ", ".join(sorted(variables)) or "none"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ParseError(f"only numbers are allowed as constants, not {node.value!r}")
        return sp.nsimplify(node.value) if isinstance(node.value, float) else sp.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id in variables:
            return variables[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ParseError(f"unknown name {node.id!r}; variables: {allowed}; "
                         f"functions: {', '.join(FUNCTIONS)}")
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _build(node.left, variables), _build(node.right, variables)
        if isinstance(node.op, ast.Pow) and right.is_number and abs(right) > MAX_EXPONENT:
            raise ParseError(f"exponent {right} is too large (at most {MAX_EXPONENT} in magnitude)")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, variables)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ParseError(f"function {name!r} is not allowed; allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ParseError("functions take plain positional arguments only")
        return FUNCTIONS[node.func.id](*(_build(arg, variables) for arg in node.args))
    raise ParseError(f"{type(node).__name__} is not allowed in an expression: {ast.unparse(node)!r}")
