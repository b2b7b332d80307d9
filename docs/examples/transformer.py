"""The model of the README's ``initproof inspect`` example: a 4-layer post-norm Transformer encoder
(width 64, 4 heads) with a linear head, as PyTorch builds it, and the same model re-initialised by the
function ``inspect --fix`` writes (``fixed_init.py`` beside this file)."""

import torch


def encoder() -> torch.nn.Module:
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)
    return torch.nn.Sequential(torch.nn.TransformerEncoder(layer, 4, enable_nested_tensor=False),
                               torch.nn.Linear(64, 10))


def fixed() -> torch.nn.Module:
    from fixed_init import reinitialise

    return reinitialise(encoder())
