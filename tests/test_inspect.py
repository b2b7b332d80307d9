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


@pytest.mark.parametrize(("factory", "shape"), [("mlp", "512,256"), ("cnn", "16,3,16,16")])
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


def test_a_skip_connection_stops_the_backward_prediction(models, capsys) -> None:
    result = _rows(capsys, f"{models}:Residual", "32,64")
    assert "not its last module's output" in result["stopped"]
    assert all(row["predicted_backward"] is None for row in result["rows"])
    assert result["rows"][0]["predicted_forward"] is not None


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
