"""The training engine: gradients by the chain rule against finite differences and torch, the
optimisers against torch.optim, and the notes' experiments with their verdicts."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import sympy as sp

from initproof.cli import main
from initproof.derive import symbols
from initproof.derive.activations import named
from initproof.verify import experiments
from initproof.verify.numeric import activation_pair
from initproof.verify.training import Init, Network, Optimiser, train

try:
    import torch
except ImportError:  # the torch comparisons skip, saying why
    torch = None
needs_torch = pytest.mark.skipif(torch is None,
                                 reason="torch not installed (pip install torch==2.13.0; CI installs it)")


def _network(activation: str, seed: int = 1) -> Network:
    phi, dphi = activation_pair(named(activation))
    rng = np.random.default_rng(seed)
    network = Network.create([5, 7, 6, 4], Init("xavier", 1 / sp.Symbol("n", positive=True, integer=True)),
                             phi, dphi, rng)
    network.biases = [rng.standard_normal(b.shape) * 0.1 for b in network.biases]
    return network


def _batch(seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((9, 5)), rng.integers(0, 4, 9)


def _finite_differences(network: Network, x: np.ndarray, y: np.ndarray, step: float = 1e-6) -> list[np.ndarray]:
    out = []
    for w in network.weights:
        grad = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            saved = w[index]
            w[index] = saved + step
            up = network.loss_and_gradients(x, y)[0]
            w[index] = saved - step
            down = network.loss_and_gradients(x, y)[0]
            w[index] = saved
            grad[index] = (up - down) / (2 * step)
        out.append(grad)
    return out


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu", "relu"])
def test_backpropagation_matches_finite_differences(activation: str) -> None:
    network, (x, y) = _network(activation), _batch()
    _, grad_w, _ = network.loss_and_gradients(x, y)
    for exact, numeric in zip(grad_w, _finite_differences(network, x, y), strict=True):
        np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-8)


def test_a_wrong_derivative_is_caught_by_finite_differences() -> None:
    network, (x, y) = _network("tanh"), _batch()
    network.dphi = lambda z: 1 - np.tanh(z)  # should be 1 - tanh(z)^2
    _, grad_w, _ = network.loss_and_gradients(x, y)
    numeric = _finite_differences(network, x, y)
    assert not np.allclose(grad_w[0], numeric[0], rtol=1e-3)


@needs_torch
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_backpropagation_matches_torch_autograd(activation: str) -> None:
    network, (x, y) = _network(activation), _batch()
    loss, grad_w, grad_b = network.loss_and_gradients(x, y)
    weights = [torch.tensor(w, requires_grad=True) for w in network.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in network.biases]
    a = torch.tensor(x)
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        a = a @ w.T + b
        if k < len(weights) - 1:
            a = getattr(torch, activation)(a)
    reference = torch.nn.functional.cross_entropy(a, torch.tensor(y))
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    for ours, theirs in zip(grad_w + grad_b, [w.grad for w in weights] + [b.grad for b in biases], strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


@needs_torch
@pytest.mark.parametrize(("kind", "make"), [
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
    ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01)),
])
def test_optimisers_take_torch_optims_steps(kind: str, make) -> None:
    rng = np.random.default_rng(3)
    ours = [rng.standard_normal((3, 4))]
    theirs = [torch.tensor(ours[0].copy(), requires_grad=True)]
    optimiser, reference = Optimiser(kind, 0.1 if kind in ("sgd", "momentum") else 0.01), make(theirs)
    for _ in range(4):
        gradient = rng.standard_normal((3, 4))
        optimiser.step(ours, [gradient])
        theirs[0].grad = torch.tensor(gradient)
        reference.step()
    np.testing.assert_allclose(ours[0], theirs[0].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_a_diverging_run_stops_with_the_step_and_no_warning() -> None:
    phi, dphi = activation_pair(named("relu"))
    rng = np.random.default_rng(0)
    network = Network.create([64, 64, 64, 64, 64, 10], Init("large", sp.Integer(1)), phi, dphi, rng)
    x = rng.standard_normal((256, 64))
    y = rng.integers(0, 10, 256)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(network, Optimiser("sgd", 1.0), (x, y, x, y), 5, 32, rng)
    assert history.diverged is not None and history.diverged <= 40


def test_the_notes_experiments_give_their_verdicts_deterministically(capsys, monkeypatch) -> None:
    monkeypatch.setenv("INITPROOF_CACHE", "off")  # both runs compute
    names = ["nonlinearity", "raw-pixels", "depth", "exploding", "symmetry", "learning-rate"]
    assert main(["experiment", *names, "--seeds", "2", "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["experiment", *names, "--seeds", "2", "--json"]) == 0
    assert capsys.readouterr().out == first
    findings = {f["name"]: f for f in json.loads(first)}
    verdicts = {name: f["verdict"] for name, f in findings.items()}
    measured = {name: f["measured"] for name, f in findings.items()}  # what each verdict rests on
    assert max(measured["symmetry"]["constant"]) <= 1e-12 and min(measured["symmetry"]["random"]) > 0.1
    assert max(measured["raw-pixels"]["relu raw"]) <= 0.2 and min(measured["raw-pixels"]["relu normalised"]) > 0.9
    assert min(measured["learning-rate"]["lr 0.1: train loss"]) < 0.1  # the moderate rate does learn
    assert all(loss is None or loss > 0.5 for loss in measured["learning-rate"]["lr 3: train loss"])
    assert max(measured["nonlinearity"]["linear"]) <= 0.6 and min(measured["nonlinearity"]["relu"]) >= 0.98
    assert verdicts == {"nonlinearity": "confirmed", "raw-pixels": "confirmed", "depth": "confirmed",
                        "exploding": "confirmed",
                        "symmetry": "confirmed", "learning-rate": "refuted"}  # large rates: unstable, not overfit
    curves = findings["raw-pixels"]["curves"]["relu normalised"]
    assert [len(run) for run in curves["train loss"]] == [8, 8]  # --json gives each seed's curve per epoch
    profiles = findings["depth"]["curves"]["8 layers"]["gradient profile"]
    assert np.shape(profiles) == (2, experiments.DEPTH_EPOCHS + 1, 8)
    changes = findings["depth"]["curves"]["8 layers"]["weight change"]
    assert np.shape(changes) == (2, experiments.DEPTH_EPOCHS, 8)
    assert all(0 < epoch[0] < epoch[-1] for seed in changes for epoch in seed)  # the first layer moves least


@pytest.mark.slow
def test_the_sigmoid_trains_better_from_16_over_n_than_from_its_exact_forward_rule() -> None:
    finding = experiments.run(["initialisation-sigmoid"], 2)[0]
    assert finding.verdict == "refuted"  # keeping q = 1 forward is not enough: the gradients vanish
    assert all(big > exact + 0.3 for big, exact in zip(finding.measured["16/n"], finding.measured["exact"],
                                                       strict=True))


def test_a_verdict_needs_every_seed() -> None:
    finding = experiments.Finding("x", experiments.Text("-", "-"), "-", experiments.Text("-", "-"), {},
                                  [True, False, True])
    assert finding.verdict == "depends"


@pytest.mark.parametrize("argv", [
    ["experiment", "no-such"], ["experiment", "--seeds", "0"], ["train", "--init", "q/n"],
    ["train", "--lr", "-1"], ["train", "--lr", "nan"], ["train", "--optimizer", "rmsprop"],
    ["train", "--activation", "log(z)"], ["train", "--init", "__import__('os')"],
    ["experiment", "--seeds", "1000000"], ["train", "--epochs", "1000000000"], ["train", "--width", "100000"],
    ["train", "--batch", "5000"], ["train", "--depth", "51"], ["train", "--init", "-1/n"],
    ["train", "--init", "sqrt(n-100)"], ["train", "--init", "1e300"], ["train", "--init", "z/n"],
])
def test_bad_training_input_is_one_line_and_exit_2(capsys, argv: list[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("initproof: error: ")


def test_train_learns_the_digits_with_he_and_relu(capsys) -> None:
    assert main(["train", "--epochs", "5", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history["test_accuracy"][-1] > 0.9 and history["train_loss"][-1] < history["train_loss"][0] / 5
    assert history["variance"] == "2/n" and history["diverged_at_step"] is None


def test_every_initialisation_the_command_line_names_exists_and_draws() -> None:
    from initproof import cli

    assert set(cli.INITS) == set(experiments.INITS) | {"exact"}
    rng = np.random.default_rng(0)
    for name, make in experiments.INITS.items():
        weights = make().draw(rng, 200, 100)
        assert weights.shape == (100, 200), name
    assert np.var(experiments.INITS["he"]().draw(rng, 400, 400)) == pytest.approx(2 / 400, rel=0.02)
    assert np.var(experiments.INITS["torch-default"]().draw(rng, 400, 400)) == pytest.approx(1 / 1200, rel=0.02)


def test_an_experiment_draws_the_same_seeds_whichever_others_run() -> None:
    alone = experiments.run(["symmetry"], 1)[0]
    together = experiments.run(["nonlinearity", "symmetry"], 1)[1]
    assert alone.measured == together.measured


def test_a_per_example_gradient_norm_is_the_product_of_two_vector_norms() -> None:
    network, (x, y) = _network("tanh"), _batch()
    per_example = [network.loss_and_gradients(x[k:k + 1], y[k:k + 1])[1] for k in range(len(y))]
    expected = [np.sqrt(np.mean([np.sum(g[layer] ** 2) for g in per_example])) for layer in range(3)]
    np.testing.assert_allclose(network.gradient_profile(x, y), expected, rtol=1e-12)


def _profile(phi, dphi, sizes: list[int], variances: list[float], moment: float, wrong: str = "") -> np.ndarray:
    """The gradient profile written out independently of :mod:`initproof.verify.recursion`, or with
    one deliberate mistake: ``mean-squared`` takes E[phi']^2 for E[phi'^2], ``unit-q`` evaluates every
    slope at q = 1, ``no-inputs`` forgets the layer inputs' norms."""
    from scipy import integrate

    def gauss(f, q: float) -> float:
        return integrate.quad(lambda u: f(np.array(u)) * np.exp(-u * u / (2 * q)) / np.sqrt(2 * np.pi * q),
                              -np.inf, np.inf, points=None)[0]

    moments, slopes = [moment], []
    for layer in range(len(variances) - 1):
        q = sizes[layer] * variances[layer] * moments[-1]
        moments.append(gauss(lambda u: phi(u) ** 2, q))
        slope = gauss(dphi, q) ** 2 if wrong == "mean-squared" else gauss(lambda u: dphi(u) ** 2,
                                                                              1.0 if wrong == "unit-q" else q)
        slopes.append(sizes[layer + 1] * variances[layer + 1] * slope)
    squared = np.array([np.prod(slopes[layer:]) for layer in range(len(variances))])
    if wrong != "no-inputs":
        squared *= np.array(sizes[:-1]) * np.array(moments)
    return np.sqrt(squared / squared[-1])


def test_the_exact_recursion_predicts_the_gradient_profile_and_wrong_formulas_miss_it() -> None:
    from initproof.verify.data import load
    from initproof.verify.recursion import gradient_profile

    x, y, _, _ = load("digits")
    init, sizes = Init("3/n", 3 / symbols.n), [64, 256, 256, 256, 256, 256, 10]
    phi, dphi = activation_pair(named("tanh"))
    measured = np.mean([(lambda p: np.array(p) / p[-1])(
        experiments.network_for("digits", named("tanh"), init, 6, 256, np.random.default_rng(seed))
        .gradient_profile(x, y)) for seed in range(4)], axis=0)
    variances = [3 / fan_in for fan_in in sizes[:-1]]
    moment = float(np.mean(x**2))
    predicted = gradient_profile(phi, dphi, sizes, variances, moment)
    np.testing.assert_allclose(predicted, _profile(phi, dphi, sizes, variances, moment), rtol=1e-6)
    assert np.max(np.abs(measured / predicted - 1)) < 0.06  # width 256: finite-width bias below 4%
    for wrong in ("mean-squared", "unit-q", "no-inputs"):
        assert np.max(np.abs(measured / _profile(phi, dphi, sizes, variances, moment, wrong) - 1)) > 0.2, wrong


def test_experiment_plots_are_written_and_a_file_is_no_folder(tmp_path, capsys) -> None:
    folder = tmp_path / "plots"
    assert main(["experiment", "depth", "symmetry", "--seeds", "1", "--plot", str(folder)]) == 0
    assert (folder / "depth.png").read_bytes().startswith(b"\x89PNG")
    assert not (folder / "symmetry.png").exists()
    assert "symmetry has no figure" in capsys.readouterr().err
    (tmp_path / "file").write_text("kept")
    assert main(["experiment", "depth", "--seeds", "1", "--plot", str(tmp_path / "file")]) == 2
    assert (tmp_path / "file").read_text() == "kept"


def test_train_separates_red_from_blue_only_with_an_activation(capsys) -> None:
    accuracies = {}
    for activation in ("tanh", "linear"):
        assert main(["train", "--data", "red-blue", "--activation", activation, "--init", "xavier", "--width", "16",
                     "--epochs", "60", "--json"]) == 0
        accuracies[activation] = json.loads(capsys.readouterr().out)["test_accuracy"][-1]
    assert accuracies["tanh"] >= 0.98 and accuracies["linear"] <= 0.6
    assert main(["train", "--data", "red-blue", "--batch", "401"]) == 2  # 400 points to train
    assert "at most 400" in capsys.readouterr().err


def test_the_command_line_names_every_experiment() -> None:
    from initproof import cli

    assert cli.EXPERIMENTS == tuple(experiments.EXPERIMENTS)
