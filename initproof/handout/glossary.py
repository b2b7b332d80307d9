"""The Vietnamese of the handout as the course notes write it: the English terms the notes keep, the
Vietnamese they use for the rest, and the English words that must not appear in Vietnamese prose."""

from __future__ import annotations

KEPT = frozenset({
    "gradient", "gradients", "Gradient Vanishing", "Exploding Gradient", "learning rate", "loss", "epoch", "batch",
    "training", "overfit", "overfitting", "underfit", "backward", "forward", "fan-in", "fan-out", "bias", "query",
    "key", "token", "attention", "residual", "dropout", "framework", "seed", "layer", "layers",
})
"""English terms the notes keep in their Vietnamese ("Gradient tại mỗi layer", "learning rate quá cao")."""

TERMS = {
    "forward propagation": "lan truyền tiến", "backpropagation": "lan truyền ngược", "weight": "trọng số",
    "variance": "phương sai", "expectation": "kỳ vọng", "activation function": "hàm kích hoạt",
    "initialisation range": "khoảng khởi tạo", "parameter theta": "tham số theta",
    "standard deviation": "độ lệch chuẩn", "uniform distribution": "phân phối đều",
    "normal distribution": "phân phối chuẩn", "pre-activation": "tiền kích hoạt",
}
"""The notes' Vietnamese for the terms they translate."""

ENGLISH = frozenset({
    "the", "and", "of", "with", "is", "are", "to", "for", "on", "at", "by", "from", "that", "this", "when",
    "which", "each", "every", "not", "or", "in", "as", "be", "an", "its", "weights", "weight", "variance",
    "mean", "network", "networks", "input", "inputs", "output", "outputs", "measured", "predicted", "step",
    "steps", "after", "before", "same", "train", "test", "accuracy", "rule", "rules", "derivation",
    "assumptions", "results", "answer", "question", "figure", "table", "random", "constant", "exact",
})
"""Common English words: any of them in the Vietnamese prose, outside :data:`KEPT` and the notes' own
quotations, is an untranslated phrase."""
