r"""Mean-field statistics carried through a model's ``torch.fx`` graph: each node's :class:`.layer_rules.Stats`
forward from the input's, the mean square of the gradient reaching it backward from the output's, and, when
planning, the weights the exact rule gives each layer (the rule itself: :mod:`.inspection`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import layer_rules
from .layer_rules import ACTIVATIONS, NORMALISATIONS, Stats

RESIDUAL_GROWTH = math.sqrt(2)
"""Growth of a residual stream's mean square over the whole depth under the exact rule."""


def channels_first(shape: tuple[int, ...], module=None) -> bool:
    """Images and feature maps are (examples, channels, positions...); sequences (examples, positions,
    features), except for the 1-d convolutions, poolings and norms."""
    return len(shape) >= 4 or (len(shape) == 3 and module is not None and module.__class__.__name__.endswith("1d"))


class Plan(dict):
    """What the exact rule sets, node by node, and how much the first attention averages its values
    (its output's mean square per unit value mean square), which every attention's share is planned from."""

    averaging: float | None = None

    def first(self, averaging: float) -> float:
        """The first attention's averaging, recorded when the first attention is planned."""
        if self.averaging is None:
            self.averaging = averaging
        return self.averaging


def propagate(graph, nodes: list, start: Stats, seed: int, plan: Plan | None = None) -> tuple[dict, dict, str | None]:
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
    rule = module_rule(module, stats, size, len(node.meta["tensor_meta"].shape), len(inputs), weights, gamma,
                        lambda: _monte_carlo(module, source, graph, moments, seed, module))
    return None if rule is None else (rule[0], {source: rule[1]})


def module_rule(module, stats: Stats, size: tuple[int, ...], rank: int, count: int, weights: tuple,
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
    first = channels_first(shape, module)
    made = _activation_of(source, graph)
    if made is not None and moments.get(made[1]) is not None:
        return layer_rules.monte_carlo(call, moments[made[1]], shape, first, seed, before=made[0])
    return layer_rules.monte_carlo(call, moments[source], shape, first, seed)


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


def backward(nodes: list, factors: dict) -> dict:
    """Mean square of the gradient reaching each node: 1 at the output (the first tensor of a tuple of
    outputs), and, going back, the sum over a node's uses of the use's gradient times its factor
    (contributions taken as uncorrelated); a node with a use that has no rule gets none."""
    gradients: dict = {}
    users = {node: list(node.users) for node in nodes}
    output = next((node for node in nodes if node.op == "output"), None)
    target = leading(output.args[0], lambda value: hasattr(value, "op")) if output is not None else None
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


def leading(value, wanted: Callable):
    """The first member of a nest of tuples, lists and dicts for which ``wanted`` holds, or None."""
    if wanted(value):
        return value
    members = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return next((found for found in (leading(member, wanted) for member in members) if found is not None), None)
