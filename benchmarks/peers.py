"""initproof against the scripts a practitioner would write for the same measurement.

Each peer measures, like ``initproof verify --activation ACT --var-w G/n``, the per-layer forward
variance ``q_l`` and the gradient second moment of 64 replicate networks of the same width and
depth, batch 64, inputs scaled so that ``q_1 = 1``: a plain numpy script written the obvious way
(float64, every layer's weights and pre-activations kept for the backward pass), and PyTorch on
the CPU in float64 and float32 (when torch is installed). Every tool runs as a whole process, the
way a user runs it; the rounds interleave the tools so that a busy machine slows all of them
alike. Prints the median and spread of each, the ratios to initproof, and how far each peer's
per-layer numbers are from initproof's, next to initproof's own interval half-width.

    python benchmarks/peers.py [--rounds 3] [--case 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from importlib.util import find_spec

from installed import compile_package

CASES = (("relu", 2.0, 256, 20), ("tanh", 1.0, 256, 50), ("relu", 2.0, 1024, 10))
REPLICATES, BATCH = 64, 64

NUMPY = """
import json, sys
import numpy as np
name, gain, width, depth = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[name]
slope = {"relu": lambda z: (z > 0).astype(z.dtype), "tanh": lambda z: 1 - np.tanh(z) ** 2}[name]
rng = np.random.default_rng(0)
forward, backward = np.zeros((%(R)d, depth)), np.zeros((%(R)d, depth))
for r in range(%(R)d):
    a = rng.standard_normal((%(B)d, width)) / np.sqrt(gain)
    weights, pre = [], []
    for l in range(depth):
        w = rng.standard_normal((width, width)) * np.sqrt(gain / width)
        z = a @ w.T
        forward[r, l] = np.mean(z ** 2)
        weights.append(w); pre.append(z)
        a = act(z)
    g = rng.standard_normal((%(B)d, width))
    for l in reversed(range(depth)):
        g = (g * slope(pre[l])) @ weights[l]
        backward[r, l] = np.mean(g ** 2)
print(json.dumps({"forward": forward.mean(0).tolist(), "backward": backward.mean(0).tolist()}))
""" % {"R": REPLICATES, "B": BATCH}

TORCH = """
import json, sys
import torch
name, gain, width, depth = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dtype = getattr(torch, sys.argv[5])
torch.manual_seed(0)
act = {"relu": torch.relu, "tanh": torch.tanh}[name]
forward, backward = torch.zeros(%(R)d, depth, dtype=torch.float64), torch.zeros(%(R)d, depth, dtype=torch.float64)
for r in range(%(R)d):
    a = (torch.randn(%(B)d, width, dtype=dtype) / gain ** 0.5).requires_grad_()
    inputs = []
    for l in range(depth):
        if a.grad_fn is not None:
            a.retain_grad()
        inputs.append(a)
        w = torch.randn(width, width, dtype=dtype) * (gain / width) ** 0.5
        z = a @ w.T
        forward[r, l] = z.detach().double().pow(2).mean()
        a = act(z)
    a.backward(torch.randn(%(B)d, width, dtype=dtype))
    for l in range(depth):
        backward[r, l] = inputs[l].grad.double().pow(2).mean()
print(json.dumps({"forward": forward.mean(0).tolist(), "backward": backward.mean(0).tolist()}))
""" % {"R": REPLICATES, "B": BATCH}


def _commands(name: str, gain: float, width: int, depth: int) -> dict[str, list[str]]:
    case = [name, str(gain), str(width), str(depth)]
    tools = {"initproof": [sys.executable, "-m", "initproof", "verify", "--activation", name,
                           "--var-w", f"{gain}/n", "--width", str(width), "--depth", str(depth), "--json"],
             "numpy (obvious)": [sys.executable, "-c", NUMPY, *case]}
    if find_spec("torch"):
        tools |= {f"torch {dtype}": [sys.executable, "-c", TORCH, *case, dtype] for dtype in ("float64", "float32")}
    return tools


def _run(command: list[str]) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed:\n{out.stderr}")
    return elapsed, json.loads(out.stdout)


def _layers(data: dict) -> tuple[list[float], list[float], list[float]]:
    """Forward and backward per-layer values, and initproof's relative half-widths (empty for peers)."""
    if "layers" not in data:
        return data["forward"], data["backward"], []
    rows = data["layers"]
    halves = [(row[f"ci_{d}"][1] - row[f"ci_{d}"][0]) / 2 / abs(row[f"measured_{d}"])
              for row in rows for d in ("forward", "backward")]
    return [row["measured_forward"] for row in rows], [row["measured_backward"] for row in rows], halves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", type=int, action="append", choices=range(1, len(CASES) + 1),
                        help="run only this case (1: relu depth 20, 2: tanh depth 50, 3: width 1024); repeatable")
    args = parser.parse_args()
    rounds = args.rounds
    compile_package()
    for name, gain, width, depth in (CASES[k - 1] for k in args.case or range(1, len(CASES) + 1)):
        tools = _commands(name, gain, width, depth)
        times: dict[str, list[float]] = {tool: [] for tool in tools}
        answers: dict[str, dict] = {}
        for _ in range(rounds):
            for tool, command in tools.items():
                elapsed, answers[tool] = _run(command)
                times[tool].append(elapsed)
        ours = statistics.median(times["initproof"])
        forward, backward, halves = _layers(answers["initproof"])
        print(f"{name} Var(w) = {gain:g}/n, width {width}, depth {depth} ({rounds} rounds, medians; "
              f"initproof's median interval half-width {100 * statistics.median(halves):.1f}%)")
        for tool, spent in times.items():
            peer_forward, peer_backward, _ = _layers(answers[tool])
            gap = max(abs(p / o - 1) for p, o in zip(peer_forward + peer_backward, forward + backward, strict=True))
            print(f"  {tool:16s} {statistics.median(spent):6.2f} s (range {min(spent):.2f}-{max(spent):.2f})  "
                  f"{statistics.median(spent) / ours:5.2f} x initproof's time  "
                  f"largest per-layer difference from initproof {100 * gap:.1f}%")


if __name__ == "__main__":
    main()
