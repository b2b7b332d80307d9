"""Verification results as a terminal table and as JSON-ready data."""

from __future__ import annotations

from .checks import Outcome, Settings
from .rule import RuleReport

HEADER = ("id", "claim", "expected", "measured", "interval", "verdict")


def _number(x: float) -> str:
    return f"{x:.5g}"


def table(outcomes: list[Outcome], settings: Settings) -> str:
    """A fixed-width table, one row per check, and a closing summary line."""
    rows = [HEADER] + [
        (o.id, o.claim.en if len(o.claim.en) <= 64 else o.claim.en[:61] + "...", _number(o.expected),
         _number(o.estimate.estimate), f"[{_number(o.estimate.ci[0])}, {_number(o.estimate.ci[1])}]",
         "pass" if o.passed else "FAIL")
        for o in outcomes]
    widths = [max(len(row[k]) for row in rows) for k in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    passed = sum(o.passed for o in outcomes)
    lines.append("")
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed "
                 f"(family-wise false-alarm rate {settings.alpha:g}, Bonferroni; "
                 f"precision {settings.precision:g}, networks {settings.network_precision:g})")
    return "\n".join(lines)


def layer_table(report: RuleReport) -> str:
    """Per-layer predicted and measured variances of a user's rule, and the verdict.

    ``agrees`` says whether the prediction lies in the interval; ``(wide)``
    marks an interval wider than the network precision.
    """
    lines = [f"{'layer':>5}  {'predicted fwd':>13}  {'measured fwd':>12}  {'predicted bwd':>13}  "
             f"{'measured bwd':>12}  agrees"]
    layers = report.outcome.layers
    for row in layers:
        agrees = "yes" if row["agrees_forward"] and row["agrees_backward"] else "NO"
        wide = "" if row["precise_forward"] and row["precise_backward"] else " (wide)"
        lines.append(f"{row['layer']:>5}  {row['predicted_forward']:>13.5g}  {row['measured_forward']:>12.5g}  "
                     f"{row['predicted_backward']:>13.5g}  {row['measured_backward']:>12.5g}  {agrees}{wide}")
    agreeing = sum(r["agrees_forward"] and r["agrees_backward"] for r in layers)
    wide = sum(not (r["precise_forward"] and r["precise_backward"]) for r in layers)
    verdict = "keeps" if report.preserves else "does NOT keep"
    lines += ["", f"{report.outcome.claim.en}: measurement agrees with the exact recursion at {agreeing} of "
                  f"{len(layers)} layers" + (f"; {wide} intervals are wider than the precision" if wide else "") + ".",
              f"The rule {verdict} the variance within a factor {report.factor:g} across the depth "
              f"(forward max/min {report.forward_spread:.3g}, backward max/min {report.backward_spread:.3g})."]
    return "\n".join(lines)


def as_dict(outcomes: list[Outcome], seed: int, report: RuleReport | None = None) -> dict:
    """``{"seed", "passed", "checks"}``, plus ``"layers"`` and ``"preserves"`` for a user rule."""
    data = {"seed": seed, "passed": all(o.passed for o in outcomes),
            "checks": [o.as_dict() for o in outcomes]}
    if report is not None:
        data["layers"] = report.outcome.layers
        data["preserves"] = report.preserves
        data["factor"] = report.factor
    return data
