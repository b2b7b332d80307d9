"""The handout's figures (matplotlib, vector output), labelled in English or Vietnamese.

Each function returns a :class:`matplotlib.figure.Figure`; colours are fixed per
initialisation so every figure uses the same one for the same rule.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import sympy as sp
from matplotlib.figure import Figure

from initproof import derive
from initproof.derive import symbols
from initproof.derive.activations import named
from initproof.verify.network import gaussian_weights, layer_activations
from initproof.verify.numeric import activation_pair, function

from .prose import say

COLOURS = {"tanh": "#1f77b4", "sigmoid": "#d62728", "relu": "#2ca02c", "relu-half": "#9467bd",
           "small": "#8c564b", "large": "#ff7f0e"}
LABELS = {
    "value": say("axis_value"), "error": say("axis_absolute_error"),
    "density": say("axis_density"), "layer": say("axis_layer_l"),
    "forward": say("axis_pre_activation_variance_q_l"),
    "backward": say("axis_gradient_variance"),
    "predicted": say("axis_predicted_recursion"),
    "measured": say("axis_measured_interval"),
    "activation": say("axis_activation_a"),
    "derivative": say("axis_derivative"),
    "epoch": say("axis_epoch"), "train loss": say("axis_training_loss"),
    "test accuracy": say("axis_test_accuracy"),
    "diverged": say("axis_diverged"),
    "weight change": say("axis_weight_change"),
    "gradient ratio": say("axis_gradient_ratio"),
}
matplotlib.rcParams.update({"figure.dpi": 100, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                     "svg.hashsalt": "initproof", "axes.spines.top": False, "axes.spines.right": False})


def activations(lang: str) -> Figure:
    """sigmoid, tanh and ReLU with their derivatives; the derivatives' maxima marked."""
    grid = np.linspace(-6, 6, 601)
    fig, (left, right) = new_figure(1, 2, figsize=(7.2, 2.8))
    for name in ("sigmoid", "tanh", "relu"):
        phi, dphi = activation_pair(named(name))
        left.plot(grid, phi(grid), color=COLOURS[name], label=name)
        right.plot(grid, dphi(grid), color=COLOURS[name], label=f"{name}'")
    peak = float(derive.get("activation-derivatives").named("sigmoid-max").rhs)
    right.annotate(f"max = {peak:g}", (0, peak), (1.5, 0.45), arrowprops={"arrowstyle": "->"})
    left.set(xlabel="$z$", ylabel=LABELS["value"](lang), ylim=(-1.2, 2.5))
    right.set(xlabel="$z$", ylabel=LABELS["derivative"](lang), ylim=(-0.05, 1.1))
    left.legend(), right.legend()
    return fig


def maclaurin(lang: str) -> Figure:
    """tanh and sigmoid against their linear and order-7 Maclaurin polynomials, with errors."""
    grid = np.linspace(-2.5, 2.5, 501)
    fig, axes = new_figure(2, 2, figsize=(7.2, 4.6), sharex=True)
    for column, name in enumerate(("tanh", "sigmoid")):
        d = derive.get(f"maclaurin-{name}")
        exact = function(named(name))(grid)
        top, bottom = axes[0, column], axes[1, column]
        top.plot(grid, exact, color="black", label=name)
        for key, style in (("linear", "--"), ("series", ":")):
            polynomial = d.named(key).rhs.removeO()
            approx = function(polynomial)(grid)
            label = f"${sp.latex(polynomial)}$" if key == "linear" else "order 7" if lang == "en" else "bậc 7"
            top.plot(grid, approx, style, color=COLOURS[name], label=label)
            bottom.semilogy(grid, np.abs(exact - approx) + 1e-17, style, color=COLOURS[name], label=label)
        top.set(ylim=(-1.5, 1.5) if name == "tanh" else (-0.2, 1.2), ylabel=LABELS["value"](lang))
        bottom.set(xlabel="$z$", ylabel=LABELS["error"](lang), ylim=(1e-8, 10))
        top.legend(fontsize=7), bottom.legend(fontsize=7)
    return fig


def densities(lang: str) -> Figure:
    """Normal and uniform weight densities for He and Xavier at n = 100, with the derived bounds."""
    n = 100
    fig, ax = new_figure(1, 1, figsize=(7.2, 2.6))
    for rule, colour in (("xavier-tanh", COLOURS["tanh"]), ("he-relu", COLOURS["relu"])):
        d = derive.get(rule)
        std = float(d.named("normal-std").rhs.subs(symbols.n, n))
        bound = float(d.named("uniform-bound").rhs.subs(symbols.n, n))
        grid = np.linspace(-3.5 * std, 3.5 * std, 400)
        ax.plot(grid, np.exp(-grid**2 / (2 * std**2)) / (std * np.sqrt(2 * np.pi)), color=colour,
                label=f"{rule}: N(0, {std:.3g}²)")
        ax.plot([-bound, -bound, bound, bound], [0, 1 / (2 * bound), 1 / (2 * bound), 0], "--", color=colour,
                label=f"{rule}: U(−{bound:.3g}, {bound:.3g})")
    ax.set(xlabel="$w$ ($n = 100$)", ylabel=LABELS["density"](lang))
    ax.legend(fontsize=7)
    return fig


def layer_variances(outcomes: list, lang: str) -> Figure:
    """Per-layer forward and backward variances, predicted curves and measured intervals, log scale."""
    fig, (left, right) = new_figure(1, 2, figsize=(7.2, 3.2))
    for outcome, colour in outcomes:
        layers = np.array([layer.number for layer in outcome.layers])
        for ax, direction in ((left, "forward"), (right, "backward")):
            measures = [getattr(layer, direction) for layer in outcome.layers]
            predicted = [m.predicted for m in measures]
            measured = np.array([m.measured for m in measures])
            ci = np.array([m.ci for m in measures])
            ax.semilogy(layers, predicted, "-", color=colour, label=outcome.claim(lang).split(":")[0])
            error = np.abs(np.vstack([measured - ci[:, 0], ci[:, 1] - measured]))
            ax.errorbar(layers, measured, yerr=error, fmt="o", ms=3, color=colour, capsize=2)
    left.set(xlabel=LABELS["layer"](lang), ylabel=LABELS["forward"](lang))
    right.set(xlabel=LABELS["layer"](lang), ylabel=LABELS["backward"](lang))
    left.legend(fontsize=6)
    right.set_title(f"— {LABELS['predicted'](lang)}   ● {LABELS['measured'](lang)}", fontsize=7, loc="left")
    return fig


def histograms(lang: str, seed: int) -> Figure:
    """Activation histograms at layers 1, 3, 5, 7, 9 (after Glorot and Bengio 2010)."""
    fig, axes = new_figure(1, 2, figsize=(7.2, 2.8))
    rng = np.random.default_rng(seed)
    for ax, (name, gain) in zip(axes, (("tanh", 1.0), ("sigmoid", 16.0)), strict=True):
        phi, _ = activation_pair(named(name))
        values = layer_activations(phi, gaussian_weights(gain / 256), 256, 9, rng)
        for depth in (1, 3, 5, 7, 9):
            ax.hist(values[depth - 1].ravel(), bins=60, histtype="step", density=True,
                    label=f"{'layer' if lang == 'en' else 'lớp'} {depth}")
        ax.set(title=f"{name}, Var(w) = {gain:g}/n", xlabel=LABELS["activation"](lang),
               ylabel=LABELS["density"](lang))
        ax.legend(fontsize=6)
    return fig


def new_figure(rows: int = 1, columns: int = 1, figsize: tuple[float, float] = (7.2, 3.0), **kwargs):
    """A constrained-layout figure and its axes (no pyplot state involved)."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(rows, columns, **kwargs)


def to_svg(fig: Figure) -> str:
    """The figure as an inline SVG element (text as paths: no fonts needed)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def to_pdf(fig: Figure) -> bytes:
    """The figure as PDF bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf", metadata={"CreationDate": None})
    return buffer.getvalue()


def to_png(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (for slides and notebooks)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
