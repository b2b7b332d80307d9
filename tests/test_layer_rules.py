"""The mean field of verify.layer_rules: shared parts of a tensor, carried through activations and
normalisations, against closed forms and against real layers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from initproof.verify.layer_rules import Layout, Stats, activation, shared_square

torch = pytest.importorskip("torch", reason="torch not installed (pip install torch==2.13.0; CI installs it)")


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8, 0.99])
def test_relu_covariance_is_the_arc_cosine_kernel(rho: float) -> None:
    """Cho and Saul (2009): E[relu(u) relu(v)] = (sqrt(1 - rho^2) + (pi - arccos rho) rho)/(2 pi) for
    unit-variance u, v of correlation rho."""
    expected = (math.sqrt(1 - rho**2) + (math.pi - math.acos(rho)) * rho) / (2 * math.pi)
    assert shared_square(lambda z: np.maximum(z, 0), 0.0, rho, 1 - rho) == pytest.approx(expected, rel=1e-6)


def test_tanh_covariance_against_monte_carlo() -> None:
    rng = np.random.default_rng(0)
    shared, own = rng.standard_normal(400_000), rng.standard_normal((400_000, 2))
    z = 0.3 + math.sqrt(0.5) * shared[:, None] + math.sqrt(0.7) * own
    sampled = np.mean(np.tanh(z[:, 0]) * np.tanh(z[:, 1]))
    error = np.std(np.tanh(z[:, 0]) * np.tanh(z[:, 1])) / math.sqrt(len(z))
    assert abs(shared_square(np.tanh, 0.3, 0.5, 0.7) - sampled) < 4 * error


@pytest.mark.parametrize(("shape", "channels_first"), [((64, 16, 12, 12), True), ((256, 32, 24), False)])
def test_drawn_tensors_have_the_statistics_they_were_drawn_with(shape, channels_first) -> None:
    stats = Stats(2.0, 0.3, 0.5, 1.1)
    layout = Layout.of(shape, channels_first)
    draws = [Stats.measured(stats.draw(shape, layout, torch.Generator().manual_seed(k)), layout) for k in range(40)]
    for field in ("second", "mean", "feature", "position"):
        values = np.array([getattr(d, field) for d in draws])
        assert abs(values.mean() - getattr(stats, field)) < 4 * values.std() / math.sqrt(len(values)) + 1e-3, field


def test_a_relu_mean_seen_through_a_layer_is_shared_by_every_example() -> None:
    """After relu, a linear layer's output keeps W E[relu] in every example: M = E[relu]^2 n E[w^2] = s/pi
    for zero-mean unit pre-activations (E[relu]^2 = 1/(2 pi), E[relu^2] = 1/2)."""
    out, _ = activation("relu", Stats(1.0, 0.0, 0.0, 0.0))
    assert out.feature == pytest.approx(1 / (2 * math.pi), rel=1e-6)
    assert out.feature / out.second == pytest.approx(1 / math.pi, rel=1e-6)
    torch.manual_seed(0)
    layer = torch.nn.Linear(512, 512, bias=False)
    y = layer(torch.relu(torch.randn(4096, 512)))
    measured = Stats.measured(y, Layout.of(tuple(y.shape), False))
    assert measured.feature / measured.second == pytest.approx(1 / math.pi, rel=0.1)


def test_batchnorm_backward_divides_by_the_variance_left_after_the_shared_part(tmp_path, monkeypatch) -> None:
    """BatchNorm divides the gradient by the variance within each channel, s - M, a third smaller than
    s after relu and a convolution: taking s instead misses by 1/(1 - 1/pi) = 1.47."""
    from initproof.verify import inspection, layer_rules

    def model():
        return torch.nn.Sequential(torch.nn.Conv2d(8, 32, 3, padding=1), torch.nn.ReLU(),
                                   torch.nn.Conv2d(32, 32, 3, padding=1, bias=False), torch.nn.BatchNorm2d(32))

    conv = inspection.inspect(model, (32, 8, 12, 12)).rows[2]
    assert conv.measured_backward / conv.backward == pytest.approx(1, abs=0.08)
    rule = layer_rules.normalisation
    monkeypatch.setattr(layer_rules, "normalisation",
                        lambda module, stats, gamma=None: rule(module, Stats(stats.second, stats.mean, 0.0,
                                                                             stats.position - stats.feature), gamma))
    wrong = inspection.inspect(model, (32, 8, 12, 12)).rows[2]
    assert wrong.measured_backward / wrong.backward > 1.3
