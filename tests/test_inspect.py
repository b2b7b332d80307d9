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

    def truncated():
        model = torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                    torch.nn.ReLU(), torch.nn.Linear(256, 256))
        std = (2 / 256) ** 0.5
        torch.nn.init.trunc_normal_(model[0].weight, std=std, a=-2 * std, b=2 * std)  # cut at 2 std
        torch.nn.init.trunc_normal_(model[2].weight, std=std)  # a=-2, b=2 are absolute: nothing is cut
        return model

    def pooled():
        return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                   torch.nn.Flatten(), torch.nn.Linear(8 * 7 * 7, 10))

    class Gated(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = torch.nn.Linear(32, 32), torch.nn.Linear(32, 32), torch.nn.Linear(32, 4)

        def forward(self, x):
            return self.c(self.a(x) * torch.sigmoid(self.b(x)))

    class SelfAttention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = torch.nn.MultiheadAttention(64, 4, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=False)[0]

    def mlp_deep(depth=8, width=256):
        layers = [torch.nn.Linear(64, width), torch.nn.ReLU()]
        for _ in range(depth):
            layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
        return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))

    def cnn_deep():
        layers = [torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU()]
        for _ in range(4):
            layers += [torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU()]
        return torch.nn.Sequential(*layers, torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 10))

    class Block(torch.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1, self.bn1 = torch.nn.Conv2d(c, c, 3, padding=1, bias=False), torch.nn.BatchNorm2d(c)
            self.conv2, self.bn2 = torch.nn.Conv2d(c, c, 3, padding=1, bias=False), torch.nn.BatchNorm2d(c)

        def forward(self, x):
            return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))

    class ResNet(torch.nn.Module):
        def __init__(self, blocks=6, c=16):
            super().__init__()
            self.stem = torch.nn.Conv2d(3, c, 3, padding=1)
            self.blocks = torch.nn.Sequential(*[Block(c) for _ in range(blocks)])
            self.pool = torch.nn.AdaptiveAvgPool2d(1)
            self.head = torch.nn.Linear(c, 10)

        def forward(self, x):
            return self.head(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))

    def encoder():
        layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)
        return torch.nn.Sequential(torch.nn.TransformerEncoder(layer, 4, enable_nested_tensor=False),
                                   torch.nn.Linear(64, 10))

    class Branching(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(8, 8)

        def forward(self, x):
            return self.a(x) if x.sum() > 0 else -self.a(x)

    class Looping(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(torch.nn.Linear(64, 64) for _ in range(4))
            self.act = torch.nn.Tanh()

        def forward(self, x):
            for layer in self.layers:
                if x.abs().max() > 1e6:  # data-dependent control flow: torch.fx cannot trace it
                    break
                x = self.act(layer(x))
            return x

    def deep_encoder():
        layer = torch.nn.TransformerEncoderLayer(256, 8, 512, batch_first=True)
        return torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)

    class TwoHeads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.act = torch.nn.Linear(64, 64), torch.nn.Tanh()
            self.logits, self.extra = torch.nn.Linear(64, 10), torch.nn.Linear(64, 3)

        def forward(self, x):
            h = self.act(self.body(x))
            return {"logits": self.logits(h), "extra": self.extra(h)}

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
    status = main(["inspect", target, "--input", shape, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == (0 if result["kept"] else 1)
    return result


@pytest.mark.parametrize(("factory", "shape"), [("mlp", "512,256"), ("cnn", "16,3,16,16"), ("Residual", "64,64"),
                                               ("Deep", "64,64")])
def test_predictions_follow_the_measured_layers(models, capsys, factory: str, shape: str) -> None:
    result = _rows(capsys, f"{models}:{factory}", shape)
    assert result["stopped"] is None
    for row in result["rows"]:  # width 64 to 4096, 4 models: finite-width and sampling error below 15%
        assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.15), row
        assert row["measured_backward"] / row["predicted_backward"] == pytest.approx(1, abs=0.15), row


def test_a_convolution_without_its_padded_borders_would_be_caught(models, capsys, monkeypatch) -> None:
    from initproof.verify import layer_rules

    first = _rows(capsys, f"{models}:cnn", "16,3,16,16")["rows"][0]
    assert first["measured_forward"] / first["predicted_forward"] == pytest.approx(1, abs=0.03)

    def unpadded(module, shape, size):  # every output counted with its whole kernel
        kernel = shape[2] * shape[3]
        return shape[1] * kernel, shape[0] / module.groups * kernel

    monkeypatch.setattr(layer_rules, "convolution_fans", unpadded)
    wrong = _rows(capsys, f"{models}:cnn", "16,3,16,16")["rows"][0]
    assert abs(wrong["measured_forward"] / wrong["predicted_forward"] - 1) > 0.05


def test_max_pooling_is_predicted_by_monte_carlo(models, capsys) -> None:
    result = _rows(capsys, f"{models}:pooled", "64,3,16,16")
    assert result["stopped"] is None
    pool = result["rows"][2]
    assert pool["module"] == "MaxPool2d"
    assert pool["measured_forward"] / pool["predicted_forward"] == pytest.approx(1, abs=0.1)
    assert pool["measured_backward"] / pool["predicted_backward"] == pytest.approx(1, abs=0.1)


def test_an_operation_without_a_rule_is_named_and_predictions_stop_at_it(models, capsys) -> None:
    result = _rows(capsys, f"{models}:Gated", "64,32")
    assert result["stopped"] == "no rule for function mul"
    a, b, c = result["rows"]
    assert a["predicted_forward"] is not None and a["predicted_backward"] is None  # before it: forward only
    assert c["predicted_forward"] is None and c["predicted_backward"] == 1.0  # after it: backward only


def test_a_residual_branch_without_its_skip_would_be_caught(models, capsys, monkeypatch) -> None:
    from initproof.verify import propagation

    right = _rows(capsys, f"{models}:Deep", "64,64")["rows"][-2]
    step = propagation._function_step

    def no_skip(node, graph, moments, inputs, seed):  # the sum keeps only its second term, the branch
        if getattr(node.target, "__name__", "") == "add" and len(inputs) == 2:
            return moments[inputs[1]], {inputs[0]: 0.0, inputs[1]: 1.0}
        return step(node, graph, moments, inputs, seed)

    monkeypatch.setattr(propagation, "_function_step", no_skip)
    wrong = _rows(capsys, f"{models}:Deep", "64,64")["rows"][-2]
    assert right["measured_forward"] / right["predicted_forward"] == pytest.approx(1, abs=0.1)
    assert wrong["measured_forward"] / wrong["predicted_forward"] > 2


def test_attention_is_predicted_both_ways(models, capsys) -> None:
    (row,) = _rows(capsys, f"{models}:SelfAttention", "16,128,64")["rows"]
    assert row["module"] == "MultiheadAttention"
    assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.06)
    assert row["measured_backward"] / row["predicted_backward"] == pytest.approx(1, abs=0.06)


def test_attention_with_independent_queries_keys_and_values_would_be_caught(models, capsys, monkeypatch) -> None:
    """A key and its value come from the same token: drawn independently, the prediction misses how the
    weight a token gets goes with its value (40% at sequence 128, d = 64, 4 heads)."""
    from initproof.verify import layer_rules

    rule = layer_rules.attention

    def independent(module, inputs, arguments, seed, weights=None):
        stats, factors = rule(module, {k: inputs[a] for k, a in enumerate(arguments)}, [0, 1, 2], seed, weights)
        return stats, {arguments[0]: sum(factors.values())}

    monkeypatch.setattr(layer_rules, "attention", independent)
    (row,) = _rows(capsys, f"{models}:SelfAttention", "16,128,64")["rows"]
    assert abs(row["measured_forward"] / row["predicted_forward"] - 1) > 0.15


def test_a_transformer_encoder_is_followed_layer_by_layer(models, capsys) -> None:
    assert main(["inspect", f"{models}:encoder", "--input", "8,32,64", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["stopped"] is None
    names = [row["name"] for row in result["rows"]]
    assert names[:8] == [f"0.layers.0.{m}" for m in ("self_attn", "dropout1", "norm1", "linear1", "dropout",
                                                      "linear2", "dropout2", "norm2")]
    for row in result["rows"]:  # width 64, sequence 32: the mean field within 12% forward, 40% backward
        if row["module"] != "MultiheadAttention" and row["module"] != "Dropout":
            assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.12), row
    audits = {audit["name"]: audit for audit in result["audits"]}
    packed = audits["0.layers.0.self_attn.in_proj_weight"]
    assert packed["gain"] == pytest.approx(0.5, rel=0.05)  # Xavier on (3d, d): 2/(d + 3d) times d
    assert packed["exact"] == pytest.approx(1.0, rel=0.02)
    assert audits["0.layers.2.linear1"]["copy_of"] == "0.layers.0.linear1"  # TransformerEncoder deep-copies
    assert audits["0.layers.0.linear1"]["copy_of"] is None


def test_a_normal_cut_at_two_standard_deviations_is_named_in_the_audit(models, capsys) -> None:
    """trunc_normal_ with bounds of 2 std keeps 0.774 of the variance (the square of truncated-normal's
    0.8796); with its default absolute bounds (-2, 2) it cuts nothing; nn.Linear's uniform default is no cut."""
    main(["inspect", f"{models}:truncated", "--input", "64,256", "--json"])
    audits = {a["name"]: a for a in json.loads(capsys.readouterr().out)["audits"]}
    cut = audits["0"]
    assert cut["truncated_at"] == pytest.approx(2, abs=0.1)
    assert cut["gain"] == pytest.approx(2 * 0.8796**2, rel=0.03)
    assert audits["2"]["truncated_at"] is None and audits["2"]["gain"] == pytest.approx(2, rel=0.03)
    assert audits["4"]["truncated_at"] is None  # kaiming_uniform_: a uniform is not a cut normal
    main(["inspect", f"{models}:truncated", "--input", "64,256"])
    assert "normal cut at +-2.0" in capsys.readouterr().out


VERDICTS = [("mlp_deep", "64,64"), ("cnn_deep", "16,3,16,16"), ("ResNet", "16,3,16,16"), ("encoder", "8,32,64")]


@pytest.mark.parametrize(("factory", "shape"), VERDICTS)
def test_default_initialisation_drifts_and_the_fix_keeps_it(models, capsys, tmp_path, factory: str,
                                                            shape: str) -> None:
    """PyTorch's defaults: 1/(3n) shrinks a ReLU layer's signal 6 times, a BatchNorm residual stream
    grows block by block, TransformerEncoder's layers are copies of one. The fix keeps every kind of
    layer within a factor 2 of the first of its kind."""
    fix = tmp_path / "fixed_init.py"
    assert main(["inspect", f"{models}:{factory}", "--input", shape, "--fix", str(fix)]) == 1
    assert "drift past x2 (exit 1)" in capsys.readouterr().out
    (tmp_path / "fixed_models.py").write_text(f"from {models} import {factory}\nfrom fixed_init import reinitialise\n\n"
                                             f"def fixed():\n    return reinitialise({factory}())\n")
    try:
        assert main(["inspect", "fixed_models:fixed", "--input", shape]) == 0
        assert "verdict: every layer within x2" in capsys.readouterr().out
    finally:
        sys.modules.pop("fixed_models", None)
        sys.modules.pop("fixed_init", None)


def test_a_fix_that_forgets_the_residual_share_would_be_caught(models, capsys, tmp_path, monkeypatch) -> None:
    from initproof.verify import propagation

    monkeypatch.setattr(propagation, "_target", lambda *args, **kwargs: 1.0)
    fix = tmp_path / "fixed_init.py"
    main(["inspect", f"{models}:ResNet", "--input", "16,3,16,16", "--fix", str(fix)])
    (tmp_path / "fixed_models.py").write_text(f"from {models} import ResNet\nfrom fixed_init import reinitialise\n\n"
                                             "def fixed():\n    return reinitialise(ResNet())\n")
    try:
        assert main(["inspect", "fixed_models:fixed", "--input", "16,3,16,16"]) == 1
    finally:
        sys.modules.pop("fixed_models", None)
        sys.modules.pop("fixed_init", None)
    capsys.readouterr()


def test_the_python_api_takes_a_module_and_a_batch(models) -> None:
    import initproof

    sys.path.insert(0, ".")
    try:
        from inspected_models import mlp_deep
    finally:
        sys.path.remove(".")
    torch.manual_seed(0)
    model = mlp_deep(depth=2)
    batch = 3 * torch.randn(32, 64)
    result = initproof.inspect(model, batch, replicates=2)
    first = result.rows[0]
    weight, bias = model[0].weight.detach().double(), model[0].bias.detach().double()
    expected = 9 * weight.pow(2).sum(1).mean() + bias.pow(2).mean()
    assert first.name == "0" and first.forward == pytest.approx(float(expected), rel=0.05)
    assert first.forward_spread[0] == first.forward_spread[1]  # the same weights and the same batch twice


def test_plot_is_written(models, capsys, tmp_path) -> None:
    path = tmp_path / "figure.png"
    assert main(["inspect", f"{models}:mlp_deep", "--input", "16,64", "--plot", str(path)]) == 1
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in capsys.readouterr().err


def test_a_model_fx_cannot_trace_is_followed_by_forward_hooks(models, capsys) -> None:
    """Branching returns a(x) when x sums positive, else -a(x): a's input is the model's input (predicted
    forward); backward, the output is a's own only on the first branch (else made by a function, and no
    backward prediction is made)."""
    result = _rows(capsys, f"{models}:Branching", "512,8")
    assert result["stopped"].startswith("torch.fx cannot trace the model")
    assert "predicted module by module from forward hooks" in result["stopped"]
    (row,) = result["rows"]
    assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.1)
    assert row["predicted_backward"] in (None, 1.0)
    assert row["measured_backward"] == pytest.approx(1, abs=0.1)


def test_a_chain_fx_cannot_trace_is_predicted_both_ways(models, capsys) -> None:
    result = _rows(capsys, f"{models}:Looping", "256,64")
    assert "forward hooks" in result["stopped"] and "up to" not in result["stopped"]
    for row in result["rows"]:
        assert row["measured_forward"] / row["predicted_forward"] == pytest.approx(1, abs=0.1), row
        assert row["measured_backward"] / row["predicted_backward"] == pytest.approx(1, abs=0.1), row


@pytest.mark.parametrize(("target", "shape", "message"), [
    ("{models}:nope", "4,256", "has no 'nope'"), ("no_such_module:f", "4,256", "cannot import"),
    ("{models}", "4,256", "MODULE:FACTORY"), ("{models}:mlp", "4,x", "not a shape"),
    ("{models}:mlp", "4,3", "RuntimeError"), ("{models}:broken", "4,256", "no such architecture"),
    ("{models}:mlp", "100000,100000", "at most 1e8"),
    ("{models}:mlp --factor 1", "4,256", "--factor must be"),
    ("{models}:mlp --factor nan", "4,256", "--factor must be"),
    ("{models}:mlp --device nowhere", "4,256", "--device nowhere"),
])
def test_bad_inspect_input_is_one_line_and_exit_2(models, capsys, target: str, shape: str, message: str) -> None:
    assert main(["inspect", *target.format(models=models).split(), "--input", shape]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_a_missing_gpu_is_one_line(models, capsys) -> None:
    assert main(["inspect", f"{models}:mlp", "--input", "4,256", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--device cuda" in err, err


def _fixed_drift(models, tmp_path, capsys, factory: str, shape: str) -> tuple[int, float]:
    """Exit status and the largest drift of ``factory`` re-initialised by its own ``--fix``."""
    fix = tmp_path / "fixed_init.py"
    main(["inspect", f"{models}:{factory}", "--input", shape, "--replicates", "2", "--fix", str(fix)])
    capsys.readouterr()
    (tmp_path / "fixed_models.py").write_text(f"from {models} import {factory}\nfrom fixed_init import reinitialise"
                                             f"\n\ndef fixed():\n    return reinitialise({factory}())\n")
    try:
        status = main(["inspect", "fixed_models:fixed", "--input", shape, "--replicates", "2", "--json"])
    finally:
        sys.modules.pop("fixed_models", None)
        sys.modules.pop("fixed_init", None)
    rows = json.loads(capsys.readouterr().out)["rows"]
    drifts = [d for row in rows for d in (row["forward_drift"], row["backward_drift"]) if d]
    return status, max(max(drifts), 1 / min(drifts))


@pytest.mark.slow
def test_a_deep_encoder_fixed_keeps_its_tokens_apart(models, capsys, tmp_path, monkeypatch) -> None:
    """12 post-norm layers of width 256 over 128 positions: every attention adds a part common to all
    positions, which the next averages again. Planned from the first attention's averaging, every layer
    stays within x1.6 of the first of its kind; planned each from its own, the attention's output grows
    with depth past x2 (tokens become alike)."""
    status, drift = _fixed_drift(models, tmp_path, capsys, "deep_encoder", "4,128,256")
    assert status == 0 and drift < 1.6
    from initproof.verify import propagation

    monkeypatch.setattr(propagation.Plan, "first", lambda plan, averaging: averaging)
    status, drift = _fixed_drift(models, tmp_path, capsys, "deep_encoder", "4,128,256")
    assert status == 1 and drift > 2


def test_a_model_with_several_outputs_is_differentiated_through_its_first(models, capsys) -> None:
    """A dict of outputs: the Gaussian output gradient goes to the first; the second head gets none,
    measured or predicted."""
    result = _rows(capsys, f"{models}:TwoHeads", "512,64")
    assert result["stopped"] is None
    rows = {row["name"]: row for row in result["rows"]}
    for name in ("body", "act", "logits"):
        assert rows[name]["measured_backward"] / rows[name]["predicted_backward"] == pytest.approx(1, abs=0.1)
    assert rows["logits"]["predicted_backward"] == 1.0
    assert rows["extra"]["predicted_backward"] is None or rows["extra"]["predicted_backward"] == 0.0
