"""Simulated fully connected networks, forward and backward, in independent replicates.

Each replicate draws its own weights, biases, inputs ``x ~ N(0, q0)`` and a
top-layer gradient ``g_L ~ N(0, 1)``. Per layer ``l = 1..L`` it records the
pre-activation second moment ``q_l = mean(z_l^2)`` and the second moment of
the gradient with respect to the layer's input activations ``a_{l-1}``.
Weights have zero mean, so these are the variances of the recursion.

Drawing a layer's fresh weights (``width^2`` Gaussian values) costs about as much as
its two matrix products at ``batch = width / 4``, and numpy's generator uses one core.
Replicates therefore run in parallel threads (numpy releases the GIL in both), one per
core, each with single-threaded BLAS and a generator of its own spawned from the
caller's: the same seed gives the same numbers on any number of cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

Function = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Weights:
    """How a layer's weight matrix is drawn: ``scale * draw(rng, shape, dtype)``.

    The scale is applied to the product ``a @ W.T`` rather than to ``W``, which
    saves one pass over the matrix.
    """

    draw: Callable[[np.random.Generator, tuple[int, int], type], np.ndarray]
    scale: float


def gaussian_weights(variance: float) -> Weights:
    """Weights drawn from ``N(0, variance)``."""
    return Weights(lambda rng, shape, dtype: rng.standard_normal(shape, dtype=dtype), float(np.sqrt(variance)))


def uniform_weights(bound: float) -> Weights:
    """Weights drawn from ``U(-bound, bound)``."""
    return Weights(lambda rng, shape, dtype: rng.uniform(-1.0, 1.0, shape).astype(dtype, copy=False), float(bound))


def constant_weights(value: float) -> Weights:
    """Every weight equal to ``value`` (zero or constant initialisation)."""
    return Weights(lambda rng, shape, dtype: np.ones(shape, dtype=dtype), float(value))


@dataclass(frozen=True)
class Measurement:
    """Per-replicate, per-layer measurements: arrays of shape ``(replicates, depth)``.

    ``spread`` is the largest relative difference between units of a layer,
    used to detect symmetry (all units equal).
    """

    forward: np.ndarray
    backward: np.ndarray
    spread: np.ndarray
    values: int


def simulate(phi: Function, dphi: Function, weights: Weights, width: int, depth: int,
             replicates: int, rng: np.random.Generator, batch: int = 128, q0: float = 1.0,
             bias_var: float = 0.0, dtype: type = np.float64) -> Measurement:
    """Run ``replicates`` independent networks of ``depth`` square layers of ``width`` units."""
    network = partial(_network, phi, dphi, weights, width, depth, batch, q0, bias_var, dtype)
    generators = rng.spawn(replicates)
    workers = min(os.cpu_count() or 1, replicates)
    with threadpool_limits(1, user_api="blas"):  # one reduction order, whatever BLAS would choose
        if workers == 1:
            runs = [network(generator) for generator in generators]
        else:
            with ThreadPoolExecutor(workers) as pool:
                runs = list(pool.map(network, generators))
    forward, backward, spread = (np.array(rows) for rows in zip(*runs, strict=True))
    return Measurement(forward, backward, spread, replicates * batch * width)


def _network(phi: Function, dphi: Function, weights: Weights, width: int, depth: int, batch: int,
             q0: float, bias_var: float, dtype: type,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One network's per-layer ``q_l``, gradient second moments and unit spreads."""
    forward, backward, spread = np.empty(depth), np.empty(depth), np.empty(depth)
    a = np.sqrt(q0, dtype=dtype) * rng.standard_normal((batch, width), dtype=dtype)
    layers, slopes = [], []
    for layer in range(depth):
        w = weights.draw(rng, (width, width), dtype)
        z = a @ w.T
        z *= weights.scale
        if bias_var:
            z += (np.sqrt(bias_var) * rng.standard_normal(width)).astype(dtype)
        forward[layer] = np.mean(np.square(z, dtype=np.float64))
        spread[layer] = _spread(z)
        layers.append(w)
        slopes.append(dphi(z))
        a = phi(z).astype(dtype, copy=False)
    g = rng.standard_normal((batch, width), dtype=dtype)
    for layer in reversed(range(depth)):
        g = (g * slopes[layer]) @ layers[layer]
        g *= weights.scale
        backward[layer] = np.mean(np.square(g, dtype=np.float64))
    return forward, backward, spread


def _spread(z: np.ndarray) -> float:
    """Largest difference between units, relative to the largest magnitude (0 if all zero)."""
    scale = np.max(np.abs(z))
    return float(np.max(np.ptp(z, axis=1)) / scale) if scale > 0 else 0.0


def layer_activations(phi: Function, weights: Weights, width: int, depth: int, rng: np.random.Generator,
                      batch: int = 256) -> list[np.ndarray]:
    """The activations ``a_l`` of one network, layer by layer, for histograms."""
    a = rng.standard_normal((batch, width))
    out = []
    for _ in range(depth):
        a = phi(weights.scale * (a @ weights.draw(rng, (width, width), np.float64).T))
        out.append(a)
    return out
