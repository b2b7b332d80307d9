"""Checks of the foundations: two numpy layers against their product, the parameters of a network
counted array by array, and the notes' graph run forward with central differences."""

from __future__ import annotations

import numpy as np

from initproof.derive.library.foundations import GRAPH, H1, H2, C, D
from initproof.derive.text import Text

from ..checks import ExactCheck
from ..numeric import derived
from ..registry import register

SIZES = {D: 3072, H1: 100, H2: 50, C: 10}
"""A 3-layer network on 32x32 colour images: 3072 inputs, hidden layers of 100 and 50, 10 classes."""


@register("linear-composition")
def linear_composition() -> list:
    def same_map(rng: np.random.Generator) -> float:
        """||W2 (W1 x)|| over ||(W2 W1) x|| for random layers of the checked network's sizes."""
        w1 = rng.standard_normal((SIZES[H1], SIZES[D]))
        w2 = rng.standard_normal((SIZES[H2], SIZES[H1]))
        x = rng.standard_normal(SIZES[D])
        return float(np.linalg.norm(w2 @ (w1 @ x)) / np.linalg.norm((w2 @ w1) @ x))

    def counted(rng: np.random.Generator) -> float:
        widths = [SIZES[D], SIZES[H1], SIZES[H2], SIZES[C]]
        layers = [(np.empty((n_out, n_in)), np.empty(n_out)) for n_in, n_out in zip(widths, widths[1:], strict=False)]
        return float(sum(weight.size + bias.size for weight, bias in layers))

    count = derived("linear-composition", "parameters", SIZES)
    return [
        ExactCheck("linear-composition", "one-layer",
                   Text("|W2 (W1 x)| = |(W2 W1) x|: random layers 3072 -> 100 -> 50, in float64",
                        "|W2 (W1 x)| = |(W2 W1) x|: các lớp ngẫu nhiên 3072 -> 100 -> 50, float64"),
                   1.0, same_map, tolerance=1e-10),
        ExactCheck("linear-composition", "parameters",
                   Text(f"{int(count)} parameters of a 3072-100-50-10 network, counted array by array",
                        f"{int(count)} tham số của mạng 3072-100-50-10, đếm từng mảng"),
                   count, counted),
    ]


@register("computational-graph")
def computational_graph() -> list:
    point = np.array([float(value) for value in GRAPH.values()])  # x, y, z

    def graph(values: np.ndarray) -> float:
        """The notes' graph, run forward node by node: q = x + y, then f = z q."""
        x, y, z = values
        q = x + y
        return z * q

    def slope(k: int) -> float:
        step = np.zeros(3)
        step[k] = 1e-3
        return (graph(point + step) - graph(point - step)) / 2e-3

    return [ExactCheck("computational-graph", name,
                       Text(f"{name} at x = -2, y = 5, z = -4: the graph run forward (central differences for "
                            "the gradients)", f"{name} tại x = -2, y = 5, z = -4: chạy đồ thị theo chiều tiến (sai "
                            "phân trung tâm cho gradient)"),
                       derived("computational-graph", name.replace("/", "-")), compute, tolerance=1e-9)
            for name, compute in (("f", lambda rng: graph(point)), ("df/dx", lambda rng: slope(0)),
                                  ("df/dy", lambda rng: slope(1)), ("df/dz", lambda rng: slope(2)))]
