r"""Mean-field rules for PyTorch layers: how one layer maps the statistics of its input (a
:class:`Stats`) to those of its output, and the factor by which it multiplies the mean square of the
gradient travelling back through it.

Each rule returns ``(Stats, factor)``. The rules with a closed form are the derivations of
:mod:`initproof.derive` applied to the weights the layer has; the rest are Monte Carlo estimates of the
layer on Gaussian inputs with the same statistics (what the mean-field picture assumes of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from initproof.derive.activations import named

from .numeric import activation_pair
from .recursion import gaussian_expectation, half_line_rule

ACTIVATIONS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "GELU": "gelu", "SiLU": "silu",
               "ELU": "elu", "SELU": "selu", "Softplus": "softplus", "LeakyReLU": "leaky_relu",
               "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "gelu": "gelu", "silu": "silu",
               "elu": "elu", "selu": "selu", "softplus": "softplus", "leaky_relu": "leaky_relu"}
"""Activation modules and functions (``torch.relu``, ``F.gelu``, ...) with their catalogue names, at
PyTorch's default parameters."""

NORMALISATIONS = ("LayerNorm", "GroupNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
                  "InstanceNorm2d", "InstanceNorm3d", "RMSNorm")
MONTE_CARLO_SAMPLES = 1 << 16
"""At least this many Gaussian input values per Monte Carlo rule."""
ATTENTION_DRAWS = 1 << 11
"""At least this many (sequence, feature) pairs per attention: at initialisation an attention's output is
nearly one vector per sequence, so sequences, not positions, set its Monte Carlo error (3% here)."""
SHARED_DRAWS = 1024
"""At least this many draws of the part of an input that a feature shares across examples."""


@dataclass(frozen=True)
class Layout:
    """Which dimension of a tensor holds the features (channels) and which hold positions; the rest
    index examples."""

    features: int
    positions: tuple[int, ...]

    @staticmethod
    def of(shape: tuple[int, ...], channels_first: bool) -> Layout:
        """Rank 2: (examples, features). Channels first: (examples, channels, positions...); else
        (examples, positions..., features)."""
        rank = len(shape)
        if rank <= 2:
            return Layout(rank - 1, ())
        if channels_first:
            return Layout(1, tuple(range(2, rank)))
        return Layout(rank - 1, tuple(range(1, rank - 1)))


@dataclass(frozen=True)
class Stats:
    r"""What the mean field carries for a tensor whose entries are indexed by a feature (a channel), an
    example and a position (in a sequence or an image): :math:`s = E[x^2]`, :math:`m = E[x]`, the mean
    square of each feature's mean over examples and positions, :math:`M = E_f[(E_{b,p}\,x)^2]`, and the
    covariance of two positions of one example, :math:`c = E[x_p x_{p'}]` (:math:`p \ne p'`); a tensor
    without positions has :math:`c = s`. An entry is modelled as
    :math:`x = m + \sqrt{M - m^2}\,u_f + \sqrt{c - M}\,v_{fb} + \sqrt{s - c}\,\xi_{fbp}` with independent
    standard Gaussians: one part shared by all examples, one by the positions of an example, one its own.

    Shared parts are what per-feature biases, the mean of a ReLU seen through the next layer's weights,
    and attention (which averages over positions) leave behind; BatchNorm removes :math:`M`, and
    attention's output grows with :math:`c` (tokens become alike with depth)."""

    second: float
    mean: float = 0.0
    feature: float = 0.0
    position: float = 0.0

    def scaled(self, k: float) -> Stats:
        return Stats(k * k * self.second, k * self.mean, k * k * self.feature, k * k * self.position)

    def shifted(self, k: float) -> Stats:
        extra = 2 * k * self.mean + k * k
        return Stats(self.second + extra, self.mean + k, self.feature + extra, self.position + extra)

    def __add__(self, other: Stats) -> Stats:
        """The sum of two uncorrelated tensors."""
        cross = 2 * self.mean * other.mean
        return Stats(self.second + other.second + cross, self.mean + other.mean,
                     self.feature + other.feature + cross, self.position + other.position + cross)

    def without_positions(self) -> Stats:
        return replace(self, position=self.second)

    def draw(self, shape: tuple[int, ...], layout: Layout, generator, dtype=None):
        """Gaussian entries of ``shape`` with these statistics (on the CPU; float64 unless ``dtype``)."""
        import torch

        def gaussian(dims: tuple[int, ...]):
            size = [n if d in dims else 1 for d, n in enumerate(shape)]
            return torch.randn(size, generator=generator, dtype=dtype or torch.float64)

        shared, example, own = _parts(self)
        examples = tuple(d for d in range(len(shape)) if d != layout.features and d not in layout.positions)
        return (self.mean + shared * gaussian((layout.features,)) + example * gaussian((layout.features, *examples))
                + own * gaussian(tuple(range(len(shape)))))

    @staticmethod
    def measured(x, layout: Layout) -> Stats:
        """The statistics of a tensor's entries (sample versions of the definitions)."""
        x = x.detach().double()
        second, mean = float(x.pow(2).mean()), float(x.mean())
        others = tuple(d for d in range(x.dim()) if d != layout.features)
        feature = min(float(x.mean(dim=others).pow(2).mean()) if others else second, second)
        count = math.prod(x.shape[d] for d in layout.positions)
        if count <= 1:
            return Stats(second, mean, feature, second)
        centred = float(x.mean(dim=layout.positions).pow(2).mean())
        position = (centred - second / count) / (1 - 1 / count)
        return Stats(second, mean, feature, min(max(position, feature), second))


def _parts(stats: Stats) -> tuple[float, float, float]:
    """Standard deviations of the part shared by all, the part shared by an example's positions, and
    an entry's own part."""
    return (math.sqrt(max(stats.feature - stats.mean**2, 0.0)), math.sqrt(max(stats.position - stats.feature, 0.0)),
            math.sqrt(max(stats.second - stats.position, 0.0)))


def shared_square(f, mean: float, shared: float, own: float) -> float:
    r""":math:`E_u[(E_\xi f(m + \sqrt{a}\,u + \sqrt{b}\,\xi))^2]` for independent standard Gaussians
    :math:`u, \xi`, ``shared`` :math:`= a`, ``own`` :math:`= b`: the covariance of :math:`f` at two points
    that share the part :math:`\sqrt{a}\,u`. Both integrals by the panel rule of :mod:`.recursion`, the
    inner one at every node of the outer one at once."""
    shared, own = max(shared, 0.0), max(own, 0.0)
    if own <= 1e-12 * (shared + own):
        return gaussian_expectation(lambda v: f(mean + v) ** 2, max(shared, 1e-300))
    if shared <= 1e-12 * own:
        return gaussian_expectation(lambda v: f(mean + v), own) ** 2
    points, weights = half_line_rule(own)

    def inner(centres: np.ndarray) -> np.ndarray:
        return (f(centres[:, None] + points) + f(centres[:, None] - points)) @ weights

    return gaussian_expectation(lambda u: inner(mean + u) ** 2, shared)


def activation(name: str, stats: Stats) -> tuple[Stats, float]:
    r"""An activation of a Gaussian pre-activation with statistics ``stats``: :math:`E[\phi(z)^2]`,
    :math:`E[\phi(z)]` and the backward factor :math:`E[\phi'(z)^2]` by quadrature, the shared parts by
    :func:`shared_square` (two entries of one feature share :math:`M - m^2`; two positions of one example
    share :math:`c - m^2`)."""
    phi, dphi = activation_pair(named(ACTIVATIONS[name]))
    m, variance = stats.mean, max(stats.second - stats.mean**2, 1e-300)
    second = gaussian_expectation(lambda u: phi(m + u) ** 2, variance)
    feature = shared_square(phi, m, stats.feature - m * m, stats.second - stats.feature)
    position = (second if stats.position >= stats.second
                else shared_square(phi, m, stats.position - m * m, stats.second - stats.position))
    out = Stats(second, gaussian_expectation(lambda u: phi(m + u), variance), min(feature, second),
                min(max(position, feature), second))
    return out, gaussian_expectation(lambda u: dphi(m + u) ** 2, variance)


def weighted(module, stats: Stats, size: tuple[int, ...], weight_square: float | None = None,
             bias_square: float | None = None) -> tuple[Stats, float]:
    r"""A linear or convolutional layer: :math:`E[y^2] = n\,E[w^2]\,E[x^2] + E[b^2]`, and so for each shared
    part (a bias is shared by every example and position); :math:`E[y] = 0` (zero-mean weights); backward
    the fan-out :math:`m\,E[w^2]`. ``weight_square`` and ``bias_square`` replace the layer's own
    :math:`E[w^2]` and :math:`E[b^2]`."""
    fan_in, fan_out = fans(module, size)
    if weight_square is None:
        weight_square = float(module.weight.detach().double().pow(2).mean())
    if bias_square is None:
        bias_square = 0.0 if module.bias is None else float(module.bias.detach().double().pow(2).mean())
    gain = fan_in * weight_square
    out = Stats(gain * stats.second + bias_square, 0.0, gain * stats.feature + bias_square,
                gain * stats.position + bias_square)
    return out, fan_out * weight_square


def fans(module, size: tuple[int, ...]) -> tuple[float, float]:
    """Mean number of terms per output element and per input element of a linear or convolutional
    layer on an input of shape ``size`` (batch first)."""
    shape = tuple(module.weight.shape)
    if module.__class__.__name__ == "Linear":
        return float(shape[1]), float(shape[0])
    return convolution_fans(module, shape, tuple(size[2:]))


def convolution_fans(module, shape: tuple[int, ...], size: tuple[int, ...]) -> tuple[float, float]:
    """Mean number of terms per output element and per input element of a convolution over an input of
    spatial ``size``: ``C_in/g`` (``C_out/g`` for an input) times the (output, tap) pairs that land
    inside the input, per output (per input) position; zero padding makes the border count less. A
    transposed convolution (weight stored ``(C_in, C_out/g, ...)``) is counted without its borders
    (the ``transposed-convolution-fan`` derivation)."""
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


def normalisation(module, stats: Stats, gamma: float | None = None) -> tuple[Stats, float]:
    r"""LayerNorm, GroupNorm, RMSNorm (over the features of a position), BatchNorm in training mode (over
    the examples and positions of a feature), InstanceNorm (over the positions of an example's feature):
    the part it removes is gone and the rest is divided by the variance :math:`v` left (the
    ``normalisation-variance`` derivation), so :math:`E[y^2] = E[\gamma^2] + E[\beta^2]`; the gradient is
    divided by :math:`v` and multiplied by :math:`E[\gamma^2]` (the projections that remove the mean and the
    component along :math:`x` are one dimension each, negligible for wide layers). BatchNorm's
    :math:`v = s - M`: a ReLU's mean seen through the layer before it (a third of :math:`E[x^2]`) counts.
    ``gamma`` replaces the module's :math:`E[\gamma^2]` and zeroes :math:`\beta`."""
    weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
    beta_square = beta = 0.0
    if gamma is None:
        gamma = 1.0 if weight is None else float(weight.detach().double().pow(2).mean())
        if bias is not None:
            beta_square, beta = float(bias.detach().double().pow(2).mean()), float(bias.detach().double().mean())
    name = module.__class__.__name__
    s, m, feature, position = stats.second, stats.mean, stats.feature, stats.position
    if name.startswith("BatchNorm"):
        variance, kept = s - feature, Stats(1.0, 0.0, 0.0, (position - feature) / (s - feature))
    elif name.startswith("InstanceNorm"):
        variance, kept = s - position, Stats(1.0)
    elif name == "RMSNorm":
        variance, kept = s, Stats(1.0, m / math.sqrt(s), feature / s, position / s)
    else:
        variance, kept = s - m * m, Stats(1.0, 0.0, (feature - m * m) / (s - m * m), (position - m * m) / (s - m * m))
    out = Stats(gamma + beta_square, kept.mean * math.sqrt(gamma) + beta, gamma * kept.feature + beta_square,
                gamma * kept.position + beta_square)
    return out, gamma / variance


def dropout(module, stats: Stats) -> tuple[Stats, float]:
    r"""Inverted dropout in training mode (the ``dropout-variance`` derivation): :math:`E[y] = E[x]`,
    :math:`E[y^2] = E[x^2]/(1 - p)`; the shared parts are kept (masks are independent); the gradient is
    masked and scaled the same way."""
    keep = 1 - module.p if module.training else 1.0
    return replace(stats, second=stats.second / keep), 1 / keep


def attention(module, inputs: dict, arguments: list, seed: int,
              weights: tuple[list[float], float] | None = None) -> tuple[Stats, dict] | None:
    r"""``nn.MultiheadAttention`` on Gaussian query, key and value inputs: the output's statistics and the
    backward factor to each input.

    ``inputs`` maps each distinct input to its ``(Stats, shape)``; ``arguments`` lists the query, key and
    value among them (self-attention passes one input three times, and its factor sums the three paths).
    Softmax attention has no closed form for a finite sequence: the module itself runs on Gaussian inputs
    with those statistics (:data:`MONTE_CARLO_SAMPLES` values, :data:`ATTENTION_DRAWS` sequence-features),
    in training mode and in the module's precision, and a
    Gaussian gradient of unit mean square flows back. Its scores are :math:`q \cdot k/\sqrt{d_h}` with
    :math:`\operatorname{Var}(q \cdot k) = d_h \operatorname{Var}(q)\operatorname{Var}(k)` (``attention-scale``);
    a key and its value come from the same token, so the weight a token gets and its value are not
    independent, which running the module's own projections keeps. ``weights`` re-draws the query, key
    and value projections with those variances and the output projection with the last, biases zero.
    None for bias_k/bias_v or add_zero_attn."""
    import copy

    import torch

    if module.bias_k is not None or module.add_zero_attn:
        return None
    generator = torch.Generator().manual_seed(seed)
    if weights is not None:
        module = _redrawn(copy.deepcopy(module), weights, generator)
    parameter = next(module.parameters())
    tensors = {}
    for key, (stats, shape) in inputs.items():
        first = shape if module.batch_first or len(shape) == 2 else (shape[1], shape[0], *shape[2:])
        rows = max(-(-MONTE_CARLO_SAMPLES // math.prod(first[1:])), -(-ATTENTION_DRAWS // first[-1]))
        draw = stats.draw((rows, *first[1:]), Layout.of(first, channels_first=False), generator, parameter.dtype)
        if not module.batch_first and len(shape) == 3:
            draw = draw.transpose(0, 1)
        tensors[key] = draw.to(parameter.device, parameter.dtype).requires_grad_(True)
    out = module(*(tensors[key] for key in arguments), need_weights=False)[0]
    gradient = torch.randn(out.shape, generator=generator, dtype=out.dtype).to(out.device)
    (out * gradient).sum().backward()
    upstream = float(gradient.double().pow(2).mean())
    batch_first = out.detach() if module.batch_first or out.dim() == 2 else out.detach().transpose(0, 1)
    return (Stats.measured(batch_first, Layout.of(tuple(batch_first.shape), channels_first=False)),
            {key: float(t.grad.double().pow(2).mean()) / upstream for key, t in tensors.items()})


def _redrawn(module, weights: tuple[list[float], float], generator):
    """``module`` with normal query, key, value and output projections of the given variances, zero biases."""
    import torch

    def normal(tensor, variance):
        draw = math.sqrt(variance) * torch.randn(tensor.shape, generator=generator, dtype=torch.float64)
        tensor.copy_(draw.to(tensor.device, tensor.dtype))

    with torch.no_grad():
        if module._qkv_same_embed_dim:
            parts = module.in_proj_weight.split(module.embed_dim)
        else:
            parts = (module.q_proj_weight, module.k_proj_weight, module.v_proj_weight)
        for part, variance in zip(parts, weights[0], strict=True):
            normal(part, variance)
        normal(module.out_proj.weight, weights[1])
        for bias in (module.in_proj_bias, module.out_proj.bias):
            if bias is not None:
                bias.zero_()
    return module


def monte_carlo(call, stats: Stats, shape: tuple[int, ...], channels_first: bool, seed: int,
                before=None) -> tuple[Stats, float]:
    r"""A parameterless operation ``call`` (max-pooling, a softmax, an average, ...) on Gaussian inputs of
    ``shape`` with statistics ``stats`` (passed through ``before``, the activation that made them, when
    there is one: the mean field takes pre-activations Gaussian, not their images): the output's
    statistics and :math:`E[g_x^2]/E[g_y^2]` for a Gaussian gradient :math:`g_y`, over enough batches for
    :data:`MONTE_CARLO_SAMPLES` input values and :data:`SHARED_DRAWS` draws of the shared parts."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    layout = Layout.of(shape, channels_first)
    repeats = max(1, -(-MONTE_CARLO_SAMPLES // math.prod(shape)), -(-SHARED_DRAWS // shape[layout.features]))
    outputs, inputs, upstream = [], [], []
    for _ in range(repeats):
        x = stats.draw(shape, layout, generator)
        x = (x if before is None else before(x)).detach().requires_grad_(True)
        y = call(x)
        g = torch.randn(y.shape, generator=generator, dtype=torch.float64)
        (y * g).sum().backward()
        outputs.append(y.detach())
        inputs.append(float(x.grad.pow(2).mean()))
        upstream.append(float(g.pow(2).mean()))
    out = torch.cat(outputs) if outputs[0].dim() else torch.stack(outputs)
    return Stats.measured(out, Layout.of(tuple(out.shape), channels_first)), float(np.sum(inputs) / np.sum(upstream))
