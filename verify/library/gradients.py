"""Checks of vanishing and exploding gradients and of the symmetry of equal weights, in real networks."""

from __future__ import annotations

import numpy as np
import sympy as sp

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from ..checks import ExactCheck, NetworkCheck
from ..network import constant_weights, simulate
from ..numeric import activation_pair, function
from ..registry import register
from ..settings import WIDTH


def symmetry_spread(phi: sp.Expr, weight: float, width: int = 64, depth: int = 8) -> float:
    """Largest relative difference between units of any layer with all weights ``weight``."""
    f, d = activation_pair(phi)
    measured = simulate(f, d, constant_weights(weight), width, depth, 1, np.random.default_rng(0))
    return float(measured.spread.max())


@register("gradient-vanishing")
def gradient_vanishing() -> list:
    g = derive.get("gradient-vanishing")
    large = float(g.named("sigmoid-derivative-large-z").rhs)
    stable_form, (variable,), (point,) = g.named("sigmoid-derivative-stable-form").rhs.args
    stable = function(stable_form, variable)
    sigmoid = named("sigmoid")
    return [
        ExactCheck(
            "gradient-vanishing",
            "stable-sigmoid-derivative",
            Text(
                f"sigma'({point:.2f}) in float64 from the stable form = derived value",
                f"sigma'({point:.2f}) tính bằng float64 theo dạng ổn định = giá trị chứng minh",
            ),
            large,
            lambda rng: float(stable(np.array(float(point)))),
        ),
        NetworkCheck(
            "gradient-vanishing",
            "sigmoid-vanishing",
            Text(
                "sigmoid, Var(w) = 1/(16 n), 8 layers: vanishing, as predicted",
                "sigmoid, Var(w) = 1/(16 n), 8 lớp: biến mất, đúng như dự đoán",
            ),
            sigmoid,
            1 / 16,
            WIDTH,
            8,
            replicates=24,
        ),
        NetworkCheck(
            "gradient-vanishing",
            "relu-exploding",
            Text(
                "ReLU, Var(w) = 4/n, 5 layers: exploding, as predicted",
                "ReLU, Var(w) = 4/n, 5 lớp: bùng nổ, đúng như dự đoán",
            ),
            named("relu"),
            4.0,
            WIDTH,
            5,
        ),
        ExactCheck(
            "gradient-vanishing",
            "symmetry",
            Text(
                "constant weights: all units of every layer equal (symmetry)",
                "trọng số hằng: mọi nơ-ron trong mỗi lớp bằng nhau (đối xứng)",
            ),
            0.0,
            lambda rng: symmetry_spread(sigmoid, 0.1),
            tolerance=1e-12,
        ),
    ]


@register("saturated-unit")
def saturated_unit() -> list:
    d = derive.get("saturated-unit")
    weight, point = (float(value) for value in d.named("gradient").lhs.args[2][:2])

    def loss(w: complex) -> complex:
        """The unit run forward: ``L = sigma(w x)^2 / 2`` (target 0)."""
        return 0.5 * (1.0 / (1.0 + np.exp(-w * point))) ** 2

    def slope(rng: np.random.Generator) -> float:
        """``dL/dw`` by the complex step ``Im L(w + ih) / h``: no difference of nearby values, so no
        cancellation (the unit is saturated, and ``L`` barely changes with ``w``)."""
        step = 1e-30
        return float(loss(complex(weight, step)).imag / step)

    return [ExactCheck("saturated-unit", "gradient",
                       Text(f"dL/dw of one sigmoid unit at w = {weight}, x = {point:.4f} (target 0), by the "
                            "complex step in float64",
                            f"dL/dw của một nơ-ron sigmoid tại w = {weight}, x = {point:.4f} (đích 0), bằng bước "
                            "phức float64"),
                       float(d.named("gradient").rhs), slope, tolerance=1e-10)]
