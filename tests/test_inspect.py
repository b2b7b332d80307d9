"""initproof inspect: per-layer predictions for a real PyTorch model against its measurements."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from initproof.cli import main

torch = pytest.importorskip("torch", reason="torch not installed (pip install torch==2.13.0; CI installs it)")

MODELS = textwrap.dedent("""
    import torch

    def mlp():
        return torch.nn.Sequential(torch.nn.Linear(256, 64), torch.nn.Tanh(), torch.nn.Linear(64, 256),
                                   torch.nn.ReLU(), torch.nn.Dropout(0.25), torch.nn.Linear(256, 10))

    def cnn():
        return torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.GELU(),
                                   torch.nn.Conv2d(32, 64, 3, padding=1, groups=4, stride=2), torch.nn.ReLU(),
                                   torch.nn.Flatten(), torch.nn.LayerNorm(64 * 8 * 8), torch.nn.Linear(64 * 8 * 8, 10))

    class Residual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64)

        def forward(self, x):
            h = self.b(self.a(x))
            return h + self.c(h)

    class Deep(torch.nn.Module):
        def __init__(self, blocks=6, width=128):
            super().__init__()
            self.inp = torch.nn.Linear(64, width)
            self.branches = torch.nn.ModuleList(
                torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width))
                for _ in range(blocks))
            self.out = torch.nn.Linear(width, 10)
            self.scale = blocks ** -0.5

        def forward(self, x):
            x = self.inp(x)
            for branch in self.branches:
                x = x + self.scale * branch(x)
            return self.out(torch.relu(x))

    def pooled():
        return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                   torch.nn.Flatten(), torch.nn.Linear(8 * 7 * 7, 10))

    class Branching(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(8, 8)

        def forward(self, x):
            return self.a(x) if x.sum() > 0 else -self.a(x)

    def broken():
        raise ValueError("no such architecture")
""")


@pytest.fixture()
def models(tmp_path, monkeypatch):
    (tmp_path / "inspected_models.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    yield "inspected_models"
    sys.modules.pop("inspected_models", None)


def _rows(capsys, target: str, shape: str) -> dict:
    assert main(["inspect", target, "--input", shape, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("factory", "shape"), [("mlp", "512,256"), ("cnn", "16,3,16,16"), ("Residual", "64,64"),
                                               ("Deep", "64,64")])
def test_predictions_follow_the_measured_layers(models, capsys, factory: str, shape: str) -> None:
    result = _rows(capsys, f"{models}:{factory}", shape)
    assert result["stopped"] is None
    for row in result["rows"]:  # width 64 to 4096, 4 models: finite-width and sampling error below 15%
        assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.15), row
        assert row["measured_backward"] / row["predicted_backward"] == pytest.approx(1, abs=0.15), row


def test_a_convolution_without_its_padded_borders_would_be_caught(models, capsys, monkeypatch) -> None:
    from initproof.verify import inspection

    first = _rows(capsys, f"{models}:cnn", "16,3,16,16")["rows"][0]
    assert first["measured_forward"] / first["predicted_forward"] == pytest.approx(1, abs=0.03)

    def unpadded(module, shape, size):  # every output counted with its whole kernel
        kernel = shape[2] * shape[3]
        return shape[1] * kernel, shape[0] / module.groups * kernel

    monkeypatch.setattr(inspection, "_convolution_fans", unpadded)
    wrong = _rows(capsys, f"{models}:cnn", "16,3,16,16")["rows"][0]
    assert abs(wrong["measured_forward"] / wrong["predicted_forward"] - 1) > 0.05


def test_an_operation_without_a_rule_is_named_and_predictions_stop_at_it(models, capsys) -> None:
    result = _rows(capsys, f"{models}:pooled", "8,3,16,16")
    assert result["stopped"] == "no rule for module 2 (MaxPool2d)"
    conv, relu, pool, flatten, linear = result["rows"]
    assert conv["predicted_forward"] is not None and conv["predicted_backward"] is None  # before it: forward only
    assert linear["predicted_forward"] is None and linear["predicted_backward"] == 1.0  # after it: backward only


def test_a_residual_branch_without_its_skip_would_be_caught(models, capsys, monkeypatch) -> None:
    from initproof.verify import inspection

    right = _rows(capsys, f"{models}:Deep", "64,64")["rows"][-2]
    rule = inspection._forward_rule

    def no_skip(node, graph, moments):  # the sum keeps only its second term, the branch
        step = rule(node, graph, moments)
        args = [arg for arg in node.args if hasattr(arg, "op")]
        if step is not None and getattr(node.target, "__name__", "") == "add" and len(args) == 2:
            return moments[args[1]], {args[0]: 0.0, args[1]: 1.0}
        return step

    monkeypatch.setattr(inspection, "_forward_rule", no_skip)
    wrong = _rows(capsys, f"{models}:Deep", "64,64")["rows"][-2]
    assert right["measured_forward"] / right["predicted_forward"] == pytest.approx(1, abs=0.1)
    assert wrong["measured_forward"] / wrong["predicted_forward"] > 2


def test_a_model_fx_cannot_trace_is_measured_without_predictions(models, capsys) -> None:
    result = _rows(capsys, f"{models}:Branching", "4,8")
    assert result["stopped"].startswith("torch.fx cannot trace the model")
    assert result["rows"][0]["predicted_forward"] is None and result["rows"][0]["measured_forward"] > 0


@pytest.mark.parametrize(("target", "shape", "message"), [
    ("{models}:nope", "4,256", "has no 'nope'"), ("no_such_module:f", "4,256", "cannot import"),
    ("{models}", "4,256", "MODULE:FACTORY"), ("{models}:mlp", "4,x", "not a shape"),
    ("{models}:mlp", "4,3", "RuntimeError"), ("{models}:broken", "4,256", "no such architecture"),
    ("{models}:mlp", "100000,100000", "at most 1e8"),
])
def test_bad_inspect_input_is_one_line_and_exit_2(models, capsys, target: str, shape: str, message: str) -> None:
    assert main(["inspect", target.format(models=models), "--input", shape]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
