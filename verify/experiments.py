"""The course notes' claims about training, run on the digits over several seeds, with verdicts.

Each experiment quotes the notes (Vietnamese, with an English translation), states up front the
rule that decides its verdict, trains the networks it needs once per seed (independent streams
spawned from one seed), and returns the measured numbers per seed. A verdict never rests on one
seed: ``confirmed`` when the rule holds in every seed, ``refuted`` when it fails in every seed,
``depends`` otherwise. The notes name no data set; the 8x8 digits stand in for theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import sympy as sp

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from .data import CLASSES, FEATURES, load
from .numeric import activation_pair
from .training import History, Init, Network, Optimiser, train

CHANCE = 0.1
"""Test accuracy of guessing among 10 classes."""


def rule(identifier: str, name: str = "forward") -> sp.Expr:
    """A weight variance derived by :mod:`initproof.derive` (``he-relu`` -> ``2/n``)."""
    return derive.get(identifier).named(name).rhs


INITS: dict[str, Callable[[], Init]] = {
    "he": lambda: Init("he", rule("he-relu")),
    "xavier": lambda: Init("xavier", rule("xavier-tanh")),
    "xavier-average": lambda: Init("xavier-average", rule("xavier-tanh", "fan-average")),
    "sigmoid16": lambda: Init("sigmoid16", rule("xavier-sigmoid")),
    "torch-default": lambda: Init("torch-default", rule("linear-default-torch", "variance"), "uniform"),
    "zero": lambda: Init("zero", sp.Integer(0), "constant"),
    "constant": lambda: Init("constant", sp.Rational(1, 10000), "constant"),
    "small": lambda: Init("small", sp.Rational(1, 10000)),
    "large": lambda: Init("large", sp.Integer(1)),
}
"""Named initialisations: the derived rules (built when asked for: they prove their derivations),
all weights 0 or 0.01, and Gaussian weights of standard deviation 0.01 or 1."""


def digits_network(activation: sp.Expr, init: Init, depth: int, width: int, rng: np.random.Generator) -> Network:
    """A network for the digits: its pixels in, ``depth - 1`` hidden layers of ``width`` units, the
    classes out."""
    phi, dphi = activation_pair(activation)
    return Network.create([FEATURES, *([width] * (depth - 1)), CLASSES], init, phi, dphi, rng)


def run_network(activation: str, init: Init, data: str, seed: np.random.SeedSequence, depth: int = 3,
                width: int = 64, optimiser: str = "sgd", lr: float = 0.1, epochs: int = 8,
                batch: int = 32) -> tuple[Network, History]:
    """Train one network of ``depth`` weight layers on ``data``; its weights and its history."""
    rng = np.random.default_rng(seed)
    network = digits_network(named(activation), init, depth, width, rng)
    return network, train(network, Optimiser(optimiser, lr), load(data), epochs, batch, rng)


@dataclass(frozen=True)
class Finding:
    """An experiment's outcome: per-seed measurements, whether the rule held in each, the verdict."""

    name: str
    quote: Text
    where: str
    rule: Text
    measured: dict[str, list[float]]
    held: list[bool]

    @property
    def verdict(self) -> str:
        return "confirmed" if all(self.held) else "refuted" if not any(self.held) else "depends"

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """What :func:`dataclasses.asdict` made of a finding, as a finding again."""
        return cls(**data | {"quote": Text(**data["quote"]), "rule": Text(**data["rule"])})

    def as_dict(self, lang: str) -> dict:
        return {"name": self.name, "quote": self.quote.vi, "quote_en": self.quote.en, "where": self.where,
                "rule": self.rule(lang), "measured": self.measured, "held": self.held, "verdict": self.verdict}


def raw_pixels(seeds: list[np.random.SeedSequence]) -> Finding:
    """002: with 0-255 pixels ReLU does not learn, the sigmoid does; normalising fixes ReLU."""
    he, xavier = INITS["he"](), INITS["xavier"]()
    measured: dict[str, list[float]] = {"relu raw": [], "sigmoid raw": [], "relu normalised": []}
    held = []
    for seed in seeds:
        runs = (("relu raw", "relu", he, "raw-digits"), ("sigmoid raw", "sigmoid", xavier, "raw-digits"),
                ("relu normalised", "relu", he, "digits"))
        for (label, activation, init, data), stream in zip(runs, seed.spawn(3), strict=True):
            measured[label].append(_final_accuracy(run_network(activation, init, data, stream)[1]))
        relu, sigmoid, normalised = (measured[label][-1] for label in measured)
        held.append(relu <= 2 * CHANCE and sigmoid > relu + 0.1 and normalised >= 0.9)
    return Finding(
        "raw-pixels",
        Text("ReLU: Loss stays at 10, does not learn -> the step is too large. (Normalise if you use ReLU.) "
             "Sigmoid: more stable. -> ReLU is not always stronger than the sigmoid.",
             "ReLU: Loss giữ nguyên ở 10, ko học đc -> bước nhảy quá lớn. (Cần Normalize thêm nếu dùng ReLU) "
             "Sigmoid: ổn định hơn. -> ReLU ko phải luon luon mạnh hơn Sigmoid."),
        "002 Experimental Result",
        Text("confirmed in a seed when ReLU on 0-255 pixels ends at most twice chance (test accuracy <= 0.2), "
             "the sigmoid beats it by 0.1, and ReLU on standardised pixels reaches 0.9 (SGD, lr 0.1, 8 epochs)",
             "đúng ở một hạt giống khi ReLU với điểm ảnh 0-255 không hơn hai lần đoán mò (độ chính xác <= 0,2), "
             "sigmoid hơn nó 0,1 và ReLU với điểm ảnh chuẩn hóa đạt 0,9 (SGD, lr 0,1, 8 epoch)"),
        measured, held)


def symmetry(seeds: list[np.random.SeedSequence]) -> Finding:
    """001: with equal initial weights all hidden units stay identical through training."""
    measured: dict[str, list[float]] = {"constant": [], "random": []}
    held = []
    for seed in seeds:
        for (label, init), stream in zip((("constant", INITS["constant"]()), ("random", INITS["xavier"]())),
                                         seed.spawn(2), strict=True):
            network, _ = run_network("tanh", init, "digits", stream, epochs=3)
            first = network.weights[0]
            measured[label].append(float(np.max(np.ptp(first, axis=0))))
        held.append(measured["constant"][-1] <= 1e-12 and measured["random"][-1] > 0.1)
    return Finding(
        "symmetry",
        Text("If the weights are initialised to 0, training does not work: all hidden units are identical, "
             "compute the same functions and are updated the same way at every step of gradient descent.",
             "nếu chúng ta khởi tạo trọng số bằng 0 thì quá trình training nó sẽ không hoạt động bởi vì tất cả "
             "đơn vị ẩn giống hệt nhau, chính xác là tính toán các hàm như nhau, và tất cả đơn vị ẩn cập nhật "
             "như nhau ở từng lần lặp Gradient descent"),
        "001",
        Text("confirmed in a seed when, after 3 epochs from equal weights (0.01), the largest difference between "
             "the first layer's units is 0 (to 1e-12), and above 0.1 from Xavier's random weights",
             "đúng ở một hạt giống khi, sau 3 epoch từ trọng số bằng nhau (0,01), chênh lệch lớn nhất giữa các "
             "nơ-ron lớp đầu bằng 0 (tới 1e-12), và trên 0,1 với trọng số ngẫu nhiên của Xavier"),
        measured, held)


def exploding(seeds: list[np.random.SeedSequence]) -> Finding:
    """004 2.3: large weights and a large learning rate: training does not converge."""
    large = INITS["large"]()
    measured: dict[str, list[float]] = {"diverged at step": [], "final test accuracy": []}
    held = []
    for seed in seeds:
        _, history = run_network("relu", large, "digits", seed, depth=5, lr=1.0)
        step = history.diverged
        measured["diverged at step"].append(float(step) if step else float("nan"))
        measured["final test accuracy"].append(_final_accuracy(history))
        held.append(step is not None or _final_accuracy(history) <= 2 * CHANCE)
    return Finding(
        "exploding",
        Text("Exploding gradients happen when the weights are initialised too large or the learning rate is too "
             "high: the gradient grows layer by layer and training does not converge.",
             "Exploding Gradient xảy ra khi trọng số được khởi tạo quá lớn hoặc learning rate quá cao, làm "
             "Gradient tăng mạnh qua từng layer. Điều này khiến quá trình training không hội tụ"),
        "004 §2.3",
        Text("confirmed in a seed when a 5-layer ReLU network with N(0, 1) weights and lr 1 diverges (a loss that "
             "is not finite) or ends at most twice chance",
             "đúng ở một hạt giống khi mạng ReLU 5 lớp với trọng số N(0, 1) và lr 1 phân kỳ (loss không hữu hạn) "
             "hoặc không hơn hai lần đoán mò"),
        measured, held)


def learning_rate(seeds: list[np.random.SeedSequence], rates: tuple[float, ...] = (0.01, 0.1, 1.0, 3.0)) -> Finding:
    """000: learning too fast -> overfitting."""
    he = INITS["he"]()
    measured: dict[str, list[float]] = {f"lr {rate:g}: {what}": [] for rate in rates
                                        for what in ("train loss", "test loss")}
    held = []
    for seed in seeds:
        overfits = []
        for rate, stream in zip(rates, seed.spawn(len(rates)), strict=True):
            _, history = run_network("relu", he, "digits", stream, lr=rate)
            train_loss = history.train_loss[-1] if history.train_loss and not history.diverged else float("inf")
            test_loss = history.test_loss[-1] if history.test_loss and not history.diverged else float("inf")
            measured[f"lr {rate:g}: train loss"].append(train_loss)
            measured[f"lr {rate:g}: test loss"].append(test_loss)
            overfits.append(train_loss < 0.1 and test_loss > train_loss + 0.3)
        held.append(overfits[-1] and not overfits[0])
    return Finding(
        "learning-rate",
        Text("Learning too fast -> overfitting; the loss plot should converge slowly.",
             "học nhanh quá -> overfitting. loss plot should converge slowly."),
        "000 Learning Rate and Initialize Weight",
        Text("confirmed in a seed when the largest rate overfits (train loss < 0.1, test loss above it by 0.3) and "
             "the smallest does not; a rate that diverges or stays high is instability, not overfitting",
             "đúng ở một hạt giống khi lr lớn nhất overfit (loss huấn luyện < 0,1, loss kiểm tra hơn nó 0,3) còn lr "
             "nhỏ nhất thì không; lr làm phân kỳ hay loss cao là mất ổn định, không phải overfitting"),
        measured, held)


def initialisation(activation: str, seeds: list[np.random.SeedSequence]) -> Finding:
    """000: random, Kaiming (He) and Xavier for ``activation``; does the derived rule do best?"""
    inits = {label: INITS[name]() for label, name in (
        ("N(0, 1)", "large"), ("xavier 1/n", "xavier"), ("he 2/n", "he"), ("N(0, 0.01^2)", "small"),
        ("torch default", "torch-default"), ("zero", "zero"), ("constant 0.01", "constant"))}
    if activation == "sigmoid":
        inits |= {"16/n": INITS["sigmoid16"](),
                  "exact": Init("exact", rule("exact-gain-sigmoid"))}
    derived = {"sigmoid": "exact", "tanh": "xavier 1/n", "relu": "he 2/n"}[activation]
    measured: dict[str, list[float]] = {name: [] for name in inits}
    held = []
    for seed in seeds:
        for (name, init), stream in zip(inits.items(), seed.spawn(len(inits)), strict=True):
            _, history = run_network(activation, init, "digits", stream, depth=5, epochs=5)
            measured[name].append(_final_accuracy(history))
        held.append(measured[derived][-1] >= max(values[-1] for values in measured.values()) - 0.02)
    rule_en = {"sigmoid": "the exact forward rule 3.41/n", "tanh": "Xavier's 1/n", "relu": "He's 2/n"}[activation]
    rule_vi = {"sigmoid": "quy tắc xuôi chính xác 3,41/n", "tanh": "1/n của Xavier", "relu": "2/n của He"}[activation]
    return Finding(
        f"initialisation-{activation}",
        Text("The three initialisations Random, Kaiming and Xavier (the default) are there to examine "
             "overfitting or underfitting for each kind of activation function.",
             "Mục đích của 3 cái khởi tạo Random, Kaiming, Xavier (khởi tạo mặc định) là để xem xét tính "
             "overfit or underfit của từng kiểu activation function."),
        "000 Learning Rate and Initialize Weight",
        Text(f"confirmed in a seed when, in 5-layer {activation} networks after 5 epochs (SGD, lr 0.1), {rule_en} "
             f"reaches a test accuracy within 0.02 of the best of: {', '.join(inits)}",
             f"đúng ở một hạt giống khi, với mạng {activation} 5 lớp sau 5 epoch (SGD, lr 0,1), {rule_vi} đạt độ "
             f"chính xác kiểm tra cách tốt nhất trong {', '.join(inits)} không quá 0,02"),
        measured, held)


def depth(seeds: list[np.random.SeedSequence]) -> Finding:
    """002/004: with 5 and then 8 sigmoid layers the gradient reaching the first layer vanishes, and
    a step barely changes the first layer's weights."""
    measured: dict[str, list[float]] = {}
    held = []
    xavier = INITS["xavier"]()
    for seed in seeds:
        ratios, updates = [], []
        for layers, stream in zip((5, 8), seed.spawn(2), strict=True):
            first, second = stream.spawn(2)
            _, history = run_network("sigmoid", xavier, "digits", first, depth=layers, epochs=1)
            norms = history.gradient_norms[0]
            ratios.append(norms[0] / norms[-1])
            updates.append(_first_step_update(layers, xavier, second))
            measured.setdefault(f"{layers} layers: |grad W_1| / |grad W_L|", []).append(ratios[-1])
            measured.setdefault(f"{layers} layers: |dW_1| / |W_1| after one step", []).append(updates[-1])
        held.append(ratios[1] < ratios[0] < 1 and updates[1] < updates[0] and updates[1] < 1e-5)
    return Finding(
        "depth",
        Text("In a 5-layer network, why does theta decrease only negligibly in the backward pass? The gradient "
             "at each layer is very small: 0.919 - 0.01 x (-0.0002) = 0.919002. A change of 0.000002 is "
             "negligible, a clear case of vanishing gradients.",
             "Trong mạng 5 layers, tại sao giá trị theta giảm nhưng không đáng kể khi backward? Gradient tại "
             "mỗi layer rất nhỏ: 0.919 - 0.01 x (-0.0002) = 0.919002. Sự thay đổi 0.000002 là không đáng kể, "
             "minh họa rõ vấn đề Gradient Vanishing."),
        "004 Gradient Vanishing",
        Text("confirmed in a seed when, in sigmoid networks with Xavier's 1/n (SGD, lr 0.1, batch 32), the first "
             "layer's mean weight-gradient norm over the last layer's, over the first epoch, is below 1 at 5 "
             "layers and lower at 8, and one step changes W_1 by less at 8 layers than at 5, and by under 1e-5 "
             "(relative) at 8",
             "đúng ở một hạt giống khi, với mạng sigmoid và 1/n của Xavier (SGD, lr 0,1, batch 32), tỉ số chuẩn "
             "gradient trọng số trung bình của lớp đầu so với lớp cuối trong epoch đầu nhỏ hơn 1 ở 5 lớp và nhỏ "
             "hơn nữa ở 8 lớp, và một bước làm W_1 thay đổi ít hơn ở 8 lớp so với 5 lớp, dưới 1e-5 (tương đối) ở "
             "8 lớp"),
        measured, held)


def _first_step_update(depth: int, init: Init, seed: np.random.SeedSequence) -> float:
    """``|W_1 after - W_1 before| / |W_1 before|`` for one SGD step (lr 0.1) on one batch of 32 digits."""
    rng = np.random.default_rng(seed)
    network = digits_network(named("sigmoid"), init, depth, 64, rng)
    x, labels, _, _ = load("digits")
    chosen = rng.choice(len(x), 32, replace=False)
    before = network.weights[0].copy()
    _, grad_w, grad_b = network.loss_and_gradients(x[chosen], labels[chosen])
    Optimiser("sgd", 0.1).step(network.weights + network.biases, grad_w + grad_b)
    return float(np.linalg.norm(network.weights[0] - before) / np.linalg.norm(before))


def _final_accuracy(history: History) -> float:
    return history.test_accuracy[-1] if history.test_accuracy and not history.diverged else CHANCE


EXPERIMENTS: dict[str, Callable[[list[np.random.SeedSequence]], Finding]] = {
    "raw-pixels": raw_pixels,
    **{f"initialisation-{name}": partial(initialisation, name) for name in ("sigmoid", "tanh", "relu")},
    "depth": depth, "exploding": exploding, "symmetry": symmetry, "learning-rate": learning_rate}


def run(names: list[str], seeds: int, seed: int = 0,
        progress: Callable[[int, int], None] | None = None) -> list[Finding]:
    """The experiments ``names`` (all if empty), each over ``seeds`` independent seeds."""
    unknown = [name for name in names if name not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiment {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    chosen = names or list(EXPERIMENTS)
    streams = np.random.SeedSequence(seed).spawn(len(chosen))
    findings = []
    for k, (name, stream) in enumerate(zip(chosen, streams, strict=True)):
        findings.append(EXPERIMENTS[name](stream.spawn(seeds)))
        if progress:
            progress(k + 1, len(chosen))
    return findings
