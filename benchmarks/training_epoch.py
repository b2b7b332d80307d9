"""One training epoch of initproof's numpy engine against the same network trained the ordinary way
in PyTorch on the CPU (when torch is installed), timed in the same run.

The network is 64-64-64-10 with ReLU and He's initialisation, trained on the 1,397 training digits
with batch 32 and plain SGD (lr 0.1), in float64 for both; each side trains five epochs and the
median epoch time is compared. Prints both and their ratio.

    python benchmarks/training_epoch.py
"""

from __future__ import annotations

import statistics
import time
from importlib.util import find_spec

import numpy as np

from initproof import derive
from initproof.derive.activations import named
from initproof.verify.data import load
from initproof.verify.numeric import activation_pair
from initproof.verify.training import Init, Network, Optimiser, train

EPOCHS, BATCH, LR, SIZES = 5, 32, 0.1, [64, 64, 64, 10]


def numpy_epochs(data: tuple) -> list[float]:
    phi, dphi = activation_pair(named("relu"))
    rng = np.random.default_rng(0)
    network = Network.create(SIZES, Init("he", derive.result("he-relu", "forward")), phi, dphi, rng)
    optimiser, times = Optimiser("sgd", LR), []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        train(network, optimiser, data, 1, BATCH, rng)
        times.append(time.perf_counter() - start)
    return times


def torch_epochs(data: tuple) -> list[float]:
    import torch

    torch.manual_seed(0)
    layers = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
        linear = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
        torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        torch.nn.init.zeros_(linear.bias)
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimiser = torch.optim.SGD(model.parameters(), lr=LR)
    x_train, y_train, x_test, y_test = (torch.tensor(a) for a in data)
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for first in range(0, len(order), BATCH):
            chosen = order[first:first + BATCH]
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x_train[chosen]), y_train[chosen])
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            torch.nn.functional.cross_entropy(model(x_test), y_test)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    data = load("digits")
    ours = statistics.median(numpy_epochs(data))
    print(f"numpy engine: {1000 * ours:.1f} ms per epoch (median of {EPOCHS})")
    if find_spec("torch") is None:
        print("torch not installed: pip install torch==2.13.0 for the comparison")
        return
    theirs = statistics.median(torch_epochs(data))
    print(f"PyTorch CPU:  {1000 * theirs:.1f} ms per epoch; torch / numpy = {theirs / ours:.2f}")


if __name__ == "__main__":
    main()
