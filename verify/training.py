r"""Training fully connected networks, written the way the course teaches backpropagation.

A network of ``depth`` layers maps inputs :math:`a_0 = x` through
:math:`z_l = a_{l-1} W_l^\top + b_l`, :math:`a_l = \phi(z_l)` to logits :math:`z_L` (no activation
on the last layer), scored by softmax cross-entropy. The backward pass is the chain rule, layer by
layer: :math:`\delta_L = (\mathrm{softmax}(z_L) - y)/B`, :math:`\partial W_l = \delta_l^\top a_{l-1}`,
:math:`\partial b_l = \sum \delta_l`, :math:`\delta_{l-1} = (\delta_l W_l) \odot \phi'(z_{l-1})`.

Weights start from an :class:`Init` whose variance is a formula of :mod:`initproof.derive` (He's
``2/n``, Xavier's ``1/n``, ...) evaluated at each layer's fan-in ``n`` and fan-out ``m``; biases start
at zero. Optimisers: SGD, momentum, Adam and AdamW (decoupled weight decay), as in PyTorch.
Training stops, and says so, at the first step whose loss is not finite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from initproof.derive.symbols import m, n

from .network import Function

OPTIMISERS = ("sgd", "momentum", "adam", "adamw")
MAX_VARIANCE = 1e100
"""The largest weight variance an initialisation may ask for."""


@dataclass(frozen=True)
class Init:
    """How a layer's weights are drawn: ``kind`` ``normal`` or ``uniform`` (zero mean, the given
    variance), or ``constant`` (every weight ``sqrt(variance)``); ``variance`` is a formula in ``n``
    (fan-in) and ``m`` (fan-out)."""

    name: str
    variance: sp.Expr
    kind: str = "normal"

    def value(self, fan_in: int, fan_out: int) -> float:
        """The variance at a layer's fans; :class:`ValueError` when it is not a finite number from 0 to
        :data:`MAX_VARIANCE`."""
        value = sp.N(self.variance.subs({n: fan_in, m: fan_out}), 20)
        variance = float(value) if value.is_real and value.is_finite else float("nan")
        if not 0 <= variance <= MAX_VARIANCE:
            raise ValueError(f"the weight variance is {sp.N(value, 6)} at n = {fan_in}, m = {fan_out}: "
                             f"it must be a real number from 0 to {MAX_VARIANCE:.0e}")
        return variance

    def draw(self, rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        """A ``(fan_out, fan_in)`` weight matrix (:meth:`value` says which variances are refused)."""
        variance = self.value(fan_in, fan_out)
        if self.kind == "normal":
            return np.sqrt(variance) * rng.standard_normal((fan_out, fan_in))
        if self.kind == "uniform":
            bound = np.sqrt(3 * variance)
            return rng.uniform(-bound, bound, (fan_out, fan_in))
        if self.kind == "constant":
            return np.full((fan_out, fan_in), np.sqrt(variance))
        raise ValueError(f"unknown initialisation kind {self.kind!r}; choose from normal, uniform, constant")


@dataclass
class Network:
    """Weights ``W_l`` (``fan_out x fan_in``) and biases of a fully connected network."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    phi: Function
    dphi: Function

    @classmethod
    def create(cls, sizes: list[int], init: Init, phi: Function, dphi: Function,
               rng: np.random.Generator) -> Network:
        """A network with layer sizes ``sizes`` (inputs first, classes last)."""
        weights = [init.draw(rng, fan_in, fan_out) for fan_in, fan_out in zip(sizes, sizes[1:], strict=False)]
        return cls(weights, [np.zeros(size) for size in sizes[1:]], phi, dphi)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Logits, and each layer's input activations ``a_{l-1}`` and pre-activations ``z_l``."""
        inputs, pre = [], []
        a = x
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            inputs.append(a)
            z = a @ w.T + b
            pre.append(z)
            a = self.phi(z) if k < len(self.weights) - 1 else z
        return a, inputs, pre

    def backward(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        r"""Mean softmax cross-entropy over the batch, each layer's :math:`\delta_l` (the loss's gradient
        with respect to ``z_l``, one row per example) and each layer's input ``a_{l-1}``."""
        logits, inputs, pre = self.forward(x)
        log_probabilities = _log_softmax(logits)
        rows = np.arange(len(labels))
        loss = -float(log_probabilities[rows, labels].mean())
        delta = np.exp(log_probabilities)
        delta[rows, labels] -= 1.0
        delta /= len(labels)
        deltas = [delta]
        for layer in reversed(range(1, len(self.weights))):
            delta = (delta @ self.weights[layer]) * self.dphi(pre[layer - 1])
            deltas.append(delta)
        return loss, deltas[::-1], inputs

    def loss_and_gradients(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, list[np.ndarray],
                                                                               list[np.ndarray]]:
        """Mean softmax cross-entropy over the batch, and its gradients by the chain rule."""
        loss, deltas, inputs = self.backward(x, labels)
        return (loss, [delta.T @ a for delta, a in zip(deltas, inputs, strict=True)],
                [delta.sum(axis=0) for delta in deltas])

    def gradient_profile(self, x: np.ndarray, labels: np.ndarray) -> list[float]:
        r"""Each layer's root-mean-square per-example weight-gradient norm: one example's gradient
        :math:`\delta_l a_{l-1}^\top` has rank one, so its norm is :math:`\|\delta_l\|\,\|a_{l-1}\|`."""
        _, deltas, inputs = self.backward(x, labels)
        return [float(len(labels) * np.sqrt(np.mean(np.sum(delta**2, axis=1) * np.sum(a**2, axis=1))))
                for delta, a in zip(deltas, inputs, strict=True)]

    def loss_and_accuracy(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """Mean softmax cross-entropy and the share of correct predictions (no gradients)."""
        logits = self.forward(x)[0]
        loss = -float(_log_softmax(logits)[np.arange(len(labels)), labels].mean())
        return loss, float(np.mean(logits.argmax(axis=1) == labels))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@dataclass
class Optimiser:
    """SGD, SGD with momentum, Adam or AdamW (PyTorch's update rules and defaults)."""

    kind: str
    lr: float
    momentum: float = 0.9
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.01
    state: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in OPTIMISERS:
            raise ValueError(f"unknown optimiser {self.kind!r}; choose from {', '.join(OPTIMISERS)}")

    def step(self, parameters: list[np.ndarray], gradients: list[np.ndarray]) -> None:
        """Update ``parameters`` in place."""
        t = self.state["t"] = self.state.get("t", 0) + 1
        for k, (p, g) in enumerate(zip(parameters, gradients, strict=True)):
            if self.kind == "sgd":
                p -= self.lr * g
            elif self.kind == "momentum":
                v = self.state[k] = self.momentum * self.state[k] + g if k in self.state else g.copy()
                p -= self.lr * v
            else:
                if self.kind == "adamw":
                    p *= 1 - self.lr * self.weight_decay
                first, second = self.state.get(k, (np.zeros_like(p), np.zeros_like(p)))
                first = self.betas[0] * first + (1 - self.betas[0]) * g
                second = self.betas[1] * second + (1 - self.betas[1]) * g * g
                self.state[k] = (first, second)
                corrected = first / (1 - self.betas[0] ** t)
                scale = np.sqrt(second / (1 - self.betas[1] ** t)) + self.eps
                p -= self.lr * corrected / scale


@dataclass(frozen=True)
class History:
    """Per-epoch training loss (mean over its batches), test loss and test accuracy; ``diverged``
    is the step (from 1) at which the loss stopped being finite, or None."""

    train_loss: list[float]
    test_loss: list[float]
    test_accuracy: list[float]
    gradient_norms: list[list[float]]
    """Per epoch, the mean over its steps of each layer's weight-gradient norm (layer 1 first)."""
    diverged: int | None = None

    def as_dict(self) -> dict:
        return {"train_loss": self.train_loss, "test_loss": self.test_loss, "test_accuracy": self.test_accuracy,
                "gradient_norms": self.gradient_norms, "diverged_at_step": self.diverged}


def train(network: Network, optimiser: Optimiser, data: tuple[np.ndarray, ...], epochs: int, batch: int,
          rng: np.random.Generator, progress: Callable[[int, int], None] | None = None) -> History:
    """Mini-batch training on ``data = (x_train, y_train, x_test, y_test)``."""
    x_train, y_train, x_test, y_test = data
    history = History([], [], [], [])
    step = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            losses, norms = [], []
            for start in range(0, len(order), batch):
                chosen = order[start:start + batch]
                loss, grad_w, grad_b = network.loss_and_gradients(x_train[chosen], y_train[chosen])
                step += 1
                if not np.isfinite(loss):
                    return History(*_fields(history), diverged=step)
                losses.append(loss)
                norms.append([float(np.linalg.norm(g)) for g in grad_w])
                optimiser.step(network.weights + network.biases, grad_w + grad_b)
            test_loss, test_accuracy = network.loss_and_accuracy(x_test, y_test)
            history.train_loss.append(float(np.mean(losses)))
            history.test_loss.append(test_loss)
            history.test_accuracy.append(test_accuracy)
            history.gradient_norms.append(np.mean(norms, axis=0).tolist())
            if progress:
                progress(epoch + 1, epochs)
    return history


def _fields(history: History) -> tuple:
    return history.train_loss, history.test_loss, history.test_accuracy, history.gradient_norms
