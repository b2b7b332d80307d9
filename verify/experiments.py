"""The course notes' claims about training, run on the digits over several seeds, with verdicts.

Each experiment quotes the notes (Vietnamese, with an English translation), states up front the
rule that decides its verdict, trains the networks it needs once per seed (independent streams
spawned from one seed), and returns the measured numbers per seed. A verdict never rests on one
seed: ``confirmed`` when the rule holds in every seed, ``refuted`` when it fails in every seed,
``depends`` otherwise. The notes name no data set; the 8x8 digits stand in for theirs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import sympy as sp

from initproof import derive
from initproof.derive.activations import named
from initproof.derive.text import Text

from .data import dimensions, load
from .numeric import activation_pair
from .recursion import gradient_profile
from .training import History, Init, Network, Optimiser, train

CHANCE = 0.1
"""Test accuracy of guessing among the 10 digits."""


INITS: dict[str, Callable[[], Init]] = {
    "he": lambda: Init("he", derive.result("he-relu", "forward")),
    "xavier": lambda: Init("xavier", derive.result("xavier-tanh", "forward")),
    "xavier-average": lambda: Init("xavier-average", derive.result("xavier-tanh", "fan-average")),
    "sigmoid16": lambda: Init("sigmoid16", derive.result("xavier-sigmoid", "forward")),
    "torch-default": lambda: Init("torch-default", derive.result("linear-default-torch", "variance"), "uniform"),
    "zero": lambda: Init("zero", sp.Integer(0), "constant"),
    "constant": lambda: Init("constant", sp.Rational(1, 10000), "constant"),
    "small": lambda: Init("small", sp.Rational(1, 10000)),
    "large": lambda: Init("large", sp.Integer(1)),
    "exact-sigmoid": lambda: Init("exact-sigmoid", derive.result("exact-gain-sigmoid", "forward")),
}
"""Named initialisations: the derived rules (built when asked for: they prove their derivations),
all weights 0 or 0.01, and Gaussian weights of standard deviation 0.01 or 1."""

COMPARED = {"N(0, 1)": "large", "xavier 1/n": "xavier", "he 2/n": "he", "N(0, 0.01^2)": "small",
            "torch default": "torch-default", "zero": "zero", "constant 0.01": "constant", "16/n": "sigmoid16",
            "exact": "exact-sigmoid"}
"""The initialisations the initialisation experiments compare, by label (the last two for the sigmoid
only)."""


def network_for(data: str, activation: sp.Expr, init: Init, depth: int, width: int,
                rng: np.random.Generator) -> Network:
    """A network for the data set ``data``: its features in, ``depth - 1`` hidden layers of ``width``
    units, its classes out."""
    phi, dphi = activation_pair(activation)
    features, classes = dimensions(data)
    return Network.create([features, *([width] * (depth - 1)), classes], init, phi, dphi, rng)


def run_network(activation: str, init: Init, data: str, seed: np.random.SeedSequence, depth: int = 3,
                width: int = 64, optimiser: str = "sgd", lr: float = 0.1, epochs: int = 8,
                batch: int = 32) -> tuple[Network, History]:
    """Train one network of ``depth`` weight layers on ``data``; its weights and its history."""
    rng = np.random.default_rng(seed)
    network = network_for(data, named(activation), init, depth, width, rng)
    return network, train(network, Optimiser(optimiser, lr), load(data), epochs, batch, rng)


Curves = dict[str, dict[str, list[list]]]
"""Per run, per quantity (``train loss``, ``test accuracy``; ``gradient profile`` and ``weight change``,
per epoch and layer), one curve per seed."""


@dataclass(frozen=True)
class Finding:
    """An experiment's outcome: per-seed measurements, whether the rule held in each, the verdict; the
    runs' curves and what theory predicted for them."""

    name: str
    quote: Text
    where: str
    rule: Text
    measured: dict[str, list[float]]
    held: list[bool]
    curves: Curves = field(default_factory=dict)
    predicted: dict[str, list[float]] = field(default_factory=dict)
    """Per run, the step-0 gradient profile of the exact recursion (relative to the last layer)."""

    @property
    def verdict(self) -> str:
        return "confirmed" if all(self.held) else "refuted" if not any(self.held) else "depends"

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """What :func:`dataclasses.asdict` made of a finding, as a finding again."""
        return cls(**data | {"quote": Text(**data["quote"]), "rule": Text(**data["rule"])})

    def as_dict(self, lang: str) -> dict:
        return {"name": self.name, "quote": self.quote.vi, "quote_en": self.quote.en, "where": self.where,
                "rule": self.rule(lang), "measured": self.measured, "held": self.held, "verdict": self.verdict,
                "curves": self.curves, "predicted": self.predicted}


LABELS_VI = {
    "relu raw": "ReLU, điểm ảnh thô", "sigmoid raw": "sigmoid, điểm ảnh thô", "relu normalised": "ReLU, chuẩn hóa",
    "linear": "không có hàm kích hoạt", "constant 0.01": "hằng số 0,01", "constant": "hằng số",
    "random": "ngẫu nhiên", "zero": "bằng 0", "torch default": "mặc định của torch", "exact": "chính xác",
    "same after 5 epochs": "như trên, sau 5 epoch", "at step 0": "ở bước 0", "after one step": "sau một bước",
    "layers": "lớp", "diverged at step": "phân kỳ ở bước", "final test accuracy": "độ chính xác kiểm tra cuối",
    "train loss": "loss huấn luyện", "test loss": "loss kiểm tra",
}
"""Vietnamese for the words of the measurement and run labels (the labels themselves are keys)."""


def localised(text: str, lang: str) -> str:
    """A measurement or run label in ``lang``: in Vietnamese each known phrase of :data:`LABELS_VI`
    replaced, longest first."""
    if lang != "vi":
        return text
    phrases = sorted(LABELS_VI, key=len, reverse=True)
    return re.sub("|".join(rf"(?<![\w/]){re.escape(p)}(?![\w])" for p in phrases),
                  lambda match: LABELS_VI[match.group(0)], text)


def _record(curves: Curves, label: str, history: History) -> None:
    """Add a run's training loss and test accuracy per epoch to ``curves[label]``."""
    run = curves.setdefault(label, {"train loss": [], "test accuracy": []})
    run["train loss"].append(history.train_loss)
    run["test accuracy"].append(history.test_accuracy)


def raw_pixels(seeds: list[np.random.SeedSequence]) -> Finding:
    """002: with 0-255 pixels ReLU does not learn, the sigmoid does; normalising fixes ReLU."""
    he, xavier = INITS["he"](), INITS["xavier"]()
    measured: dict[str, list[float]] = {"relu raw": [], "sigmoid raw": [], "relu normalised": []}
    curves: Curves = {}
    held = []
    for seed in seeds:
        runs = (("relu raw", "relu", he, "raw-digits"), ("sigmoid raw", "sigmoid", xavier, "raw-digits"),
                ("relu normalised", "relu", he, "digits"))
        for (label, activation, init, data), stream in zip(runs, seed.spawn(3), strict=True):
            _, history = run_network(activation, init, data, stream)
            measured[label].append(_final_accuracy(history))
            _record(curves, label, history)
        relu, sigmoid, normalised = (measured[label][-1] for label in measured)
        held.append(relu <= 2 * CHANCE and sigmoid > relu + 0.1 and normalised >= 0.9)
    return Finding(
        "raw-pixels",
        Text("ReLU: Loss stays at 10, does not learn -> the step is too large. (Normalise if you use ReLU.) "
             "Sigmoid: more stable. -> ReLU is not always stronger than the sigmoid.",
             "ReLU: Loss giữ nguyên ở 10, ko học đc -> bước nhảy quá lớn. (Cần Normalize thêm nếu dùng ReLU) "
             "Sigmoid: ổn định hơn. -> ReLU ko phải luon luon mạnh hơn Sigmoid."),
        "Experimental Result",
        Text("confirmed in a seed when ReLU on 0-255 pixels ends at most twice chance (test accuracy <= 0.2), "
             "the sigmoid beats it by 0.1, and ReLU on standardised pixels reaches 0.9 (SGD, lr 0.1, 8 epochs)",
             "đúng ở một seed khi ReLU với điểm ảnh 0-255 không hơn hai lần đoán mò (độ chính xác <= 0,2), "
             "sigmoid hơn nó 0,1 và ReLU với điểm ảnh chuẩn hóa đạt 0,9 (SGD, lr 0,1, 8 epoch)"),
        measured, held, curves)


SEPARATORS = (("linear", "linear", "xavier"), ("tanh", "tanh", "xavier"), ("relu", "relu", "he"))
"""The red-blue networks: label, activation, initialisation."""


def separators(seed: np.random.SeedSequence) -> dict[str, tuple[Network, History]]:
    """Networks of :data:`SEPARATORS` (3 weight layers of 16 units, SGD, lr 0.1, 60 epochs) trained on
    the red-blue data, with their histories."""
    return {label: run_network(activation, INITS[init](), "red-blue", stream, width=16, epochs=60)
            for (label, activation, init), stream in zip(SEPARATORS, seed.spawn(len(SEPARATORS)), strict=True)}


def nonlinearity(seeds: list[np.random.SeedSequence]) -> Finding:
    """003: without a non-linearity a network is a linear classifier, and no line separates red from blue."""
    measured: dict[str, list[float]] = {label: [] for label, _, _ in SEPARATORS}
    curves: Curves = {}
    held = []
    for seed in seeds:
        for label, (_, history) in separators(seed).items():
            measured[label].append(_final_accuracy(history, chance=0.5))
            _record(curves, label, history)
        held.append(measured["linear"][-1] <= 0.7 and min(measured["tanh"][-1], measured["relu"][-1]) >= 0.95)
    return Finding(
        "nonlinearity",
        Text("Without non-linearities the function is f = W_1 W_2 x = W_3 x: it becomes a linear classifier again. "
             "In this example no straight line can separate blue from red.",
             "Nếu không có các Non-Linear thì hàm sẽ như này: f = W_1 W_2 x = W_3 x -> nó sẽ trở lại thành Linear "
             "Classifier. Trong ví dụ này không thể có một đường Linear nào phù hợp để có thể phân loại giữa xanh "
             "và đỏ."),
        "1.1. Tại sao lại cần Non-Linear mới thành Neural Network?",
        Text("confirmed in a seed when, on a red disc inside a blue ring (3 weight layers of 16 units, SGD, lr 0.1, "
             "60 epochs), the network without activation reaches a test accuracy of at most 0.7 (chance: 0.5) and "
             "the tanh and ReLU networks at least 0.95",
             "đúng ở một seed khi, với một đĩa đỏ trong một vành xanh (3 lớp trọng số 16 nơ-ron, SGD, lr 0,1, "
             "60 epoch), mạng không có hàm kích hoạt đạt độ chính xác kiểm tra không quá 0,7 (đoán mò: 0,5), còn "
             "mạng tanh và ReLU đạt ít nhất 0,95"),
        measured, held, curves)


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
        "Các khái niệm cơ bản về Neural Network: Khởi tạo trọng số",
        Text("confirmed in a seed when, after 3 epochs from equal weights (0.01), the largest difference between "
             "the first layer's units is 0 (to 1e-12), and above 0.1 from Xavier's random weights",
             "đúng ở một seed khi, sau 3 epoch từ trọng số bằng nhau (0,01), chênh lệch lớn nhất giữa các "
             "nơ-ron lớp đầu bằng 0 (tới 1e-12), và trên 0,1 với trọng số ngẫu nhiên của Xavier"),
        measured, held)


def exploding(seeds: list[np.random.SeedSequence]) -> Finding:
    """004 2.3: large weights and a large learning rate: training does not converge."""
    large = INITS["large"]()
    measured: dict[str, list[float]] = {"diverged at step": [], "final test accuracy": []}
    curves: Curves = {}
    held = []
    for seed in seeds:
        _, history = run_network("relu", large, "digits", seed, depth=5, lr=1.0)
        _record(curves, "N(0, 1), lr 1", history)
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
        "Model Initialization, 5. Câu hỏi ôn tập",
        Text("confirmed in a seed when a 5-layer ReLU network with N(0, 1) weights and lr 1 diverges (a loss that "
             "is not finite) or ends at most twice chance",
             "đúng ở một seed khi mạng ReLU 5 lớp với trọng số N(0, 1) và lr 1 phân kỳ (loss không hữu hạn) "
             "hoặc không hơn hai lần đoán mò"),
        measured, held, curves)


def learning_rate(seeds: list[np.random.SeedSequence], rates: tuple[float, ...] = (0.01, 0.1, 1.0, 3.0)) -> Finding:
    """000: learning too fast -> overfitting."""
    he = INITS["he"]()
    measured: dict[str, list[float]] = {f"lr {rate:g}: {what}": [] for rate in rates
                                        for what in ("train loss", "test loss")}
    curves: Curves = {}
    held = []
    for seed in seeds:
        overfits = []
        for rate, stream in zip(rates, seed.spawn(len(rates)), strict=True):
            _, history = run_network("relu", he, "digits", stream, lr=rate)
            _record(curves, f"lr {rate:g}", history)
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
        "Learning Rate and Initialize Weight",
        Text("confirmed in a seed when the largest rate overfits (train loss < 0.1, test loss above it by 0.3) and "
             "the smallest does not; a rate that diverges or stays high is instability, not overfitting",
             "đúng ở một seed khi lr lớn nhất overfit (loss huấn luyện < 0,1, loss kiểm tra hơn nó 0,3) còn lr "
             "nhỏ nhất thì không; lr làm phân kỳ hay loss cao là mất ổn định, không phải overfitting"),
        measured, held, curves)


def initialisation(activation: str, seeds: list[np.random.SeedSequence]) -> Finding:
    """000: random, Kaiming (He) and Xavier for ``activation``; does the derived rule do best?"""
    inits = {label: INITS[name]() for label, name in COMPARED.items()
             if activation == "sigmoid" or name not in ("sigmoid16", "exact-sigmoid")}
    derived = {"sigmoid": "exact", "tanh": "xavier 1/n", "relu": "he 2/n"}[activation]
    measured: dict[str, list[float]] = {name: [] for name in inits}
    curves: Curves = {}
    held = []
    for seed in seeds:
        for (name, init), stream in zip(inits.items(), seed.spawn(len(inits)), strict=True):
            _, history = run_network(activation, init, "digits", stream, depth=5, epochs=5)
            measured[name].append(_final_accuracy(history))
            _record(curves, name, history)
        held.append(measured[derived][-1] >= max(values[-1] for values in measured.values()) - 0.02)
    rule_en = {"sigmoid": "the exact forward rule 3.41/n", "tanh": "Xavier's 1/n", "relu": "He's 2/n"}[activation]
    rule_vi = {"sigmoid": "quy tắc chính xác cho lan truyền tiến 3,41/n", "tanh": "1/n của Xavier",
               "relu": "2/n của He"}[activation]
    return Finding(
        f"initialisation-{activation}",
        Text("The three initialisations Random, Kaiming and Xavier (the default) are there to examine "
             "overfitting or underfitting for each kind of activation function.",
             "Mục đích của 3 cái khởi tạo Random, Kaiming, Xavier (khởi tạo mặc định) là để xem xét tính "
             "overfit or underfit của từng kiểu activation function."),
        "Learning Rate and Initialize Weight",
        Text(f"confirmed in a seed when, in 5-layer {activation} networks after 5 epochs (SGD, lr 0.1), {rule_en} "
             f"reaches a test accuracy within 0.02 of the best of: {', '.join(inits)}",
             f"đúng ở một seed khi, với mạng {activation} 5 lớp sau 5 epoch (SGD, lr 0,1), {rule_vi} đạt độ "
             f"chính xác kiểm tra cách tốt nhất trong {', '.join(localised(label, 'vi') for label in inits)} không "
             "quá 0,02"),
        measured, held, curves)


DEPTH_EPOCHS = 5
"""Epochs the depth experiment trains, measuring the gradient profile after each."""


def depth(seeds: list[np.random.SeedSequence]) -> Finding:
    """002/004: with 5 and then 8 sigmoid layers the gradient reaching the first layer vanishes, as the
    exact recursion predicts, and a step barely changes the first layer's weights."""
    xavier = INITS["xavier"]()
    measured: dict[str, list[float]] = {}
    curves: Curves = {}
    predicted: dict[str, list[float]] = {}
    held = []
    for seed in seeds:
        ratios, updates = [], []
        for layers, stream in zip((5, 8), seed.spawn(2), strict=True):
            label = f"{layers} layers"
            first, second = stream.spawn(2)
            profiles, changes = _trained_profiles("sigmoid", xavier, layers, first)
            run = curves.setdefault(label, {"gradient profile": [], "weight change": []})
            run["gradient profile"].append(profiles)
            run["weight change"].append(changes)
            predicted[label] = predicted_profile("sigmoid", xavier, layers)
            ratios.append(profiles[0][0])
            updates.append(_first_step_update(layers, xavier, second))
            for what, value in ((f"|grad W_1| / |grad W_{layers}| at step 0", profiles[0][0]),
                                (f"same after {DEPTH_EPOCHS} epochs", profiles[-1][0]),
                                ("|dW_1| / |W_1| after one step", updates[-1])):
                measured.setdefault(f"{label}: {what}", []).append(value)
        held.append(ratios[1] < ratios[0] < 1 and updates[1] < updates[0] and updates[1] < 1e-5)
    return Finding(
        "depth",
        Text("In a 5-layer network, why does theta decrease only negligibly in the backward pass? The gradient "
             "at each layer is very small: 0.919 - 0.01 x (-0.0002) = 0.919002. A change of 0.000002 is "
             "negligible, a clear case of vanishing gradients.",
             "Trong mạng 5 layers, tại sao giá trị theta giảm nhưng không đáng kể khi backward? Gradient tại "
             "mỗi layer rất nhỏ: 0.919 - 0.01 x (-0.0002) = 0.919002. Sự thay đổi 0.000002 là không đáng kể, "
             "minh họa rõ vấn đề Gradient Vanishing."),
        "Model Initialization, 5. Câu hỏi ôn tập",
        Text("confirmed in a seed when, in sigmoid networks with Xavier's 1/n (SGD, lr 0.1, batch 32), the first "
             "layer's weight-gradient norm (root mean square over the training examples) over the last layer's "
             "is below 1 at step 0 with 5 layers and lower with 8, and one step changes W_1 by less at 8 layers "
             "than at 5, and by under 1e-5 (relative) at 8",
             "đúng ở một seed khi, với mạng sigmoid và 1/n của Xavier (SGD, lr 0,1, batch 32), tỉ số chuẩn "
             "gradient trọng số (căn trung bình bình phương trên các ví dụ huấn luyện) của lớp đầu so với lớp "
             "cuối ở bước 0 nhỏ hơn 1 với 5 lớp và nhỏ hơn nữa với 8 lớp, và một bước làm W_1 thay đổi ít hơn ở "
             "8 lớp so với 5 lớp, dưới 1e-5 (tương đối) ở 8 lớp"),
        measured, held, curves, predicted)


def _trained_profiles(activation: str, init: Init, layers: int,
                      seed: np.random.SeedSequence) -> tuple[list[list[float]], list[list[float]]]:
    r"""The gradient profile (:meth:`Network.gradient_profile` on the training set, over the last layer's)
    at step 0 and after each of :data:`DEPTH_EPOCHS` epochs of SGD (lr 0.1, batch 32) on the digits, and
    each epoch's relative weight change per layer, :math:`\|W_l^{after} - W_l^{before}\| / \|W_l^{before}\|`."""
    rng = np.random.default_rng(seed)
    network = network_for("digits", named(activation), init, layers, 64, rng)
    data = load("digits")
    optimiser = Optimiser("sgd", 0.1)
    profiles, updates = [_relative(network.gradient_profile(data[0], data[1]))], []
    for _ in range(DEPTH_EPOCHS):
        before = [w.copy() for w in network.weights]
        train(network, optimiser, data, 1, 32, rng)
        profiles.append(_relative(network.gradient_profile(data[0], data[1])))
        updates.append([float(np.linalg.norm(w - old) / np.linalg.norm(old))
                        for w, old in zip(network.weights, before, strict=True)])
    return profiles, updates


def _relative(profile: list[float]) -> list[float]:
    return [value / profile[-1] for value in profile]


def predicted_profile(activation: str, init: Init, layers: int, width: int = 64) -> list[float]:
    """The step-0 gradient profile of a digits network by the exact recursion
    (:func:`initproof.verify.recursion.gradient_profile`), relative to the last layer."""
    x = load("digits")[0]
    features, classes = dimensions("digits")
    sizes = [features, *([width] * (layers - 1)), classes]
    phi, dphi = activation_pair(named(activation))
    variances = [init.value(fan_in, fan_out) for fan_in, fan_out in zip(sizes, sizes[1:], strict=False)]
    return gradient_profile(phi, dphi, sizes, variances, float(np.mean(x**2))).tolist()


def _first_step_update(depth: int, init: Init, seed: np.random.SeedSequence) -> float:
    """``|W_1 after - W_1 before| / |W_1 before|`` for one SGD step (lr 0.1) on one batch of 32 digits."""
    rng = np.random.default_rng(seed)
    network = network_for("digits", named("sigmoid"), init, depth, 64, rng)
    x, labels, _, _ = load("digits")
    chosen = rng.choice(len(x), 32, replace=False)
    before = network.weights[0].copy()
    _, grad_w, grad_b = network.loss_and_gradients(x[chosen], labels[chosen])
    Optimiser("sgd", 0.1).step(network.weights + network.biases, grad_w + grad_b)
    return float(np.linalg.norm(network.weights[0] - before) / np.linalg.norm(before))


def _final_accuracy(history: History, chance: float = CHANCE) -> float:
    """The last test accuracy; ``chance`` for a network whose training diverged."""
    return history.test_accuracy[-1] if history.test_accuracy and not history.diverged else chance


EXPERIMENTS: dict[str, Callable[[list[np.random.SeedSequence]], Finding]] = {
    "nonlinearity": nonlinearity, "raw-pixels": raw_pixels,
    **{f"initialisation-{name}": partial(initialisation, name) for name in ("sigmoid", "tanh", "relu")},
    "depth": depth, "exploding": exploding, "symmetry": symmetry, "learning-rate": learning_rate}


def seeds(name: str, count: int, seed: int = 0) -> list[np.random.SeedSequence]:
    """The ``count`` independent seeds of experiment ``name``: spawned from ``seed`` and the experiment's
    place in :data:`EXPERIMENTS`, so they do not depend on which other experiments run."""
    return np.random.SeedSequence([seed, list(EXPERIMENTS).index(name)]).spawn(count)


def run(names: list[str], count: int, seed: int = 0,
        progress: Callable[[int, int], None] | None = None) -> list[Finding]:
    """The experiments ``names`` (all if empty), each over ``count`` independent seeds."""
    unknown = [name for name in names if name not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiment {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    chosen = names or list(EXPERIMENTS)
    findings = []
    for k, name in enumerate(chosen):
        findings.append(EXPERIMENTS[name](seeds(name, count, seed)))
        if progress:
            progress(k + 1, len(chosen))
    return findings
