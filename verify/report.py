"""Verification results as a terminal table and as JSON-ready data."""

from __future__ import annotations

import shutil
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from initproof.derive.text import Text

from .checks import Outcome
from .comparison import DEPTHS, Row
from .rule import RuleReport, layer_verdict
from .settings import Settings

if TYPE_CHECKING:  # scipy.stats, which the torch comparison needs, takes half a second to import
    from .inspection import Inspection
    from .torch_check import TorchComparison

HEADER = ("id", "claim", "expected", "measured", "interval", "verdict")


def _number(x: float) -> str:
    return f"{x:.5g}"


def columns(header: tuple[str, ...], rows: list[tuple[str, ...]], fit: int | None = None,
            wrap: int | None = None) -> list[str]:
    """Left-aligned fixed-width columns with a rule under the header; with ``fit``, the text of
    column ``wrap`` is wrapped onto as many lines as keep the table within ``fit`` characters."""
    rows = [header, *rows]
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    if fit is not None and wrap is not None:
        others = sum(widths) - widths[wrap] + 2 * (len(widths) - 1)
        widths[wrap] = min(widths[wrap], max(fit - others, MIN_WRAPPED, len(header[wrap])))
    lines = []
    for row in rows:
        cells = [textwrap.wrap(cell, w, break_long_words=False, break_on_hyphens=False) or [""]
                 if k == wrap else [cell] for k, (cell, w) in enumerate(zip(row, widths, strict=True))]
        for depth in range(max(map(len, cells))):
            lines.append("  ".join((cell[depth] if depth < len(cell) else "").ljust(w)
                                   for cell, w in zip(cells, widths, strict=True)).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


MIN_WRAPPED = 16
"""Narrowest a wrapped column gets."""


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` if set; 100 when the output is not a terminal)."""
    return shutil.get_terminal_size((100, 24)).columns


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def table(outcomes: list[Outcome], settings: Settings) -> str:
    """A fixed-width table, one row per check, and a closing summary line."""
    lines = columns(HEADER, [
        (o.id, _short(o.claim.en, 64), _number(o.expected),
         _number(o.estimate.estimate), f"[{_number(o.estimate.ci[0])}, {_number(o.estimate.ci[1])}]",
         "pass" if o.passed else "FAIL")
        for o in outcomes])
    passed = sum(o.passed for o in outcomes)
    lines.append("")
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed "
                 f"(family-wise false-alarm rate {settings.alpha:g}, Bonferroni; "
                 f"precision {settings.precision:g}, networks {settings.network_precision:g})")
    return "\n".join(lines)


def layer_table(report: RuleReport) -> str:
    """Per-layer predicted and measured variances of a user's rule, and the verdict.

    A layer ``agrees`` when the prediction lies in an interval narrower than the network
    precision, ``DIFFERS`` when it lies outside one, and is ``undecided`` when the interval
    is too wide to tell.
    """
    lines = [f"{'layer':>5}  {'predicted fwd':>13}  {'measured fwd':>12}  {'predicted bwd':>13}  "
             f"{'measured bwd':>12}  agrees"]
    layers = report.outcome.layers
    verdicts = [layer_verdict(layer) for layer in layers]
    for layer, verdict in zip(layers, verdicts, strict=True):
        forward, backward = layer.forward, layer.backward
        lines.append(f"{layer.number:>5}  {forward.predicted:>13.5g}  {forward.measured:>12.5g}  "
                     f"{backward.predicted:>13.5g}  {backward.measured:>12.5g}  {verdict}")
    counts = {v: verdicts.count(v) for v in ("agrees", "DIFFERS", "undecided")}
    verdict = "keeps" if report.preserves else "does NOT keep"
    lines += ["", f"{report.outcome.claim.en}, inputs scaled so that q_1 = 1: the measurement agrees with the "
                  f"exact recursion at {counts['agrees']} of {len(layers)} layers, differs at {counts['DIFFERS']}"
                  + (f", and is undecided at {counts['undecided']} (intervals wider than the precision)"
                     if counts["undecided"] else "") + ".",
              *_finite_width(report, verdicts),
              f"The rule {verdict} the variance within a factor {report.factor:g} across the depth "
              f"(forward max/min {report.forward_spread:.3g}, backward max/min {report.backward_spread:.3g})."]
    return "\n".join(lines)


def _finite_width(report: RuleReport, verdicts: list[str]) -> list[str]:
    """What extrapolating to infinite width says about the layers that differ."""
    if report.extrapolated is None:
        return []
    differing = [k for k, v in enumerate(verdicts) if v == "DIFFERS"]
    still = [k + 1 for k in differing if layer_verdict(report.extrapolated.layers[k]) == "DIFFERS"]
    method = "extrapolated to infinite width (2 v_n - v_(n/2), networks of width n and n/2)"
    if not still:
        return [f"The {len(differing)} layers that differ are consistent with the finite-width bias (of order 1/n): "
                f"{method}, the measurement differs at none of them."]
    return [f"Not explained by a bias of order 1/n: {method}, the measurement still differs at {len(still)} of "
            f"the {len(differing)} layers that differ (first: layer {still[0]}). Either the prediction fails or "
            "the finite-width effects are larger; near a fixed point that repels (see 'initproof frameworks', "
            "slope at q* above 1) small deviations grow with depth."]


def as_dict(outcomes: list[Outcome], seed: int, report: RuleReport | None = None) -> dict:
    """``{"seed", "passed", "checks"}``, plus ``"layers"`` and ``"preserves"`` for a user rule."""
    data = {"seed": seed, "passed": all(o.passed for o in outcomes),
            "checks": [o.as_dict() for o in outcomes]}
    if report is not None:
        data["layers"] = [layer.as_dict() for layer in report.outcome.layers]
        data["preserves"] = report.preserves
        data["factor"] = report.factor
        if report.extrapolated is not None:
            data["extrapolated_layers"] = [layer.as_dict() for layer in report.extrapolated.layers]
    return data


FRAMEWORK_HEADER = ("#", "activation", "framework", "n Var(w)", "/ exact", "q*", "slope at q*", "initialiser")
DEPTH_HEADER = ("#", "activation", "framework", *(f"q_{d}" for d in DEPTHS), *(f"grad_{d}" for d in DEPTHS))
FRAMEWORK_NOTE = (
    "Square layers (n = m). '/ exact': n Var(w) over the exact forward rule's. q*: where the map "
    "q_l -> q_(l+1) settles from q_1 = 1 (0: the variance dies out; inf: it blows up); 'slope at q*': "
    "of that map there (below 1 the variance is pulled back to q*, above 1 pushed away). q_L: forward "
    "variance after L layers; grad_L: gradient variance reaching the input (output = 1); both from "
    "the exact recursion starting at q_1 = 1.")


def frameworks_table(rows: list[Row], fit: int | None = None) -> str:
    """Framework recipes against the exact rules, then their depth predictions (rows numbered alike),
    a note on the columns, and the sources; every line within ``fit`` characters (the terminal's)."""
    fit = fit or terminal_width()
    recipes = columns(FRAMEWORK_HEADER, [
        (str(k), r.activation, r.framework, f"{r.n_var:.4g}", f"{r.ratio:.3f}", f"{r.fixed_point:.4g}",
         _slope(r.slope), r.initializer + (f" ({r.note})" if r.note else ""))
        for k, r in enumerate(rows, 1)], fit, wrap=FRAMEWORK_HEADER.index("initialiser"))
    depths = columns(DEPTH_HEADER, [
        (str(k), r.activation, r.framework, *(f"{r.forward[d]:.3g}" for d in DEPTHS),
         *(f"{r.backward[d]:.3g}" for d in DEPTHS)) for k, r in enumerate(rows, 1)])
    sources = "Sources: " + "; ".join(dict.fromkeys(r.source for r in rows if r.framework != "initproof"))
    notes = [line for text in (FRAMEWORK_NOTE, sources)
             for line in textwrap.wrap(text, fit, break_on_hyphens=False, break_long_words=False)]
    return "\n".join([*recipes, "", *depths, "", *notes])


def _slope(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"


def torch_table(comparisons: list[TorchComparison]) -> str:
    """The real torch.nn.init functions against the recipes' variances."""
    lines = columns(("activation", "torch.nn.init", "predicted Var(w)", "sampled", "stderr", "verdict"), [
        (c.activation, c.initializer, f"{c.predicted:.5g}", f"{c.measured:.5g}", f"{c.stderr:.2g}",
         "pass" if c.passed else "FAIL") for c in comparisons])
    return "\n".join(lines)


EXPERIMENT_WORDS = {"notes": Text("notes", "bài giảng"), "rule": Text("rule", "quy tắc"),
                    "mean": Text("mean", "trung bình"), "not finite": Text("not finite", "không hữu hạn"),
                    "held": Text("held in {} of {} seeds", "đúng ở {} trên {} seed"),
                    "confirmed": Text("CONFIRMED", "XÁC NHẬN"), "refuted": Text("REFUTED", "BÁC BỎ"),
                    "depends": Text("DEPENDS", "TÙY TRƯỜNG HỢP")}


def experiments_table(findings: list, lang: str) -> str:
    """Each experiment: the notes' words, the rule, the measurements (mean and range over seeds) and
    the verdict."""
    from . import experiments

    words = {key: text(lang) for key, text in EXPERIMENT_WORDS.items()}
    width, lines = terminal_width(), []
    for finding in findings:
        lines.append(f"{finding.name} ({finding.where}): {words[finding.verdict]}")
        for label, sentence in ((words["notes"], f"\"{finding.quote(lang)}\""), (words["rule"], finding.rule(lang))):
            lines += textwrap.wrap(f"{label}: {sentence}", width, initial_indent="  ", subsequent_indent="    ")
        for name, values in finding.measured.items():
            finite = [v for v in values if np.isfinite(v)]
            shown = f"{words['mean']} {np.mean(finite):.4g} ({min(finite):.4g} .. {max(finite):.4g})" if finite else ""
            missing = len(values) - len(finite)
            lines.append(f"    {experiments.localised(name, lang)}: {shown}"
                         + (f"; {missing} {words['not finite']}" if missing else ""))
        lines += [f"    {words['held'].format(sum(finding.held), len(finding.held))}", ""]
    return "\n".join(lines).rstrip()


def inspection_table(result: Inspection) -> str:
    """Per leaf module: predicted and measured mean squares of its output and of the gradient reaching
    it, with their ratio (the measurement's range over replicates in brackets) and its drift from the
    first module of its kind; then the audit of each weight and the verdict."""
    def number(value: float | None) -> str:
        return "-" if value is None or not np.isfinite(value) else f"{value:.4g}"

    def ratio(measured: float, predicted: float | None) -> str:
        known = predicted is not None and np.isfinite(predicted) and predicted != 0
        return f"{measured / predicted:.3f}" if known else "-"

    def drift(row) -> str:
        values = [f"{side} x{value:.3g}" for side, value in (("fwd", row.forward_drift), ("bwd", row.backward_drift))
                  if value is not None and not 1 / result.factor <= value <= result.factor]
        return ", ".join(values) or ("" if row.forward_drift is None else "kept")

    header = ("#", "module", "output shape", "E[y^2] predicted", "measured [range]", "ratio",
              "E[g^2] predicted", "measured [range]", "ratio", "drift")
    rows = [(str(r.index), f"{r.name} ({r.module})", "x".join(map(str, r.shape)), number(r.forward),
             f"{number(r.measured_forward)} [{number(r.forward_spread[0])}, {number(r.forward_spread[1])}]",
             ratio(r.measured_forward, r.forward), number(r.backward),
             f"{number(r.measured_backward)} [{number(r.backward_spread[0])}, {number(r.backward_spread[1])}]",
             ratio(r.measured_backward, r.backward), drift(r)) for r in result.rows]
    lines = columns(header, rows)
    lines += ["", f"Inputs: {result.replicates} draws, output gradient N(0, 1); predictions from the weights each "
                  "module has (mean field: Gaussian pre-activations, independent positions). Drift: measured over "
                  "the first module of the same kind (same path without block numbers, class and shapes)."]
    if result.stopped:
        lines.append(f"not predicted throughout: {result.stopped} (no forward prediction after it, no backward "
                     "one before it)")
    if result.audits:
        lines += ["", "Initialisers: n Var(w) as it is and as the exact rule asks (n: PyTorch's fan-in)"]
        lines += columns(("weight", "module", "n (PyTorch)", "n (counted)", "n Var(w)", "exact", "note"),
                         [(a.name, a.module, f"{a.torch_fan_in:g}", f"{a.fan_in:.4g}", f"{a.gain:.3g}",
                           f"{a.exact:.3g}", a.note())
                          for a in result.audits])
    drifting = sum(row.drifts(result.factor) for row in result.rows)
    lines += ["", f"verdict: every layer within x{result.factor:g} of the first of its kind" if result.kept else
              f"verdict: {drifting} of {len(result.rows)} layers drift past x{result.factor:g} (exit 1)"]
    return "\n".join(lines)
