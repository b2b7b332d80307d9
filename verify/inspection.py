r"""A PyTorch model at initialisation: per-layer forward and backward second moments, predicted by the
mean-field rules of :mod:`initproof.derive` and measured on the real model.

The model runs on Gaussian inputs :math:`x \sim N(0, 1)`; the backward pass starts from
:math:`\partial L/\partial y = R \sim N(0, 1)` at the output. Each leaf module (one without children)
is recorded in call order, its output's mean square measured, and the mean square of the gradient
reaching that output measured by a tensor hook. The prediction walks the same chain, from
:math:`E[x^2] = 1` forward and :math:`E[R^2] = 1` backward, with the weights the model actually has:

* ``Linear``, ``Conv*``: :math:`E[y^2] = n\,E[w^2]\,E[x^2] + E[b^2]` with fan-in ``n`` (for a
  convolution :math:`k_h k_w C_{in}/g`, the ``convolution-fan`` derivation); backward the fan-out
  (:math:`C_{out} k_h k_w / g` over the stride's area);
* activations: :math:`E[\phi(\sqrt{q}\,\xi)^2]` and :math:`E[\phi'(\sqrt{q}\,\xi)^2]` by quadrature,
  with :math:`q = E[x^2]` (zero-mean Gaussian pre-activations), for every activation of the catalogue;
* ``Dropout`` in training mode: both moments times :math:`1/(1 - p)` (``dropout-variance``);
* ``LayerNorm``: the output's mean square is that of its affine weights and biases, and the gradient
  is divided by the input's variance (mean square less the squared mean, which activations such as
  ReLU make positive: :math:`E[\phi(\sqrt{q}\,\xi)]` is tracked for that);
* ``Flatten``, ``Identity``: unchanged.

The prediction holds for a chain of modules. It stops, saying where and why, at the first module that
has no rule or whose input is not the previous module's output (a residual addition, a concatenation):
the measurements go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from initproof.derive.activations import named

from .numeric import activation_pair
from .recursion import gaussian_expectation

ACTIVATIONS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "GELU": "gelu", "SiLU": "silu",
               "ELU": "elu", "SELU": "selu", "Softplus": "softplus", "LeakyReLU": "leaky_relu"}
"""torch.nn activation modules with their catalogue names (at their default parameters)."""


@dataclass(frozen=True)
class Row:
    """One leaf module: predicted and measured mean squares of its output and of the gradient that
    reaches its output (means over replicates; ``spread``: smallest and largest)."""

    index: int
    module: str
    shape: tuple[int, ...]
    forward: float | None
    measured_forward: float
    forward_spread: tuple[float, float]
    backward: float | None
    measured_backward: float
    backward_spread: tuple[float, float]

    def as_dict(self) -> dict:
        return {"index": self.index, "module": self.module, "shape": list(self.shape),
                "predicted_forward": self.forward, "measured_forward": self.measured_forward,
                "forward_spread": list(self.forward_spread), "predicted_backward": self.backward,
                "measured_backward": self.measured_backward, "backward_spread": list(self.backward_spread)}


@dataclass(frozen=True)
class Inspection:
    rows: list[Row]
    stopped: str | None
    """Why the prediction stopped before the last module, or None."""
    replicates: int = field(default=1)


def inspect(make: Callable[[], object], shape: tuple[int, ...], replicates: int = 4, seed: int = 0) -> Inspection:
    """Build the model ``replicates`` times (``make()`` under ``torch.manual_seed(seed + k)``), run it in
    training mode on Gaussian inputs of ``shape``, and predict and measure each leaf module."""
    import torch

    forward, backward = [], []
    for k in range(replicates):
        torch.manual_seed(seed + k)
        model = make()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"the factory returned a {type(model).__name__}, not a torch.nn.Module")
        records, measured_forward, measured_backward, output = _measure(model.train(), shape, torch)
        if k == 0:  # the chain and the weights of the first model make the prediction
            predicted, stopped = _predict(records, output)
            modules = [(module, out_shape) for module, out_shape, _, _ in records]
        forward.append(measured_forward)
        backward.append(measured_backward)
    rows = []
    for k, (module, out_shape) in enumerate(modules):
        fwd = np.array([f[k] for f in forward])
        bwd = np.array([b[k] for b in backward])
        rows.append(Row(k + 1, module.__class__.__name__, out_shape,
                        predicted[k][0] if k < len(predicted) else None, float(fwd.mean()),
                        (float(fwd.min()), float(fwd.max())),
                        predicted[k][1] if k < len(predicted) else None, float(bwd.mean()),
                        (float(bwd.min()), float(bwd.max()))))
    return Inspection(rows, stopped, replicates)


def _measure(model, shape: tuple[int, ...], torch) -> tuple[list, list[float], list[float], object]:
    """Leaf modules in call order (module, output shape, input, output), the mean square of each
    output and of the gradient reaching it, and the model's output."""
    records, gradients = [], {}

    def hook(module, inputs, output):
        if not isinstance(output, torch.Tensor):
            return
        index = len(records)
        records.append((module, tuple(output.shape), inputs[0] if inputs else None, output))
        if output.requires_grad:
            output.register_hook(lambda grad: gradients.__setitem__(index, float(grad.double().pow(2).mean())))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        dtype = next(model.parameters(), torch.empty(0)).dtype
        x = torch.randn(*shape, dtype=dtype, requires_grad=True)
        y = model(x)
        (y * torch.randn_like(y)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    forward = [float(out.detach().double().pow(2).mean()) for _, _, _, out in records]
    backward = [gradients.get(k, float("nan")) for k in range(len(records))]
    return records, forward, backward, y


def _predict(records: list, final) -> tuple[list[tuple[float, float]], str | None]:
    """Predicted (forward, backward) mean squares for the leading chain of ``records``; the backward
    ones only when the chain ends in the model's output ``final``."""
    moments, factors, stopped = [], [], None
    second, mean = 1.0, 0.0
    previous = None
    for k, (module, _, inputs, output) in enumerate(records):
        if k and inputs is not previous:
            stopped = f"module {k + 1} ({module.__class__.__name__}) does not take the previous module's output"
            break
        rule = _rule(module, second, mean, tuple(inputs.shape))
        if rule is None:
            stopped = f"no rule for module {k + 1} ({module.__class__.__name__})"
            break
        second, mean, factor = rule
        moments.append(second)
        factors.append(factor)
        previous = output
    backward = np.ones(len(factors))
    for k in range(len(factors) - 2, -1, -1):
        backward[k] = backward[k + 1] * factors[k + 1]
    if stopped is None and previous is not final:
        stopped = "the model's output is not its last module's output (an operation outside the modules follows)"
    if stopped:  # the gradients depend on what the prediction does not follow
        backward[:] = np.nan
    return [(m, float(b)) for m, b in zip(moments, backward, strict=True)], stopped


def _convolution_fans(module, shape: tuple[int, ...], size: tuple[int, ...]) -> tuple[float, float]:
    """Mean number of terms per output element and per input element of a convolution over an input of
    spatial ``size``: ``C_in/g`` (``C_out/g`` for an input) times the (output, tap) pairs that land
    inside the input, per output (per input) position; zero padding makes the border count less. A
    transposed convolution (weight stored ``(C_in, C_out/g, ...)``) is counted without its borders."""
    if module.__class__.__name__.startswith("ConvTranspose"):
        kernel, stride = float(np.prod(shape[2:])), float(np.prod(module.stride))
        return shape[0] / module.groups * kernel / stride, shape[1] * kernel
    pairs_per_output = pairs_per_input = 1.0
    for n, k, s, p, d in zip(size, shape[2:], module.stride, _padding(module, shape), module.dilation, strict=True):
        outputs = (n + 2 * p - d * (k - 1) - 1) // s + 1
        pairs = sum(0 <= o * s - p + t * d < n for o in range(outputs) for t in range(k))
        pairs_per_output *= pairs / outputs
        pairs_per_input *= pairs / n
    return shape[1] * pairs_per_output, shape[0] / module.groups * pairs_per_input


def _padding(module, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The zero padding per spatial side (``same`` pads half the dilated kernel)."""
    if module.padding == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(shape[2:], module.dilation, strict=True))
    if module.padding == "valid":
        return (0,) * (len(shape) - 2)
    return tuple(module.padding)


def _rule(module, second: float, mean: float, size: tuple[int, ...]) -> tuple[float, float, float] | None:
    """``(E[y^2], E[y], backward factor)`` of ``module`` for an input of mean square ``second``, mean
    ``mean`` and shape ``size``, or None."""
    name = module.__class__.__name__
    if name == "Linear" or name.startswith("Conv"):
        weight = module.weight.detach().double()
        bias = 0.0 if module.bias is None else float(module.bias.detach().double().pow(2).mean())
        mean_square = float(weight.pow(2).mean())
        if name == "Linear":
            fan_in, fan_out = weight.shape[1], weight.shape[0]
        else:
            fan_in, fan_out = _convolution_fans(module, tuple(weight.shape), tuple(size[2:]))
        return fan_in * mean_square * second + bias, 0.0, fan_out * mean_square
    if name in ACTIVATIONS:
        phi, dphi = activation_pair(named(ACTIVATIONS[name]))
        return (gaussian_expectation(lambda u: phi(u) ** 2, second), gaussian_expectation(phi, second),
                gaussian_expectation(lambda u: dphi(u) ** 2, second))
    if name.startswith("Dropout"):
        keep = 1 - module.p if module.training else 1.0
        return second / keep, mean, 1 / keep
    if name == "LayerNorm":
        weight = 1.0 if module.weight is None else float(module.weight.detach().double().pow(2).mean())
        bias = 0.0 if module.bias is None else float(module.bias.detach().double().pow(2).mean())
        return weight + bias, 0.0, weight / (second - mean**2)
    if name in ("Flatten", "Identity"):
        return second, mean, 1.0
    return None
