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
caller's: the same seed gives the same numbers on any number of cores. The threads share
one interpreter, which each call into numpy hands back and forth, so a layer makes as few
calls as it can (:func:`standard_normals` transforms a network's whole stack at once).

Each layer's weights (and biases) come from a seed of their own. The backward pass needs them again: a network
keeps them while they fit in :data:`KEPT_WEIGHTS` bytes and otherwise draws them again from their
seeds, so memory stays at the stored slopes (``depth * batch * width`` values) whatever the width,
and the numbers are the same either way.

Gaussian weights need not be drawn whole. A layer uses its matrix :math:`W` (``m x n``, i.i.d.
:math:`N(0, 1)`) twice, in :math:`Z = A W^T` and in :math:`G W`, and a batch of :math:`B < n` inputs
sees only :math:`B` directions of it. With the QR factorisation :math:`A^T = QR` (``Q`` of ``k = min(n, B)``
orthonormal columns), :math:`WQ` is again ``m x k`` i.i.d. :math:`N(0, 1)` (a Gaussian matrix times
orthonormal columns), so :math:`Z = R^T H` with :math:`H = (WQ)^T` drawn directly. Given :math:`WQ`,
the rest of :math:`W` is :math:`E(I - QQ^T)` with :math:`E` a fresh Gaussian matrix, and
:math:`G E = S^T F` where :math:`G^T = PS` and :math:`F = P^T E` is once more i.i.d. Gaussian; so
:math:`G W = G H^T Q^T + S^T F (I - Q Q^T)`. Every product then has the exact distribution it has with
the whole matrix, from :math:`2kn` Gaussian values instead of :math:`n^2` and products of
:math:`B^2 n` instead of :math:`B n^2` multiply-adds. Networks draw this way where it is faster
(:func:`projected`) and what they keep for the backward pass, :math:`Q` and :math:`H` of every layer,
fits in :data:`KEPT_WEIGHTS` bytes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
from threadpoolctl import threadpool_limits

Function = Callable[[np.ndarray], np.ndarray]
Progress = Callable[[int, int], None]
"""Called with (networks done, networks in all) as replicates finish."""

KEPT_WEIGHTS = 256 * 2**20
"""Most bytes of weight matrices the running networks keep for their backward passes."""


Draw = Callable[[Sequence[np.random.Generator], np.ndarray], np.ndarray]
"""Fills ``out[i]`` with a weight matrix drawn from ``generators[i]``, and returns ``out``."""


@dataclass(frozen=True)
class Weights:
    """How layers' weight matrices are drawn: ``scale`` times what ``draw(generators, out)`` puts in ``out``.

    The scale is applied to the product ``a @ W.T`` rather than to ``W``, which
    saves one pass over the matrix.
    """

    draw: Draw
    scale: float

    def matrix(self, rng: np.random.Generator, shape: tuple[int, int], dtype: type = np.float64) -> np.ndarray:
        """One matrix, unscaled."""
        return self.draw([rng], np.empty((1, *shape), dtype))[0]


def gaussian_weights(variance: float) -> Weights:
    """Weights drawn from ``N(0, variance)``."""
    return Weights(standard_normals, float(np.sqrt(variance)))


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: type,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Standard normal draws of ``shape`` (:func:`standard_normals`), into ``out`` (C-contiguous) when given."""
    if out is None:
        out = np.empty(shape, dtype)
    elif not out.flags.c_contiguous:
        raise ValueError("standard_normal draws into a C-contiguous array")
    standard_normals([rng], out.reshape(1, *out.shape))
    return out


def standard_normals(generators: Sequence[np.random.Generator], out: np.ndarray) -> np.ndarray:
    r"""``out[i]`` filled with standard normal draws from ``generators[i]``: numpy's ziggurat in float64; in
    float32, Box and Muller's transform of float32 uniforms (:func:`uniforms32`),
    :math:`\sqrt{-2 \log(1 - u_1)}\,(\cos, \sin)(2\pi u_2)`, computed in place, once for the whole stack:
    3.5 times as fast as numpy's float32 ziggurat here (0.21 against 0.74 ms for 65,536 values into an array
    drawn into before; a fresh one costs 0.1 ms more in page faults); and with two threads drawing, one
    transform for a network's 20 layers instead of one a layer brings relu depth 20 from 0.47 to 0.34 s
    (fewer calls into numpy, each of which lets the other thread in). Its uniforms have 24 bits, so it
    never draws beyond 5.77 standard deviations (probability 8e-9: the variance is 3e-7 short, relative)."""
    if out.dtype != np.float32:
        for rng, slab in zip(generators, out, strict=True):
            rng.standard_normal(dtype=out.dtype, out=slab)
        return out
    count, size = len(generators), out[0].size
    pairs = out.reshape(count, 2, -1) if size % 2 == 0 else np.empty((count, 2, (size + 1) // 2), np.float32)
    for rng, slab in zip(generators, pairs, strict=True):
        uniforms32(rng, slab)
    radius, angle = pairs[:, 0], pairs[:, 1]
    np.negative(radius, out=radius)
    np.log1p(radius, out=radius)
    radius *= np.float32(-2)
    np.sqrt(radius, out=radius)
    angle *= np.float32(2 * np.pi)
    cosine = np.cos(angle)
    np.sin(angle, out=angle)
    angle *= radius
    radius *= cosine
    if size % 2:
        out[...] = pairs.reshape(count, -1)[:, :size].reshape(out.shape)
    return out


BITS64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64, np.random.Philox)
"""Bit generators whose raw output is 64 random bits (MT19937's is 32)."""


def uniforms32(rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
    """``out`` (float32, C-contiguous) filled with the uniforms ``rng.random(dtype=np.float32)`` draws: each the
    top 24 bits of a 32-bit half of the generator's raw 64-bit output times :math:`2^{-24}`, low half first.
    Taken from the raw bits in two vectorised passes they cost 0.11 ms for 65,536 values against numpy's
    0.18 ms, and are the same values when no 32-bit half is left over from an earlier call (a fresh
    generator, or float32 draws of even sizes). Other bit generators and odd sizes go to numpy."""
    if not isinstance(rng.bit_generator, BITS64) or out.size % 2:
        return rng.random(dtype=np.float32, out=out)
    bits = rng.bit_generator.random_raw(out.size // 2).view(np.uint32)
    bits >>= np.uint32(8)
    np.multiply(bits, np.float32(2.0**-24), out=out.reshape(-1), dtype=np.float32)
    return out


def uniform_weights(bound: float) -> Weights:
    """Weights drawn from ``U(-bound, bound)``."""
    return Weights(_uniforms, float(bound))


def _uniforms(generators: Sequence[np.random.Generator], out: np.ndarray) -> np.ndarray:
    """``U(-1, 1)`` values, drawn in float64 and rounded to ``out``'s dtype."""
    for rng, slab in zip(generators, out, strict=True):
        slab[...] = rng.uniform(-1.0, 1.0, slab.shape)
    return out


def constant_weights(value: float) -> Weights:
    """Every weight equal to ``value`` (zero or constant initialisation)."""
    return Weights(_ones, float(value))


def _ones(generators: Sequence[np.random.Generator], out: np.ndarray) -> np.ndarray:
    out.fill(1)
    return out


@dataclass(frozen=True)
class Measurement:
    """Per-replicate, per-layer measurements: arrays of shape ``(replicates, depth)``.

    ``spread`` is the largest relative difference between units of a layer,
    used to detect symmetry (all units equal); NaN for a network that did not measure it.
    """

    forward: np.ndarray
    backward: np.ndarray
    spread: np.ndarray
    values: int


@dataclass(frozen=True)
class Network:
    """What one simulated network does with the weights it shares: its activation and slope, the scale of
    its weights (the shared draw times ``scale``), its depth and replicates, input and bias variances, and
    whether it measures the spread between units (a tenth of a layer's time, wanted only for symmetry)."""

    phi: Function
    dphi: Function
    scale: float
    depth: int
    replicates: int
    q0: float = 1.0
    bias_var: float = 0.0
    spread: bool = True


def simulate(phi: Function, dphi: Function, weights: Weights, width: int, depth: int,
             replicates: int, rng: np.random.Generator, batch: int = 128, q0: float = 1.0,
             bias_var: float = 0.0, dtype: type = np.float64, progress: Progress | None = None,
             kept_weights: int = KEPT_WEIGHTS) -> Measurement:
    """Run ``replicates`` independent networks of ``depth`` square layers of ``width`` units."""
    (measured,) = simulate_shared((Network(phi, dphi, weights.scale, depth, replicates, q0, bias_var),),
                                  weights.draw, width, rng, batch, dtype, progress, kept_weights)
    return measured


def simulate_shared(networks: Sequence[Network], draw: Draw, width: int, rng: np.random.Generator,
                    batch: int = 128, dtype: type = np.float64, progress: Progress | None = None,
                    kept_weights: int = KEPT_WEIGHTS) -> list[Measurement]:
    """Run several networks of one width on the same draws: replicate ``r`` of every network uses the same
    weights (``draw`` times its own scale, layer by layer), inputs, biases and top gradient.

    Drawing is most of the time a network takes (see the module's note), so networks that differ only in
    activation, scale, depth or number of replicates cost one draw between them. Each network's replicates
    are still independent of each other, so each interval is as valid as when drawn alone; outcomes of
    different networks are dependent, which Bonferroni's bound allows."""
    replicates, depth = max(n.replicates for n in networks), max(n.depth for n in networks)
    workers = min(os.cpu_count() or 1, replicates)
    keep = workers * depth * width * width * np.dtype(dtype).itemsize <= kept_weights
    generators = rng.spawn(replicates)
    seen = draw is standard_normals and seen_only(width, batch, depth, dtype, workers, len(networks), kept_weights)
    products = (partial(SeenDirections, width, batch, dtype) if seen
                else partial(WholeMatrices, draw, width, dtype, keep))
    runs = []
    with threadpool_limits(1, user_api="blas"):  # one reduction order, whatever BLAS would choose
        with ThreadPoolExecutor(workers) as pool:
            jobs = [pool.submit(_replicate, networks, width, batch, dtype, products=products, replicate=r,
                                rng=generator)
                    for r, generator in enumerate(generators)]
            for job in jobs:
                runs.append(job.result())
                if progress:
                    progress(len(runs), replicates)
    return [Measurement(*(np.array([run[k][part] for run in runs[:n.replicates]]) for part in range(3)),
                        n.replicates * batch * width) for k, n in enumerate(networks)]


def seen_only(width: int, batch: int, depth: int, dtype: type, workers: int, networks: int = 1,
              kept_weights: int = KEPT_WEIGHTS) -> bool:
    """Whether Gaussian layers draw only what their batch sees (:class:`SeenDirections`): where it is faster
    (:func:`projected`) and what the running networks keep for their backward passes, ``Q`` and ``H`` of
    every layer (``2 min(batch, width) width`` values), fits in ``kept_weights`` bytes."""
    kept = workers * depth * networks * 2 * min(batch, width) * width * np.dtype(dtype).itemsize
    return projected(width, batch, networks) and kept <= kept_weights


def projected(width: int, batch: int, networks: int = 1) -> bool:
    """Whether ``networks`` sharing Gaussian draws of ``width`` are faster each drawing only the directions
    their batch sees (the module's note) than all sharing one whole matrix: measured here in float32, 1.3
    times as fast at width 1024 and batch 64, 2.9 times at 2048, no faster at 512 (two QR factorisations a
    layer cost what the draws save)."""
    return 16 * batch * networks <= width


def _replicate(networks: Sequence[Network], width: int, batch: int, dtype: type, *, products: Callable,
               replicate: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Replicate ``replicate`` of every network that has one: per network, per layer ``q_l``, gradient second
    moments and unit spreads (empty for a network with fewer replicates). ``products(seeds, biased)`` makes
    the layers' :class:`WholeMatrices` or :class:`SeenDirections` from one seed a layer."""
    active = [k for k, n in enumerate(networks) if replicate < n.replicates]
    depth = max(networks[k].depth for k in active)
    layers = products(rng.bit_generator.seed_seq.spawn(depth), any(networks[k].bias_var for k in active))
    x = rng.standard_normal((batch, width))
    top = rng.standard_normal((batch, width)).astype(dtype)
    a = {k: (np.sqrt(networks[k].q0) * x).astype(dtype) for k in active}
    out = {k: (np.empty(networks[k].depth), np.empty(networks[k].depth), np.empty(networks[k].depth))
           for k in active}
    slopes = {k: [] for k in active}
    scale = {k: np.dtype(dtype).type(networks[k].scale) for k in active}  # a float64 scalar would cost 6x in float32
    for layer in range(depth):
        bias = layers.forward_layer(layer)
        for k in (k for k in active if layer < networks[k].depth):
            net = networks[k]
            z = layers.forward(k, a[k])
            z *= scale[k]
            if net.bias_var:
                z += (np.sqrt(net.bias_var) * bias).astype(dtype)
            out[k][0][layer] = _second_moment(z)
            out[k][2][layer] = _spread(z) if net.spread else np.nan
            slopes[k].append(np.asarray(net.dphi(z), dtype=dtype))
            a[k] = net.phi(z).astype(dtype, copy=False)
    g = {k: top for k in active}
    for layer in reversed(range(depth)):
        layers.backward_layer(layer)
        for k in (k for k in active if layer < networks[k].depth):
            g[k] = layers.backward(k, g[k] * slopes[k].pop())
            g[k] *= scale[k]
            out[k][1][layer] = _second_moment(g[k])
    return [out.get(k, (np.empty(0),) * 3) for k in range(len(networks))]


class _Scratch(threading.local):
    """The array a worker thread's replicates draw their weight matrices into, one replicate after another: a
    fresh array faults its pages in again at every replicate (0.1 ms more on a 0.2 ms draw of 256 x 256
    float32 values here). The pool's threads, and with them their arrays, end with the simulation."""

    def __init__(self) -> None:
        self.last = np.empty(0)

    def array(self, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """An uninitialised array of ``shape`` and ``dtype``: the thread's last one when it matches."""
        if self.last.shape != shape or self.last.dtype != dtype:
            self.last = np.empty(shape, dtype)
        return self.last


_SCRATCH = _Scratch()


class WholeMatrices:
    """Each layer's matrix drawn whole from the layer's own seed (so that what one network draws does not
    depend on the others or on their depths), into the worker thread's array (:class:`_Scratch`), and shared by
    the networks. When ``keep``, every layer's matrix is drawn at once, before the first layer runs, and kept
    for the backward pass; else each is drawn as its layer runs and again from its seed on the way back.
    Biases, when any network has them, come from the layer's generator after its matrix."""

    def __init__(self, draw: Draw, width: int, dtype: type, keep: bool, seeds: list, biased: bool):
        self.draw, self.keep, self.seeds, self.biased = draw, keep, seeds, biased
        self.generators = [np.random.default_rng(seed) for seed in seeds]
        self.matrices = _SCRATCH.array((len(seeds) if keep else 1, width, width), dtype)
        if keep:
            draw(self.generators, self.matrices)
        self.matrix = None

    def forward_layer(self, layer: int) -> np.ndarray | None:
        """The layer's matrix (drawn now unless kept); its biases, or None."""
        generator = self.generators[layer]
        if self.keep:
            self.matrix = self.matrices[layer]
        else:
            self.matrix = self.draw([generator], self.matrices)[0]
        return generator.standard_normal(self.matrix.shape[0]) if self.biased else None

    def forward(self, network: int, a: np.ndarray) -> np.ndarray:
        return a @ self.matrix.T

    def backward_layer(self, layer: int) -> None:
        """The layer's matrix again: kept, or drawn again from its seed."""
        self.matrix = (self.matrices[layer] if self.keep else
                       self.draw([np.random.default_rng(self.seeds[layer])], self.matrices)[0])

    def backward(self, network: int, upstream: np.ndarray) -> np.ndarray:
        return upstream @ self.matrix


class SeenDirections:
    """Gaussian layers that draw only what each network's batch sees (the module's note, :func:`seen_forward`
    and :func:`seen_backward`): from the layer's seed its biases, then each network's :math:`H` in turn, and
    on the way back each network's :math:`F`; so networks that share a call are independent."""

    def __init__(self, width: int, batch: int, dtype: type, seeds: list, biased: bool):
        self.width, self.seen, self.dtype, self.biased = width, min(width, batch), dtype, biased
        self.generators = [np.random.default_rng(seed) for seed in seeds]
        self.kept: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.generator = None

    def forward_layer(self, layer: int) -> np.ndarray | None:
        self.generator = self.generators[layer]
        return self.generator.standard_normal(self.width) if self.biased else None

    def forward(self, network: int, a: np.ndarray) -> np.ndarray:
        h = standard_normal(self.generator, (self.seen, self.width), self.dtype)
        z, q = seen_forward(a, h)
        self.kept.setdefault(network, []).append((q, h))
        return z

    def backward_layer(self, layer: int) -> None:
        self.generator = self.generators[layer]

    def backward(self, network: int, upstream: np.ndarray) -> np.ndarray:
        q, h = self.kept[network].pop()
        return seen_backward(upstream, q, h, standard_normal(self.generator, (self.seen, self.width), self.dtype))


def seen_forward(a: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``a @ W.T`` for a Gaussian ``W`` whose part :math:`(WQ)^T = H` the batch ``a`` sees:
    :math:`R^T H` with :math:`a^T = QR`; returns it and :math:`Q`, which :func:`seen_backward` needs."""
    q, r = np.linalg.qr(a.T)
    return r.T @ h, q


def seen_backward(upstream: np.ndarray, q: np.ndarray, h: np.ndarray, f: np.ndarray) -> np.ndarray:
    r"""``upstream @ W`` for the same ``W``: :math:`X + (U H^T - X Q) Q^T` with :math:`X = S^T F`,
    :math:`U^T = PS`, and ``f`` (:math:`F`) fresh i.i.d. :math:`N(0, 1)` values, as many rows as
    :math:`U` has (at most as many as its columns)."""
    s = np.linalg.qr(upstream.T, mode="r")
    noise = s.T @ f
    return noise + (upstream @ h.T - noise @ q) @ q.T


@dataclass(frozen=True)
class Cost:
    """What a simulation will take: seconds (on this machine, estimated) and peak bytes."""

    seconds: float
    bytes: int

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.seconds + other.seconds, max(self.bytes, other.bytes))


def cost(width: int, depth: int, replicates: int, batch: int = 128, dtype: type = np.float64,
         kept_weights: int = KEPT_WEIGHTS, gaussian: bool = False) -> Cost:
    """Estimated time and peak memory of :func:`simulate`.

    Per layer a network draws ``width^2`` weights (twice when it does not keep them) and runs two
    products of ``batch * width^2`` multiply-adds; with ``gaussian`` weights wide enough to draw only
    what the batch sees (:func:`projected`, and what it keeps for the backward pass fits in ``kept_weights``),
    ``2 k width`` values (``k = min(batch, width)``), five products of ``2 k^2 width`` operations and two QR
    factorisations of a ``width x k`` matrix, one with its ``Q`` and one without (LAPACK's, at a small
    fraction of the products' rate: 2.3 ms for 1024 x 64 in float32 here, 25 times what its operations
    would take at the rate of a product). The rates are measured here on small cases; workers add
    :data:`PARALLEL` of one each. Memory: per running network, the slopes of every layer, its kept weights
    (or the directions its batch saw), a few working arrays.
    """
    workers = min(os.cpu_count() or 1, replicates)
    itemsize = np.dtype(dtype).itemsize
    draw_rate, flop_rate = _rates(np.dtype(dtype).type)
    seen = min(batch, width)
    if gaussian and seen_only(width, batch, depth, dtype, workers, kept_weights=kept_weights):
        per_layer = (2 * seen * width / draw_rate + 10 * seen * seen * width / flop_rate
                     + 1.5 * seen * seen * width / _qr_rate(np.dtype(dtype).type))
        per_network = depth * (batch + 2 * seen) * width + 6 * batch * width
    else:
        keep = workers * depth * width * width * itemsize <= kept_weights
        per_layer = width * width * (1 if keep else 2) / draw_rate + 4 * batch * width * width / flop_rate
        per_network = depth * batch * width + (depth if keep else 1) * width * width + 6 * batch * width
    seconds = replicates * depth * per_layer / (1 + PARALLEL * (workers - 1))
    return Cost(seconds, workers * per_network * itemsize)


PARALLEL = 0.7
"""What each worker thread past the first adds to the speed, as a fraction of one: the threads share one
interpreter, and two ran 1.4 times as fast as one here (relu, width 256 to 2048, float32 and float64)."""


@cache
def _rates(dtype: type) -> tuple[float, float]:
    """Gaussian values drawn per second (into an array drawn into before) and floating-point operations per
    second, in ``dtype`` on one core."""
    rng = np.random.default_rng(0)
    a, w = standard_normal(rng, (64, 256), dtype), np.empty((1, 256, 256), dtype)
    draw, product = _fastest(lambda: standard_normals([rng], w)), _fastest(lambda: a @ w[0].T)
    return 256 * 256 / draw, 2 * 64 * 256 * 256 / product


@cache
def _qr_rate(dtype: type) -> float:
    """``n k^2`` per second of ``numpy.linalg.qr`` (with ``Q``) of an ``n x k`` matrix in ``dtype``, on one
    core: measured at 1024 x 64."""
    tall = standard_normal(np.random.default_rng(0), (1024, 64), dtype)
    return 1024 * 64 * 64 / _fastest(lambda: np.linalg.qr(tall))


def _fastest(work: Callable[[], object], repeat: int = 3) -> float:
    """Seconds of the fastest of ``repeat`` runs of ``work()``, with BLAS on one thread."""
    seconds = []
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeat):
            start = time.perf_counter()
            work()
            seconds.append(time.perf_counter() - start)
    return max(min(seconds), 1e-9)


def _second_moment(values: np.ndarray) -> float:
    """The mean of the squares, by BLAS's dot product in the values' own dtype: seven times as fast here
    as squaring into float64, and its rounding (2e-8 relative for 64 x 256 float32 values) is far below
    any interval it enters."""
    flat = values.reshape(-1)
    return float(flat @ flat) / flat.size


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
        a = phi(weights.scale * (a @ weights.matrix(rng, (width, width)).T))
        out.append(a)
    return out
