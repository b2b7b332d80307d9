"""The figure of ``initproof inspect --plot``: each leaf module's forward and gradient mean squares,
measured (the replicates' range) against predicted, with the layers that drift marked."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from initproof.verify.inspection import Inspection


def inspection_figure(result: Inspection, title: str) -> Figure:
    """Two panels, forward and backward, on a log scale over the modules in call order."""
    figure = Figure(figsize=(9, 5.6), layout="constrained")
    axes = figure.subplots(2, 1, sharex=True)
    index = np.array([row.index for row in result.rows])
    for ax, side, label in ((axes[0], "forward", "output $E[y^2]$"), (axes[1], "backward", "gradient $E[g^2]$")):
        drift = np.array([np.nan if getattr(row, f"{side}_drift") is None else getattr(row, f"{side}_drift")
                          for row in result.rows])
        flagged = (drift > result.factor) | (drift < 1 / result.factor)
        measured = np.array([getattr(row, f"measured_{side}") for row in result.rows])
        spread = np.array([getattr(row, f"{side}_spread") for row in result.rows])
        predicted = np.array([np.nan if getattr(row, side) is None else getattr(row, side) for row in result.rows])
        ax.vlines(index, spread[:, 0], spread[:, 1], colors="0.6", linewidth=2)
        ax.plot(index, predicted, "-", color="tab:blue", label="predicted (mean field)")
        ax.plot(index[~flagged], measured[~flagged], "o", color="tab:green", ms=4, label="measured, kept")
        if flagged.any():
            ax.plot(index[flagged], measured[flagged], "o", color="tab:red", ms=5,
                    label=f"measured, drifts past x{result.factor:g}")
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    axes[1].set_xlabel("module, in call order")
    axes[0].set_title(title, fontsize=10)
    return figure
