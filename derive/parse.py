"""Safe parsing of user-typed expressions into sympy.

The text is parsed by :func:`ast.parse` and the tree is walked node by node;
only numbers, whitelisted names and functions, ``+ - * / **`` and unary signs
are accepted. Nothing is ever passed to ``eval`` or :func:`sympy.sympify`, so
``__import__('os')``, attribute access, lambdas, strings and subscripts are
rejected with a :class:`ParseError` that says what was found.

Everything the parser builds is bounded, so no input can make it (or the algebra
after it) run away: a number typed is kept exactly as typed (``1.00000001`` is
100000001/100000000, never rounded to 1), numbers stay below :data:`MAX_MAGNITUDE`,
exponents are numbers of magnitude at most :data:`MAX_EXPONENT`, the degree of the
whole expression (exponents multiplied through nesting) is at most
:data:`MAX_EXPONENT`, and calls nest at most :data:`MAX_NESTING` deep. Division by
zero, undefined and complex values are refused.
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
ARITY: Mapping[str, tuple[int, int]] = {name: (2, 8) if name in ("max", "min") else (1, 1) for name in FUNCTIONS}
"""How many arguments each function takes (fewest, most)."""
_OPERATORS = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul,
              ast.Div: lambda a, b: a / b, ast.Pow: sp.Pow}
_SYNTAX = {"IfExp": "conditional expressions", "Compare": "comparisons", "BoolOp": "'and'/'or'",
           "Attribute": "attribute access", "Subscript": "subscripts", "Lambda": "lambdas",
           "List": "lists", "Tuple": "tuples", "Dict": "dictionaries", "Set": "sets",
           "ListComp": "comprehensions", "GeneratorExp": "comprehensions", "NamedExpr": "assignments",
           "Starred": "starred arguments", "JoinedStr": "strings"}
MAX_LENGTH = 500
MAX_EXPONENT = 64
MAX_NESTING = 4
MAX_MAGNITUDE = sp.Integer(10) ** 300


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
    except (SyntaxError, ValueError) as error:
        raise ParseError(f"not an expression: {getattr(error, 'msg', error)}") from None
    expr = _build(tree.body, variables, 0)
    if _degree(expr) > MAX_EXPONENT:
        raise ParseError(f"degree {_degree(expr)} is too large (at most {MAX_EXPONENT})")
    return expr


def _checked(expr: sp.Expr) -> sp.Expr:
    """``expr`` unless it is undefined, infinite, complex or a number too large to hold."""
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise ParseError("the expression is undefined (a division by zero, or 0/0)")
    if expr.has(sp.I):
        raise ParseError("complex numbers are not allowed (the square root or power of a negative number)")
    for number in expr.atoms(sp.Number):
        if abs(number) > MAX_MAGNITUDE or (number != 0 and abs(number) < 1 / MAX_MAGNITUDE):
            raise ParseError(f"a number in the expression is beyond 1e{300} in magnitude")
    return expr


def _degree(expr: sp.Expr) -> sp.Expr:
    """An upper bound on the polynomial degree, exponents multiplied through nesting."""
    if expr.is_Atom:
        return 0 if expr.is_number else 1
    if isinstance(expr, sp.Pow):
        return _degree(expr.base) * abs(expr.exp) if expr.exp.is_number else MAX_EXPONENT + 1
    if isinstance(expr, sp.Mul):
        return sum(_degree(arg) for arg in expr.args)
    return max(_degree(arg) for arg in expr.args)


def _build(node: ast.AST, variables: Mapping[str, sp.Symbol], depth: int) -> sp.Expr:
    allowed = ", ".join(sorted(variables)) or "none"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ParseError(f"only numbers are allowed as constants, not {node.value!r}")
        if isinstance(node.value, int):
            return _checked(sp.Integer(node.value)) if node.value.bit_length() <= 1000 else _checked(sp.oo)
        if node.value != node.value or abs(node.value) == float("inf"):
            raise ParseError(f"the number {node.value!r} is beyond 1e300 in magnitude")
        return _checked(sp.Rational(repr(node.value)))
    if isinstance(node, ast.Name):
        if node.id in variables:
            return variables[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ParseError(f"unknown name {node.id!r}; variables: {allowed}; "
                         f"functions: {', '.join(FUNCTIONS)}")
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _build(node.left, variables, depth), _build(node.right, variables, depth)
        if isinstance(node.op, ast.Pow):
            if not right.is_number:
                raise ParseError(f"an exponent must be a number, not {right}")
            if abs(right) > MAX_EXPONENT:
                raise ParseError(f"exponent {right} is too large (at most {MAX_EXPONENT} in magnitude)")
            if left.is_number and left != 0 and abs(sp.log(abs(left), 10) * right) > 300:
                raise ParseError("a number in the expression is beyond 1e300 in magnitude")
        if isinstance(node.op, ast.Div) and right == 0:
            raise ParseError("division by zero")
        result = _checked(_OPERATORS[type(node.op)](left, right))
        if _degree(result) > MAX_EXPONENT:
            raise ParseError(f"degree {_degree(result)} is too large (at most {MAX_EXPONENT})")
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, variables, depth)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ParseError(f"function {name!r} is not allowed; allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ParseError("functions take plain positional arguments only")
        fewest, most = ARITY[node.func.id]
        if not fewest <= len(node.args) <= most:
            count = f"{fewest}" if fewest == most else f"{fewest} to {most}"
            raise ParseError(f"{node.func.id} takes {count} argument{'s' if most > 1 else ''}, "
                             f"not {len(node.args)}")
        if depth >= MAX_NESTING:
            raise ParseError(f"functions nest at most {MAX_NESTING} deep")
        return _checked(FUNCTIONS[node.func.id](*(_build(arg, variables, depth + 1) for arg in node.args)))
    kind = type(node).__name__
    raise ParseError(f"{_SYNTAX.get(kind, kind)} {'are' if kind in _SYNTAX else 'is'} not allowed in an "
                     f"expression: {ast.unparse(node)!r}")
