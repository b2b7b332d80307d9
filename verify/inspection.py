r"""A PyTorch model at initialisation: per-layer forward and backward second moments, predicted by the
mean-field rules of :mod:`initproof.derive` and measured on the real model.

The model runs on Gaussian inputs :math:`x \sim N(0, 1)`; the backward pass starts from
:math:`\partial L/\partial y = R \sim N(0, 1)` at the output. Each leaf module (one without children)
is recorded in call order, its output's mean square measured, and the mean square of the gradient
reaching that output measured by a tensor hook.

The prediction follows the model's ``torch.fx`` graph with the weights the model actually has,
carrying each tensor's mean square and mean forward from :math:`E[x^2] = 1`, and each tensor's
gradient mean square backward from :math:`E[R^2] = 1`:

* ``Linear``, ``Conv*``: :math:`E[y^2] = n\,E[w^2]\,E[x^2] + E[b^2]` with fan-in ``n`` (for a
  convolution :math:`k_h k_w C_{in}/g` taps, counted position by position where zero padding cuts
  the border: the ``convolution-fan`` derivation); backward the fan-out;
* activations, as modules or functions: :math:`E[\phi(\sqrt{q}\,\xi)^2]`, :math:`E[\phi(\sqrt{q}\,\xi)]`
  and :math:`E[\phi'(\sqrt{q}\,\xi)^2]` by quadrature, :math:`q = E[x^2]` (zero-mean Gaussian
  pre-activations), for every activation of the catalogue;
* ``Dropout`` in training mode: both moments times :math:`1/(1 - p)` (``dropout-variance``);
* ``LayerNorm``: the output's mean square is that of its affine weights and biases; the gradient
  is divided by the input's variance;
* a sum of two tensors (a residual connection): second moments add, as for uncorrelated terms
  (``residual-variance``), and each input receives the whole gradient; a scalar multiple; ``flatten``
  and ``view``; a tensor used twice receives the sum of its uses' gradients.

An operation without a rule (pooling, concatenation, attention, ...) leaves the tensors after it
without a forward prediction and those before it without a backward one; the report names it. The
measurements cover every leaf module regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    """The rows of an inspection and how many models they average."""

    rows: list[Row]
    stopped: str | None
    """What the prediction could not follow (the first operation without a rule, or why the model could
    not be traced), or None when every module is predicted both ways."""
    replicates: int = 1


def inspect(make: Callable[[], object], shape: tuple[int, ...], replicates: int = 4, seed: int = 0) -> Inspection:
    """Build the model ``replicates`` times (``make()`` under ``torch.manual_seed(seed + k)``), run it in
    training mode on Gaussian inputs of ``shape``, and predict (from the first model) and measure each
    leaf module."""
    import torch

    forward, backward = [], []
    for k in range(replicates):
        torch.manual_seed(seed + k)
        model = make()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"the factory returned a {type(model).__name__}, not a torch.nn.Module")
        modules, measured_forward, measured_backward = _measure(model.train(), shape, torch)
        if k == 0:
            predicted, stopped = _predict(model, modules, shape, torch)
            first = modules
        forward.append(measured_forward)
        backward.append(measured_backward)
    rows = []
    for k, (module, out_shape) in enumerate(first):
        fwd = np.array([f[k] for f in forward])
        bwd = np.array([b[k] for b in backward])
        rows.append(Row(k + 1, module.__class__.__name__, out_shape, predicted[k][0], float(fwd.mean()),
                        (float(fwd.min()), float(fwd.max())), predicted[k][1], float(bwd.mean()),
                        (float(bwd.min()), float(bwd.max()))))
    return Inspection(rows, stopped, replicates)


def _measure(model, shape: tuple[int, ...], torch) -> tuple[list, list[float], list[float]]:
    """Leaf modules in call order with their output shapes, the mean square of each output and of the
    gradient reaching it."""
    modules, forward, gradients = [], [], {}

    def hook(module, inputs, output):
        if not isinstance(output, torch.Tensor):
            return
        index = len(modules)
        modules.append((module, tuple(output.shape)))
        forward.append(float(output.detach().double().pow(2).mean()))
        if output.requires_grad:
            output.register_hook(lambda grad: gradients.__setitem__(index, float(grad.double().pow(2).mean())))

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    try:
        y = model(_gaussian(shape, model, torch))
        (y * torch.randn_like(y)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    return modules, forward, [gradients.get(k, float("nan")) for k in range(len(modules))]


def _gaussian(shape: tuple[int, ...], model, torch):
    dtype = next(model.parameters(), torch.empty(0)).dtype
    return torch.randn(*shape, dtype=dtype, requires_grad=True)


Moment = tuple[float, float]
"""A tensor's mean square and mean."""


def _predict(model, modules: list, shape: tuple[int, ...], torch) -> tuple[list[tuple], str | None]:
    """Predicted (forward, backward) mean squares for each leaf module call, by propagating moments
    through the model's ``torch.fx`` graph; None where the graph holds an operation without a rule
    (and, backward, everything upstream of it). The second value says what stopped the prediction."""
    from torch.fx.passes.shape_prop import ShapeProp

    unknown = [(None, None)] * len(modules)
    try:
        graph = torch.fx.symbolic_trace(model)
        ShapeProp(graph).propagate(_gaussian(shape, model, torch).detach())
    except Exception as error:  # tracing a user's model can fail in many ways; the measurements go on
        return unknown, f"torch.fx cannot trace the model ({type(error).__name__}: {str(error).splitlines()[0]})"
    nodes = list(graph.graph.nodes)
    calls = [node for node in nodes if node.op == "call_module"]
    if [graph.get_submodule(node.target) for node in calls] != [module for module, _ in modules]:
        return unknown, "the traced graph calls the modules in another order than the model did"
    moments, factors, stopped = {}, {}, None
    for node in nodes:
        if node.op == "placeholder":
            moments[node] = (1.0, 0.0)
        elif node.op in ("call_module", "call_function", "call_method"):
            step = _forward_rule(node, graph, moments)
            if step is None:
                stopped = stopped or f"no rule for {_describe(node, graph)}"
            else:
                moments[node], factors[node] = step
    gradients = _backward(nodes, factors)
    return [(moments.get(node, (None,))[0], gradients.get(node)) for node in calls], stopped


def _describe(node, graph) -> str:
    """``module 2 (MaxPool2d)``, or ``function cat``, for the report."""
    if node.op == "call_module":
        return f"module {node.target} ({graph.get_submodule(node.target).__class__.__name__})"
    return f"{node.op.removeprefix('call_')} {getattr(node.target, '__name__', node.target)}"


def _forward_rule(node, graph, moments: dict) -> tuple[Moment, dict] | None:
    """``((E[y^2], E[y]), {input node: gradient factor})`` of one graph node, or None without a rule
    or with an input whose moments are unknown."""
    inputs = [arg for arg in node.args if hasattr(arg, "op")]
    if any(arg not in moments for arg in inputs) or not inputs:
        return None
    (second, mean), source = moments[inputs[0]], inputs[0]
    if node.op == "call_module":
        module = graph.get_submodule(node.target)
        size = tuple(source.meta["tensor_meta"].shape)
        rule = _rule(module, second, mean, size)
        return None if rule is None else ((rule[0], rule[1]), {source: rule[2]})
    name = getattr(node.target, "__name__", str(node.target)).strip("_")
    if name in ACTIVATION_FUNCTIONS:
        phi, dphi = activation_pair(named(ACTIVATION_FUNCTIONS[name]))
        return ((gaussian_expectation(lambda u: phi(u) ** 2, second), gaussian_expectation(phi, second)),
                {source: gaussian_expectation(lambda u: dphi(u) ** 2, second)})
    if name in ("add", "iadd", "sub") and len(inputs) == 2:  # independent terms: second moments add
        (s1, m1), (s2, m2) = moments[inputs[0]], moments[inputs[1]]
        sign = -1.0 if name == "sub" else 1.0
        return (s1 + s2 + 2 * sign * m1 * m2, m1 + sign * m2), {inputs[0]: 1.0, inputs[1]: 1.0}
    if name in ("add", "mul", "truediv") and len(inputs) == 1:
        constant = next(arg for arg in node.args if not hasattr(arg, "op"))
        if not isinstance(constant, (int, float)):
            return None
        if name == "add":
            return (second + 2 * constant * mean + constant**2, mean + constant), {source: 1.0}
        c = constant if name == "mul" else 1 / constant
        return (c * c * second, c * mean), {source: c * c}
    if name in ("flatten", "reshape", "view", "contiguous"):
        return (second, mean), {source: 1.0}
    return None


ACTIVATION_FUNCTIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "gelu": "gelu", "silu": "silu",
                        "elu": "elu", "selu": "selu", "softplus": "softplus"}
"""Functional activations (``torch.relu``, ``F.gelu``, ...) with their catalogue names."""


def _backward(nodes: list, factors: dict) -> dict:
    """Mean square of the gradient reaching each node: 1 at the output, and, going back, the sum over
    a node's uses of the use's gradient times its factor (contributions taken as uncorrelated); a node
    with a use that has no rule gets none."""
    gradients: dict = {}
    users = {node: list(node.users) for node in nodes}
    for node in reversed(nodes):
        if node.op == "output":
            continue
        if any(user.op == "output" for user in users[node]):
            gradients[node] = 1.0
            continue
        if not users[node] or any(user not in factors or user not in gradients for user in users[node]):
            continue
        gradients[node] = sum(gradients[user] * factors[user][node] for user in users[node])
    return gradients


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
