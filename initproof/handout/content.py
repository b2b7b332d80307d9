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
from .numbers import inline as _m
from .numbers import significant as _g

KUMAR_SIGMOID = 3.6
"""Kumar (2017), "On weight initialization in deep neural networks": sigma_w = 3.6/sqrt(n) for the sigmoid."""
TITLE = Text("Weight initialisation, derived and verified", "Khởi tạo trọng số: chứng minh và kiểm chứng")


@dataclass(frozen=True)
class Handout:
    """The blocks of a handout and the verification outcomes they quote."""

    title: Text
    blocks: list[Block]
    outcomes: list[Outcome]
    seed: int
    author: str = ""
    course: str = ""


def _latex(expr: sp.Expr) -> str:
    return f"${sp.latex(expr)}$"


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
VERDICTS = {"confirmed": Text("confirmed", "xác nhận"), "refuted": Text("refuted", "bác bỏ"),
            "depends": Text("depends", "tùy trường hợp")}


def _experiments(findings: list, seed: int) -> list[Block]:
    """The notes' claims about training, trained for real: a table of verdicts, then the figures."""
    by_name = {f.name: f for f in findings}
    rows = tuple((Text(f"{f.name} ({f.where})", f"{f.name} ({f.where})"), f.quote, f.rule,
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
        Heading(Text("5. Training experiments", "5. Thí nghiệm huấn luyện")),
        Paragraph(Text(
            f"The notes' claims about training, run for real (initproof experiment): fully connected networks "
            f"trained on scikit-learn's 8x8 digits (the notes do not name their data; 1,397 images to train, "
            f"400 to test) and on a generated red disc inside a blue ring, each claim over {EXPERIMENT_SEEDS} "
            "independent seeds with the rule that decides it stated in advance: confirmed when it holds in "
            "every seed, refuted when in none. Gradients come from the chain rule and are tested against "
            "finite differences and torch.",
            f"Các khẳng định của bài giảng về huấn luyện, chạy thật (initproof experiment): mạng kết nối đầy đủ "
            f"huấn luyện trên bộ chữ số 8x8 của scikit-learn (bài giảng không nêu tên dữ liệu; 1.397 ảnh để "
            f"huấn luyện, 400 để kiểm tra) và trên một đĩa đỏ nằm trong một vành xanh được sinh ra, mỗi khẳng "
            f"định với {EXPERIMENT_SEEDS} hạt giống độc lập và quy tắc quyết định được nêu trước: xác nhận khi "
            "đúng ở mọi hạt giống, bác bỏ khi sai ở tất cả. Gradient tính theo quy tắc dây chuyền và được kiểm "
            "tra với sai phân hữu hạn và torch.")),
        Table((Text("experiment", "thí nghiệm"), Text("the notes", "bài giảng"), Text("rule", "quy tắc"),
               Text("measured (mean over seeds)", "đo được (trung bình các hạt giống)"),
               Text("verdict", "kết luận")), rows, widths=(0.14, 0.26, 0.28, 0.22, 0.1)),
        Figure("nonlinearity", Text(
            "Red and blue test points over the class each network predicts (first seed; title: test accuracy). "
            "Without an activation the network is one linear map and its boundary a straight line.",
            "Các điểm kiểm tra đỏ và xanh trên nền lớp mà mỗi mạng dự đoán (hạt giống đầu; tiêu đề: độ chính xác "
            "kiểm tra). Không có hàm kích hoạt, mạng chỉ là một ánh xạ tuyến tính và biên của nó là một đường "
            "thẳng."), lambda lang: experiment_figures.decision_regions(seed, lang)),
        Figure("training", Text(
            "Raw pixels: training loss and test accuracy per epoch (mean over seeds, band: their range).",
            "Điểm ảnh thô: loss huấn luyện và độ chính xác kiểm tra theo epoch (trung bình các hạt giống, "
            "dải: khoảng của chúng)."), lambda lang: experiment_figures.for_finding(by_name["raw-pixels"], lang)),
        Figure("initialisations", Text(
            "Initialisation x activation: 5-layer networks, one colour per initialisation (mean over seeds, band: "
            f"their range). Zero weights end at a test accuracy of at most ${_g(zero, True)}$ and equal weights (0.01) "
            f"at most ${_g(equal, True)}$ (chance: 0.1): every unit of a layer stays the same unit.",
            "Khởi tạo x hàm kích hoạt: mạng 5 lớp, mỗi cách khởi tạo một màu (trung bình các hạt giống, dải: "
            f"khoảng của chúng). Trọng số bằng 0 đạt độ chính xác kiểm tra nhiều nhất ${_g(zero, True)}$, trọng số "
            f"bằng nhau (0,01) nhiều nhất ${_g(equal, True)}$ (đoán mò: 0,1): mọi nơ-ron của một lớp vẫn là cùng một "
            "nơ-ron."), lambda lang: experiment_figures.initialisations(initialisations, lang)),
        Figure("depth", Text(
            f"Sigmoid networks with Xavier's 1/n: each layer's weight-gradient norm over the last layer's. The exact "
            f"recursion predicts {_m(p5)} for the first layer of {five} and {_m(p8)} of {eight}, before any "
            f"training; measured at step 0: ${_g(m5, True)}$ and ${_g(m8, True)}$, after {epochs} epochs: "
            f"${_g(t5, True)}$ and ${_g(t8, True)}$. Below: the first epoch changes $W_1$ by ${_g(c5, True)}$ of "
            f"its norm with 5 layers and ${_g(c8, True)}$ with 8, the last layer by ${_g(l5, True)}$ and "
            f"${_g(l8, True)}$.",
            f"Mạng sigmoid với 1/n của Xavier: chuẩn gradient trọng số của mỗi lớp so với lớp cuối. Truy hồi chính "
            f"xác dự đoán {_m(p5)} cho lớp đầu của mạng {five.replace('layers', 'lớp')} và {_m(p8)} của mạng "
            f"{eight.replace('layers', 'lớp')}, trước khi huấn luyện; đo được ở bước 0: ${_g(m5, True)}$ và "
            f"${_g(m8, True)}$, sau {epochs} epoch: ${_g(t5, True)}$ và ${_g(t8, True)}$. Hình dưới: epoch đầu "
            f"làm $W_1$ thay đổi ${_g(c5, True)}$ chuẩn của nó với 5 lớp và ${_g(c8, True)}$ với 8 lớp, lớp cuối "
            f"${_g(l5, True)}$ và ${_g(l8, True)}$."),
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
    w, lr, grad = sp.Rational("0.919"), sp.Rational("0.01"), sp.Rational("-0.0002")
    updated = w - lr * grad
    by_key = {o.key: o for o in outcomes}
    symmetric, textbook = by_key["gradient-vanishing/symmetry"], by_key["xavier-sigmoid/sigmoid"]
    reached = textbook.layers[0]
    return [
        Heading(Text("1. Motivation: vanishing and exploding gradients",
                     "1. Động lực: gradient biến mất và bùng nổ")),
        Paragraph(Text(
            "Back-propagation multiplies one local derivative per layer. The sigmoid's derivative "
            f"never exceeds $1/4$, so the product of these factors through $L$ sigmoid layers is at most "
            f"$(1/4)^L$: {_latex(b5)} after 5 layers and {_latex(b8)} after 8. That bounds the derivatives "
            "alone: the gradient also passes through the weights, and each layer multiplies its variance by "
            "$m \\operatorname{Var}(w) E[\\sigma'(z)^2]$. Under the textbook rule $16/n$ the gradient variance "
            f"reaching the first of {len(textbook.layers)} layers is {_m(reached.backward.measured)} of the "
            f"top one (predicted {_m(reached.backward.predicted)}, section 4), far above "
            f"$(1/4)^{{{2 * len(textbook.layers)}}}$, the bound for its square.",
            "Lan truyền ngược nhân một đạo hàm cục bộ cho mỗi lớp. Đạo hàm của sigmoid không bao giờ "
            f"vượt quá $1/4$, nên tích các thừa số này qua $L$ lớp sigmoid nhiều nhất là $(1/4)^L$: "
            f"{_latex(b5)} sau 5 lớp và {_latex(b8)} sau 8 lớp. Đó chỉ là cận cho các đạo hàm: gradient còn "
            "đi qua các trọng số, và mỗi lớp nhân phương sai của nó với "
            "$m \\operatorname{Var}(w) E[\\sigma'(z)^2]$. Với quy tắc sách giáo khoa $16/n$, phương sai gradient "
            f"đến lớp đầu tiên trong {len(textbook.layers)} lớp bằng {_m(reached.backward.measured)} so với "
            f"lớp trên cùng (dự đoán {_m(reached.backward.predicted)}, mục 4), lớn hơn nhiều so với "
            f"$(1/4)^{{{2 * len(textbook.layers)}}}$, cận cho bình phương của nó.")),
        Paragraph(Text(
            "With a large weight ($w = 6.74$) the pre-activation reaches $z = 14.15$, where "
            f"$\\sigma'(z) = e^{{-z}}/(1 + e^{{-z}})^2 = {_g(large)}$: the unit has saturated and passes "
            f"almost no gradient. In a 5-layer sigmoid network a gradient of $-0.0002$ with learning rate "
            f"$0.01$ moves $w = 0.919$ to ${float(updated):.6f}$, a change of ${_g(float(updated - w))}$.",
            "Với trọng số lớn ($w = 6.74$), tiền kích hoạt đạt $z = 14.15$, tại đó "
            f"$\\sigma'(z) = e^{{-z}}/(1 + e^{{-z}})^2 = {_g(large)}$: nơ-ron đã bão hòa và gần như không "
            f"truyền gradient. Trong mạng sigmoid 5 lớp, gradient $-0.0002$ với tốc độ học $0.01$ chỉ đưa "
            f"$w = 0.919$ thành ${float(updated):.6f}$, thay đổi ${_g(float(updated - w))}$.")),
        Paragraph(Text(
            "Zero or constant weights fail for another reason: every unit of a layer computes the same "
            "function and receives the same update (symmetry). In the simulation with all weights equal, "
            f"the largest difference between units of any layer is {_m(symmetric.estimate.estimate)}.",
            "Trọng số bằng 0 hoặc bằng hằng số thất bại vì lý do khác: mọi nơ-ron trong một lớp tính cùng "
            "một hàm và nhận cùng một cập nhật (tính đối xứng). Trong mô phỏng với mọi trọng số bằng nhau, "
            f"chênh lệch lớn nhất giữa các nơ-ron của một lớp là {_m(symmetric.estimate.estimate)}.")),
        Figure("activations", Text("Activation functions and their derivatives.",
                                   "Các hàm kích hoạt và đạo hàm của chúng."), figures.activations),
        DerivationBlock("activation-derivatives"),
        DerivationBlock("gradient-vanishing"),
    ]


def _tools() -> list[Block]:
    return [
        Heading(Text("2. Tools: moments, variance of products and sums, Maclaurin series",
                     "2. Công cụ: moment, phương sai của tích và tổng, khai triển Maclaurin")),
        Paragraph(Text(
            "A network is linear layers with a non-linearity between them: without it two layers are one, "
            "$W_2 (W_1 x) = (W_2 W_1) x$, checked entry by entry.",
            "Mạng nơ-ron là các lớp tuyến tính xen kẽ hàm phi tuyến: không có nó thì hai lớp chỉ là một, "
            "$W_2 (W_1 x) = (W_2 W_1) x$, kiểm tra từng phần tử.")),
        DerivationBlock("linear-composition"),
        Paragraph(Text(
            "Backpropagation is the chain rule on a computational graph: each node multiplies the gradient "
            "coming from above (upstream) by its own local gradient. The notes' graph, step by step:",
            "Lan truyền ngược là quy tắc chuỗi trên đồ thị tính toán: mỗi nút nhân gradient từ phía trên "
            "(upstream) với gradient cục bộ của nó. Đồ thị trong bài giảng, từng bước:")),
        DerivationBlock("computational-graph"),
        Paragraph(Text(
            "Expectation, for a discrete variable a sum of values times probabilities, for a continuous one an "
            "integral against the density; $E[X^2]$ keeps the probabilities of $X$ and squares the values. The "
            "notes' die, survey and bus:",
            "Kỳ vọng: với biến rời rạc là tổng các giá trị nhân xác suất, với biến liên tục là tích phân theo "
            "hàm mật độ; $E[X^2]$ giữ xác suất của $X$ và bình phương các giá trị. Xúc xắc, khảo sát và xe buýt "
            "trong bài giảng:")),
        DerivationBlock("expectation-examples"),
        Paragraph(Text(
            "Initialisation rules are statements about variances. Three facts carry them: the moments of "
            "the uniform and Gaussian distributions, the variance of a product of independent variables, "
            "and the variance of a sum of independent terms.",
            "Các quy tắc khởi tạo là những phát biểu về phương sai. Ba kết quả làm nền tảng: các moment "
            "của phân phối đều và phân phối chuẩn, phương sai của tích hai biến độc lập, và phương sai "
            "của tổng các số hạng độc lập.")),
        DerivationBlock("uniform-moments"),
        DerivationBlock("gaussian-moments"),
        Figure("densities", Text("Normal and uniform weights with the derived standard deviations and bounds.",
                                 "Trọng số chuẩn và đều với độ lệch chuẩn và cận đã chứng minh."),
               figures.densities),
        DerivationBlock("product-variance"),
        DerivationBlock("layer-variance"),
        Paragraph(Text(
            "Near $z = 0$ an activation behaves like its first-order Maclaurin polynomial; the next "
            "term gives the size of the error.",
            "Gần $z = 0$, hàm kích hoạt xấp xỉ bằng đa thức Maclaurin bậc nhất của nó; số hạng tiếp "
            "theo cho biết độ lớn của sai số.")),
        DerivationBlock("maclaurin-tanh"),
        DerivationBlock("maclaurin-sigmoid"),
        Figure("maclaurin", Text("tanh and sigmoid against their Maclaurin polynomials, with the error.",
                                 "tanh và sigmoid so với đa thức Maclaurin, kèm sai số."), figures.maclaurin),
    ]


def _derivations() -> list[Block]:
    return [
        Heading(Text("3. Derivations of $1/n$, $16/n$ and $2/n$", "3. Chứng minh $1/n$, $16/n$ và $2/n$")),
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
        Heading(Text("4. Evidence: Monte Carlo checks", "4. Bằng chứng: kiểm chứng Monte Carlo")),
        Paragraph(Text(
            f"Each formula is checked by sampling (seed {seed}). The interval is a Bonferroni-corrected "
            "Student-t interval from independent replicates (family-wise false-alarm rate $10^{-6}$); a "
            "check passes when the derived value lies inside and the interval is narrow enough. For a "
            "network check, 'expected' and 'measured' are the last layer's forward variance $q_L$ (for a "
            "backward claim, the gradient variance reaching layer 1), from inputs of variance 1 unless the "
            "claim says otherwise: ReLU with $2/n$ gives $q_1 = 2$, kept at 2 in every layer. For the "
            "network checks the false-alarm rate is nominal: what they test is the infinite-width recursion, and a "
            "network of finite width $n$ departs from it by $O(1/n)$ (under its backward rule, SiLU's gradient "
            "reaching layer 1 is 0.970, 0.889 and 0.843 at widths 128, 256 and 512, against 0.800). Where the "
            "fixed point repels (GELU, SiLU) the backward checks remove that bias by extrapolating from "
            "widths 128 and 256. 'Detects' is a network check's power: the smallest relative error in what "
            "it judges (for a rule that keeps the variance, an error in the rule's gain) that it would catch.",
            f"Mỗi công thức được kiểm chứng bằng lấy mẫu (hạt giống {seed}). Khoảng tin cậy là khoảng "
            "Student-t có hiệu chỉnh Bonferroni, tính từ các lần lặp độc lập (xác suất báo động sai toàn "
            "họ $10^{-6}$); một phép kiểm đạt khi giá trị chứng minh được nằm trong khoảng và khoảng đủ hẹp. "
            "Với phép kiểm trên mạng, 'kỳ vọng' và 'đo được' là phương sai lan truyền tiến $q_L$ của lớp cuối (với "
            "khẳng định về lan truyền ngược: phương sai gradient đến lớp 1), từ đầu vào có phương sai 1 trừ khi "
            "khẳng định nói khác: ReLU với $2/n$ cho $q_1 = 2$, giữ ở 2 qua mọi lớp. "
            "Với các phép kiểm trên mạng, mức báo động sai chỉ là danh nghĩa: điều được kiểm là phép truy hồi ở độ "
            "rộng vô hạn, còn mạng có độ rộng hữu hạn $n$ lệch khỏi nó cỡ $O(1/n)$ (với quy tắc lan truyền "
            "ngược của SiLU, gradient đến lớp 1 là 0,970, 0,889 và 0,843 ở độ rộng 128, 256 và 512, so với "
            "0,800). Khi điểm bất động đẩy ra (GELU, SiLU), phép kiểm lan truyền ngược loại độ lệch này bằng "
            "ngoại suy từ độ rộng 128 và 256. Cột 'phát hiện' là độ nhạy của phép kiểm trên mạng: sai số "
            "tương đối nhỏ nhất của đại lượng được kiểm (với quy tắc giữ phương sai: sai số của hệ số) mà "
            "phép kiểm bắt được.")),
        Table((Text("claim", "khẳng định"), Text("expected", "kỳ vọng"),
               Text("measured", "đo được"), Text("interval", "khoảng tin cậy"), Text("detects", "phát hiện"),
               Text("verdict", "kết luận")),
              rows, (False, True, True, True, False, False), (0.4, 0.0, 0.0, 0.22, 0.0, 0.0)),
        Figure("variances", Text(
            "Per-layer variances through 10-layer networks (width 256): predicted by the exact recursion "
            "(lines) and measured (intervals).",
            "Phương sai theo từng lớp qua mạng 10 lớp (độ rộng 256): dự đoán bằng truy hồi chính xác "
            "(đường) và đo được (khoảng tin cậy)."), lambda lang: figures.layer_variances(curves, lang)),
        Figure("extremes", Text("Too small (vanishing) and too large (exploding) weights.",
                                "Trọng số quá nhỏ (biến mất) và quá lớn (bùng nổ)."),
               lambda lang: figures.layer_variances(extremes, lang)),
        Paragraph(Text(
            "Where the textbook story breaks. tanh with $1/n$ keeps the variance only to first order: the "
            "cubic term makes $q_l$ decay slowly, from $q_1 = 1$ to a predicted "
            f"$q_{{10}} = {_g(tanh_last.forward.predicted)}$ (measured {_m(tanh_last.forward.measured)}). "
            "The sigmoid with $16/n$ breaks the zero-mean assumption ($E[\\sigma(z)] \\approx 1/2$): $q_l$ "
            f"settles at $q^* = {_g(sigmoid_last.forward.predicted)}$ (measured "
            f"{_m(sigmoid_last.forward.measured)}), not at 1, where the units saturate and the gradient "
            f"reaching the first layer is only {_m(sigmoid.layers[0].backward.predicted)} of the top one.",
            "Chỗ lý thuyết giáo khoa không còn đúng. tanh với $1/n$ chỉ giữ phương sai ở bậc nhất: số hạng "
            "bậc ba làm $q_l$ giảm chậm, từ $q_1 = 1$ đến giá trị dự đoán "
            f"$q_{{10}} = {_g(tanh_last.forward.predicted)}$ (đo được {_m(tanh_last.forward.measured)}). "
            "Sigmoid với $16/n$ vi phạm giả thiết kỳ vọng bằng 0 ($E[\\sigma(z)] \\approx 1/2$): $q_l$ "
            f"ổn định tại $q^* = {_g(sigmoid_last.forward.predicted)}$ (đo được "
            f"{_m(sigmoid_last.forward.measured)}) chứ không phải 1; tại đó nơ-ron bão hòa và gradient đến "
            f"lớp đầu chỉ còn {_m(sigmoid.layers[0].backward.predicted)} so với lớp trên cùng.")),
        Figure("histograms", Text("Activation histograms at several depths (after Glorot and Bengio, 2010).",
                                  "Histogram kích hoạt ở một số độ sâu (theo Glorot và Bengio, 2010)."),
               lambda lang: figures.histograms(lang, seed)),
    ]


def _summary(by_key: dict[str, Outcome]) -> list[Block]:
    tanh = by_key["xavier-tanh/tanh"].layers[-1]
    settled = by_key["xavier-sigmoid/sigmoid"].layers[-1]
    consistent = derive.get("xavier-sigmoid").named("consistent-unit").rhs
    keeps = {
        "tanh": Text(f"to first order: $q_{{{tanh.number}}} = {_g(tanh.forward.predicted)}$",
                     f"ở bậc nhất: $q_{{{tanh.number}}} = {_g(tanh.forward.predicted)}$"),
        "sigmoid": Text(f"no: $q_l \\to {_g(settled.forward.predicted)}$ (assumes $E[a] = 0$; consistent: "
                        f"${sp.latex(consistent)}$)",
                        f"không: $q_l \\to {_g(settled.forward.predicted)}$ (giả thiết $E[a] = 0$; nhất quán: "
                        f"${sp.latex(consistent)}$)"),
        "ReLU": Text("yes, exactly", "có, chính xác"),
    }
    rows = []
    for rule, label in (("xavier-tanh", "tanh"), ("xavier-sigmoid", "sigmoid"), ("he-relu", "ReLU")):
        d = derive.get(rule)
        rows.append((label, *(sp.latex(d.named(k).rhs) for k in ("forward", "normal-std", "uniform-bound")),
                     keeps[label]))
    x = derive.get("xavier-tanh")
    rows.append((Text("tanh (fan-average)", "tanh (trung bình fan)"),
                 *(sp.latex(x.named(k).rhs) for k in ("fan-average", "normal-std-fan-average",
                                                     "uniform-bound-fan-average")),
                 Text("a compromise between $1/n$ and $1/m$", "dung hòa giữa $1/n$ và $1/m$")))
    peak = derive.get("activation-derivatives").named("sigmoid-max").rhs
    g = derive.get("gradient-vanishing")
    he_bound = derive.get("he-relu").named("uniform-bound").rhs.subs(n, 512)
    halving = by_key["he-relu/relu-one-over-n"].layers[-1]
    verdicts = {"correct": Text("correct", "đúng"), "rounding": Text("rounding", "làm tròn"),
                "wrong": Text("wrong", "sai")}
    errata = tuple((g.claim.claim, *_stated_and_computed(g), verdicts[g.verdict], g.claim.where) for g in audit())
    wrong = sum(row[3] == verdicts["wrong"] for row in errata)
    phi, dphi = activation_pair(named("sigmoid"))
    eight = float(predict(phi, dphi, 16.0, 8, 1 / 16)[1][0])
    return [
        Heading(Text("6. Summary and review questions", "6. Tóm tắt và câu hỏi ôn tập")),
        Table((Text("activation", "hàm kích hoạt"), Text("$\\operatorname{Var}(w)$", "$\\operatorname{Var}(w)$"),
               Text("normal std $\\sigma_w$", "độ lệch chuẩn $\\sigma_w$"),
               Text("uniform bound $r$", "cận phân phối đều $r$"), Text("keeps $q = 1$?", "giữ $q = 1$?")),
              tuple(rows), (False, True, True, True, False), (0.14, 0.0, 0.0, 0.0, 0.45)),
        Paragraph(Text(
            f"Errata: the {len(errata)} numeric and symbolic claims of the course notes, recomputed by the tool; "
            f"{wrong} of them are wrong.",
            f"Đính chính: {len(errata)} khẳng định số và công thức trong bài giảng, được công cụ tính lại; "
            f"{wrong} khẳng định trong đó sai.")),
        Table((Text("claim", "khẳng định"), Text("stated", "trong bài"), Text("computed", "tính lại"),
               Text("verdict", "kết luận"), Text("where", "vị trí")), errata),
        Question(Text("What is the largest value of the sigmoid's derivative, and where?",
                      "Đạo hàm của sigmoid lớn nhất bằng bao nhiêu, tại đâu?"),
                 Text(f"${sp.latex(peak)}$, at $z = 0$.", f"${sp.latex(peak)}$, tại $z = 0$.")),
        Question(Text("How much of the gradient can survive 8 sigmoid layers?",
                      "Sau 8 lớp sigmoid, gradient còn lại nhiều nhất bao nhiêu?"),
                 Text(f"The product of the 8 derivatives is at most ${sp.latex(g.named('bound-8').rhs)}$, but that "
                      "is not the gradient: each layer also multiplies it by its weights. With the textbook "
                      f"$16/n$ the recursion predicts that a fraction {_m(eight)} of the top layer's gradient "
                      "variance reaches the input of an 8-layer network.",
                      f"Tích của 8 đạo hàm nhiều nhất là ${sp.latex(g.named('bound-8').rhs)}$, nhưng đó chưa phải "
                      "gradient: mỗi lớp còn nhân gradient với trọng số của nó. Với $16/n$ của sách giáo khoa, phép "
                      f"truy hồi dự đoán một tỉ lệ {_m(eight)} phương sai gradient của lớp trên cùng đến được đầu "
                      "vào của mạng 8 lớp.")),
        Question(Text("What uniform bound does He initialisation give for $n = 512$?",
                      "Khởi tạo He cho cận phân phối đều bằng bao nhiêu khi $n = 512$?"),
                 Text(f"$r = \\sqrt{{6/512}} = {float(he_bound):.4f}$.",
                      f"$r = \\sqrt{{6/512}} = {float(he_bound):.4f}$.")),
        Question(Text("What happens to a ReLU network initialised with $\\operatorname{Var}(w) = 1/n$?",
                      "Mạng ReLU khởi tạo với $\\operatorname{Var}(w) = 1/n$ thì sao?"),
                 Text(f"The variance halves at each layer: after {halving.number} layers $q = "
                      f"{_g(halving.forward.predicted)}$ predicted, {_m(halving.forward.measured)} measured.",
                      f"Phương sai giảm một nửa sau mỗi lớp: sau {halving.number} lớp, $q = "
                      f"{_g(halving.forward.predicted)}$ theo dự đoán, {_m(halving.forward.measured)} đo được.")),
        Question(Text("Why not initialise every weight to zero?", "Tại sao không khởi tạo mọi trọng số bằng 0?"),
                 Text("All units of a layer stay identical (symmetry), so the layer learns one feature.",
                      "Mọi nơ-ron trong một lớp luôn giống hệt nhau (tính đối xứng), nên cả lớp chỉ học "
                      "được một đặc trưng.")),
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
        Heading(Text("Appendix: beyond the three rules", "Phụ lục: ngoài ba quy tắc")),
        Paragraph(Text(
            f"Frameworks hard-code constants that come from the same kind of integral: the factor "
            f"{_m(factor)} by which a normal cut at $\\pm 2$ shrinks the standard deviation, and SELU's "
            f"$\\alpha = {alpha:.10f}$ and $\\lambda = {lam:.10f}$, solved by sympy from the two conditions "
            "that a standard-normal input keeps mean 0 and variance 1 (initproof derive selu-constants).",
            f"Các framework dùng những hằng số đến từ cùng loại tích phân: hệ số {_m(factor)} mà phân "
            f"phối chuẩn bị cắt tại $\\pm 2$ làm giảm độ lệch chuẩn, và $\\alpha = {alpha:.10f}$, "
            f"$\\lambda = {lam:.10f}$ của SELU, được sympy giải từ hai điều kiện để đầu vào chuẩn tắc giữ "
            "kỳ vọng 0 và phương sai 1 (initproof derive selu-constants).")),
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

    def measured(o: Outcome) -> str:
        return f"${_g(o.estimate.estimate, True)}$ $[{_g(o.estimate.ci[0], True)}, {_g(o.estimate.ci[1], True)}]$"

    return [
        Heading(Text("Beyond the fully connected layer", "Ngoài lớp kết nối đầy đủ")),
        Paragraph(Text(
            "The layer identity $\\operatorname{Var}(z) = n \\operatorname{Var}(w) E[a^2]$ in other shapes, each "
            "derived with checked steps and held against a real layer in numpy. A grouped convolution sums "
            f"$k_h k_w C_{{in}}/g$ products: at He's rule for that fan, $E[z^2]$ measured {measured(conv)} against "
            f"{_g(conv.expected)}. An attention score sums $d$ products of a query and a key: divided by "
            f"$\\sqrt{{d}}$, scores of projected random tokens measured {measured(scores)} against "
            f"{_g(scores.expected)}. Inverted dropout keeps the mean and multiplies the next layer's variance by "
            f"$1/(1 - p)$: {measured(dropped)} against {_g(dropped.expected)} at $p = 0.3$. A residual stream "
            "multiplies its variance by $1 + \\alpha^2 c$ per block; with $\\alpha = 1/\\sqrt{L}$ the growth stays "
            f"below $e^c$: {measured(stream)} against $(1 + 1/8)^8 = {_g(stream.expected)}$.",
            "Đẳng thức của lớp $\\operatorname{Var}(z) = n \\operatorname{Var}(w) E[a^2]$ ở những dạng khác, mỗi "
            "dạng được chứng minh với các bước được kiểm tra và đối chiếu với một lớp thật viết bằng numpy. Phép "
            f"tích chập theo nhóm là tổng của $k_h k_w C_{{in}}/g$ tích: với quy tắc He cho fan đó, $E[z^2]$ đo được "
            f"{measured(conv)}, so với {_g(conv.expected)}. Điểm attention là tổng của $d$ tích giữa query và key: "
            f"chia cho $\\sqrt{{d}}$, điểm của các token ngẫu nhiên đã chiếu đo được {measured(scores)}, so với "
            f"{_g(scores.expected)}. Dropout đảo giữ nguyên kỳ vọng và nhân phương sai của lớp sau với $1/(1 - p)$: "
            f"{measured(dropped)} so với {_g(dropped.expected)} khi $p = 0.3$. Dòng residual nhân phương sai với "
            "$1 + \\alpha^2 c$ sau mỗi khối; với $\\alpha = 1/\\sqrt{L}$, mức tăng không vượt quá $e^c$: "
            f"{measured(stream)} so với $(1 + 1/8)^8 = {_g(stream.expected)}$.")),
        DerivationBlock("convolution-fan"),
        DerivationBlock("attention-scale"),
        DerivationBlock("dropout-variance"),
        DerivationBlock("residual-variance"),
        *_frameworks_layers(by_key, measured),
    ]


def _frameworks_layers(by_key: dict[str, Outcome], measured) -> list[Block]:
    """What the frameworks do to those layers: transposed and packed fans, normalisation, Fixup, muP."""
    torch_fan, packed = by_key["transposed-convolution-fan/torch-fan"], by_key["packed-attention-fan/packed"]
    norm, fixup = by_key["normalisation-variance/backward"], by_key["fixup-scale/depth-free-step"]
    deepnet = by_key["deepnet-scale/bounded-step"]
    return [
        Paragraph(Text(
            "Where the frameworks' fans differ from the layer's. A transposed convolution with stride $s$ sums "
            "$k_h k_w C_{in}/(g s_h s_w)$ products, but PyTorch reads its fan-in from the stored weight, "
            "$k_h k_w C_{out}/g$: with 8 input and 4 output channels and stride 2, its He rule gives each layer "
            f"{measured(torch_fan)} of the variance ({_g(torch_fan.expected)} derived). "
            "nn.MultiheadAttention initialises its packed $(3d, d)$ query-key-value matrix with Xavier, whose "
            f"fan-out is then $3d$: each query starts with {measured(packed)} of the variance Xavier gives a "
            f"$(d, d)$ projection ({_g(packed.expected)} derived). LayerNorm and BatchNorm hand the layer above "
            "$E[y^2] = \\gamma^2 + \\beta^2$ whatever came before, and divide a gradient by $\\sigma^2$: "
            f"{measured(norm)} against {_g(norm.expected)} through LayerNorm's exact backward pass. Fixup scales "
            "each of $L$ branches of $m$ layers by $L^{-1/(2m-2)}$ so that one gradient step moves the output "
            f"as much at any depth: {measured(fixup)} against $m = {_g(fixup.expected)}$ for 4 branches of 3 "
            "layers. DeepNet keeps LayerNorm after each sub-layer, $\\mathrm{LN}(\\alpha x + G(x))$, and bounds the "
            "step the same way with $\\alpha = K^{1/4}$ and branches scaled by $\\beta = (4K)^{-1/4}$ for $K$ "
            "sub-layers, its $(2N)^{1/4}$ and $(8N)^{-1/4}$ for an encoder of $N$ layers: "
            f"{measured(deepnet)} against $\\eta |x|^2 = {_g(deepnet.expected)}$ for 3 layers. "
            "And muP's $1/d$ attention scale is what aligned queries and keys ask once the width grows.",
            "Chỗ fan của các framework khác với fan của lớp. Tích chập chuyển vị với bước $s$ là tổng của "
            "$k_h k_w C_{in}/(g s_h s_w)$ tích, nhưng PyTorch đọc fan-in từ trọng số lưu trữ, $k_h k_w C_{out}/g$: "
            "với 8 kênh vào, 4 kênh ra và bước 2, quy tắc He của nó cho mỗi lớp "
            f"{measured(torch_fan)} phương sai ({_g(torch_fan.expected)} theo chứng minh). nn.MultiheadAttention "
            "khởi tạo ma trận query-key-value gộp $(3d, d)$ bằng Xavier, khi đó fan-out là $3d$: mỗi query bắt đầu "
            f"với {measured(packed)} phương sai so với Xavier cho phép chiếu $(d, d)$ ({_g(packed.expected)} theo "
            "chứng minh). LayerNorm và BatchNorm trao cho lớp phía trên $E[y^2] = \\gamma^2 + \\beta^2$ bất kể "
            f"trước đó, và chia gradient cho $\\sigma^2$: {measured(norm)} so với {_g(norm.expected)} qua lan "
            "truyền ngược chính xác của LayerNorm. Fixup nhân mỗi nhánh trong $L$ nhánh gồm $m$ lớp với "
            "$L^{-1/(2m-2)}$ để một bước gradient làm đầu ra thay đổi như nhau ở mọi độ sâu: "
            f"{measured(fixup)} so với $m = {_g(fixup.expected)}$ với 4 nhánh 3 lớp. "
            "DeepNet giữ LayerNorm sau mỗi lớp con, $\\mathrm{LN}(\\alpha x + G(x))$, và giữ bước cập nhật theo "
            "cùng cách với $\\alpha = K^{1/4}$ và nhánh nhân $\\beta = (4K)^{-1/4}$ cho $K$ lớp con, tức "
            "$(2N)^{1/4}$ và $(8N)^{-1/4}$ của nó cho encoder $N$ lớp: "
            f"{measured(deepnet)} so với $\\eta |x|^2 = {_g(deepnet.expected)}$ với 3 lớp. "
            "Còn tỉ lệ $1/d$ của muP cho attention là điều mà query và key đã căn chỉnh đòi hỏi khi độ rộng tăng.")),
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
    drifts = "; ".join(f"{o.id.removeprefix('exact-gain-')}: measured $\\log q_{{40}} = {_g(o.estimate.estimate)}$ "
                       f"$[{_g(o.estimate.ci[0])}, {_g(o.estimate.ci[1])}]$, recursion ${_g(o.expected)}$"
                       for o in leaving)
    drifts_vi = "; ".join(f"{o.id.removeprefix('exact-gain-')}: đo được $\\log q_{{40}} = {_g(o.estimate.estimate)}$ "
                          f"$[{_g(o.estimate.ci[0])}, {_g(o.estimate.ci[1])}]$, truy hồi ${_g(o.expected)}$"
                          for o in leaving)
    return [
        Paragraph(Text(
            "Exact gains. With Gaussian pre-activations the variance recursion is exact, so $q = 1$ is a fixed "
            "point when $n \\operatorname{Var}(w) = 1/E[\\phi(\\xi)^2]$ (forward), and the gradient variance is "
            "kept at $q = 1$ when $m \\operatorname{Var}(w) = 1/E[\\phi'(\\xi)^2]$ (backward); sympy integrates "
            "the ReLU family, ELU and SELU in closed form (leaky ReLU: $2/(1 + a^2)$), the others by adaptive "
            "quadrature, each value checked to $10^{-12}$ relative (initproof gain ACT). For the sigmoid, the "
            "linearisation with the $\\sigma(0)^2$ term "
            f"gives ${sp.latex(n * sigmoid.named('linearised').rhs)}$, the exact rule "
            f"{_m(float(n * sigmoid.named('forward').rhs))} and the textbook rule, which drops $\\sigma(0)^2$, "
            f"16; Kumar (2017) proposes $\\sigma_w = {KUMAR_SIGMOID}/\\sqrt{{n}}$, with which $q_l$ settles at "
            f"{_m(kumar)} instead of 1. The last column is the measured $q_6$ of deep networks at the exact "
            "forward rule (interval at family-wise level $10^{-6}$). For GELU and SiLU $q = 1$ is a repelling "
            f"fixed point (slope {_g(gelu_slope)} and {_g(silu_slope)}): a deviation of $q_1$ grows by that "
            f"factor per layer, so from $q_1 = 1.01$ the recursion reaches $q_{{40}} = {_g(gelu_drift)}$ and "
            f"{_g(silu_drift)}. Networks of width 256 started at $q_1 = 1.5$ follow the recursion away from 1: "
            f"{drifts}. The exact forward rule holds at depth 6, but a deep GELU or SiLU network drifts "
            "away from unit variance; a normalisation layer, not the initialisation, keeps it there.",
            "Hệ số chính xác. Với tiền kích hoạt chuẩn, phép truy hồi phương sai là chính xác, nên $q = 1$ là "
            "điểm bất động khi $n \\operatorname{Var}(w) = 1/E[\\phi(\\xi)^2]$ (lan truyền tiến), và phương sai "
            "gradient được giữ tại $q = 1$ khi $m \\operatorname{Var}(w) = 1/E[\\phi'(\\xi)^2]$ (lan truyền "
            "ngược); sympy tính tích phân dạng đóng cho họ ReLU, ELU và SELU (leaky ReLU: $2/(1 + a^2)$), các "
            "hàm còn lại bằng cầu phương thích nghi, mỗi giá trị được kiểm tới sai số tương đối $10^{-12}$ "
            "(initproof gain ACT). Với sigmoid, tuyến tính "
            f"hóa có số hạng $\\sigma(0)^2$ cho ${sp.latex(n * sigmoid.named('linearised').rhs)}$, quy tắc chính "
            f"xác cho {_m(float(n * sigmoid.named('forward').rhs))} và quy tắc sách giáo khoa, bỏ "
            f"$\\sigma(0)^2$, cho 16; Kumar (2017) đề xuất $\\sigma_w = {KUMAR_SIGMOID}/\\sqrt{{n}}$, khi đó $q_l$ "
            f"ổn định tại {_m(kumar)} chứ không phải 1. Cột cuối là $q_6$ đo được trên mạng sâu với quy tắc "
            "chính xác cho lan truyền tiến (khoảng tin cậy ở mức $10^{-6}$ cho cả họ kiểm định). Với GELU và SiLU, $q "
            f"= 1$ là điểm bất động đẩy ra (độ dốc {_g(gelu_slope)} và {_g(silu_slope)}): độ lệch của $q_1$ tăng theo "
            f"hệ số đó qua mỗi lớp, nên từ $q_1 = 1{{,}}01$ phép truy hồi đạt $q_{{40}} = {_g(gelu_drift)}$ và "
            f"{_g(silu_drift)}. Các mạng độ rộng 256 bắt đầu tại $q_1 = 1{{,}}5$ đi xa khỏi 1 đúng như phép truy hồi: "
            f"{drifts_vi}. Quy tắc chính xác cho lan truyền tiến đúng ở độ sâu 6, nhưng mạng GELU hay SiLU sâu sẽ trôi "
            "xa khỏi phương sai 1; giữ nó lại là việc của lớp chuẩn hóa chứ không phải của cách khởi tạo.")),
        Table((Text("activation", "hàm kích hoạt"), Text("exact forward $n\\,\\mathrm{Var}(w)$",
                                                         "lan truyền tiến, chính xác $n\\,\\mathrm{Var}(w)$"),
               Text("exact backward", "lan truyền ngược, chính xác"), Text("linearised", "tuyến tính hóa"),
               Text("PyTorch gain$^2$", "gain$^2$ của PyTorch"), Text("measured $q_6$", "$q_6$ đo được")),
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
    return [Paragraph(Text(
        "The tanh gain. Without bias the origin is a fixed point with slope $\\chi_1 = \\sigma_w^2$, so the edge "
        "of chaos is $\\sigma_w^2 = 1$: Xavier's $1/n$. PyTorch's gain $5/3$ ($\\sigma_w^2 = 25/9$) instead "
        f"settles at $q^* = {_g(value['fixed-point-torch'])}$ with $\\chi_1 = {_g(value['chi-torch'])}$ "
        f"(with $\\sigma_b^2 = 0.05$: $q^* = {_g(value['fixed-point-torch-bias'])}$, $\\chi_1 = "
        f"{_g(value['chi-torch-bias'])}$): slightly chaotic, gradients grow by $\\chi_1$ per layer. With "
        f"$\\sigma_b^2 = 0.05$ the critical $\\sigma_w^2$ is {_m(critical)} ($q^* = "
        f"{_g(value['fixed-point-critical-bias'])}$). PyTorch's nn.Linear default is "
        f"$\\operatorname{{Var}}(w) = {sp.latex(linear.named('variance').rhs)}$: each ReLU layer multiplies the "
        f"variance by ${sp.latex(linear.named('relu-factor').rhs)}$.",
        "Hệ số của tanh. Khi không có bias, gốc tọa độ là điểm bất động với độ dốc $\\chi_1 = \\sigma_w^2$, nên "
        "bờ hỗn loạn là $\\sigma_w^2 = 1$: chính $1/n$ của Xavier. Hệ số $5/3$ của PyTorch ($\\sigma_w^2 = "
        f"25/9$) thì ổn định tại $q^* = {_g(value['fixed-point-torch'])}$ với $\\chi_1 = {_g(value['chi-torch'])}$ "
        f"(với $\\sigma_b^2 = 0.05$: $q^* = {_g(value['fixed-point-torch-bias'])}$, $\\chi_1 = "
        f"{_g(value['chi-torch-bias'])}$): hơi hỗn loạn, gradient tăng $\\chi_1$ lần mỗi lớp. Với "
        f"$\\sigma_b^2 = 0.05$, $\\sigma_w^2$ tới hạn là {_m(critical)} ($q^* = "
        f"{_g(value['fixed-point-critical-bias'])}$). Mặc định của nn.Linear trong PyTorch là "
        f"$\\operatorname{{Var}}(w) = {sp.latex(linear.named('variance').rhs)}$: mỗi lớp ReLU nhân phương sai "
        f"với ${sp.latex(linear.named('relu-factor').rhs)}$."))]


INITIALISERS_VI = {"exact forward rule": "quy tắc chính xác cho lan truyền tiến",
                   "exact backward rule": "quy tắc chính xác cho lan truyền ngược",
                   "nn.Linear default": "mặc định của nn.Linear"}
"""Initialisers named in words; the others are API names and print as they are."""


def _frameworks() -> list[Block]:
    rows = tuple((r.activation, Text(f"{r.framework}: {r.initializer}",
                                     f"{r.framework}: {INITIALISERS_VI.get(r.initializer, r.initializer)}"),
                  _g(r.n_var), f"{r.ratio:.3f}",
                  _g(r.fixed_point).replace("inf", "\\infty"), "-" if r.slope != r.slope else f"{r.slope:.3f}",
                  _g(r.forward[50]), _g(r.backward[50]))
                 for name in NAMES for r in compare(activation(name)))
    return [
        Paragraph(Text(
            "What the frameworks give (square layers, $n = m$). '/ exact' is $n \\operatorname{Var}(w)$ over the "
            "exact forward rule's; $q^*$ is where $q_l \\mapsto q_{l+1}$ settles from $q_1 = 1$ (0 when the "
            "variance dies out, $\\infty$ when it blows up) and 'slope' that map's slope there (below 1 the "
            "variance is pulled back to $q^*$, above 1 pushed away); $q_{50}$ is the forward variance after 50 "
            "layers and grad$_{50}$ the gradient variance reaching the input after 50 layers, both from the exact "
            "recursion started at $q_1 = 1$ (initproof frameworks).",
            "Các framework cho gì (lớp vuông, $n = m$). '/ chính xác' là $n \\operatorname{Var}(w)$ chia cho giá trị "
            "của quy tắc chính xác cho lan truyền tiến; $q^*$ là nơi $q_l \\mapsto q_{l+1}$ ổn định khi bắt đầu từ "
            "$q_1 = 1$ (0 khi phương sai tắt dần, $\\infty$ khi nó bùng nổ) và 'độ dốc' là độ dốc của ánh xạ đó tại "
            "đây (nhỏ hơn 1 thì phương sai bị kéo về $q^*$, lớn hơn 1 thì bị đẩy ra xa); $q_{50}$ là phương sai "
            "lan truyền tiến sau 50 lớp và grad$_{50}$ là phương sai gradient đến đầu vào sau 50 lớp, đều từ phép "
            "truy hồi chính xác bắt đầu tại $q_1 = 1$ (initproof frameworks).")),
        Table((Text("activation", "hàm kích hoạt"), Text("initialiser", "cách khởi tạo"),
               Text("$n\\,\\mathrm{Var}(w)$", "$n\\,\\mathrm{Var}(w)$"), Text("/ exact", "/ chính xác"),
               Text("$q^*$", "$q^*$"), Text("slope", "độ dốc"), Text("$q_{50}$", "$q_{50}$"),
               Text("grad$_{50}$", "grad$_{50}$")),
              rows, (False, False) + (True,) * 6, landscape=True),
    ]
