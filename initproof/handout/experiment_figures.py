"""Figures of the training experiments (:mod:`initproof.verify.experiments`), drawn from a finding's
curves; colours are those of :mod:`.figures`, one per initialisation."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from initproof.derive.text import Text
from initproof.verify import experiments
from initproof.verify.data import load
from initproof.verify.experiments import Finding

from .figures import COLOURS, LABELS, new_figure
from .prose import say

INIT_COLOURS = {"he": COLOURS["relu"], "xavier": COLOURS["tanh"], "sigmoid16": COLOURS["sigmoid"],
                "small": COLOURS["small"], "large": COLOURS["large"], "exact-sigmoid": "#e377c2",
                "torch-default": "#7f7f7f", "zero": "#17becf", "constant": "#bcbd22"}
"""One colour per initialisation of :data:`initproof.verify.experiments.COMPARED`."""
RUN_COLOURS = {"relu raw": COLOURS["relu"], "sigmoid raw": COLOURS["sigmoid"], "relu normalised": COLOURS["tanh"],
               "linear": "#7f7f7f", "tanh": COLOURS["tanh"], "relu": COLOURS["relu"],
               "lr 0.01": COLOURS["small"], "lr 0.1": COLOURS["relu"], "lr 1": COLOURS["large"],
               "lr 3": COLOURS["sigmoid"], "N(0, 1), lr 1": COLOURS["large"]}
"""The colour of each run of the other experiments."""
RUN_NAMES = {"relu raw": say("run_relu_0_255_pixels"),
             "sigmoid raw": say("run_sigmoid_0_255_pixels"),
             "relu normalised": say("run_relu_standardised"),
             "linear": say("run_no_activation")}
"""Run labels that read differently in a figure or in Vietnamese (others are shown as they are)."""


def _name(label: str) -> Text:
    """A run's label as a figure shows it, in both languages."""
    return RUN_NAMES.get(label, Text(label, experiments.localised(label, "vi")))


def for_finding(finding: Finding, lang: str, seed: int = 0) -> Figure | None:
    """The figure of ``finding`` (None for one without curves); ``seed`` is the experiments' seed,
    which the red-blue decision regions are trained again from."""
    if finding.name == "nonlinearity":
        return decision_regions(seed, lang)
    if finding.name == "depth":
        return gradient_profiles(finding, lang)
    if not finding.curves:
        return None
    colours = ({label: INIT_COLOURS[name] for label, name in experiments.COMPARED.items()}
               if finding.name.startswith("initialisation-") else RUN_COLOURS)
    return training_curves([(_name(label), colours[label], run["train loss"],
                             run["test accuracy"])
                            for label, run in finding.curves.items()], lang)


def training_curves(curves: list[tuple[Text, str, list[list[float]], list[list[float]]]], lang: str) -> Figure:
    """Training loss (log scale) and test accuracy per epoch; ``curves`` holds (label, colour, per-seed
    losses, per-seed accuracies). Seeds that ran every epoch are drawn as their mean with their range
    as a band; a run that diverged is drawn seed by seed, ending in a cross where it stopped."""
    fig, (left, right) = new_figure(1, 2, figsize=(7.2, 3.0))
    for label, colour, losses, accuracies in curves:
        for ax, values in ((left, losses), (right, accuracies)):
            _band_or_lines(ax, values, colour, label(lang), lang)
    left.set(xlabel=LABELS["epoch"](lang), ylabel=LABELS["train loss"](lang), yscale="log")
    _clip(left, [run for _, _, losses, _ in curves for run in losses])
    right.set(xlabel=LABELS["epoch"](lang), ylabel=LABELS["test accuracy"](lang), ylim=(0, 1.02))
    right.legend(fontsize=6, loc="best")
    return fig


def _clip(ax, runs: list[list[float]], top: float = 1e4) -> None:
    """Cut a loss axis at ``top`` and write the largest loss above it, so that one exploding epoch does
    not flatten every other curve."""
    values = np.array([value for run in runs for value in run])
    if values.size and values.max() > top:
        ax.set_ylim(values[values > 0].min() / 2, top)
        ax.text(0.02, 0.98, f"max {values.max():.1e}", transform=ax.transAxes, va="top", fontsize=7)


def _band_or_lines(ax, runs: list[list[float]], colour: str, label: str, lang: str) -> None:
    lengths = {len(run) for run in runs}
    if lengths == {0}:  # every seed diverged in its first epoch
        ax.plot([], [], color=colour, label=f"{label} ({LABELS['diverged'](lang)})")
        return
    if len(lengths) == 1:
        values = np.array(runs)
        epochs = np.arange(1, values.shape[1] + 1)
        ax.plot(epochs, values.mean(axis=0), color=colour, label=label)
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, linewidth=0)
        return
    longest = max(lengths)
    for k, run in enumerate(runs):
        epochs = np.arange(1, len(run) + 1)
        ax.plot(epochs, run, color=colour, linewidth=0.8, label=label if k == 0 else None)
        if len(run) < longest and run:
            ax.plot(epochs[-1], run[-1], "x", color=colour)


def gradient_profiles(finding: Finding, lang: str) -> Figure:
    """Per layer, above: the weight-gradient norm over the last layer's, the exact recursion's step-0
    prediction against the measurement at step 0 and after training; below: how much an epoch of
    training changes the weights, relative to their norm, in the first and the last epoch (mean over
    seeds, bars: their range)."""
    runs = list(finding.curves.items())
    fig, axes = new_figure(2, len(runs), figsize=(7.2, 5.2), sharex="col")
    for column, (label, run) in enumerate(runs):
        top, bottom = axes[0, column], axes[1, column]
        profiles = np.array(run["gradient profile"])  # seeds x (epochs + 1) x layers
        changes = np.array(run["weight change"])  # seeds x epochs x layers
        layers = np.arange(1, profiles.shape[2] + 1)
        top.semilogy(layers, finding.predicted[label], "-", color="black", label=LABELS["predicted"](lang))
        for epoch, marker, colour in ((0, "o", COLOURS["sigmoid"]), (-1, "s", COLOURS["tanh"])):
            _ranges(top, layers, profiles[:, epoch, :], marker, colour,
                    _epoch_label(epoch % profiles.shape[1], lang))
        for epoch, marker, colour in ((0, "o", COLOURS["sigmoid"]), (-1, "s", COLOURS["tanh"])):
            number = epoch % changes.shape[1] + 1
            _ranges(bottom, layers, changes[:, epoch, :], marker, colour,
                    f"epoch {number}" if lang == "en" else f"epoch thứ {number}")
        top.set(title=f"sigmoid, {label}" if lang == "en" else f"sigmoid, {label.replace('layers', 'lớp')}",
                ylabel=LABELS["gradient ratio"](lang))
        bottom.set(yscale="log", xlabel=LABELS["layer"](lang), ylabel=LABELS["weight change"](lang), xticks=layers)
        top.legend(fontsize=6), bottom.legend(fontsize=6)
    return fig


def _ranges(ax, layers: np.ndarray, values: np.ndarray, marker: str, colour: str, label: str) -> None:
    """The mean over seeds (rows of ``values``) with bars from the smallest to the largest."""
    mean = values.mean(axis=0)
    ax.errorbar(layers, mean, yerr=[mean - values.min(axis=0), values.max(axis=0) - mean], fmt=marker, ms=4,
                capsize=2, color=colour, label=label)


def _epoch_label(epoch: int, lang: str) -> str:
    if epoch == 0:
        return "measured, step 0" if lang == "en" else "đo được, bước 0"
    return f"measured, after {epoch} epochs" if lang == "en" else f"đo được, sau {epoch} epoch"


def decision_regions(seed: int, lang: str) -> Figure:
    """The red-blue test points over the class each network of the nonlinearity experiment's first
    seed predicts (shaded), one panel per network, with its test accuracy."""
    networks = experiments.separators(experiments.seeds("nonlinearity", 1, seed)[0])
    _, _, x, labels = load("red-blue")
    grid = np.linspace(-2.6, 2.6, 161)
    u, v = np.meshgrid(grid, grid)
    points = np.column_stack([u.ravel(), v.ravel()])
    fig, axes = new_figure(1, len(networks), figsize=(7.2, 2.9), sharey=True)
    for ax, (label, (network, history)) in zip(axes, networks.items(), strict=True):
        predicted = network.forward(points)[0].argmax(axis=1).reshape(u.shape)
        ax.contourf(u, v, predicted, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
        for value, colour in ((0, COLOURS["sigmoid"]), (1, COLOURS["tanh"])):
            ax.scatter(*x[labels == value].T, s=4, color=colour)
        accuracy = history.test_accuracy[-1]
        ax.set(title=f"{_name(label)(lang)}: {accuracy:.2f}", aspect="equal",
               xlabel="$x_1$")
        ax.grid(False)
    axes[0].set(ylabel="$x_2$")
    return fig


def initialisations(findings: list[Finding], lang: str) -> Figure:
    """The initialisation experiments side by side, one column per activation: training loss and test
    accuracy per epoch, one colour per initialisation (mean over seeds, band: their range)."""
    fig, axes = new_figure(2, len(findings), figsize=(7.2, 4.8), sharex=True)
    for column, finding in enumerate(findings):
        top, bottom = axes[0, column], axes[1, column]
        for label, run in finding.curves.items():
            colour = INIT_COLOURS[experiments.COMPARED[label]]
            _band_or_lines(top, run["train loss"], colour, _name(label)(lang), lang)
            _band_or_lines(bottom, run["test accuracy"], colour, _name(label)(lang), lang)
        top.set(title=finding.name.removeprefix("initialisation-"), yscale="log")
        _clip(top, [run for curves in finding.curves.values() for run in curves["train loss"]])
        bottom.set(xlabel=LABELS["epoch"](lang), ylim=(0, 1.02))
    axes[0, 0].set(ylabel=LABELS["train loss"](lang))
    axes[1, 0].set(ylabel=LABELS["test accuracy"](lang))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=5, fontsize=7)
    return fig
