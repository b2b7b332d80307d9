"""``initproof inspect`` on a 12-layer Transformer encoder of width 256 (8 heads, feed-forward 1024,
sequence 128, batch 16) against one plain forward and backward pass of the same model, timed in the
same run on the CPU. Prints the prediction alone (tracing and propagating the statistics through the
graph, Monte Carlo for attention), the plan of the exact rule (a second propagation, for the audit and
the fix), the whole inspection (4 replicate models measured, prediction, plan) and their ratios to the
plain pass. Targets: the whole inspection under
30 s, the prediction under 2 s on a 2-core machine.

    python benchmarks/inspect_transformer.py
"""

from __future__ import annotations

import statistics
import time
from importlib.util import find_spec

SHAPE = (16, 128, 256)


def encoder():
    import torch

    layer = torch.nn.TransformerEncoderLayer(256, 8, 1024, batch_first=True)
    return torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)


def plain_pass(repeat: int) -> float:
    """Median seconds of one forward and backward pass in training mode."""
    import torch

    torch.manual_seed(0)
    model, times = encoder().train(), []
    for _ in range(repeat):
        x = torch.randn(*SHAPE)
        start = time.perf_counter()
        model(x).sum().backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def inspection() -> tuple[float, float, float]:
    """Seconds of the whole inspection, of its prediction (tracing, then propagating the model's own
    statistics) and of its plan (propagating again under the exact rule, for the audit and the fix)."""
    from initproof.verify import inspection as module
    from initproof.verify import propagation

    calls = []
    propagate, predict = propagation.propagate, module._predict

    def timed(function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            result = function(*args, **kwargs)
            calls.append((function.__name__, time.perf_counter() - start))
            return result
        return run

    propagation.propagate, module._predict = timed(propagate), timed(predict)
    try:
        start = time.perf_counter()
        result = module.inspect(encoder, SHAPE)
        total = time.perf_counter() - start
    finally:
        propagation.propagate, module._predict = propagate, predict
    assert result.stopped is None, result.stopped
    (_, first), (_, plan), (_, whole) = calls
    return total, whole - plan, plan


def main() -> None:
    if find_spec("torch") is None:
        raise SystemExit("needs PyTorch: pip install torch==2.13.0")
    single = plain_pass(3)
    total, prediction, plan = inspection()
    print(f"one forward+backward pass:        {single:6.2f} s")
    print(f"prediction (trace, propagate):    {prediction:6.2f} s   ratio {prediction / single:5.2f}   (target < 2 s)")
    print(f"exact-rule plan (audit, fix):     {plan:6.2f} s   ratio {plan / single:5.2f}")
    print(f"whole inspection (4 replicates):  {total:6.2f} s   ratio {total / single:5.2f}   (target < 30 s)")


if __name__ == "__main__":
    main()
