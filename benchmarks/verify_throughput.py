"""Throughput of the verification layer against numpy's own speed, measured in one run.

* sampling: values per second of a check (the half-moment draw through
  ``block_statistics``) against raw ``Generator.standard_normal``;
* networks: FLOP rate of ``verify.network.simulate`` (forward and backward
  matrix products) against a plain matmul of the same shapes and dtype, next to
  the cost of drawing one layer's ``width^2`` Gaussian weights (as the simulation draws them, into
  an array drawn into before) relative to its two products (``draw/products``): a network must
  draw fresh weights, so with both spread over the cores the ratio cannot exceed
  ``1 / (1 + draw/products)``.

* suite: the default ``initproof verify`` suite as it runs (network checks on shared draws, the
  other checks beside them), against the same checks run one after another, each network check
  drawing its own networks: the seconds of each, their ratio, and the suite's whole command, imports
  and check building included, against the 10 s target.

Targets: both ratios at least 0.5; the default suite's command under 10 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from initproof.derive.activations import named
from initproof.verify.estimate import CHUNK, block_statistics
from initproof.verify.network import gaussian_weights, simulate, standard_normals
from initproof.verify.numeric import activation_pair


def best_of(repeat: int, action) -> float:
    """Shortest of ``repeat`` timings of ``action()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def sampling(samples: int, repeat: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)

    def raw() -> None:
        for size in [CHUNK] * (samples // CHUNK):
            rng.standard_normal(size)

    def check() -> None:
        block_statistics(lambda g, k: np.maximum(g.standard_normal(k), 0.0) ** 2, rng,
                         samples, 100, "mean")

    return samples / best_of(repeat, raw), samples / best_of(repeat, check)


def networks(width: int, batch: int, depth: int, replicates: int, repeat: int, dtype) -> tuple[float, float, float]:
    """FLOP rates of a plain matmul and of ``simulate``, and the weight-draw to products time ratio."""
    phi, dphi = activation_pair(named("relu"))
    flops = replicates * depth * 2 * (2 * batch * width * width)
    a = np.ones((batch, width), dtype)
    w = np.ones((width, width), dtype)
    rng = np.random.default_rng(0)
    drawn = np.empty((1, width, width), dtype)

    def plain() -> None:
        for _ in range(2 * replicates * depth):
            a @ w.T

    def draws() -> None:
        for _ in range(replicates * depth):
            standard_normals([rng], drawn)

    def simulated() -> None:
        simulate(phi, dphi, gaussian_weights(2 / width), width, depth, replicates,
                 np.random.default_rng(0), batch=batch, dtype=dtype)

    products = best_of(repeat, plain)
    with threadpool_limits(1, user_api="blas"):
        one_core_products = best_of(repeat, plain)
    return flops / products, flops / best_of(repeat, simulated), best_of(repeat, draws) / one_core_products


def suite_times() -> tuple[float, float, float]:
    """Seconds of the default suite's checks as ``suite.run`` runs them, of the same checks one after
    another (each network check alone), and of importing and building them in a fresh process."""
    from initproof.verify import suite
    from initproof.verify.settings import Settings

    checks = suite.checks()
    start = time.perf_counter()
    suite.run(checks, Settings(), 0)
    together = time.perf_counter() - start
    settings = Settings(comparisons=sum(check.comparisons for check in checks))
    start = time.perf_counter()
    for k, check in enumerate(checks):
        check.run(np.random.default_rng(k), settings)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from initproof.verify import suite; suite.checks()"], check=True)
    return together, alone, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20 * CHUNK)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw, check = sampling(args.samples, args.repeat)
    print(f"sampling: raw standard_normal {raw / 1e6:8.1f} M/s   check {check / 1e6:8.1f} M/s   "
          f"ratio {check / raw:5.2f}  (target >= 0.5)")
    for width, batch in ((256, 64), (1024, 256), (1024, 1024)):
        for dtype in (np.float64, np.float32):
            plain, simulated, draw = networks(width, batch, 10, 8, args.repeat, dtype)
            print(f"network width {width:4d} batch {batch:4d} {np.dtype(dtype).name}: plain matmul "
                  f"{plain / 1e9:6.1f} GFLOP/s   simulate {simulated / 1e9:6.1f} GFLOP/s   "
                  f"ratio {simulated / plain:5.2f}  (target >= 0.5; draw/products {draw:4.2f}, "
                  f"ceiling {1 / (1 + draw):4.2f})")
    together, alone, setup = suite_times()
    print(f"default suite: {together:5.1f} s as run, {alone:5.1f} s one check at a time "
          f"(ratio {alone / together:4.2f}); with imports and building the checks {together + setup:5.1f} s "
          "(target < 10 s)")

if __name__ == "__main__":
    main()
