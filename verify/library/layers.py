"""Checks of the convolution, attention, dropout and residual derivations: real layers in numpy
(a grouped convolution, query and key projections of random tokens, a dropout mask, a residual stream),
their measured second moments held against the derived formulas."""

from __future__ import annotations

import numpy as np
import sympy as sp
from numpy.lib.stride_tricks import sliding_window_view

from initproof.derive.library.layers import (
    alpha,
    branch_scale,
    c_in,
    c_out,
    d_k,
    depth,
    gain,
    groups,
    k_h,
    k_w,
    kv,
    layers_per_branch,
    p,
    qv,
    rate,
    residual_weight,
    rho,
    s_h,
    s_w,
    scale,
    size,
    sublayer_scale,
    sublayers,
)
from initproof.derive.library.rules import a, w
from initproof.derive.moments import Mean, Var
from initproof.derive.symbols import n
from initproof.derive.text import Text

from ..checks import SamplingCheck
from ..numeric import derived
from ..registry import register


def grouped_convolution(x: np.ndarray, weights: np.ndarray, groups: int) -> np.ndarray:
    """A 'valid' 2-D convolution (cross-correlation, as deep-learning frameworks compute it), stride 1,
    of images ``x`` (batch, C_in, H, W), each with kernels of its own: ``weights`` (batch, C_out,
    C_in/groups, k_h, k_w)."""
    _, out_channels, per_group, kh, kw = weights.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))  # batch, C_in, H', W', k_h, k_w
    outputs = []
    for group in range(groups):
        inputs = windows[:, group * per_group:(group + 1) * per_group]
        kernels = weights[:, group * out_channels // groups:(group + 1) * out_channels // groups]
        outputs.append(np.einsum("bchwij,bocij->bohw", inputs, kernels, optimize=True))
    return np.concatenate(outputs, axis=1)


CONVOLUTION = {"C_in": 8, "C_out": 4, "groups": 2, "kernel": 3, "size": 5}
"""The checked convolution: 3x3 kernels over 5x5 images, 8 input channels in 2 groups, 4 outputs."""


@register("convolution-fan")
def convolution_fan() -> list:
    shape = CONVOLUTION
    sizes = {k_h: shape["kernel"], k_w: shape["kernel"], c_in: shape["C_in"], groups: shape["groups"]}
    variance = derived("convolution-fan", "forward", sizes)
    expected = derived("convolution-fan", "fan-in", sizes | {Var(w): variance, Mean(a**2): sp.Rational(1, 2)})
    per_image = shape["C_out"] * (shape["size"] - shape["kernel"] + 1) ** 2

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        images = -(-k // per_image)
        x = np.maximum(rng.standard_normal((images, shape["C_in"], shape["size"], shape["size"])), 0)
        weights = np.sqrt(variance) * rng.standard_normal(
            (images, shape["C_out"], shape["C_in"] // shape["groups"], shape["kernel"], shape["kernel"]))
        return grouped_convolution(x, weights, shape["groups"]).ravel()[:k] ** 2

    return [SamplingCheck(
        "convolution-fan", "he-convolution",
        Text(f"E[z^2] = 1 for a 3x3 convolution, 8 input channels in 2 groups, after ReLU of N(0, 1), "
             f"Var(w) = 2g/(k_h k_w C_in) = {variance:.4g}",
             f"E[z^2] = 1 với tích chập 3x3, 8 kênh đầu vào chia 2 nhóm, sau ReLU của N(0, 1), "
             f"Var(w) = 2g/(k_h k_w C_in) = {variance:.4g}"),
        expected, draw)]


def transposed_convolution(x: np.ndarray, weights: np.ndarray, groups: int, stride: int) -> np.ndarray:
    """A 2-D transposed convolution, as deep-learning frameworks compute it (no padding), of images ``x``
    (batch, C_in, H, W), each with kernels of its own stored as frameworks store them: ``weights``
    (batch, C_in, C_out/groups, k, k). Input (i, j) adds its kernel at output (i s + u, j s + v)."""
    batch, channels, height, width = x.shape
    _, _, per_group, k, _ = weights.shape
    out = np.zeros((batch, per_group * groups, (height - 1) * stride + k, (width - 1) * stride + k))
    size = channels // groups
    for group in range(groups):
        taps = np.einsum("bcij,bcouv->bouvij", x[:, group * size:(group + 1) * size],
                         weights[:, group * size:(group + 1) * size], optimize=True)
        for u in range(k):
            for v in range(k):
                out[:, group * per_group:(group + 1) * per_group, u:u + stride * height:stride,
                    v:v + stride * width:stride] += taps[:, :, u, v]
    return out


TRANSPOSED = {"C_in": 8, "C_out": 4, "groups": 2, "kernel": 4, "stride": 2, "size": 6}
"""The checked transposed convolution: 4x4 kernels, stride 2, over 6x6 images, 8 input channels in 2
groups, 4 outputs; outputs read where every tap lands (rows and columns k - 1 to (size - 1) stride)."""


@register("transposed-convolution-fan")
def transposed_convolution_fan() -> list:
    shape = TRANSPOSED
    sizes = {k_h: shape["kernel"], k_w: shape["kernel"], c_in: shape["C_in"], c_out: shape["C_out"],
             groups: shape["groups"], s_h: shape["stride"], s_w: shape["stride"]}
    he = derived("transposed-convolution-fan", "forward", sizes)
    stored = (shape["C_in"], shape["C_out"] // shape["groups"], shape["kernel"], shape["kernel"])
    torch_variance = 2 / (stored[1] * stored[2] * stored[3])  # kaiming_normal_: fan-in = weight.size(1) * kernel
    torch_gain = derived("transposed-convolution-fan", "torch-gain", sizes)
    inner = slice(shape["kernel"] - 1, (shape["size"] - 1) * shape["stride"] + 1)
    per_image = shape["C_out"] * (inner.stop - inner.start) ** 2

    def outputs(variance: float):
        def draw(rng: np.random.Generator, k: int) -> np.ndarray:
            images = -(-k // per_image)
            x = np.maximum(rng.standard_normal((images, shape["C_in"], shape["size"], shape["size"])), 0)
            weights = np.sqrt(variance) * rng.standard_normal(
                (images, shape["C_in"], shape["C_out"] // shape["groups"], shape["kernel"], shape["kernel"]))
            out = transposed_convolution(x, weights, shape["groups"], shape["stride"])
            return out[:, :, inner, inner].ravel()[:k] ** 2
        return draw

    return [
        SamplingCheck("transposed-convolution-fan", "he-transposed",
                      Text(f"E[z^2] = 1 for a 4x4 transposed convolution, stride 2, 8 input channels in 2 groups, "
                           f"after ReLU of N(0, 1), Var(w) = 2 g s^2/(k^2 C_in) = {he:.4g}",
                           f"E[z^2] = 1 với tích chập chuyển vị 4x4, bước 2, 8 kênh đầu vào chia 2 nhóm, sau ReLU "
                           f"của N(0, 1), Var(w) = 2 g s^2/(k^2 C_in) = {he:.4g}"),
                      derived("transposed-convolution-fan", "fan-in", sizes | {Var(w): he, Mean(a**2): 0.5}),
                      outputs(he)),
        SamplingCheck("transposed-convolution-fan", "torch-fan",
                      Text(f"E[z^2] = G = C_in/(C_out s^2) = {torch_gain:.3g} with PyTorch's Var(w) = 2g/(k^2 C_out), "
                           "its fan-in read from the stored weight",
                           f"E[z^2] = G = C_in/(C_out s^2) = {torch_gain:.3g} với Var(w) = 2g/(k^2 C_out) của PyTorch, "
                           "fan-in đọc từ trọng số lưu trữ"),
                      torch_gain, outputs(torch_variance)),
    ]


PACKED = {"model": 64, "tokens": 256}
"""The checked projection: width 64, queries of 256 random N(0, 1) tokens."""


@register("packed-attention-fan")
def packed_attention_fan() -> list:
    width, tokens = PACKED["model"], PACKED["tokens"]

    def queries(rows: int):
        def draw(rng: np.random.Generator, k: int) -> np.ndarray:
            values = []
            for _ in range(-(-k // (tokens * width))):
                bound = np.sqrt(6 / (width + rows))  # xavier_uniform_ on a (rows, width) matrix
                weight = rng.uniform(-bound, bound, (rows, width))
                values.append((rng.standard_normal((tokens, width)) @ weight[:width].T).ravel() ** 2)
            return np.concatenate(values)[:k]
        return draw

    packed = derived("packed-attention-fan", "packed", {d_k: width})
    block = derived("packed-attention-fan", "per-projection", {d_k: width})
    return [
        SamplingCheck("packed-attention-fan", "packed",
                      Text("E[q^2] = d V_packed = 1/2: the query block of xavier_uniform_ on a packed (3d, d) "
                           "matrix, d = 64, tokens N(0, 1)",
                           "E[q^2] = d V_packed = 1/2: khối query của xavier_uniform_ trên ma trận gộp (3d, d), "
                           "d = 64, token N(0, 1)"),
                      derived("packed-attention-fan", "query", {d_k: width, Var(w): packed, Mean(a**2): 1}),
                      queries(3 * width)),
        SamplingCheck("packed-attention-fan", "per-projection",
                      Text("E[q^2] = d V_block = 1: xavier_uniform_ on the (d, d) query projection alone, d = 64",
                           "E[q^2] = d V_block = 1: xavier_uniform_ trên riêng phép chiếu query (d, d), d = 64"),
                      derived("packed-attention-fan", "query", {d_k: width, Var(w): block, Mean(a**2): 1}),
                      queries(width)),
    ]


ATTENTION = {"tokens": 32, "model": 64, "head": 32}
"""The checked attention head: 32 random tokens of width 64 projected to queries and keys of width 32."""


@register("attention-scale")
def attention_scale() -> list:
    tokens, model, head = ATTENTION["tokens"], ATTENTION["model"], ATTENTION["head"]
    factor = derived("attention-scale", "scale", {d_k: head})
    expected = factor**2 * derived("attention-scale", "score", {d_k: head, Var(qv): 1, Var(kv): 1})
    pairs = ~np.eye(tokens, dtype=bool)
    per_draw = tokens * (tokens - 1)

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // per_draw)):
            x = rng.standard_normal((tokens, model))
            w_q, w_k = (rng.standard_normal((model, head)) / np.sqrt(model) for _ in range(2))
            scores = factor * (x @ w_q) @ (x @ w_k).T
            values.append(scores[pairs] ** 2)
        return np.concatenate(values)[:k]

    return [SamplingCheck(
        "attention-scale", "scaled-scores",
        Text(f"E[(q.k/sqrt(d))^2] = Var(q) Var(k) = 1: queries and keys projected from 32 random tokens, d = {head}",
             f"E[(q.k/sqrt(d))^2] = Var(q) Var(k) = 1: query và key chiếu từ 32 token ngẫu nhiên, d = {head}"),
        expected, draw)]


WIDTH = {"heads": (16, 256), "rho": 0.3}
"""The checked widths and the correlation of a query entry with its key entry."""


@register("attention-width-scale")
def attention_width_scale() -> list:
    correlation = WIDTH["rho"]

    def scaled_scores(width: int):
        factor = derived("attention-width-scale", "scale", {d_k: width})

        def draw(rng: np.random.Generator, k: int) -> np.ndarray:
            queries = rng.standard_normal((k, width))
            keys = correlation * queries + np.sqrt(1 - correlation**2) * rng.standard_normal((k, width))
            return factor * np.einsum("bi,bi->b", queries, keys)
        return draw

    return [SamplingCheck(
        "attention-width-scale", f"width-{width}",
        Text(f"E[q.k/d] = rho = {correlation} at d = {width}: unit queries and keys correlated {correlation} entry "
             "by entry", f"E[q.k/d] = rho = {correlation} với d = {width}: query và key đơn vị tương quan "
             f"{correlation} theo từng phần tử"),
        derived("attention-width-scale", "scaled-mean",
                {d_k: width, rho: correlation, scale: derived("attention-width-scale", "scale", {d_k: width})}),
        scaled_scores(width), share=0.8 / width) for width in WIDTH["heads"]]
    # A score sums d products, so its variance falls like 1/d while its cost grows like d: 0.8/d samples per
    # width give every width the same interval (about 1% here) at the same cost.


DROPOUT, MEAN = 0.3, 0.5
"""Dropout probability of the checks, and the mean of the N(0.5, 1) activations they mask."""


@register("dropout-variance")
def dropout_variance() -> list:
    moments = {Mean(a): MEAN, Mean(a**2): MEAN**2 + 1, p: DROPOUT}

    def dropped(rng: np.random.Generator, shape) -> np.ndarray:
        return (rng.random(shape) >= DROPOUT) * (MEAN + rng.standard_normal(shape)) / (1 - DROPOUT)

    width, batch = 64, 16
    variance = 1 / width

    def layer(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // (batch * width))):
            weights = np.sqrt(variance) * rng.standard_normal((width, width))
            values.append((dropped(rng, (batch, width)) @ weights).ravel() ** 2)
        return np.concatenate(values)[:k]

    return [
        SamplingCheck("dropout-variance", "mean",
                      Text("E[m a/(1 - p)] = E[a]: a ~ N(0.5, 1), p = 0.3",
                           "E[m a/(1 - p)] = E[a]: a ~ N(0.5, 1), p = 0.3"),
                      derived("dropout-variance", "mean", moments), lambda rng, k: dropped(rng, k)),
        SamplingCheck("dropout-variance", "second-moment",
                      Text("E[(m a/(1 - p))^2] = E[a^2]/(1 - p): a ~ N(0.5, 1), p = 0.3",
                           "E[(m a/(1 - p))^2] = E[a^2]/(1 - p): a ~ N(0.5, 1), p = 0.3"),
                      derived("dropout-variance", "second-moment", moments), lambda rng, k: dropped(rng, k) ** 2),
        SamplingCheck("dropout-variance", "next-layer",
                      Text("Var(z) of the next layer = n Var(w) E[a^2]/(1 - p): n = 64, Var(w) = 1/n",
                           "Var(z) của lớp sau = n Var(w) E[a^2]/(1 - p): n = 64, Var(w) = 1/n"),
                      derived("dropout-variance", "next-layer", moments | {n: width, Var(w): variance}), layer),
    ]


RESIDUAL = {"blocks": 8, "width": 64, "batch": 64, "gain": 1.0}


@register("residual-variance")
def residual_variance() -> list:
    blocks, width, batch, branch_gain = (RESIDUAL[key] for key in ("blocks", "width", "batch", "gain"))
    scale = 1 / np.sqrt(blocks)
    expected = derived("residual-variance", "growth", {alpha: scale, gain: branch_gain, depth: blocks})
    per_draw = batch * width

    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        values = []
        for _ in range(-(-k // per_draw)):
            x = rng.standard_normal((batch, width))
            for _ in range(blocks):
                weights = np.sqrt(branch_gain / width) * rng.standard_normal((width, width))
                x = x + scale * x @ weights
            values.append(x.ravel() ** 2)
        return np.concatenate(values)[:k]

    return [SamplingCheck(
        "residual-variance", "scaled-stream",
        Text(f"E[x_L^2] = (1 + c/L)^L = {expected:.4g} for L = {blocks} linear branches of gain c = 1, scaled by "
             "1/sqrt(L)",
             f"E[x_L^2] = (1 + c/L)^L = {expected:.4g} với L = {blocks} nhánh tuyến tính hệ số c = 1, nhân "
             "1/sqrt(L)"),
        expected, draw)]


FIXUP = {"branches": 4, "layers": 3, "width": 2}
"""The checked network: 4 residual branches of 3 linear layers side by side on a unit input, width 2 (the
expectations hold at any width; each output coordinate is one sample, so a narrow network costs the fewest
random weights per sample)."""


def branch_steps(branches: int, layers: int, scale: float, width: int, read: float = 1.0):
    r"""A draw: per network and output coordinate :math:`y_j`, :math:`\sum_w (\partial y_j/\partial w)^2`, what a
    gradient step of unit rate changes :math:`y_j` by to first order, for ``branches`` chains of ``layers`` linear
    layers side by side on a unit input, each weight :math:`N(0, \mathrm{scale}^2/\mathrm{width})`, their sum
    multiplied by ``read``."""
    def draw(rng: np.random.Generator, k: int) -> np.ndarray:
        count = -(-k // width)
        x = rng.standard_normal((count, width), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        total = np.zeros((count, width))
        for _ in range(branches):
            weights = np.float32(scale / np.sqrt(width)) * rng.standard_normal((layers, count, width, width),
                                                                               dtype=np.float32)
            inputs = [x]
            for layer in weights[:-1]:
                inputs.append(np.einsum("bkl,bl->bk", layer, inputs[-1]))
            total += np.einsum("bl,bl->b", inputs[-1], inputs[-1])[:, None]  # the top layer: its own row
            above = weights[-1]
            for i in reversed(range(layers - 1)):  # layer i: the rows of the product above times the input below
                total += np.einsum("bkl,bkl->bk", above, above) * np.einsum("bl,bl->b", inputs[i], inputs[i])[:, None]
                above = above @ weights[i]
        return read**2 * total.ravel()[:k]
    return draw


@register("fixup-scale")
def fixup_scale() -> list:
    branches, layers, width = FIXUP["branches"], FIXUP["layers"], FIXUP["width"]
    shape = {depth: branches, layers_per_branch: layers}
    lam = derived("fixup-scale", "branch-scale", shape)
    expected = derived("fixup-scale", "total-change", shape | {branch_scale: lam, rate: 1, size: 1})
    return [SamplingCheck(
        "fixup-scale", "depth-free-step",
        Text(f"sum over weights of (dy/dw)^2 = eta m |x|^2 = {expected:.4g}: {branches} branches of {layers} linear "
             f"layers, each scaled by lambda = L^(-1/(2m-2)) = {lam:.4g}, unit input",
             f"tổng theo trọng số của (dy/dw)^2 = eta m |x|^2 = {expected:.4g}: {branches} nhánh gồm {layers} lớp "
             f"tuyến tính, mỗi lớp nhân lambda = L^(-1/(2m-2)) = {lam:.4g}, đầu vào đơn vị"),
        expected, branch_steps(branches, layers, lam, width), share=0.1)]


DEEPNET_LAYERS = 3
"""The checked encoder: 3 layers, K = 6 sub-layers (as in :data:`FIXUP`, the expectation holds at any size)."""


@register("deepnet-scale")
def deepnet_scale() -> list:
    shape = {sublayers: 2 * DEEPNET_LAYERS}
    weight, beta = derived("deepnet-scale", "residual-weight", shape), derived("deepnet-scale", "branch-scale", shape)
    expected = derived("deepnet-scale", "total-change",
                       shape | {residual_weight: weight, sublayer_scale: beta, rate: 1, size: 1})
    return [SamplingCheck(
        "deepnet-scale", "bounded-step",
        Text(f"sum over weights of (dy/dw)^2 = eta |x|^2 = {expected:.4g}: an encoder of {DEEPNET_LAYERS} layers "
             f"({2 * DEEPNET_LAYERS} sub-layers of 2 linear layers scaled by beta = {beta:.4g}, read through LN "
             f"as 1/alpha = 1/{weight:.4g}), unit input",
             f"tổng theo trọng số của (dy/dw)^2 = eta |x|^2 = {expected:.4g}: encoder {DEEPNET_LAYERS} lớp "
             f"({2 * DEEPNET_LAYERS} lớp con gồm 2 lớp tuyến tính nhân beta = {beta:.4g}, qua LN thành "
             f"1/alpha = 1/{weight:.4g}), đầu vào đơn vị"),
        expected, branch_steps(2 * DEEPNET_LAYERS, 2, beta, FIXUP["width"], 1 / weight), share=0.1)]

