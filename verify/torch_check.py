"""Optional cross-check against the real ``torch.nn.init`` (needs torch; nothing else does).

Each PyTorch recipe of :mod:`derive.frameworks` is run on a ``width x width``
tensor by the real torch function, and the sample variance of its entries is held
against the variance the recipe should give, with a normal interval at
family-wise level ``alpha`` (Bonferroni over the recipes). The standard error of a
sample variance is :math:`\\sqrt{(\\mu_4 - s^4)/N}`, estimated from the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from initproof.derive.activations import Activation
from initproof.derive.frameworks import initializers, torch_gain
from initproof.derive.symbols import m, n


class TorchMissing(RuntimeError):
    """torch is not installed."""


@dataclass(frozen=True)
class TorchComparison:
    """One torch initialiser: predicted and sampled variance of its weights."""

    activation: str
    initializer: str
    predicted: float
    measured: float
    stderr: float
    passed: bool


def _torch():
    try:
        import torch
    except ImportError:
        raise TorchMissing("the torch cross-check needs PyTorch: pip install torch") from None
    return torch


def _calls(torch, activation: str) -> dict:
    """The real torch call behind each PyTorch recipe name."""
    init = torch.nn.init
    _, known = torch_gain(activation)
    kaiming = {"nonlinearity": activation, "a": 0.01} if activation == "leaky_relu" else (
        {"nonlinearity": activation} if known else {})
    gain = init.calculate_gain(activation) if known else 1.0
    return {
        "kaiming_normal_": lambda t: init.kaiming_normal_(t, **kaiming),
        "kaiming_uniform_": lambda t: init.kaiming_uniform_(t, **kaiming),
        "xavier_normal_": lambda t: init.xavier_normal_(t, gain=gain),
        "xavier_uniform_": lambda t: init.xavier_uniform_(t, gain=gain),
        "nn.Linear default": lambda t: t.copy_(torch.nn.Linear(t.shape[1], t.shape[0], bias=False).weight),
    }


def torch_crosscheck(activation: Activation, width: int = 1024, seed: int = 0,
                     alpha: float = 1e-6) -> list[TorchComparison]:
    """Sample every PyTorch recipe for ``activation`` with the real torch functions."""
    torch = _torch()
    torch.manual_seed(seed)
    calls = _calls(torch, activation.name)
    recipes = [init for init in initializers(activation.name) if init.framework == "PyTorch"]
    quantile = stats.norm.ppf(1 - alpha / (2 * len(recipes)))
    out = []
    for recipe in recipes:
        tensor = torch.empty(width, width, dtype=torch.float64)
        with torch.no_grad():
            calls[recipe.name](tensor)
        values = tensor.numpy().ravel()
        predicted = float(recipe.variance.subs({n: width, m: width}))
        variance = float(np.var(values))
        centred = (values - values.mean()) ** 2
        stderr = float(np.sqrt(np.var(centred) / values.size))
        out.append(TorchComparison(activation.name, recipe.name, predicted, variance, stderr,
                                   abs(variance - predicted) <= quantile * stderr))
    return out
