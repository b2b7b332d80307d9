"""What the handout says: sections built from :mod:`derive` results and :mod:`verify` outcomes.

Every number here is computed at build time; nothing is retyped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from initproof import derive
from initproof.derive.activations import NAMES, activation, named
from initproof.derive.audit import audit
from initproof.derive.frameworks import torch_gain
from initproof.derive.symbols import n
from initproof.derive.text import Text
from initproof.verify import experiments, memo
from initproof.verify.checks import Outcome
from initproof.verify.comparison import compare, exact_gains
from initproof.verify.numeric import activation_pair
from initproof.verify.recursion import fixed_point_slope, predict
from initproof.verify.settings import Settings

from . import experiment_figures, figures, review
from .blocks import Block, DerivationBlock, Figure, Heading, Paragraph, Question, Table
from .numbers import significant as _g
from .prose import say

KUMAR_SIGMOID = 3.6
"""Kumar (2017), "On weight initialization in deep neural networks": sigma_w = 3.6/sqrt(n) for the sigmoid."""
TITLE = say("handout_title")


@dataclass(frozen=True)
class Handout:
    """The blocks of a handout and the verification outcomes they quote."""

    title: Text
    blocks: list[Block]
    outcomes: list[Outcome]
    seed: int
    author: str = ""
    course: str = ""


def build(seed: int = 0, settings: Settings | None = None, timings=None) -> Handout:
    """Derive, verify (with ``seed``) and assemble the handout; ``timings`` records the stages."""
    measure = timings.measure if timings else (lambda stage, action: action())
    measure("derive", derive.all_derivations)
    outcomes, _ = measure("verify", lambda: memo.outcomes((), settings or Settings(), seed))
    by_key = {o.key: o for o in outcomes}
    findings, _ = measure("experiments", lambda: memo.findings((), EXPERIMENT_SEEDS, seed))
    blocks = (_motivation(outcomes) + _tools() + _derivations() + _evidence(outcomes, by_key, seed)
              + measure("experiments", lambda: _experiments(findings, seed)) + _summary(by_key)
              + review.questions(by_key, {f.name: f for f in findings}) + _beyond(outcomes))
    return Handout(TITLE, blocks, outcomes, seed)


EXPERIMENT_SEEDS = 3
"""Independent seeds behind each training experiment of the handout."""
VERDICTS = {"confirmed": say("verdict_confirmed"), "refuted": say("verdict_refuted"),
            "depends": say("verdict_depends")}


def _experiments(findings: list, seed: int) -> list[Block]:
    """The notes' claims about training, trained for real: a table of verdicts, then the figures."""
    by_name = {f.name: f for f in findings}
    rows = tuple((say("experiments_row", f=f), f.quote, f.rule,
                  _measured(f), VERDICTS[f.verdict]) for f in findings)
    depth = by_name["depth"]
    ratios = {label: (depth.predicted[label][0],
                      *np.mean([(run[0][0], run[-1][0]) for run in curves["gradient profile"]], axis=0))
              for label, curves in depth.curves.items()}
    (five, (p5, m5, t5)), (eight, (p8, m8, t8)) = ratios.items()
    (c5, l5), (c8, l8) = (np.mean([changes[0][::len(changes[0]) - 1] for changes in curves["weight change"]], axis=0)
                          for curves in depth.curves.values())
    epochs = experiments.DEPTH_EPOCHS
    initialisations = [by_name[f"initialisation-{name}"] for name in ("sigmoid", "tanh", "relu")]
    zero, equal = (max(max(f.measured[label]) for f in initialisations) for label in ("zero", "constant 0.01"))
    return [
        Heading(say("experiments_heading")),
        Paragraph(say("experiments_method", experiment_seeds=EXPERIMENT_SEEDS)),
        Table((say("label_experiment"), say("label_the_notes"), say("label_rule"),
               say("label_measured_mean_over_seeds"),
               say("label_verdict")), rows, widths=(0.14, 0.26, 0.28, 0.22, 0.1)),
        Figure("nonlinearity", say("experiments_figure_nonlinearity"),
               lambda lang: experiment_figures.decision_regions(seed, lang)),
        Figure("training", say("experiments_figure_training"),
               lambda lang: experiment_figures.for_finding(by_name["raw-pixels"], lang)),
        Figure("initialisations", say("experiments_figure_initialisations", zero=zero, equal=equal),
               lambda lang: experiment_figures.initialisations(initialisations, lang)),
        Figure("depth", say("experiments_figure_depth", five=five, eight=eight, epochs=epochs, p5=p5, p8=p8, m5=m5,
                            m8=m8, t5=t5, t8=t8, c5=c5, c8=c8, l5=l5, l8=l8),
               lambda lang: experiment_figures.gradient_profiles(depth, lang)),
    ]


def _measured(finding) -> Text:
    """``label: mean`` for each measurement of a finding (of its finite values; ``-`` when none)."""
    means = {name: [v for v in values if np.isfinite(v)] for name, values in finding.measured.items()}

    def parts(lang: str) -> str:
        return "; ".join(f"{experiments.localised(name, lang)}: " + (f"${_g(float(np.mean(kept)))}$" if kept else "-")
                         for name, kept in means.items())

    return Text(parts("en"), parts("vi"))


def _motivation(outcomes: list[Outcome]) -> list[Block]:
    g = derive.get("gradient-vanishing")
    b5, b8 = g.named("bound-5").rhs, g.named("bound-8").rhs
    large = float(g.named("sigmoid-derivative-large-z").rhs)
    unit = derive.get("saturated-unit")
    step = unit.named("notes-update")
    theta = step.lhs.args[2][0]
    by_key = {o.key: o for o in outcomes}
    symmetric, textbook = by_key["gradient-vanishing/symmetry"], by_key["xavier-sigmoid/sigmoid"]
    reached = textbook.layers[0]
    return [
        Heading(say("motivation_heading")),
        Paragraph(say("motivation_bound", b5=b5, b8=b8, depth=len(textbook.layers), reached=reached)),
        Paragraph(say("motivation_saturation", large=large, updated=float(step.rhs), change=float(step.rhs - theta),
                      unit=unit)),
        Paragraph(say("motivation_symmetry", symmetric=symmetric)),
        Figure("activations", say("motivation_figure_activations"), figures.activations),
        DerivationBlock("activation-derivatives"),
        DerivationBlock("gradient-vanishing"),
        DerivationBlock("saturated-unit"),
    ]


def _tools() -> list[Block]:
    return [
        Heading(say("tools_heading")),
        Paragraph(say("tools_nonlinearity")),
        DerivationBlock("linear-composition"),
        Paragraph(say("tools_graph")),
        DerivationBlock("computational-graph"),
        Paragraph(say("tools_expectation")),
        DerivationBlock("expectation-examples"),
        Paragraph(say("tools_variance")),
        DerivationBlock("uniform-moments"),
        DerivationBlock("gaussian-moments"),
        Figure("densities", say("tools_figure_densities"),
               figures.densities),
        DerivationBlock("product-variance"),
        DerivationBlock("layer-variance"),
        Paragraph(say("tools_maclaurin")),
        DerivationBlock("maclaurin-tanh"),
        DerivationBlock("maclaurin-sigmoid"),
        Figure("maclaurin", say("tools_figure_maclaurin"), figures.maclaurin),
    ]


def _derivations() -> list[Block]:
    return [
        Heading(say("derivations_heading")),
        DerivationBlock("xavier-tanh"),
        DerivationBlock("xavier-sigmoid"),
        DerivationBlock("he-relu"),
    ]


def _evidence(outcomes: list[Outcome], by_key: dict[str, Outcome], seed: int) -> list[Block]:
    rows = tuple((o.claim, _g(o.expected), _g(o.estimate.estimate),
                  f"[{_g(o.estimate.ci[0])}, {_g(o.estimate.ci[1])}]",
                  "" if o.detects is None else f"{100 * o.detects:.1f}%", "✓" if o.passed else "✗")
                 for o in outcomes)
    tanh, sigmoid = by_key["xavier-tanh/tanh"], by_key["xavier-sigmoid/sigmoid"]
    tanh_last, sigmoid_last = tanh.layers[-1], sigmoid.layers[-1]
    curves = [(by_key[key], figures.COLOURS[colour]) for key, colour in (
        ("xavier-tanh/tanh", "tanh"), ("xavier-sigmoid/sigmoid", "sigmoid"),
        ("he-relu/relu", "relu"), ("he-relu/relu-one-over-n", "relu-half"))]
    extremes = [(by_key[key], figures.COLOURS[colour]) for key, colour in (
        ("gradient-vanishing/sigmoid-vanishing", "small"), ("gradient-vanishing/relu-exploding", "large"))]
    return [
        Heading(say("evidence_heading")),
        Paragraph(say("evidence_method", seed=seed)),
        Table((say("label_claim"), say("label_expected"),
               say("label_measured"), say("label_interval"), say("label_detects"),
               say("label_verdict")),
              rows, (False, True, True, True, False, False), (0.4, 0.0, 0.0, 0.22, 0.0, 0.0)),
        Figure("variances", say("evidence_figure_variances"), lambda lang: figures.layer_variances(curves, lang)),
        Figure("extremes", say("evidence_figure_extremes"),
               lambda lang: figures.layer_variances(extremes, lang)),
        Paragraph(say("evidence_breaks", tanh_last=tanh_last, sigmoid_last=sigmoid_last, sigmoid=sigmoid)),
        Figure("histograms", say("evidence_figure_histograms"),
               lambda lang: figures.histograms(lang, seed)),
    ]


def _summary(by_key: dict[str, Outcome]) -> list[Block]:
    tanh = by_key["xavier-tanh/tanh"].layers[-1]
    settled = by_key["xavier-sigmoid/sigmoid"].layers[-1]
    consistent = derive.get("xavier-sigmoid").named("consistent-unit").rhs
    keeps = {
        "tanh": say("summary_tanh_keeps", tanh=tanh),
        "sigmoid": say("summary_sigmoid_keeps", settled=settled, consistent=consistent),
        "ReLU": say("summary_relu_keeps"),
    }
    rows = []
    for rule, label in (("xavier-tanh", "tanh"), ("xavier-sigmoid", "sigmoid"), ("he-relu", "ReLU")):
        d = derive.get(rule)
        rows.append((label, *(sp.latex(d.named(k).rhs) for k in ("forward", "normal-std", "uniform-bound")),
                     keeps[label]))
    x = derive.get("xavier-tanh")
    rows.append((say("label_tanh_fan_average"),
                 *(sp.latex(x.named(k).rhs) for k in ("fan-average", "normal-std-fan-average",
                                                     "uniform-bound-fan-average")),
                 say("summary_fan_average")))
    peak = derive.get("activation-derivatives").named("sigmoid-max").rhs
    g = derive.get("gradient-vanishing")
    he_bound = derive.get("he-relu").named("uniform-bound").rhs.subs(n, 512)
    halving = by_key["he-relu/relu-one-over-n"].layers[-1]
    verdicts = {"correct": say("grade_correct"), "rounding": say("grade_rounding"),
                "wrong": say("grade_wrong")}
    errata = tuple((g.claim.claim, *_stated_and_computed(g), verdicts[g.verdict], g.claim.where) for g in audit())
    wrong = sum(row[3] == verdicts["wrong"] for row in errata)
    phi, dphi = activation_pair(named("sigmoid"))
    eight = float(predict(phi, dphi, 16.0, 8, 1 / 16)[1][0])
    return [
        Heading(say("summary_heading")),
        Table((say("label_activation"), say("label_operatorname_var_w"),
               say("label_normal_std_sigma_w"),
               say("label_uniform_bound_r"), say("label_keeps_q_1")),
              tuple(rows), (False, True, True, True, False), (0.14, 0.0, 0.0, 0.0, 0.45)),
        Paragraph(say("summary_paragraph", count=len(errata), wrong=wrong)),
        Table((say("label_claim"), say("label_stated"), say("label_computed"),
               say("label_verdict"), say("label_where")), errata),
        Question(say("summary_peak_question"),
                 say("summary_peak_answer", peak=peak)),
        Question(say("summary_eight_layers_question"),
                 say("summary_eight_layers_answer", g=g, eight=eight)),
        Question(say("summary_he_bound_question"),
                 say("summary_he_bound_answer", bound=float(he_bound))),
        Question(say("summary_relu_question"),
                 say("summary_relu_answer", halving=halving)),
        Question(say("summary_zero_question"),
                 say("summary_zero_answer")),
    ]


def _stated_and_computed(grade) -> tuple[str, str]:
    """The notes' value and the recomputed one as a reader writes them: a formula in math, a
    decimal as the notes print it."""
    if isinstance(grade.claim.stated, str):
        return grade.claim.stated, grade.computed
    return f"${sp.latex(grade.claim.stated)}$", f"${sp.latex(grade.claim.computed)}$"


def _beyond(outcomes: list[Outcome]) -> list[Block]:
    selu = derive.get("selu-constants")
    alpha, lam = (float(selu.named(name).rhs) for name in ("alpha-value", "lambda-value"))
    factor = float(derive.get("truncated-normal").named("std-factor-value").rhs)
    return [
        Heading(say("appendix_heading")),
        Paragraph(say("appendix_constants", factor=factor, alpha=alpha, lam=lam)),
        DerivationBlock("truncated-normal"),
        *_gains(outcomes),
        *_chaos(),
        *_frameworks(),
        *_layers({o.key: o for o in outcomes}),
    ]


def _layers(by_key: dict[str, Outcome]) -> list[Block]:
    """Convolutions, attention, dropout and residual streams: the same identity in other shapes."""
    conv, scores = by_key["convolution-fan/he-convolution"], by_key["attention-scale/scaled-scores"]
    dropped, stream = by_key["dropout-variance/next-layer"], by_key["residual-variance/scaled-stream"]

    return [
        Heading(say("layers_heading")),
        Paragraph(say("layers_shapes", conv=conv, scores=scores, dropped=dropped, stream=stream)),
        DerivationBlock("convolution-fan"),
        DerivationBlock("attention-scale"),
        DerivationBlock("dropout-variance"),
        DerivationBlock("residual-variance"),
        *_frameworks_layers(by_key),
    ]


def _frameworks_layers(by_key: dict[str, Outcome]) -> list[Block]:
    """What the frameworks do to those layers: transposed and packed fans, normalisation, Fixup, muP."""
    torch_fan, packed = by_key["transposed-convolution-fan/torch-fan"], by_key["packed-attention-fan/packed"]
    norm, fixup = by_key["normalisation-variance/backward"], by_key["fixup-scale/depth-free-step"]
    deepnet = by_key["deepnet-scale/bounded-step"]
    return [
        Paragraph(say("layers_frameworks", torch_fan=torch_fan, packed=packed, norm=norm, fixup=fixup,
                      deepnet=deepnet)),
        DerivationBlock("transposed-convolution-fan"),
        DerivationBlock("packed-attention-fan"),
        DerivationBlock("normalisation-variance"),
        DerivationBlock("fixup-scale"),
        DerivationBlock("deepnet-scale"),
        DerivationBlock("attention-width-scale"),
    ]


def _gains(outcomes: list[Outcome]) -> list[Block]:
    kept = {o.id: o for o in outcomes if o.id.startswith("exact-gain-") and o.key.endswith("/forward")}
    rows = []
    for name in NAMES:
        d = derive.get(f"exact-gain-{name}")
        forward, backward = exact_gains(activation(name))
        linear = next((r.rhs for r in d.results if r.name == "linearised"), None)
        torch, known = torch_gain(name)
        measured = kept[d.id]
        rows.append((name, _g(forward), _g(backward), _g(float(n * linear)) if linear is not None else "",
                     _g(float(torch**2)) if known else "", f"{_g(measured.estimate.estimate, True)} "
                     f"[{_g(measured.estimate.ci[0], True)}, {_g(measured.estimate.ci[1], True)}]"))
    sigmoid = derive.get("exact-gain-sigmoid")
    phi, dphi = activation_pair(named("sigmoid"))
    kumar = predict(phi, dphi, KUMAR_SIGMOID**2, 200)[0][-1]
    (gelu_slope, gelu_drift), (silu_slope, silu_drift) = _repelling("gelu"), _repelling("silu")
    leaving = [o for o in outcomes if o.key.endswith("/drift")]
    return [
        Paragraph(say("gains_exact", linearised=n * sigmoid.named("linearised").rhs,
                      exact=float(n * sigmoid.named("forward").rhs), kumar_sigmoid=KUMAR_SIGMOID, kumar=kumar,
                      gelu_slope=gelu_slope, silu_slope=silu_slope, gelu_drift=gelu_drift, silu_drift=silu_drift,
                      leaving=leaving)),
        Table((say("label_activation"), say("label_exact_forward_n_mathrm_var_w"),
               say("label_exact_backward"), say("label_linearised"),
               say("label_pytorch_gain_2"), say("label_measured_q_6")),
              tuple(rows), (), (0.1, 0.15, 0.13, 0.12, 0.13, 0.24)),
    ]


def _repelling(name: str, start: float = 1.01, depth: int = 40) -> tuple[float, float]:
    """The slope of the forward map at ``q = 1`` under the exact forward rule, and ``q_depth`` of the
    recursion started at ``q_1 = start``."""
    phi, dphi = activation_pair(named(name))
    gain = exact_gains(activation(name))[0]
    return fixed_point_slope(phi, gain, 1.0), float(predict(phi, dphi, gain, depth, start / gain)[0][-1])


def _chaos() -> list[Block]:
    d = derive.get("tanh-edge-of-chaos")
    value = {r.name: float(r.rhs) for r in d.results if r.name != "critical-no-bias"}
    critical = value["weight-critical-bias"]
    linear = derive.get("linear-default-torch")
    return [Paragraph(say("chaos_tanh", value=value, critical=critical, linear=linear))]


def _frameworks() -> list[Block]:
    rows = tuple((r.activation, say("frameworks_initialiser", r=r),
                  _g(r.n_var), f"{r.ratio:.3f}",
                  _g(r.fixed_point).replace("inf", "\\infty"), "-" if r.slope != r.slope else f"{r.slope:.3f}",
                  _g(r.forward[50]), _g(r.backward[50]))
                 for name in NAMES for r in compare(activation(name)))
    return [
        Paragraph(say("frameworks_table")),
        Table((say("label_activation"), say("label_initialiser"),
               say("label_n_mathrm_var_w"), say("label_exact"),
               say("label_q"), say("label_slope"), say("label_q_50"),
               say("label_grad_50")),
              rows, (False, False) + (True,) * 6, landscape=True),
    ]
