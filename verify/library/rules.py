"""Checks of Xavier's and He's rules: real networks at the derived weight variance, held layer by layer
against the exact recursion."""

from __future__ import annotations

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from ..checks import NetworkCheck
from ..numeric import value
from ..registry import register
from ..settings import WIDTH


def gain(identifier: str, n: int = WIDTH) -> float:
    """``n Var(w)`` from a rule's forward result."""
    return n * value(derive.get(identifier).named("forward").rhs, n=n)


@register("xavier-tanh")
def xavier_tanh() -> list:
    return [NetworkCheck(
        "xavier-tanh",
        "tanh",
        Text("tanh, Var(w) = 1/n: q_l follows the exact recursion (slow decay)",
             "tanh, Var(w) = 1/n: q_l theo đúng truy hồi chính xác (giảm chậm)"),
        named("tanh"), gain("xavier-tanh"), WIDTH, 10, replicates=24,
    )]


@register("xavier-sigmoid")
def xavier_sigmoid() -> list:
    return [NetworkCheck(
        "xavier-sigmoid",
        "sigmoid",
        Text("sigmoid, Var(w) = 16/n: q_l settles at the recursion's fixed point",
             "sigmoid, Var(w) = 16/n: q_l ổn định tại điểm bất động của truy hồi"),
        named("sigmoid"), gain("xavier-sigmoid"), WIDTH, 10, replicates=48,
    )]


@register("he-relu")
def he_relu() -> list:
    return [
        NetworkCheck(
            "he-relu",
            "relu",
            Text("ReLU, Var(w) = 2/n: forward and backward variance preserved (q_l = 2 from unit inputs)",
                 "ReLU, Var(w) = 2/n: phương sai lan truyền tiến và ngược được giữ nguyên (q_l = 2 từ đầu vào "
                 "phương sai 1)"),
            named("relu"), gain("he-relu"), WIDTH, 10, replicates=96, preserves=("forward", "backward"),
        ),
        NetworkCheck(
            "he-relu",
            "relu-one-over-n",
            Text("ReLU, Var(w) = 1/n: q_l halves each layer, as the recursion predicts",
                 "ReLU, Var(w) = 1/n: q_l giảm một nửa mỗi lớp, đúng như truy hồi dự đoán"),
            named("relu"), gain("he-relu") / 2, WIDTH, 8,
        ),
    ]
