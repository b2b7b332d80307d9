r"""A PyTorch model at initialisation: per-layer forward and backward second moments, predicted by the
mean-field rules of :mod:`.layer_rules` and measured on the real model; the layers whose signal drifts
with depth; each weight's initialiser against the exact rule; and a re-initialisation that keeps it.

The model runs on Gaussian inputs :math:`x \sim N(0, 1)` (or a batch the user gives); the backward pass
starts from :math:`\partial L/\partial y = R \sim N(0, 1)` at the output. Each leaf module (one without
children, and ``nn.MultiheadAttention`` as a whole) is recorded in call order, its output's mean square
measured, and the mean square of the gradient reaching that output measured by a tensor hook.

The prediction follows the model's ``torch.fx`` graph (:mod:`.tracing`, :mod:`.propagation`) with the
weights the model has, carrying each tensor's statistics forward from the input's, and each tensor's gradient mean
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
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from . import layer_rules, propagation
from .layer_rules import Layout, Stats


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
    truncated_at: float | None = None
    """Where the values look cut, in units of the untruncated normal's standard deviation (:func:`truncation`):
    ``trunc_normal_(w, std=s, a=-2*s, b=2*s)`` gives 2, and a variance of 0.774 s^2, not s^2."""

    def as_dict(self) -> dict:
        return {"name": self.name, "module": self.module, "torch_fan_in": self.torch_fan_in, "fan_in": self.fan_in,
                "gain": self.gain, "exact": self.exact, "copy_of": self.copy_of, "truncated_at": self.truncated_at}

    def note(self) -> str:
        """What the audit found beyond the two gains, in words."""
        notes = [f"same values as {self.copy_of}"] if self.copy_of else []
        if self.truncated_at is not None:
            cut = self.truncated_at
            notes.append(f"normal cut at +-{cut:.2f} std: Var x {truncated_variance(cut):.3f}")
        return "; ".join(notes)


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
        leaves, measured_forward, measured_backward, run = _measure(net, x, torch)
        if k == 0:
            predicted, stopped, audits, fix = _predict(net, leaves, x, run, _start(example, x, torch), seed, torch)
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
    layout = Layout.of(tuple(x.shape), propagation.channels_first(tuple(x.shape)))
    if isinstance(example, torch.Tensor):
        return Stats.measured(x, layout)
    return Stats(1.0, 0.0, 0.0, 0.0 if layout.positions else 1.0)


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
    found = propagation.leading(output, lambda value: isinstance(value, torch.Tensor))
    if found is None:
        raise TypeError(f"the model returned a {type(output).__name__} without a tensor")
    return found


def _measure(model, x, torch) -> tuple[list, list[float], list[float], tuple[list, object]]:
    """Leaf modules in call order (name, module, output shape), the mean square of each output and of the
    gradient reaching it, and the run itself: what each call received and returned, and the output the
    gradient started from (for :func:`_followed`)."""
    found = _leaves(model, torch)
    names = {id(m): name for name, m in found}
    leaves, forward, gradients, calls = [], [], {}, []

    def hook(module, inputs, output):
        output = output[0] if isinstance(output, tuple) else output
        if not isinstance(output, torch.Tensor):
            return
        index = len(leaves)
        leaves.append((names[id(module)], module, tuple(output.shape)))
        calls.append((module, [t for t in inputs if isinstance(t, torch.Tensor)], output))
        forward.append(float(output.detach().double().pow(2).mean()))
        if output.requires_grad:
            output.register_hook(lambda grad: gradients.__setitem__(index, float(grad.double().pow(2).mean())))

    handles = [m.register_forward_hook(hook) for _, m in found]
    try:
        y = _first(model(x), torch)
        (y * torch.randn_like(y)).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    return leaves, forward, [gradients.get(k, float("nan")) for k in range(len(leaves))], (calls, y)


def _predict(model, leaves: list, x, run: tuple[list, object], start: Stats, seed: int,
             torch) -> tuple[list[tuple], str | None, list, str | None]:
    """Predicted (forward, backward) mean squares for each leaf module call of the measured ``run`` of
    ``model`` on ``x``, what stopped the prediction, the audit of each weight and the re-initialisation."""
    from .tracing import traced

    unknown = [(None, None)] * len(leaves)
    try:
        graph = traced(model, x.detach())
    except Exception as error:  # tracing a user's model can fail in many ways; the measurements go on
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        predicted, stopped = _followed(leaves, run, x, start, seed)
        return predicted, f"torch.fx cannot trace the model ({reason}); {stopped}", [], None
    nodes = list(graph.graph.nodes)
    calls = [node for node in nodes if node.op == "call_module"]
    if [graph.get_submodule(node.target) for node in calls] != [module for _, module, _ in leaves]:
        return unknown, "the traced graph calls the modules in another order than the model did", [], None
    moments, factors, stopped = propagation.propagate(graph, nodes, start, seed)
    gradients = propagation.backward(nodes, factors)
    predicted = [(moments[node].second if node in moments else None, gradients.get(node)) for node in calls]
    if stopped:
        return predicted, stopped, [], None
    plan = propagation.Plan()
    propagation.propagate(graph, nodes, start, seed, plan)
    return predicted, None, _audits(graph, plan, torch), _fix_source(plan)


def _followed(leaves: list, run: tuple[list, object], x, start: Stats, seed: int) -> tuple[list[tuple], str]:
    """Predictions from the measured ``run`` (what forward hooks saw), for a model ``torch.fx`` cannot
    trace: a call whose one input is the model's input ``x`` or the very tensor an earlier call returned
    follows its rule; backward, from the model's output along calls that each take the previous call's
    output, used by no other module. The second value says how far that went."""
    calls, y = run
    known, forward, links, stopped = {id(x): start}, [], [], None
    for k, (module, inputs, out) in enumerate(calls):
        stats = known.get(id(inputs[0])) if len(inputs) == 1 else None
        rule = None
        if stats is not None:
            shape = tuple(inputs[0].shape)
            first = propagation.channels_first(shape, module)
            sampled = partial(layer_rules.monte_carlo, module, stats, shape, first, seed + k)
            rule = propagation.module_rule(module, stats, shape, out.dim(), 1, (None, None), None, sampled)
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
        values = weight.double().flatten().cpu().numpy()
        audits.append(Audit(name, module.__class__.__name__, torch_fan, fan, float(values.var(ddof=1) * torch_fan),
                            exact, copy, truncation(values)))
    return audits


TRUNCATION_SIZE, TRUNCATION_RATIO, TRUNCATION_KURTOSIS = 1000, 2.7, 2.0
"""A weight looks like a truncated normal when it has at least 1,000 values, its largest magnitude is at most
2.7 of its standard deviation (a normal sample of 1,000 reaches 2.77 at the least in 200 tries, of 65,536 3.9;
cut at 2, the ratio is 2.27) and its kurtosis is at least 2.0 (a uniform's is 1.8; cut at 2, 2.37)."""


def truncation(values: np.ndarray) -> float | None:
    r"""The cut :math:`c` of a normal truncated at :math:`\pm c` untruncated standard deviations that ``values``
    look drawn from, else None: :math:`c` solves :math:`c/\sigma_c = \max|w|/\operatorname{sd}(w)` with
    :math:`\sigma_c^2` = :func:`truncated_variance`."""
    values = values - values.mean()
    sd = float(values.std())
    if values.size < TRUNCATION_SIZE or sd == 0:
        return None
    ratio, kurtosis = float(np.abs(values).max()) / sd, float(np.mean(values**4)) / sd**4
    if not math.sqrt(3) < ratio <= TRUNCATION_RATIO or kurtosis < TRUNCATION_KURTOSIS:
        return None  # c / sigma_c grows with c from sqrt(3), the uniform's ratio, as c grows from 0
    from scipy.optimize import brentq

    return brentq(lambda cut: cut / math.sqrt(truncated_variance(cut)) - ratio, 1e-3, 4.0)


def truncated_variance(cut: float) -> float:
    r""":math:`\sigma_c^2 = 1 - 2c\varphi(c)/(2\Phi(c) - 1)`, the variance of a standard normal truncated at
    :math:`\pm c` (at :math:`c = 2`, the square of ``truncated-normal``'s derived 0.8796)."""
    inside = math.erf(cut / math.sqrt(2))
    return 1 - 2 * cut * math.exp(-cut**2 / 2) / math.sqrt(2 * math.pi) / inside


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
