r"""A PyTorch model at initialisation: per-layer forward and backward second moments, predicted by the
mean-field rules of :mod:`.layer_rules` and measured on the real model; the layers whose signal drifts
with depth; each weight's initialiser against the exact rule; and a re-initialisation that keeps it.

The model runs on Gaussian inputs :math:`x \sim N(0, 1)` (or a batch the user gives); the backward pass
starts from :math:`\partial L/\partial y = R \sim N(0, 1)` at the output. Each leaf module (one without
children, and ``nn.MultiheadAttention`` as a whole) is recorded in call order, its output's mean square
measured, and the mean square of the gradient reaching that output measured by a tensor hook.

The prediction follows the model's ``torch.fx`` graph (:mod:`.tracing`) with the weights the model has,
carrying each tensor's mean square and mean forward from the input's, and each tensor's gradient mean
square backward from :math:`E[R^2] = 1`: a sum of two tensors adds second moments (uncorrelated terms, the
``residual-variance`` derivation) and sends its gradient to both; a tensor used twice receives the sum of
its uses' gradients; each layer follows its rule. An operation without a rule leaves the tensors after it
without a forward prediction and those before it without a backward one; the report names it. A model
``torch.fx`` cannot trace (data-dependent control flow) is followed by forward hooks instead, as far as
each module takes the tensor an earlier one returned.

**Drift.** Layers of one kind at different depths (same module path once block numbers are dropped, same
class, output shape and parameter shapes: ``layers.3.linear1`` and ``layers.7.linear1``) should see the
same signal. A layer whose measured forward or backward mean square differs from the first of its kind
by more than ``factor`` either way is flagged.

**The exact rule.** Every linear or convolutional layer gets :math:`\operatorname{Var}(w) = t/(n\,E[x^2])`
(zero biases), :math:`n` its fan-in and :math:`E[x^2]` its input's mean square in the model so
re-initialised: its output has mean square :math:`t = 1`. A residual sum :math:`x + f(x)` multiplies the
stream's mean square by :math:`1 + E[f^2]/E[x^2]` (``residual-variance``); the branch's last layer gets
:math:`t = (2^{1/(2L)} - 1)\,E[x^2]`, :math:`L` the number of residual sums other than attention's, so
that the stream grows by :math:`\sqrt 2` over the whole depth (a normalisation ending the branch gets that
:math:`E[\gamma^2]` instead). Attention projections get :math:`1/(d\,E[x^2])` each for the query, key and
value (the packed ``in_proj_weight`` of shape :math:`(3d, d)` has fan-in :math:`d`, not the :math:`(3d + d)/2` Xavier
computes on it). At initialisation attention is close to uniform: its output at every position is
nearly the mean of the values, one vector common to all positions, of mean square
:math:`S\,E[v^2]` for independent positions (:math:`S = E[\sum_j a_{ij}^2] \approx 1/T`), and
:math:`(S + (1 - S)\rho)\,E[v^2]` once positions correlate by :math:`\rho`. Each attention branch adds that
common part to the stream, and a later attention averages it again: planned from its own (growing)
:math:`S + (1 - S)\rho`, each would add more than the last, and the attention's output would grow with
depth (tokens become alike: rank collapse). Every attention's output projection is therefore planned from
the first attention's :math:`S`: the :math:`L_a` attention branches add :math:`(\sqrt 2 - 1)\,S\,E[x^2]/L_a`
each, :math:`\rho` stays below :math:`(\sqrt 2 - 1)\,S` and every attention's output near the first's.
An attention outside a residual sum gets :math:`1/d`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from . import layer_rules
from .layer_rules import ACTIVATIONS, NORMALISATIONS, Layout, Stats

RESIDUAL_GROWTH = math.sqrt(2)
"""Growth of a residual stream's mean square over the whole depth under the exact rule."""


@dataclass(frozen=True)
class Row:
    """One leaf module: predicted and measured mean squares of its output and of the gradient that
    reaches its output (means over replicates; ``spread``: smallest and largest), and the measured
    ones over those of the first module of its kind (None for the first, or one without its kind)."""

    index: int
    name: str
    module: str
    shape: tuple[int, ...]
    forward: float | None
    measured_forward: float
    forward_spread: tuple[float, float]
    backward: float | None
    measured_backward: float
    backward_spread: tuple[float, float]
    forward_drift: float | None = None
    backward_drift: float | None = None

    def drifts(self, factor: float) -> bool:
        """Whether either drift leaves ``[1/factor, factor]``."""
        return any(r is not None and np.isfinite(r) and not 1 / factor <= r <= factor
                   for r in (self.forward_drift, self.backward_drift))

    def as_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "module": self.module, "shape": list(self.shape),
                "predicted_forward": self.forward, "measured_forward": self.measured_forward,
                "forward_spread": list(self.forward_spread), "predicted_backward": self.backward,
                "measured_backward": self.measured_backward, "backward_spread": list(self.backward_spread),
                "forward_drift": self.forward_drift, "backward_drift": self.backward_drift}


@dataclass(frozen=True)
class Audit:
    """One weight's initialisation: ``n Var(w)`` as it is and as the exact rule asks, with ``n`` the fan-in
    PyTorch computes (``torch_fan_in``) next to the mean number of terms an output really sums."""

    name: str
    module: str
    torch_fan_in: float
    fan_in: float
    gain: float
    exact: float
    copy_of: str | None = None
    """An earlier weight with the very same values (``nn.TransformerEncoder`` deep-copies its layer)."""

    def as_dict(self) -> dict:
        return {"name": self.name, "module": self.module, "torch_fan_in": self.torch_fan_in, "fan_in": self.fan_in,
                "gain": self.gain, "exact": self.exact, "copy_of": self.copy_of}


@dataclass(frozen=True)
class Inspection:
    """The rows of an inspection, how many models they average, the drift tolerance, the audit of each
    weight and the re-initialisation (Python source) that applies the exact rule."""

    rows: list[Row]
    stopped: str | None
    """What the prediction could not follow (the first operation without a rule, or why the model could
    not be traced), or None when every module is predicted both ways."""
    replicates: int = 1
    factor: float = 2.0
    audits: list[Audit] = field(default_factory=list)
    fix: str | None = None

    @property
    def kept(self) -> bool:
        """No layer drifts past ``factor``."""
        return not any(row.drifts(self.factor) for row in self.rows)

    def as_dict(self) -> dict:
        return {"rows": [row.as_dict() for row in self.rows], "stopped": self.stopped, "replicates": self.replicates,
                "factor": self.factor, "kept": self.kept, "audits": [a.as_dict() for a in self.audits], "fix": self.fix}


def inspect(model, example, *, replicates: int = 4, seed: int = 0, device: str = "cpu",
            factor: float = 2.0) -> Inspection:
    """Inspect ``model`` (an ``nn.Module``, or a function that builds one) on ``example``: an input shape
    (Gaussian inputs, fresh per replicate) or a batch.

    A function is called ``replicates`` times, under ``torch.manual_seed(seed + k)``, and the measurements
    average the models it builds; a module is measured ``replicates`` times as it is, with fresh inputs
    (from a shape) and output gradients. Predictions come from the first model."""
    import torch

    build = (lambda: model) if isinstance(model, torch.nn.Module) else model
    forward, backward = [], []
    for k in range(replicates):
        torch.manual_seed(seed + k)
        net = build()
        if not isinstance(net, torch.nn.Module):
            raise TypeError(f"the factory returned a {type(net).__name__}, not a torch.nn.Module")
        net = net.to(device).train()
        x = _input(example, net, device, torch)
        leaves, measured_forward, measured_backward = _measure(net, x, torch)
        if k == 0:
            predicted, stopped, audits, fix = _predict(net, leaves, x.detach(), _start(example, x, torch), seed,
                                                       torch)
            first = leaves
        forward.append(measured_forward)
        backward.append(measured_backward)
    rows = []
    for k, (name, module, out_shape) in enumerate(first):
        fwd = np.array([f[k] for f in forward])
        bwd = np.array([b[k] for b in backward])
        rows.append(Row(k + 1, name, module.__class__.__name__, out_shape, predicted[k][0], float(fwd.mean()),
                        (float(fwd.min()), float(fwd.max())), predicted[k][1], float(bwd.mean()),
                        (float(bwd.min()), float(bwd.max()))))
    return Inspection(_with_drift(rows, first), stopped, replicates, factor, audits, fix)


def _start(example, x, torch) -> Stats:
    """The input's statistics: exact for Gaussian inputs, measured for a batch."""
    layout = Layout.of(tuple(x.shape), _channels_first(tuple(x.shape)))
    if isinstance(example, torch.Tensor):
        return Stats.measured(x, layout)
    return Stats(1.0, 0.0, 0.0, 0.0 if layout.positions else 1.0)


def _channels_first(shape: tuple[int, ...], module=None) -> bool:
    """Images and feature maps are (examples, channels, positions...); sequences (examples, positions,
    features), except for the 1-d convolutions, poolings and norms."""
    return len(shape) >= 4 or (len(shape) == 3 and module is not None and module.__class__.__name__.endswith("1d"))


def _input(example, model, device: str, torch):
    if isinstance(example, torch.Tensor):
        return example.to(device).detach().requires_grad_(True)
    dtype = next(model.parameters(), torch.empty(0)).dtype
    return torch.randn(*example, dtype=dtype, device=device, requires_grad=True)


def _leaves(model, torch) -> list[tuple[str, object]]:
    """Modules without children, and attention modules as a whole (their ``out_proj`` is never called)."""
    attention = torch.nn.MultiheadAttention
    inside = {id(c) for m in model.modules() if isinstance(m, attention) for c in m.modules() if c is not m}
    return [(name, m) for name, m in model.named_modules()
            if (isinstance(m, attention) or not list(m.children())) and id(m) not in inside]


def _first(output, torch):
    """The tensor a model's output starts with (of a tuple, list or dict of outputs, the first): the
    one the Gaussian output gradient is applied to."""
    found = _leading(output, lambda value: isinstance(value, torch.Tensor))
    if found is None:
        raise TypeError(f"the model returned a {type(output).__name__} without a tensor")
    return found


def _leading(value, wanted: Callable):
    """The first member of a nest of tuples, lists and dicts for which ``wanted`` holds, or None."""
    if wanted(value):
        return value
    members = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return next((found for found in (_leading(member, wanted) for member in members) if found is not None), None)


def _measure(model, x, torch) -> tuple[list, list[float], list[float]]:
    """Leaf modules in call order (name, module, output shape), the mean square of each output and of the
    gradient reaching it."""
    names = {id(m): name for name, m in _leaves(model, torch)}
    leaves, forward, gradients = [], [], {}

    def hook(module, inputs, output):
        output = output[0] if isinstance(output, tuple) else output
        if not isinstance(output, torch.Tensor):
            return
        index = len(leaves)
        leaves.append((names[id(module)], module, tuple(output.shape)))
        forward.append(float(output.detach().double().pow(2).mean()))
        if output.requires_grad:
            output.register_hook(lambda grad: gradients.__setitem__(index, float(grad.double().pow(2).mean())))

    handles = [m.register_forward_hook(hook) for _, m in _leaves(model, torch)]
    try:
        y = _first(model(x), torch)
        (y * torch.randn_like(y)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    return leaves, forward, [gradients.get(k, float("nan")) for k in range(len(leaves))]


def _predict(model, leaves: list, x, start: Stats, seed: int,
             torch) -> tuple[list[tuple], str | None, list, str | None]:
    """Predicted (forward, backward) mean squares for each leaf module call, what stopped the prediction,
    the audit of each weight and the re-initialisation."""
    from .tracing import traced

    unknown = [(None, None)] * len(leaves)
    try:
        graph = traced(model, x)
    except Exception as error:  # tracing a user's model can fail in many ways; the measurements go on
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        predicted, stopped = _followed(model, leaves, x, start, seed, torch)
        return predicted, f"torch.fx cannot trace the model ({reason}); {stopped}", [], None
    nodes = list(graph.graph.nodes)
    calls = [node for node in nodes if node.op == "call_module"]
    if [graph.get_submodule(node.target) for node in calls] != [module for _, module, _ in leaves]:
        return unknown, "the traced graph calls the modules in another order than the model did", [], None
    moments, factors, stopped = _propagate(graph, nodes, start, seed)
    gradients = _backward(nodes, factors)
    predicted = [(moments[node].second if node in moments else None, gradients.get(node)) for node in calls]
    if stopped:
        return predicted, stopped, [], None
    plan = Plan()
    _propagate(graph, nodes, start, seed, plan)
    return predicted, None, _audits(graph, plan, torch), _fix_source(plan)


def _followed(model, leaves: list, x, start: Stats, seed: int, torch) -> tuple[list[tuple], str]:
    """Predictions from forward hooks, for a model ``torch.fx`` cannot trace: a call whose one input is the
    model's input or the very tensor an earlier call returned follows its rule; backward, from the model's
    output along calls that each take the previous call's output, used by no other module. The second
    value says how far that went."""
    calls = []

    def hook(module, inputs, output):
        calls.append((module, [t for t in inputs if isinstance(t, torch.Tensor)],
                      output[0] if isinstance(output, tuple) else output))

    handles = [m.register_forward_hook(hook) for _, m in _leaves(model, torch)]
    try:
        with torch.no_grad():
            y = _first(model(x), torch)
    finally:
        for handle in handles:
            handle.remove()
    if [module for module, _, _ in calls] != [module for _, module, _ in leaves]:
        return [(None, None)] * len(leaves), "the modules ran in another order a second time"
    known, forward, links, stopped = {id(x): start}, [], [], None
    for k, (module, inputs, out) in enumerate(calls):
        stats = known.get(id(inputs[0])) if len(inputs) == 1 else None
        rule = None
        if stats is not None:
            shape = tuple(inputs[0].shape)
            sampled = partial(layer_rules.monte_carlo, module, stats, shape, _channels_first(shape, module), seed + k)
            rule = _module_rule(module, stats, shape, out.dim(), 1, (None, None), None, sampled)
        if rule is None:
            stopped = stopped or f"module {leaves[k][0]} ({module.__class__.__name__})"
            forward.append(None)
            links.append(None)
            continue
        known[id(out)] = rule[0]
        forward.append(rule[0].second)
        links.append((id(inputs[0]), rule[1]))
    return list(zip(forward, _chain_gradients(calls, links, y), strict=True)), (
        f"predicted module by module from forward hooks, up to {stopped}" if stopped
        else "predicted module by module from forward hooks")


def _chain_gradients(calls: list, links: list, output) -> list[float | None]:
    """Backward along the chain of calls that ends in ``output`` (see :func:`_followed`)."""
    gradients: list[float | None] = [None] * len(calls)
    uses: dict[int, int] = {}
    for _, inputs, _ in calls:
        for tensor in inputs:
            uses[id(tensor)] = uses.get(id(tensor), 0) + 1
    if not calls or calls[-1][2] is not output:
        return gradients
    gradient = 1.0
    for k in reversed(range(len(calls))):
        gradients[k] = gradient
        if links[k] is None or k == 0:
            break
        source, factor = links[k]
        if id(calls[k - 1][2]) != source or uses[source] > 1:
            break
        gradient *= factor
    return gradients


class Plan(dict):
    """What the exact rule sets, node by node, and how much the first attention averages its values
    (its output's mean square per unit value mean square), which every attention's share is planned from."""

    averaging: float | None = None

    def first(self, averaging: float) -> float:
        """The first attention's averaging, recorded when the first attention is planned."""
        if self.averaging is None:
            self.averaging = averaging
        return self.averaging


def _propagate(graph, nodes: list, start: Stats, seed: int, plan: Plan | None = None) -> tuple[dict, dict, str | None]:
    """Each node's statistics and its inputs' backward factors. With ``plan`` (a dict), weights
    follow the exact rule and ``plan`` receives them: node -> what to set."""
    from .tracing import is_tensor

    ends = _branch_ends(graph, nodes) if plan is not None else {}
    moments: dict = {}
    factors: dict = {}
    stopped = None
    for k, node in enumerate(nodes):
        if node.op == "placeholder":
            moments[node] = start if not moments else None
        elif node.op in ("call_module", "call_function", "call_method"):
            step = _step(node, graph, moments, seed + k, plan, ends)
            if step is None:
                if is_tensor(node) or node.op == "call_module":  # not a size or a constant
                    stopped = stopped or f"no rule for {_describe(node, graph)}"
            else:
                moments[node], factors[node] = step
    return {node: m for node, m in moments.items() if m is not None}, factors, stopped


def _describe(node, graph) -> str:
    """``module 2 (MaxPool2d)``, or ``function cat``, for the report."""
    if node.op == "call_module":
        return f"module {node.target} ({graph.get_submodule(node.target).__class__.__name__})"
    return f"{node.op.removeprefix('call_')} {getattr(node.target, '__name__', node.target)}"


def _name(node) -> str:
    return getattr(node.target, "__name__", str(node.target)).strip("_")


def _inputs(node) -> list:
    """The graph nodes among a node's arguments, lists included, in order."""
    found = []

    def visit(value):
        if hasattr(value, "op"):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)

    visit(list(node.args) + list(node.kwargs.values()))
    return found


def _step(node, graph, moments: dict, seed: int, plan: dict | None, ends: dict) -> tuple[Stats, dict] | None:
    """``(statistics, {input node: gradient factor})`` of one graph node, or None without a rule or with
    an input whose statistics are unknown."""
    from .tracing import is_tensor

    inputs = [arg for arg in _inputs(node) if is_tensor(arg) or arg.op == "call_module"]
    if not inputs or any(moments.get(arg) is None for arg in inputs):
        return None
    if node.op == "call_module":
        return _module_step(node, graph, moments, inputs, seed, plan, ends)
    return _function_step(node, graph, moments, inputs, seed)


def _module_step(node, graph, moments: dict, inputs: list, seed: int, plan: dict | None,
                 ends: dict) -> tuple[Stats, dict] | None:
    module = graph.get_submodule(node.target)
    name = module.__class__.__name__
    stats, source = moments[inputs[0]], inputs[0]
    size = tuple(source.meta["tensor_meta"].shape)
    if name == "MultiheadAttention":
        return _attention_step(node, module, moments, seed, plan, ends)
    weights, gamma = (None, None), None
    if name == "Linear" or name.startswith("Conv"):
        weights = _exact_weight(node, module, stats, size, moments, plan, ends)
    elif name in NORMALISATIONS and plan is not None and node in ends:
        gamma = _target(node, moments, ends)
        plan[node] = ("gamma", math.sqrt(gamma))
    rule = _module_rule(module, stats, size, len(node.meta["tensor_meta"].shape), len(inputs), weights, gamma,
                        lambda: _monte_carlo(module, source, graph, moments, seed, module))
    return None if rule is None else (rule[0], {source: rule[1]})


def _module_rule(module, stats: Stats, size: tuple[int, ...], rank: int, count: int, weights: tuple,
                 gamma: float | None, sampled: Callable) -> tuple[Stats, float] | None:
    """The rule of one module on an input of statistics ``stats`` and shape ``size`` (its output of rank
    ``rank``; ``count`` tensor inputs): ``weights`` and ``gamma`` replace its own when planning; ``sampled``
    gives the Monte Carlo rule of a parameterless module. None without a rule."""
    name = module.__class__.__name__
    if name == "Linear" or name.startswith("Conv"):
        return layer_rules.weighted(module, stats, size, *weights)
    if name in ACTIVATIONS:
        return layer_rules.activation(name, stats)
    if name.startswith("Dropout"):
        return layer_rules.dropout(module, stats)
    if name in NORMALISATIONS:
        return layer_rules.normalisation(module, stats, gamma)
    if name == "Identity":
        return stats, 1.0
    if name == "Flatten":
        return (stats.without_positions() if rank <= 2 else stats), 1.0
    if not list(module.parameters()) and count == 1:
        return sampled()
    return None


def _exact_weight(node, module, stats: Stats, size, moments: dict, plan: dict | None,
                  ends: dict) -> tuple[float | None, float | None]:
    """``(E[w^2], E[b^2])`` under the exact rule when planning (recorded in ``plan``), else the module's own."""
    if plan is None:
        return None, None
    fan_in, _ = layer_rules.fans(module, size)
    variance = _target(node, moments, ends) / (fan_in * stats.second)
    plan[node] = ("normal", math.sqrt(variance))
    return variance, 0.0


def _target(node, moments: dict, ends: dict, averaging: float | None = None) -> float:
    """Mean square a re-initialised layer's output should have: 1, or its share of a residual stream: a
    branch's share of the stream's growth to :data:`RESIDUAL_GROWTH`, an attention's share of the common
    part that keeps every attention's output within :data:`RESIDUAL_GROWTH` of the first's."""
    if node not in ends:
        return 1.0
    stream, gain, attention = ends[node]
    count = sum(a == attention for *_, a in ends.values())
    if attention:
        return (RESIDUAL_GROWTH - 1) * averaging * moments[stream].second / (gain * count)
    return (RESIDUAL_GROWTH ** (1 / count) - 1) * moments[stream].second / gain


def _attention_step(node, module, moments: dict, seed: int, plan: dict | None,
                    ends: dict) -> tuple[Stats, dict] | None:
    from .tracing import is_tensor

    arguments = list(node.args[:3]) + [node.kwargs[key] for key in ("query", "key", "value") if key in node.kwargs]
    if len(arguments) != 3 or not all(hasattr(a, "op") and is_tensor(a) for a in arguments):
        return None
    inputs = {a: (moments[a], tuple(a.meta["tensor_meta"].shape)) for a in arguments}
    weights = None
    if plan is not None:
        weights = [1 / (module.embed_dim * moments[a].second) for a in arguments], 1 / module.embed_dim
    rule = layer_rules.attention(module, inputs, arguments, seed, weights)
    if rule is None:
        return None
    stats, factors = rule
    if plan is not None:  # the output projection scaled to the target (every factor is linear in its E[w^2])
        averaging = plan.first(stats.second)  # values of unit mean square: S + (1 - S) rho
        scale = _target(node, moments, ends, averaging) / stats.second if node in ends else 1.0
        stats, factors = stats.scaled(math.sqrt(scale)), {a: f * scale for a, f in factors.items()}
        plan[node] = ("attention", [math.sqrt(v) for v in weights[0]], math.sqrt(weights[1] * scale))
    return stats, factors


def _function_step(node, graph, moments: dict, inputs: list, seed: int) -> tuple[Stats, dict] | None:
    name = _name(node)
    stats, source = moments[inputs[0]], inputs[0]
    if name == "getitem" and inputs[0].op == "call_module" and node.args[1] == 0:  # an attention's output
        return stats, {source: 1.0}
    if name in ACTIVATIONS and len(inputs) == 1:
        out, factor = layer_rules.activation(name, stats)
        return out, {source: factor}
    if name in ("add", "iadd", "sub") and len(inputs) == 2:
        return _sum(name, inputs, moments)
    if name in ("add", "mul", "truediv") and len(inputs) == 1:
        return _affine(name, node, stats, source)
    if name in ("cat", "concat", "concatenate"):
        return _concatenation(inputs, moments)
    if name in ("flatten", "reshape", "view"):
        return (stats.without_positions() if len(node.meta["tensor_meta"].shape) <= 2 else stats), {source: 1.0}
    if name in ("contiguous", "permute", "transpose", "squeeze", "unsqueeze"):
        return stats, {source: 1.0}
    call = _single_input_call(node, source)
    if call is None:
        return None
    out, factor = _monte_carlo(call, source, graph, moments, seed)
    return out, {source: factor}


def _monte_carlo(call, source, graph, moments: dict, seed: int, module=None) -> tuple[Stats, float]:
    """:func:`.layer_rules.monte_carlo` of ``call`` on ``source``, drawn as the activation that made it of
    a Gaussian pre-activation when ``source`` is an activation with known input statistics."""
    shape = tuple(source.meta["tensor_meta"].shape)
    channels_first = _channels_first(shape, module)
    made = _activation_of(source, graph)
    if made is not None and moments.get(made[1]) is not None:
        return layer_rules.monte_carlo(call, moments[made[1]], shape, channels_first, seed, before=made[0])
    return layer_rules.monte_carlo(call, moments[source], shape, channels_first, seed)


def _activation_of(node, graph) -> tuple[Callable, object] | None:
    """``(activation, its input node)`` when ``node`` applies an activation of the catalogue."""
    if node.op == "call_module":
        module = graph.get_submodule(node.target)
        if module.__class__.__name__ in ACTIVATIONS:
            return module, node.args[0]
    elif node.op == "call_function" and _name(node) in ACTIVATIONS and len(_inputs(node)) == 1:
        return node.target, node.args[0]
    return None


def _sum(name: str, inputs: list, moments: dict) -> tuple[Stats, dict]:
    """Two uncorrelated terms: second moments add (a tensor added to itself doubles instead)."""
    if inputs[0] is inputs[1]:
        c = 0.0 if name == "sub" else 2.0
        return moments[inputs[0]].scaled(c), {inputs[0]: c * c}
    second = moments[inputs[1]].scaled(-1.0) if name == "sub" else moments[inputs[1]]
    return moments[inputs[0]] + second, {inputs[0]: 1.0, inputs[1]: 1.0}


def _affine(name: str, node, stats: Stats, source) -> tuple[Stats, dict] | None:
    constant = next(arg for arg in node.args if not hasattr(arg, "op"))
    if not isinstance(constant, (int, float)):
        return None
    if name == "add":
        return stats.shifted(constant), {source: 1.0}
    c = constant if name == "mul" else 1 / constant
    return stats.scaled(c), {source: c * c}


def _concatenation(inputs: list, moments: dict) -> tuple[Stats, dict]:
    """Statistics weighted by each part's share of the elements; each part receives its own gradients."""
    sizes = np.array([math.prod(arg.meta["tensor_meta"].shape) for arg in inputs], dtype=float)
    share = sizes / sizes.sum()
    fields = [sum(w * getattr(moments[arg], f) for w, arg in zip(share, inputs, strict=True))
              for f in ("second", "mean", "feature", "position")]
    factors: dict = {}
    for arg in inputs:
        factors[arg] = factors.get(arg, 0.0) + 1.0 / inputs.count(arg)
    return Stats(*map(float, fields)), factors


def _single_input_call(node, source) -> Callable | None:
    """The node's operation as a function of its one tensor input, or None when another argument is a
    graph value."""
    if any(arg is not source for arg in _inputs(node)):
        return None

    def replace(value, x):
        if value is source:
            return x
        return type(value)(replace(v, x) for v in value) if isinstance(value, (list, tuple)) else value

    def call(x):
        args = [replace(a, x) for a in node.args]
        kwargs = {key: replace(v, x) for key, v in node.kwargs.items()}
        if node.op == "call_method":
            return getattr(args[0], node.target)(*args[1:], **kwargs)
        return node.target(*args, **kwargs)

    return call


def _backward(nodes: list, factors: dict) -> dict:
    """Mean square of the gradient reaching each node: 1 at the output (the first tensor of a tuple of
    outputs), and, going back, the sum over a node's uses of the use's gradient times its factor
    (contributions taken as uncorrelated); a node with a use that has no rule gets none."""
    gradients: dict = {}
    users = {node: list(node.users) for node in nodes}
    output = next((node for node in nodes if node.op == "output"), None)
    target = _leading(output.args[0], lambda value: hasattr(value, "op")) if output is not None else None
    for node in reversed(nodes):
        if node.op == "output":
            continue
        if node is target:
            gradients[node] = 1.0
            continue
        other = [user for user in users[node] if user.op != "output"]
        if len(other) < len(users[node]) and not other:  # another output than the first: no gradient
            gradients[node] = 0.0
            continue
        users[node] = other
        if not users[node] or any(user not in factors or user not in gradients for user in users[node]):
            continue
        gradients[node] = sum(gradients[user] * factors[user][node] for user in users[node])
    return gradients


def _branch_ends(graph, nodes: list) -> dict:
    """Residual sums ``x + f(x)``: the layer that ends each branch ``f`` (a linear, convolutional,
    attention or normalisation module, reached back through dropout, identities and
    constant factors) mapped to the stream ``x``, the factor those multiply its mean square by, and
    whether it is an attention."""
    ancestors: dict = {}
    for node in nodes:
        ancestors[node] = set().union(*(ancestors[a] | {a} for a in node.all_input_nodes))
    ends = {}
    for node in nodes:
        terms = [arg for arg in node.args if hasattr(arg, "op")]
        if _name(node) not in ("add", "iadd") or len(terms) != 2:
            continue
        if terms[0] in ancestors[terms[1]]:
            stream, branch = terms
        elif terms[1] in ancestors[terms[0]]:
            branch, stream = terms
        else:
            continue
        end, gain = _through_transparent(branch, graph)
        if end.op == "call_module" and _ends_branch(graph.get_submodule(end.target)):
            ends[end] = (stream, gain, graph.get_submodule(end.target).__class__.__name__ == "MultiheadAttention")
    return ends


def _ends_branch(module) -> bool:
    name = module.__class__.__name__
    return (name in ("Linear", "MultiheadAttention") or name.startswith("Conv")
            or (name in NORMALISATIONS and module.weight is not None))


def _through_transparent(node, graph) -> tuple[object, float]:
    """Back from ``node`` through dropout, identities and constant factors: the node reached and the
    factor they multiply a zero-mean tensor's mean square by."""
    gain = 1.0
    while True:
        if node.op == "call_module":
            module = graph.get_submodule(node.target)
            name = module.__class__.__name__
            if name.startswith("Dropout"):
                gain /= 1 - module.p if module.training else 1.0
            elif name != "Identity":
                return node, gain
        elif _name(node) == "getitem" and node.args[1] == 0:  # an attention's output
            pass
        elif _name(node) in ("mul", "truediv") and len(_inputs(node)) == 1:
            constant = next(arg for arg in node.args if not hasattr(arg, "op"))
            gain *= (constant if _name(node) == "mul" else 1 / constant) ** 2
        else:
            return node, gain
        node = _inputs(node)[0]


def _audits(graph, plan: dict, torch) -> list[Audit]:
    """``n Var(w)`` of each planned weight as it is and as the exact rule asks (``n``: PyTorch's fan-in)."""
    audits, seen = [], []
    for node, (kind, *values) in plan.items():
        module = graph.get_submodule(node.target)
        if kind == "normal":
            weight, name = module.weight.detach(), node.target
            torch_fan = float(torch.nn.init._calculate_fan_in_and_fan_out(weight)[0])
            fan = layer_rules.fans(module, tuple(node.args[0].meta["tensor_meta"].shape))[0]
            exact = values[0] ** 2 * torch_fan
        elif kind == "attention":
            packed = module._qkv_same_embed_dim
            weight = module.in_proj_weight.detach() if packed else module.q_proj_weight.detach()
            name = f"{node.target}.{'in_proj_weight' if packed else 'q_proj_weight'}"
            torch_fan = fan = float(weight.shape[1])
            exact = values[0][0] ** 2 * torch_fan
        else:
            continue
        copy = next((other for other, w in seen if w.shape == weight.shape and torch.equal(w, weight)), None)
        seen.append((name, weight))
        audits.append(Audit(name, module.__class__.__name__, torch_fan, fan, float(weight.double().var() * torch_fan),
                            exact, copy))
    return audits


def _fix_source(plan: dict) -> str:
    """A Python function that applies ``plan`` to a model built the same way."""
    lines = []
    for node, (kind, *values) in plan.items():
        if kind == "normal":
            lines.append(f"    _normal(model.get_submodule({node.target!r}), {values[0]:.6g})")
        elif kind == "gamma":
            lines.append(f"    _gamma(model.get_submodule({node.target!r}), {values[0]:.6g})")
        else:
            stds = ", ".join(f"{v:.6g}" for v in values[0])
            lines.append(f"    _attention(model.get_submodule({node.target!r}), ({stds}), {values[1]:.6g})")
    return FIX_TEMPLATE.format(body="\n".join(lines) or "    pass")


FIX_TEMPLATE = '''import torch


@torch.no_grad()
def reinitialise(model: torch.nn.Module) -> torch.nn.Module:
    """Re-initialise ``model`` by the exact rule derived by initproof: each layer's output keeps unit
    mean square; each residual branch adds its share of a stream that grows by sqrt(2) in all; every
    attention adds the same small share, so that tokens stay apart."""
{body}
    return model


def _normal(module, std):
    module.weight.normal_(0.0, std)
    if module.bias is not None:
        module.bias.zero_()


def _gamma(module, value):
    module.weight.fill_(value)
    if module.bias is not None:
        module.bias.zero_()


def _attention(module, stds, out_std):
    d = module.embed_dim
    if module._qkv_same_embed_dim:
        for part, std in zip(module.in_proj_weight.split(d), stds, strict=True):
            part.normal_(0.0, std)
    else:
        for weight, std in zip((module.q_proj_weight, module.k_proj_weight, module.v_proj_weight), stds,
                               strict=True):
            weight.normal_(0.0, std)
    if module.in_proj_bias is not None:
        module.in_proj_bias.zero_()
    _normal(module.out_proj, out_std)
'''


def _with_drift(rows: list[Row], leaves: list) -> list[Row]:
    """Rows with their measurements over the first of their kind's (see the module docstring)."""
    first: dict = {}
    out = []
    for row, (name, module, _) in zip(rows, leaves, strict=True):
        kind = (re.sub(r"(?<![^.])\d+(?![^.])", "#", name), row.module, row.shape,
                tuple(tuple(p.shape) for p in module.parameters(recurse=False)))
        if kind not in first:
            first[kind] = row
            out.append(row)
            continue
        base = first[kind]
        out.append(replace(row, forward_drift=_ratio(row.measured_forward, base.measured_forward),
                           backward_drift=_ratio(row.measured_backward, base.measured_backward)))
    return out


def _ratio(value: float, base: float) -> float | None:
    return value / base if base > 0 and np.isfinite(base) and np.isfinite(value) else None
