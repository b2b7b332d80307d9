r"""What PyTorch and Keras initialisers compute, written as data.

Each :class:`Initializer` is the documented recipe: a distribution and its
parameter (a standard deviation or a uniform bound) as a formula in the fan-in
``n`` and fan-out ``m``, with the place it is documented. Its weight variance is
not typed in: it follows from derived results, :math:`r^2/3` for :math:`U(-r, r)`
(``uniform-moments``) and the truncated normal's factor (``truncated-normal``).

PyTorch's ``calculate_gain`` table is data too (:data:`TORCH_GAINS`); activations
it does not know fall back to ``kaiming_*``'s default, ``nonlinearity='leaky_relu'``
with ``a = 0``, i.e. :math:`\sqrt 2`, and to gain 1 for ``xavier_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sympy as sp

from .registry import get
from .symbols import m, n

TORCH_DOCS = "https://pytorch.org/docs/stable/nn.init.html"
KERAS_DOCS = "https://keras.io/api/layers/initializers/"
KERAS_TRUNCATION = sp.Float("0.87962566103423978", 17)
"""The constant Keras' ``VarianceScaling`` divides a truncated normal's standard deviation by."""
TORCH_GAINS: dict[str, sp.Expr] = {
    "linear": sp.S.One, "sigmoid": sp.S.One, "tanh": sp.Rational(5, 3), "relu": sp.sqrt(2),
    "leaky_relu": sp.sqrt(2 / (1 + sp.Rational(1, 100) ** 2)), "selu": sp.Rational(3, 4),
}
"""``torch.nn.init.calculate_gain(name)`` as documented (leaky ReLU at its default slope 0.01)."""
TORCH_DEFAULT_GAIN = sp.sqrt(2)
"""``kaiming_*``'s default ``nonlinearity='leaky_relu'`` with ``a = 0``."""


class Distribution(StrEnum):
    """How a recipe draws its weights."""

    NORMAL = "normal"
    TRUNCATED = "truncated"
    """Normal, cut at two standard deviations."""
    UNIFORM = "uniform"


@dataclass(frozen=True)
class Initializer:
    """A documented recipe: its :class:`Distribution` (a name is converted; an unknown one is a
    :class:`ValueError`); ``parameter`` is the standard deviation (before truncation) or the bound;
    ``documented`` is the formula as the framework documents it."""

    framework: str
    name: str
    distribution: Distribution
    parameter: sp.Expr
    documented: str
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "distribution", Distribution(self.distribution))

    @property
    def variance(self) -> sp.Expr:
        """The weight variance the recipe gives, from the derived moments."""
        if self.distribution is Distribution.UNIFORM:
            r = sp.Symbol("r", positive=True)
            return get("uniform-moments").named("symmetric-variance").rhs.subs(r, self.parameter)
        if self.distribution is Distribution.TRUNCATED:
            factor = get("truncated-normal").named("std-factor").rhs
            return (self.parameter * factor) ** 2
        return self.parameter**2


def torch_gain(activation: str) -> tuple[sp.Expr, bool]:
    """``calculate_gain(activation)`` and whether PyTorch knows the activation."""
    return TORCH_GAINS.get(activation, TORCH_DEFAULT_GAIN), activation in TORCH_GAINS


def initializers(activation: str) -> list[Initializer]:
    """What each framework's standard initialisers give for a layer followed by ``activation``."""
    gain, known = torch_gain(activation)
    xavier_gain = gain if known else sp.S.One
    how = f"calculate_gain('{activation}')" if known else "default nonlinearity='leaky_relu', a=0"
    fan_avg = (n + m) / 2
    cut = KERAS_TRUNCATION
    return [
        Initializer("PyTorch", "kaiming_normal_", "normal", gain / sp.sqrt(n),
                    f"N(0, std^2), std = gain/sqrt(fan_in), gain = {sp.sstr(gain)}", TORCH_DOCS, how),
        Initializer("PyTorch", "kaiming_uniform_", "uniform", sp.sqrt(3) * gain / sp.sqrt(n),
                    f"U(-b, b), b = gain*sqrt(3/fan_in), gain = {sp.sstr(gain)}", TORCH_DOCS, how),
        Initializer("PyTorch", "xavier_normal_", "normal",
                    xavier_gain * sp.sqrt(2 / (n + m)), "N(0, std^2), std = gain*sqrt(2/(fan_in + fan_out))",
                    TORCH_DOCS, f"gain={sp.sstr(xavier_gain)}"),
        Initializer("PyTorch", "xavier_uniform_", "uniform",
                    xavier_gain * sp.sqrt(6 / (n + m)), "U(-a, a), a = gain*sqrt(6/(fan_in + fan_out))", TORCH_DOCS,
                    f"gain={sp.sstr(xavier_gain)}"),
        Initializer("PyTorch", "nn.Linear default", "uniform", 1 / sp.sqrt(n),
                    "kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
                    "torch/nn/modules/linear.py, Linear.reset_parameters"),
        Initializer("Keras", "GlorotNormal", "truncated", sp.sqrt(1 / fan_avg) / cut,
                    f"truncated N, std = sqrt(1/fan_avg)/{cut}", KERAS_DOCS),
        Initializer("Keras", "GlorotUniform", "uniform", sp.sqrt(3 / fan_avg),
                    "U(-limit, limit), limit = sqrt(3/fan_avg)", KERAS_DOCS),
        Initializer("Keras", "HeNormal", "truncated", sp.sqrt(2 / n) / cut,
                    f"truncated N, std = sqrt(2/fan_in)/{cut}", KERAS_DOCS),
        Initializer("Keras", "HeUniform", "uniform", sp.sqrt(6 / n), "U(-limit, limit), limit = sqrt(6/fan_in)",
                    KERAS_DOCS),
        Initializer("Keras", "LecunNormal", "truncated", sp.sqrt(1 / n) / cut,
                    f"truncated N, std = sqrt(1/fan_in)/{cut}", KERAS_DOCS),
        Initializer("Keras", "LecunUniform", "uniform", sp.sqrt(3 / n), "U(-limit, limit), limit = sqrt(3/fan_in)",
                    KERAS_DOCS),
    ]
