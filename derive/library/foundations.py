"""Foundations of the notes (their first lecture, 1 and 2): a network without non-linearity is one linear
layer, the size of one with it, and backpropagation as the chain rule on a computational graph."""

from __future__ import annotations

import sympy as sp

from ..assumptions import described
from ..derivation import Builder, Derivation
from ..registry import register
from ..steps import Model
from ..text import Text

D, H1, H2, C = sp.symbols("D H_1 H_2 C", positive=True, integer=True)
P = sp.Symbol("P", positive=True, integer=True)
W1 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"a_{i + 1}{j + 1}"))
W2 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"b_{i + 1}{j + 1}"))
X = sp.Matrix(2, 1, lambda i, j: sp.Symbol(f"x_{i + 1}"))
"""Two linear layers of the smallest sizes that show it: 2 inputs, 3 hidden units, 2 outputs."""
COUNT = (H1 * D + H1) + (H2 * H1 + H2) + (C * H2 + C)
"""Weights and biases of the notes' 3-layer network, layer by layer."""
LINEAR = described("no-activation", "two layers without an activation between them, f = W2 W1 x",
                   "hai lớp không có hàm kích hoạt ở giữa, f = W2 W1 x")
FULLY_CONNECTED = described("fully-connected", "the notes' 3-layer network: D inputs, H1 and H2 hidden units, C "
                            "classes; every unit has a weight from each unit of the layer below and a bias",
                            "mạng 3 lớp của bài giảng: D đầu vào, H1 và H2 nơ-ron ẩn, C lớp; mỗi nơ-ron có một trọng "
                            "số từ mỗi nơ-ron của lớp dưới và một bias")

x, y, z, q = sp.symbols("x y z q", real=True)
GRAPH = {x: -2, y: 5, z: -4}
"""The values at which the notes' graph is evaluated step by step."""
NODES = described("computational-graph", "the graph of f = z(x + y): an add node q = x + y, then a multiply "
                  "node f = z q", "đồ thị của f = z(x + y): nút cộng q = x + y, rồi nút nhân f = z q")


@register("computational-graph")
def computational_graph() -> Derivation:
    r"""Backpropagation on the notes' graph :math:`f = z(x + y)` (Model Initialization's companion notes, 2.2
    and 2.3): local gradients of each node, the upstream gradient :math:`\partial f/\partial q = z`, the chain
    rule :math:`\partial f/\partial y = (\partial f/\partial q)(\partial q/\partial y)`, and every value at
    :math:`x = -2, y = 5, z = -4`."""
    d = Builder("computational-graph",
                Text("Backpropagation on a computational graph", "Lan truyền ngược trên đồ thị tính toán"),
                (NODES,), Model())
    d.step(sp.Derivative(x + y, x), 1, "local gradient", "the add node passes its gradient on unchanged",
           "nút cộng chuyển gradient đi nguyên vẹn", (NODES,))
    d.step(sp.Derivative(x + y, y), 1, "local gradient", "the same for $y$", "tương tự cho $y$", (NODES,))
    d.step(sp.Derivative(z * q, q), z, "local gradient", "the multiply node: each input gets the other",
           "nút nhân: mỗi đầu vào nhận giá trị của đầu vào kia", (NODES,))
    d.step(sp.Derivative(z * q, z), q, "local gradient", "and $z$ gets $q$", "và $z$ nhận $q$", (NODES,))
    d.step(sp.Derivative(z * (x + y), y), z * sp.Derivative(x + y, y), "chain rule",
           "upstream gradient $\\partial f/\\partial q = z$ times the local gradient $\\partial q/\\partial y$",
           "gradient từ phía trên $\\partial f/\\partial q = z$ nhân gradient cục bộ $\\partial q/\\partial y$",
           (NODES,))
    d.then(z, "local gradient", "$\\partial q/\\partial y = 1$", "$\\partial q/\\partial y = 1$", (NODES,))
    d.result("chain-rule")
    f = z * (x + y)
    for name, expr in (("q", x + y), ("f", f), ("df/dx", sp.Derivative(f, x)), ("df/dy", sp.Derivative(f, y)),
                       ("df/dz", sp.Derivative(f, z))):
        d.step(sp.Subs(expr, tuple(GRAPH), tuple(GRAPH.values())), expr.doit().subs(GRAPH), "evaluation",
               f"${name}$ at $x = -2, y = 5, z = -4$",
               f"${name}$ tại $x = -2, y = 5, z = -4$")
        d.result(name.replace("/", "-"))
    return d.build(main="chain-rule")


@register("linear-composition")
def linear_composition() -> Derivation:
    r"""Without an activation, :math:`W_2 (W_1 x) = (W_2 W_1) x = W_3 x`: two layers are one linear layer
    (the notes: a network needs its non-linearity); the notes' 3-layer network
    :math:`f = W_3 \max(0, W_2 \max(0, W_1 x))` has :math:`H_1(D + 1) + H_2(H_1 + 1) + C(H_2 + 1)` parameters."""
    d = Builder("linear-composition",
                Text("Why a network needs a non-linearity, and its size",
                     "Vì sao mạng cần hàm phi tuyến, và kích thước của mạng"),
                (LINEAR, FULLY_CONNECTED), Model(definitions={P: COUNT}))
    d.step(sp.MatMul(W2, sp.MatMul(W1, X)), sp.MatMul(W2 * W1, X), "associativity",
           "a product of matrices can be grouped either way", "tích các ma trận có thể nhóm theo cách nào cũng được",
           (LINEAR,))
    d.result("one-layer")
    d.step(P, COUNT, "count",
           "each layer: a weight per pair of units, a bias per unit", "mỗi lớp: một trọng số cho mỗi cặp nơ-ron, "
           "một bias cho mỗi nơ-ron", (FULLY_CONNECTED,))
    d.then(H1 * (D + 1) + H2 * (H1 + 1) + C * (H2 + 1), "algebra", "grouped by layer", "nhóm theo lớp",
           (FULLY_CONNECTED,))
    d.result("parameters")
    return d.build(main="one-layer")
