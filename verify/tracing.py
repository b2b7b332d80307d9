"""A PyTorch model as a ``torch.fx`` graph whose tensors carry their shapes, with PyTorch's Transformer
encoder followed inside.

``torch.fx`` keeps every ``torch.nn`` module as one node. ``nn.TransformerEncoder`` and
``nn.TransformerEncoderLayer`` cannot be traced as they are written (their fast-path checks inspect
the tensors), so the tracer replaces them by the path they take in training mode, written here from
their documented structure (Xiong et al. 2020, Fig. 1: post-norm, or pre-norm with ``norm_first``):
``x = norm1(x + dropout1(attention(x)))``, ``x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))``.
``nn.MultiheadAttention`` stays one node, with a rule of its own.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata


def traced(model: nn.Module, example: torch.Tensor) -> torch.fx.GraphModule:
    """``model``'s graph, each node's output shape and dtype in ``node.meta["tensor_meta"]``."""
    graph = _Tracer().trace(_Root(model) if type(model) in _FOLLOWED else model)
    for node in graph.nodes:
        if node.op in ("call_module", "get_attr") and isinstance(node.target, str):
            node.target = node.target.removeprefix(_Root.PREFIX)
    module = torch.fx.GraphModule(model, graph)
    with torch.no_grad():
        ShapeProp(module).propagate(example)
    return module


def is_tensor(node) -> bool:
    """Whether a graph node's value is one tensor (not a size, a tuple or a constant)."""
    return isinstance(node.meta.get("tensor_meta"), TensorMetadata)


class _Root(nn.Module):
    """A followed module as the root of a trace (the tracer follows modules it calls, not its root)."""

    PREFIX = "model."

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


class _Tracer(torch.fx.Tracer):
    def is_leaf_module(self, module: nn.Module, name: str) -> bool:
        return type(module) not in _FOLLOWED and super().is_leaf_module(module, name)

    def call_module(self, module: nn.Module, forward, args, kwargs):
        follow = _FOLLOWED.get(type(module))
        return follow(module, *args, **kwargs) if follow else super().call_module(module, forward, args, kwargs)


def _unmasked(*masks) -> None:
    if any(mask is not None for mask in masks):
        raise NotImplementedError("attention masks are not followed; inspect the model without them")


def _encoder(encoder: nn.TransformerEncoder, src, mask=None, src_key_padding_mask=None, is_causal=None):
    _unmasked(mask, src_key_padding_mask)
    for layer in encoder.layers:
        src = layer(src)
    return src if encoder.norm is None else encoder.norm(src)


def _encoder_layer(layer: nn.TransformerEncoderLayer, src, src_mask=None, src_key_padding_mask=None,
                   is_causal=False):
    _unmasked(src_mask, src_key_padding_mask)

    def attention(x):
        return layer.dropout1(layer.self_attn(x, x, x, need_weights=False)[0])

    def feed_forward(x):
        return layer.dropout2(layer.linear2(layer.dropout(layer.activation(layer.linear1(x)))))

    if layer.norm_first:
        src = src + attention(layer.norm1(src))
        return src + feed_forward(layer.norm2(src))
    src = layer.norm1(src + attention(src))
    return layer.norm2(src + feed_forward(src))


_FOLLOWED = {nn.TransformerEncoder: _encoder, nn.TransformerEncoderLayer: _encoder_layer}
