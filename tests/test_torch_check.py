"""The optional torch cross-check, without torch: a stand-in module with the documented
``torch.nn.init`` formulas exercises the plumbing and the statistics; a wrong stand-in fails."""

from __future__ import annotations

import importlib.util
import math
import sys
import types
from contextlib import nullcontext

import numpy as np
import pytest

from initproof.derive.activations import activation as parse
from initproof.verify.torch_check import torch_crosscheck

GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}


class Tensor:
    def __init__(self, rows: int, cols: int) -> None:
        self.array = np.empty((rows, cols))
        self.shape = (rows, cols)

    def numpy(self) -> np.ndarray:
        return self.array

    def copy_(self, other: Tensor) -> Tensor:
        self.array[...] = other.array
        return self


def stand_in(scale: float = 1.0) -> types.ModuleType:
    """torch.nn.init as documented (fan_in = columns); ``scale`` != 1 makes it wrong."""
    rng = np.random.default_rng(0)

    def gain(nonlinearity: str, param: float | None = None) -> float:
        if nonlinearity == "leaky_relu":
            return math.sqrt(2 / (1 + (0.01 if param is None else param) ** 2))
        return GAINS[nonlinearity]

    def fill(t: Tensor, sample) -> Tensor:
        t.array[...] = scale * sample(t.shape)
        return t

    def kaiming_std(t, a=0.0, nonlinearity="leaky_relu"):
        return gain(nonlinearity, a) / math.sqrt(t.shape[1])

    init = types.SimpleNamespace(
        calculate_gain=gain,
        kaiming_normal_=lambda t, a=0.0, nonlinearity="leaky_relu": fill(
            t, lambda s: rng.normal(0, kaiming_std(t, a, nonlinearity), s)),
        kaiming_uniform_=lambda t, a=0.0, nonlinearity="leaky_relu": fill(
            t, lambda s: rng.uniform(-1, 1, s) * math.sqrt(3) * kaiming_std(t, a, nonlinearity)),
        xavier_normal_=lambda t, gain=1.0: fill(t, lambda s: rng.normal(0, gain * math.sqrt(2 / sum(s)), s)),
        xavier_uniform_=lambda t, gain=1.0: fill(t, lambda s: rng.uniform(-1, 1, s) * gain * math.sqrt(6 / sum(s))),
    )

    def linear(n_in: int, n_out: int, bias: bool = True):
        weight = Tensor(n_out, n_in)
        init.kaiming_uniform_(weight, a=math.sqrt(5))
        return types.SimpleNamespace(weight=weight)

    module = types.ModuleType("torch")
    module.nn = types.SimpleNamespace(init=init, Linear=linear)
    module.float64 = "float64"
    module.empty = lambda rows, cols, dtype=None: Tensor(rows, cols)
    module.no_grad = nullcontext
    module.manual_seed = lambda seed: None
    return module


@pytest.mark.parametrize("activation", ["tanh", "gelu", "leaky_relu", "selu"])
def test_documented_formulas_pass(monkeypatch, activation: str) -> None:
    monkeypatch.setitem(sys.modules, "torch", stand_in())
    rows = torch_crosscheck(parse(activation), width=512)
    assert {r.initializer for r in rows} >= {"kaiming_normal_", "xavier_uniform_", "nn.Linear default"}
    assert all(r.passed for r in rows), rows


def test_a_wrong_variance_fails(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", stand_in(scale=1.05))
    assert not any(r.passed for r in torch_crosscheck(parse("tanh"), width=512))


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_missing_torch_is_one_line_exit_2(capsys) -> None:
    from initproof.cli import main
    assert main(["frameworks", "--activation", "relu", "--torch"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "pip install torch" in err
