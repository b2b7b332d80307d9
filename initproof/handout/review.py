"""The notes' own review questions (Model Initialization, 5. Câu hỏi ôn tập), answered with the
numbers the tool derives, verifies and measures; where the notes' answer is wrong or misleading,
it is quoted and corrected."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy import stats as sstats

from initproof.derive.activations import named
from initproof.derive.registry import result as _r
from initproof.derive.symbols import n, z
from initproof.derive.text import Text
from initproof.verify.checks import Outcome
from initproof.verify.experiments import Finding
from initproof.verify.numeric import activation_pair
from initproof.verify.recursion import predict

from .blocks import Block, Heading, Paragraph, Question
from .numbers import significant as _g

WHERE = "Model Initialization, 5. Câu hỏi ôn tập"
LARGE = 400.0
"""``n Var(w)`` of the large-weight sigmoid network (standard deviation 20/sqrt(n))."""



def _x(expr: sp.Expr) -> str:
    """A formula as inline math."""
    return f"${sp.latex(expr)}$"


def _mean(finding: Finding, label: str) -> float:
    values = [v for v in finding.measured[label] if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def questions(by_key: dict[str, Outcome], findings: dict[str, Finding]) -> list[Block]:
    """The 22 review questions, in the notes' order."""
    intro = Paragraph(Text(
        f"The {len(_ALL)} review questions that close the notes ({WHERE}), in the notes' words, each answered "
        "with what initproof derives, verifies or measures. Where the notes' own answer is wrong or misleading, "
        "it is quoted and corrected.",
        f"{len(_ALL)} câu hỏi ôn tập ở cuối bài giảng ({WHERE}), giữ nguyên lời của bài giảng, mỗi câu được "
        "trả lời bằng những gì initproof chứng minh, kiểm chứng hay đo được. Khi đáp án của bài giảng sai "
        "hoặc dễ gây hiểu lầm, đáp án đó được trích lại và sửa."))
    return [Heading(Text("7. Review questions of the notes, answered", "7. Câu hỏi ôn tập của bài giảng")), intro,
            *(make(by_key, findings) for make in _ALL)]


def _q(vi: str, en: str, answer: Text, erratum: Text | None = None) -> Question:
    return Question(Text(en, vi), answer, erratum)


def fixed_values(by_key, findings) -> Question:
    symmetry = findings["symmetry"]
    equal, random = symmetry.measured["constant"], symmetry.measured["random"]
    return _q(
        "Tại sao không thể khởi tạo tham số bằng giá trị cố định như 0 hoặc số âm?",
        "Why can the parameters not be initialised to a fixed value such as 0 or a negative number?",
        Text(f"Because of symmetry: units that start equal compute the same function and receive the same "
             f"update, so a layer stays one unit wide. Trained for 3 epochs from equal weights, the largest "
             f"difference between the first layer's units is {_g(max(equal))}; from Xavier's random weights it is "
             f"{_g(min(random))} or more ({len(equal)} seeds). With zero weights every gradient but the last "
             f"layer's is zero as well.",
             f"Vì tính đối xứng: các nơ-ron bắt đầu giống nhau sẽ tính cùng một hàm và được cập nhật giống nhau, "
             f"nên cả lớp chỉ như một nơ-ron. Sau 3 epoch từ trọng số bằng nhau, chênh lệch lớn nhất giữa các "
             f"nơ-ron của lớp đầu là {_g(max(equal))}; từ trọng số ngẫu nhiên của Xavier, ít nhất {_g(min(random))} "
             f"({len(equal)} hạt giống). Với trọng số 0, mọi gradient trừ lớp cuối cũng bằng 0."),
        Text("The notes: fixed values 'cause Gradient Vanishing or a lack of randomness'. The cause is symmetry, "
             "not vanishing gradients: a fixed negative value is as symmetric as 0.",
             "Bài giảng: giá trị cố định 'gây Gradient Vanishing hoặc thiếu tính ngẫu nhiên'. Nguyên nhân là tính "
             "đối xứng chứ không phải Gradient Vanishing: một giá trị âm cố định cũng đối xứng như 0."))


def xavier_or_he(by_key, findings) -> Question:
    return _q(
        "Xavier Glorot Init và Kaiming He Init khác nhau ở điểm nào?",
        "How do Xavier Glorot and Kaiming He initialisation differ?",
        Text(f"In the activation they assume. Xavier keeps the variance where the activation is linear at 0 with "
             f"slope 1 (tanh): {_x(_r('xavier-tanh', 'forward'))}, or {_x(_r('xavier-tanh', 'fan-average'))} as a "
             f"compromise between the forward and backward passes. He accounts for ReLU zeroing half its inputs, "
             f"which halves the second moment: {_x(_r('he-relu', 'forward'))}.",
             f"Ở hàm kích hoạt mà chúng giả định. Xavier giữ phương sai khi hàm kích hoạt tuyến tính tại 0 với độ "
             f"dốc 1 (tanh): {_x(_r('xavier-tanh', 'forward'))}, hoặc {_x(_r('xavier-tanh', 'fan-average'))} để dung "
             f"hòa lan truyền tiến và ngược. He tính đến việc ReLU triệt tiêu một nửa đầu vào, làm mômen bậc hai "
             f"giảm một nửa: {_x(_r('he-relu', 'forward'))}."),
        Text(f"The notes: 'Xavier suits Sigmoid/Tanh'. For the sigmoid the notes themselves derive "
             f"{_x(_r('xavier-sigmoid', 'forward'))}, sixteen times Xavier's variance.",
             f"Bài giảng: 'Xavier phù hợp với Sigmoid/Tanh'. Với sigmoid, chính bài giảng suy ra "
             f"{_x(_r('xavier-sigmoid', 'forward'))}, gấp mười sáu lần phương sai của Xavier."))


def sigmoid_tails(by_key, findings) -> Question:
    d = _r("activation-derivatives", "sigmoid")
    at4, at14 = float(d.subs(z, 4)), float(_r("gradient-vanishing", "sigmoid-derivative-large-z"))
    return _q(
        "Tại sao Gradient Vanishing xảy ra khi sử dụng hàm Sigmoid, đặc biệt với giá trị $z$ rất lớn hoặc rất nhỏ?",
        "Why does the gradient vanish with the sigmoid, especially for very large or very small $z$?",
        Text(f"Because $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ is at most $1/4$ and falls fast away from 0: "
             f"$\\sigma'(4) = {_g(at4)}$, $\\sigma'(14.15) = {_g(at14)}$. Back-propagation multiplies one such "
             "factor per layer.",
             f"Vì $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ không vượt quá $1/4$ và giảm nhanh khi rời xa 0: "
             f"$\\sigma'(4) = {_g(at4)}$, $\\sigma'(14.15) = {_g(at14)}$. Lan truyền ngược nhân thêm một thừa số "
             "như vậy qua mỗi lớp."))


def sigmoid_at_14(by_key, findings) -> Question:
    exact = float(_r("gradient-vanishing", "sigmoid-derivative-large-z"))
    stated = sp.Rational("0.9999992912")
    z_stated = float(sp.log(stated / (1 - stated)))
    value = float(sp.N(named("sigmoid").subs(z, sp.Rational("14.15")), 15))
    return _q(
        "Sử dụng hàm Sigmoid với $z = 14.15$ giá trị Gradient tại điểm này là bao nhiêu và ý nghĩa của nó?",
        "With the sigmoid at $z = 14.15$, what is the gradient there, and what does it mean?",
        Text(f"$\\sigma(14.15) = {value:.10f}$ and $\\sigma'(14.15) = {_g(exact)}$: a weight behind this unit "
             "barely moves, the gradient has vanished.",
             f"$\\sigma(14.15) = {value:.10f}$ và $\\sigma'(14.15) = {_g(exact)}$: trọng số phía sau nơ-ron này gần "
             "như không đổi, gradient đã biến mất."),
        Text(f"The notes: $\\sigma(14.15) \\approx 0.9999992912$ and $\\sigma' \\approx 7.08 \\times 10^{{-7}}$. Both "
             f"are off: $0.9999992912$ is $\\sigma$ at $z = {z_stated:.4f}$, not at 14.15.",
             f"Bài giảng: $\\sigma(14.15) \\approx 0.9999992912$ và $\\sigma' \\approx 7.08 \\times 10^{{-7}}$. Cả "
             f"hai đều lệch: $0.9999992912$ là giá trị của $\\sigma$ tại $z = {z_stated:.4f}$, không phải 14.15."))


def deep_gradients(by_key, findings) -> Question:
    phi, dphi = activation_pair(named("sigmoid"))
    eight, large = (float(predict(phi, dphi, gain, 8, 1 / gain)[1][0]) for gain in (16.0, LARGE))
    bound = _r("gradient-vanishing", "bound-8")
    return _q(
        "Tại sao gradient giảm qua từng layer trong mạng nơ-ron sâu?",
        "Why does the gradient shrink layer by layer in a deep network?",
        Text(f"The chain rule multiplies, per layer, a weight and the activation's derivative: for a unit of "
             f"fan-in $n$ the gradient's variance changes by $n \\operatorname{{Var}}(w) E[\\phi'(z)^2]$. Below 1 it "
             f"vanishes, above 1 it explodes. For the sigmoid with $16/n$ the exact recursion keeps {_g(eight)} of "
             f"the gradient variance after 8 layers, not the ${sp.latex(bound)}$ of $(1/4)^8$.",
             f"Quy tắc dây chuyền nhân, qua mỗi lớp, một trọng số với đạo hàm của hàm kích hoạt: với nơ-ron có "
             f"fan-in $n$, phương sai của gradient thay đổi $n \\operatorname{{Var}}(w) E[\\phi'(z)^2]$ lần. Nhỏ hơn 1 "
             f"thì biến mất, lớn hơn 1 thì bùng nổ. Với sigmoid và $16/n$, phép truy hồi chính xác giữ lại {_g(eight)} "
             f"phương sai gradient sau 8 lớp, không phải ${sp.latex(bound)}$ như $(1/4)^8$."),
        Text(f"The notes: each derivative is below 1, so the product shrinks. That leaves out the weights, which "
             f"multiply the gradient too: with $\\operatorname{{Var}}(w) = {LARGE:g}/n$ the same 8-layer sigmoid "
             f"network multiplies the gradient variance by {_g(large)} (exact recursion).",
             f"Bài giảng: mỗi đạo hàm nhỏ hơn 1 nên tích giảm dần. Lập luận đó bỏ qua trọng số, vốn cũng nhân vào "
             f"gradient: với $\\operatorname{{Var}}(w) = {LARGE:g}/n$, cùng mạng sigmoid 8 lớp đó nhân phương sai "
             f"gradient lên {_g(large)} lần (truy hồi chính xác)."))


def sigmoid_peak(by_key, findings) -> Question:
    peak = _r("activation-derivatives", "sigmoid-max")
    return _q(
        "Giá trị đạo hàm lớn nhất của hàm kích hoạt Sigmoid là bao nhiêu, và tại điểm nào trên đồ thị đạo hàm?",
        "What is the largest value of the sigmoid's derivative, and where?",
        Text(f"${sp.latex(peak)}$, at $z = 0$ (solved by sympy: $\\sigma''(z) = 0$).",
             f"${sp.latex(peak)}$, tại $z = 0$ (sympy giải $\\sigma''(z) = 0$)."))


def theta_update(by_key, findings) -> Question:
    depth = findings["depth"]
    five = _mean(depth, "5 layers: |dW_1| / |W_1| after one step")
    eight = _mean(depth, "8 layers: |dW_1| / |W_1| after one step")
    return _q(
        "Trong mạng 5 layers, tại sao giá trị $\\theta$ giảm nhưng không đáng kể khi backward?",
        "In a 5-layer network, why does $\\theta$ decrease only negligibly in the backward pass?",
        Text(f"Because the gradient reaching the first layer has vanished. Measured: one SGD step changes the "
             f"first layer's weights by ${_g(five, True)}$ of their norm in a 5-layer sigmoid network and by "
             f"${_g(eight, True)}$ in an 8-layer one.",
             "Vì gradient đến lớp đầu đã biến mất: tham số theta gần như đứng yên. Một bước SGD làm trọng số lớp đầu "
             "thay đổi "
             f"${_g(five, True)}$ chuẩn của chúng trong mạng sigmoid 5 lớp và ${_g(eight, True)}$ trong mạng 8 lớp."),
        Text("The notes: $0.919 - 0.01 \\times (-0.0002) = 0.919002$, 'theta decreases'. A negative gradient "
             "makes $\\theta$ increase, by $2 \\times 10^{-6}$.",
             "Bài giảng: $0.919 - 0.01 \\times (-0.0002) = 0.919002$, '$\\theta$ giảm'. Gradient âm làm $\\theta$ "
             "tăng, thêm $2 \\times 10^{-6}$."))


def exploding_when(by_key, findings) -> Question:
    steps = [int(step) for step in findings["exploding"].measured["diverged at step"] if np.isfinite(step)]
    relu = by_key["gradient-vanishing/relu-exploding"].layers[0].backward
    seeds = len(findings["exploding"].held)
    return _q(
        "Exploding Gradient xảy ra khi nào và nó ảnh hưởng như thế nào đến quá trình training?",
        "When do gradients explode, and what does that do to training?",
        Text(f"When each layer multiplies the gradient's variance by more than 1: too large weights (ReLU with "
             f"$4/n$ doubles it per layer; over 5 layers predicted {_g(relu.predicted)}, measured "
             f"${_g(relu.measured, True)}$), compounded by a large learning rate. A 5-layer ReLU network with "
             f"$N(0, 1)$ weights and learning rate 1 diverged in {len(steps)} of {seeds} seeds"
             + (f", at step {min(steps)} to {max(steps)}." if steps else "."),
             f"Khi mỗi lớp nhân phương sai gradient lên hơn 1 lần: trọng số quá lớn (ReLU với $4/n$ làm nó gấp đôi "
             f"mỗi lớp; qua 5 lớp dự đoán {_g(relu.predicted)}, đo được ${_g(relu.measured, True)}$), cộng thêm "
             f"learning rate lớn. Mạng ReLU 5 lớp với trọng số $N(0, 1)$ và learning rate 1 phân kỳ ở {len(steps)} "
             f"trên {seeds} hạt giống" + (f", tại bước {min(steps)} đến {max(steps)}." if steps else ".")))


def no_convergence(by_key, findings) -> Question:
    rates = findings["learning-rate"]
    moderate = _mean(rates, "lr 0.1: train loss")
    large = rates.measured["lr 3: train loss"]
    finite = [v for v in large if np.isfinite(v)]
    diverged = len(large) - len(finite)
    mean = _g(float(np.mean(finite)), True) if finite else ""
    stuck = f"stayed at {mean} in {len(finite)} of {len(large)} seeds" if finite else ""
    stuck_vi = f"đứng ở {mean} ở {len(finite)} trên {len(large)} hạt giống" if finite else ""
    gone = f"became infinite in {diverged}" if diverged else ""
    gone_vi = f"thành vô cùng ở {diverged}" if diverged else ""
    return _q(
        "Tại sao Exploding Gradient làm mô hình không hội tụ?",
        "Why do exploding gradients keep the model from converging?",
        Text(f"A step proportional to a huge gradient overshoots: the loss jumps instead of descending. Measured on "
             f"the digits: with learning rate 0.1 the training loss reached {_g(moderate, True)}; with 3 it "
             f"{' and '.join(filter(None, (stuck, gone)))} ($\\ln 10 = {_g(float(np.log(10)))}$ is guessing).",
             f"Một bước tỉ lệ với gradient khổng lồ sẽ vượt quá đích: loss nhảy lên thay vì giảm. Đo trên bộ chữ "
             f"số: với learning rate 0,1, loss huấn luyện đạt {_g(moderate, True)}; với 3, nó "
             f"{' và '.join(filter(None, (stuck_vi, gone_vi)))} ($\\ln 10 = {_g(float(np.log(10)))}$ là đoán mò)."))


def discrete_mean(by_key, findings) -> Question:
    die = sstats.Die("D", 6)
    return _q(
        "Công thức tính giá trị kỳ vọng $E(X)$ của một biến ngẫu nhiên rời rạc là gì?",
        "What is the expectation $E(X)$ of a discrete random variable?",
        Text(f"$E(X) = \\sum_i x_i P(X = x_i)$. A fair die: $\\sum_{{k=1}}^{{6}} k \\cdot \\frac{{1}}{{6}} = "
             f"{sp.latex(sstats.E(die))}$ (sympy.stats).",
             f"$E(X) = \\sum_i x_i P(X = x_i)$. Con xúc xắc cân đối: $\\sum_{{k=1}}^{{6}} k \\cdot \\frac{{1}}{{6}} = "
             f"{sp.latex(sstats.E(die))}$ (sympy.stats)."))


def product_mean(by_key, findings) -> Question:
    return _q(
        "Làm thế nào để tính giá trị kỳ vọng của tích hai biến ngẫu nhiên độc lập $X$ và $Y$?",
        "How is the expectation of the product of two independent random variables $X$ and $Y$ computed?",
        Text("$E(XY) = E(X)E(Y)$: independence factors the joint density, so the double integral splits into "
             "two (the step the product-variance derivation uses, checked by sympy).",
             "$E(XY) = E(X)E(Y)$: tính độc lập tách mật độ đồng thời thành tích, nên tích phân kép tách thành hai "
             "tích phân (bước mà phép chứng minh phương sai của tích dùng, được sympy kiểm tra)."))


def continuous_mean(by_key, findings) -> Question:
    return _q(
        "Công thức tính giá trị kỳ vọng $E(X)$ khác nhau như thế nào giữa biến rời rạc và biến liên tục?",
        "How does $E(X)$ differ between a discrete and a continuous variable?",
        Text(f"A sum over values weighted by probabilities, $\\sum_i x_i P(x_i)$, against an integral weighted by "
             f"the density, $\\int x f(x)\\,dx$. For $U(a, b)$ the integral gives {_x(_r('uniform-moments', 'mean'))}.",
             f"Tổng các giá trị nhân xác suất, $\\sum_i x_i P(x_i)$, so với tích phân nhân mật độ, "
             f"$\\int x f(x)\\,dx$. Với $U(a, b)$, tích phân cho {_x(_r('uniform-moments', 'mean'))}."))


def variance_form(by_key, findings) -> Question:
    return _q(
        "Biến đổi công thức tính phương sai $\\operatorname{var}(X)$ là gì?",
        "What is the expanded form of $\\operatorname{var}(X)$?",
        Text("$\\operatorname{Var}(X) = E[(X - E X)^2] = E(X^2) - (E X)^2$: expand the square and use linearity. "
             "With $E(X) = 0$, as for zero-mean weights, $\\operatorname{Var}(X) = E(X^2)$.",
             "$\\operatorname{Var}(X) = E[(X - E X)^2] = E(X^2) - (E X)^2$: khai triển bình phương và dùng tính "
             "tuyến tính. Khi $E(X) = 0$, như với trọng số kỳ vọng 0, $\\operatorname{Var}(X) = E(X^2)$."))


def product_variance(by_key, findings) -> Question:
    check = by_key["product-variance/uniform-times-exponential"]
    low, high = check.estimate.ci
    return _q(
        "Công thức tính phương sai của hai biến ngẫu nhiên độc lập $X$ và $Y$ là gì?",
        "What is the variance of the product of two independent random variables $X$ and $Y$?",
        Text(f"{_x(_r('product-variance', 'variance'))}, derived step by step (section 2). Checked by sampling "
             f"$X \\sim U(1, 3)$, $Y \\sim \\mathrm{{Exp}}$ (mean 2): formula {_g(check.expected)}, interval "
             f"$[{_g(low, True)}, {_g(high, True)}]$.",
             f"{_x(_r('product-variance', 'variance'))}, được chứng minh từng bước (mục 2). Kiểm chứng bằng cách lấy "
             f"mẫu $X \\sim U(1, 3)$, $Y \\sim \\mathrm{{Exp}}$ (kỳ vọng 2): công thức {_g(check.expected)}, khoảng "
             f"tin cậy $[{_g(low, True)}, {_g(high, True)}]$."))


def uniform_definition(by_key, findings) -> Question:
    a, b, x = sp.symbols("a b x", real=True)
    total = sp.latex(sp.simplify(sp.integrate(1 / (b - a), (x, a, b))))
    return _q(
        "Uniform Distribution được định nghĩa như thế nào, và dạng đồ thị của nó là gì?",
        "How is the uniform distribution defined, and what does its graph look like?",
        Text(f"Every value of $[a, b]$ is equally likely: the density is $1/(b - a)$ on $[a, b]$ and 0 outside, a "
             f"rectangle of area $\\int_a^b \\frac{{dx}}{{b - a}} = {total}$.",
             f"Mọi giá trị trong $[a, b]$ có khả năng như nhau: mật độ bằng $1/(b - a)$ trên $[a, b]$ và bằng 0 bên "
             f"ngoài, một hình chữ nhật có diện tích $\\int_a^b \\frac{{dx}}{{b - a}} = {total}$."))


def bus(by_key, findings) -> Question:
    wait = sstats.Uniform("T", 0, 60)
    t = sp.Symbol("t")
    probability = sstats.P(sp.And(wait >= 5, wait <= 20))
    density = sstats.density(wait)(t).args[0][0]
    return _q(
        "Xe buýt rời khỏi bến mỗi giờ một lần. Tuy nhiên, không biết thời gian cụ thể mà chuyến xe buýt gần nhất đã "
        "rời đi. Xác suất chờ trong khoảng thời gian bất kỳ được tính như thế nào?",
        "A bus leaves once an hour, at a time you do not know. How likely is any given wait?",
        Text(f"The wait $T$ is uniform on $[0, 60]$ minutes, with density ${sp.latex(density)}$ per minute; a "
             f"probability is an area under it: $P(5 \\le T \\le 20) = (20 - 5)/60 = {sp.latex(probability)}$.",
             f"Thời gian chờ $T$ phân phối đều trên $[0, 60]$ phút, mật độ ${sp.latex(density)}$ mỗi phút; xác suất "
             f"là diện tích dưới mật độ: $P(5 \\le T \\le 20) = (20 - 5)/60 = {sp.latex(probability)}$."),
        Text("The notes write $f(x) = (b' - a')/60$ and call it the probability per minute. $f$ is the density, "
             "$1/60$; $(b' - a')/60$ is the probability of the whole interval, not a value of $f$.",
             "Bài giảng viết $f(x) = (b' - a')/60$ và gọi đó là xác suất mỗi phút. $f$ là hàm mật độ, bằng $1/60$; "
             "$(b' - a')/60$ là xác suất của cả khoảng, không phải một giá trị của $f$."))


def uniform_variance(by_key, findings) -> Question:
    return _q(
        "Công thức tính phương sai $\\operatorname{var}(X)$ trong phân phối đều $X \\sim U(a, b)$ là gì?",
        "What is $\\operatorname{var}(X)$ for $X \\sim U(a, b)$?",
        Text(f"{_x(_r('uniform-moments', 'variance'))}, from $E(X^2) - E(X)^2$ by sympy's integrals; for the "
             f"symmetric $U(-r, r)$, {_x(_r('uniform-moments', 'symmetric-variance'))}.",
             f"{_x(_r('uniform-moments', 'variance'))}, từ $E(X^2) - E(X)^2$ bằng tích phân của sympy; với "
             f"$U(-r, r)$ đối xứng, {_x(_r('uniform-moments', 'symmetric-variance'))}."))


def maclaurin(by_key, findings) -> Question:
    series = _r("maclaurin-tanh", "series")
    return _q(
        "Khai triển Maclaurin là gì và công thức tổng quát của nó như thế nào?",
        "What is the Maclaurin expansion, and its general formula?",
        Text(f"The Taylor series at 0: $f(x) = \\sum_{{k \\ge 0}} \\frac{{f^{{(k)}}(0)}}{{k!}} x^k$. For tanh, "
             f"by sympy: $\\tanh z = {sp.latex(series)}$.",
             f"Chuỗi Taylor tại 0: $f(x) = \\sum_{{k \\ge 0}} \\frac{{f^{{(k)}}(0)}}{{k!}} x^k$. Với tanh, sympy cho: "
             f"$\\tanh z = {sp.latex(series)}$."))


def maclaurin_use(by_key, findings) -> Question:
    check = by_key["maclaurin-tanh/next-terms"]
    return _q(
        "Tại sao khai triển Maclaurin được sử dụng trong các ứng dụng thực tế?",
        "Why is the Maclaurin expansion used in practice?",
        Text(f"Near 0 a few terms are enough, and a linear term turns a non-linear layer into a linear one whose "
             f"variance is easy to follow: $\\tanh z \\approx z$, $\\sigma(z) \\approx 1/2 + z/4$, the step behind "
             f"$1/n$ and $16/n$. For $|z| \\le 0.2$ the mean squared error of $\\tanh z \\approx z$ is "
             f"${_g(check.expected)}$.",
             f"Gần 0 chỉ cần vài số hạng, và số hạng tuyến tính biến một lớp phi tuyến thành lớp tuyến tính có "
             f"phương sai dễ theo dõi: $\\tanh z \\approx z$, $\\sigma(z) \\approx 1/2 + z/4$, bước dẫn đến $1/n$ và "
             f"$16/n$. Với $|z| \\le 0.2$, sai số bình phương trung bình của $\\tanh z \\approx z$ là "
             f"${_g(check.expected)}$."))


def xavier_tanh_range(by_key, findings) -> Question:
    return _q(
        "Theo Xavier Initialization, khi sử dụng activation Tanh, khoảng giá trị nào là ổn định cho việc khởi tạo "
        "trọng số?",
        "Under Xavier initialisation with tanh, which range of initial weights is stable?",
        Text(f"$\\operatorname{{Var}}(w) = {sp.latex(_r('xavier-tanh', 'forward'))}$: uniform on "
             f"$\\pm{sp.latex(_r('xavier-tanh', 'uniform-bound'))}$ or normal with standard deviation "
             f"{_x(_r('xavier-tanh', 'normal-std'))}; with the fan average, "
             f"$\\pm{sp.latex(_r('xavier-tanh', 'uniform-bound-fan-average'))}$.",
             f"Khoảng khởi tạo: $\\operatorname{{Var}}(w) = {sp.latex(_r('xavier-tanh', 'forward'))}$: phân phối đều "
             "trên "
             f"$\\pm{sp.latex(_r('xavier-tanh', 'uniform-bound'))}$ hoặc phân phối chuẩn với độ lệch chuẩn "
             f"{_x(_r('xavier-tanh', 'normal-std'))}; với trung bình fan, "
             f"$\\pm{sp.latex(_r('xavier-tanh', 'uniform-bound-fan-average'))}$."))


def xavier_sigmoid_range(by_key, findings) -> Question:
    initialisation = findings["initialisation-sigmoid"]
    textbook, exact = _mean(initialisation, "16/n"), _mean(initialisation, "exact")
    gain = float(n * _r("exact-gain-sigmoid", "forward"))
    return _q(
        "Theo Xavier Initialization, khi sử dụng activation Sigmoid, khoảng giá trị nào là ổn định cho việc khởi "
        "tạo trọng số?",
        "Under Xavier initialisation with the sigmoid, which range of initial weights is stable?",
        Text(f"The linearised rule gives $\\operatorname{{Var}}(w) = {sp.latex(_r('xavier-sigmoid', 'forward'))}$: "
             f"uniform on $\\pm{sp.latex(_r('xavier-sigmoid', 'uniform-bound'))}$. It assumes $E[a] = 0$, which "
             f"the sigmoid breaks; the exact forward rule is ${_g(gain)}/n$. Trained 5 layers deep, $16/n$ reached "
             f"a test accuracy of ${_g(textbook, True)}$ and the exact forward rule ${_g(exact, True)}$: keeping "
             f"the forward variance is not enough when the gradients vanish.",
             f"Quy tắc tuyến tính hóa cho khoảng khởi tạo $\\operatorname{{Var}}(w) = "
             f"{sp.latex(_r('xavier-sigmoid', 'forward'))}$: "
             f"phân phối đều trên $\\pm{sp.latex(_r('xavier-sigmoid', 'uniform-bound'))}$. Nó giả thiết $E[a] = 0$, "
             f"điều mà sigmoid không thỏa; quy tắc chính xác cho lan truyền tiến là ${_g(gain)}/n$. Khi huấn luyện "
             "mạng 5 lớp, "
             f"$16/n$ đạt độ chính xác kiểm tra ${_g(textbook, True)}$ còn quy tắc chính xác cho lan truyền tiến "
             f"${_g(exact, True)}$: giữ phương sai lan truyền tiến là chưa đủ khi gradient biến mất."))


def he_range(by_key, findings) -> Question:
    check = by_key["he-relu/relu"].layers[-1].forward
    low, high = check.ci
    return _q(
        "Theo He Initialization, khi sử dụng activation ReLU, khoảng giá trị nào là ổn định cho việc khởi tạo "
        "trọng số?",
        "Under He initialisation with ReLU, which range of initial weights is stable?",
        Text(f"$\\operatorname{{Var}}(w) = {sp.latex(_r('he-relu', 'forward'))}$: uniform on "
             f"$\\pm{sp.latex(_r('he-relu', 'uniform-bound'))}$ or normal with standard deviation "
             f"{_x(_r('he-relu', 'normal-std'))}. Measured after 10 layers: $q = {_g(check.measured, True)}$, "
             f"interval $[{_g(low, True)}, {_g(high, True)}]$, against {_g(check.predicted)} predicted.",
             f"Khoảng khởi tạo: $\\operatorname{{Var}}(w) = {sp.latex(_r('he-relu', 'forward'))}$: phân phối đều trên "
             f"$\\pm{sp.latex(_r('he-relu', 'uniform-bound'))}$ hoặc phân phối chuẩn với độ lệch chuẩn "
             f"{_x(_r('he-relu', 'normal-std'))}. Đo được sau 10 lớp: $q = {_g(check.measured, True)}$, khoảng tin "
             f"cậy $[{_g(low, True)}, {_g(high, True)}]$, dự đoán {_g(check.predicted)}."))


_ALL = (fixed_values, xavier_or_he, sigmoid_tails, sigmoid_at_14, deep_gradients, sigmoid_peak, theta_update,
        exploding_when, no_convergence, discrete_mean, product_mean, continuous_mean, variance_form, product_variance,
        uniform_definition, bus, uniform_variance, maclaurin, maclaurin_use, xavier_tanh_range, xavier_sigmoid_range,
        he_range)
"""The notes' questions, in the notes' order."""
