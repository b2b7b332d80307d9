"""A wide Gaussian layer draws only the directions its batch sees: the two products it computes are the
products of a whole i.i.d. Gaussian matrix, exactly, and whole networks measure what they measure with
whole matrices."""

from functools import partial

import numpy as np
import pytest
from scipy import stats

from initproof.derive.activations import named
from initproof.verify import network
from initproof.verify.numeric import activation_pair


def _whole_matrix(a, upstream, h, f, rest):
    """The matrix ``W`` the seen products stand for: ``(WQ)^T = H``, ``P^T W (I - QQ^T) = F (I - QQ^T)`` and
    the rest from ``rest``."""
    q, _ = np.linalg.qr(a.T)
    p, _ = np.linalg.qr(upstream.T)
    outside = np.eye(a.shape[1]) - q @ q.T
    return h.T @ q.T + (p @ f + (np.eye(len(p)) - p @ p.T) @ rest) @ outside


@pytest.mark.parametrize(("batch", "width"), [(3, 7), (7, 7), (9, 5)])
def test_the_seen_products_are_the_products_of_the_whole_matrix(batch, width):
    rng = np.random.default_rng(4)
    a, h = rng.standard_normal((batch, width)), rng.standard_normal((min(batch, width), width))
    z, q = network.seen_forward(a, h)
    upstream = np.tanh(z) * rng.standard_normal(z.shape)
    f, rest = rng.standard_normal((min(batch, width), width)), rng.standard_normal((width, width))
    w = _whole_matrix(a, upstream, h, f, rest)
    assert np.allclose(z, a @ w.T, atol=1e-12)
    assert np.allclose(network.seen_backward(upstream, q, h, f), upstream @ w, atol=1e-12)


def test_a_backward_product_without_the_unseen_directions_is_not_the_product():
    rng = np.random.default_rng(5)
    a, h = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    z, q = network.seen_forward(a, h)
    upstream, f, rest = np.tanh(z), rng.standard_normal((3, 7)), rng.standard_normal((7, 7))
    w = _whole_matrix(a, upstream, h, f, rest)
    assert not np.allclose(upstream @ h.T @ q.T, upstream @ w, atol=1e-3)


def test_the_matrix_they_stand_for_is_iid_standard_normal():
    """Over 20,000 draws of ``H``, ``F`` and the rest (the upstream gradient depending on ``H``, as in a
    network), the 12 entries of ``W`` have mean 0 and identity covariance: each of the 90 moments within
    4.5 standard errors (Bonferroni at about 6e-4 for the family)."""
    rng = np.random.default_rng(6)
    a, g = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    draws = []
    for _ in range(20_000):
        h = rng.standard_normal((2, 3))
        z, _ = network.seen_forward(a, h)
        draws.append(_whole_matrix(a, np.tanh(z) * g, h, rng.standard_normal((2, 4)),
                                   rng.standard_normal((3, 4))).ravel())
    w = np.array(draws)
    products = w[:, :, None] * w[:, None, :]
    upper = np.triu_indices(12)
    moments = np.concatenate([w, products[:, upper[0], upper[1]]], axis=1)
    target = np.concatenate([np.zeros(12), np.eye(12)[upper]])
    errors = moments.std(axis=0, ddof=1) / np.sqrt(len(w))
    assert np.max(np.abs(moments.mean(axis=0) - target) / errors) < 4.5


def _measure(name: str, gain: float, whole: bool, seed: int) -> network.Measurement:
    phi, dphi = activation_pair(named(name))
    draw = partial(network.standard_normals) if whole else network.standard_normals  # not the function itself: whole
    net = network.Network(phi, dphi, float(np.sqrt(gain / 256)), 6, 400, spread=False)
    (measured,) = network.simulate_shared([net], draw, 256, np.random.default_rng(seed), 16, np.float64)
    return measured


@pytest.mark.slow
@pytest.mark.parametrize(("name", "gain"), [("relu", 2.0), ("tanh", 1.5)])
def test_networks_measure_the_same_with_seen_directions_as_with_whole_matrices(name, gain):
    """Width 256 with a batch of 16 draws only what the batch sees; the same networks with whole matrices
    (a draw that is not the Gaussian sampler itself) agree layer by layer, forward and backward: Welch's
    z over 400 replicates each, Bonferroni over the 12 comparisons at family-wise level 1e-3."""
    assert network.projected(256, 16)
    whole, seen = _measure(name, gain, True, 1), _measure(name, gain, False, 2)
    limit = stats.norm.isf(1e-3 / 24)
    for part in ("forward", "backward"):
        x, y = getattr(whole, part), getattr(seen, part)
        z = (x.mean(0) - y.mean(0)) / np.sqrt(x.var(0, ddof=1) / len(x) + y.var(0, ddof=1) / len(y))
        assert np.max(np.abs(z)) < limit, (part, z)


@pytest.mark.slow
def test_the_network_comparison_catches_a_backward_pass_that_drops_the_unseen_directions(monkeypatch):
    def seen_only(upstream, q, h, f):
        return upstream @ h.T @ q.T

    whole = _measure("relu", 2.0, True, 1)
    monkeypatch.setattr(network, "seen_backward", seen_only)
    wrong = _measure("relu", 2.0, False, 2)
    ratio = wrong.backward.mean(0)[0] / whole.backward.mean(0)[0]
    assert ratio < 0.2  # 16 of 256 directions: the gradient keeps about 1/16 of its variance per layer
