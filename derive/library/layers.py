"""Beyond the fully connected layer: convolutions, attention scores, dropout and residual streams.

Each is the layer identity of :mod:`.variance` in another shape: a convolution is a sum over its
receptive field, an attention score a sum over the head dimension, an inverted-dropout layer a layer
whose inputs carry a Bernoulli mask, a residual block a sum of the stream and its branch.
"""

from __future__ import annotations

import sympy as sp
from sympy import stats

from ..assumptions import Assumption, described, goal, iid, independent, zero_mean
from ..derivation import Builder, Derivation
from ..functions import relu
from ..moments import Mean, Var
from ..registry import get, register
from ..steps import Model
from ..symbols import i, m, n, q, x
from ..text import Text
from .rules import (
    FORWARD_GOAL,
    GAUSSIAN_PREACTIVATION,
    IID,
    SYMMETRIC_UNIFORM,
    ZERO_BIAS,
    a,
    activation,
    b,
    distributions,
    preserve,
    w,
    z_l,
    z_next,
)
from .variance import ZERO_MEAN_W

k_h, k_w, c_in, c_out, groups, d_k = sp.symbols("k_h k_w C_in C_out g d", positive=True, integer=True)
FIELD = k_h * k_w * c_in / groups
"""The receptive field of a convolution: kernel height times width times the input channels of its group."""
W, A = sp.IndexedBase(w), sp.IndexedBase(a)
CONVOLUTION = sp.Sum(W[i] * A[i], (i, 1, FIELD)) + b


@register("convolution-fan")
def convolution_fan() -> Derivation:
    r"""He's rule for a (grouped) convolution: an output sums :math:`k_h k_w C_{in}/g` products, so
    :math:`\operatorname{Var}(w) = 2g/(k_h k_w C_{in})` before a ReLU."""
    act = activation("ReLU", relu(z_l))
    d = Builder("convolution-fan",
                Text("The fan-in of a convolution, and He's rule for it", "Fan-in của phép tích chập và quy tắc He"),
                (IID, ZERO_MEAN_W, ZERO_BIAS, act, GAUSSIAN_PREACTIVATION, FORWARD_GOAL, SYMMETRIC_UNIFORM),
                Model(random=(w, a, b, z_l), definitions={z_next: CONVOLUTION}))
    d.step(Var(z_next), Var(CONVOLUTION), "definition",
           "an output of a convolution with $g$ groups sums its receptive field: $k_h k_w$ positions of the "
           "$C_{in}/g$ input channels of its group",
           "một đầu ra của phép tích chập với $g$ nhóm là tổng trên vùng tiếp nhận: $k_h k_w$ vị trí của $C_{in}/g$ "
           "kênh đầu vào trong nhóm của nó")
    d.then(FIELD * Var(w) * Mean(a**2), "layer-variance",
           "a sum of i.i.d. products with $E[w] = 0$ and $b = 0$, as in a dense layer with fan-in $k_h k_w C_{in}/g$",
           "tổng các tích i.i.d. với $E[w] = 0$ và $b = 0$, như lớp kết nối đầy đủ có fan-in $k_h k_w C_{in}/g$",
           (IID, ZERO_MEAN_W, ZERO_BIAS))
    d.result("fan-in")
    _, variance = preserve(d, _after_relu(d, d.last, act), Var(z_l))
    d.result("forward")
    distributions(d, variance)
    return d.build(main="forward")


def _after_relu(d: Builder, exact: sp.Eq, act: Assumption) -> sp.Eq:
    """From ``Var(z_{l+1}) = k Var(w) E[a^2]`` to ``k Var(w) Var(z_l)/2``: ReLU keeps half the second moment
    of a zero-mean Gaussian pre-activation (the integral done by sympy)."""
    density = stats.density(stats.Normal("z_l", 0, sp.sqrt(q)))(x)
    d.step(Mean(a**2), sp.Integral(x**2 * density, (x, 0, sp.oo)), "half moment",
           "ReLU zeroes the negative half of a Gaussian pre-activation",
           "ReLU triệt tiêu nửa âm của tiền kích hoạt chuẩn", (act, GAUSSIAN_PREACTIVATION))
    d.then(d.last.rhs.doit(conds="none").subs(q, Var(z_l)), "integration",
           "evaluate with $q = \\operatorname{Var}(z_l)$", "tính tích phân với $q = \\operatorname{Var}(z_l)$",
           (act, GAUSSIAN_PREACTIVATION))
    second_moment = d.last
    d.step(Var(z_next), exact.rhs.xreplace({second_moment.lhs: second_moment.rhs}), "substitution",
           "insert the half moment", "thay moment nửa vào", using=(exact, second_moment))
    return d.last


s_h, s_w = sp.symbols("s_h s_w", positive=True, integer=True)
torch_gain = sp.Symbol("G", positive=True)
SCATTERED = k_h * k_w * c_in / (groups * s_h * s_w)
"""Terms per output of a transposed convolution: the taps that land on it from each input channel of its group."""
TRANSPOSED = sp.Sum(W[i] * A[i], (i, 1, SCATTERED)) + b
TORCH_FAN = k_h * k_w * c_out / groups
"""The fan-in PyTorch reads from a transposed convolution's weight, stored (C_in, C_out/g, k_h, k_w)."""
STRIDE_DIVIDES = described("stride-divides-kernel",
                           "the stride divides the kernel size in each direction, and outputs are read away from "
                           "the borders",
                           "bước nhảy chia hết kích thước kernel theo mỗi chiều, và đầu ra được xét xa biên")


@register("transposed-convolution-fan")
def transposed_convolution_fan() -> Derivation:
    r"""A transposed convolution with stride :math:`s` sends each input to :math:`k_h k_w` outputs :math:`s`
    apart, so an output sums :math:`k_h k_w C_{in}/(g\,s_h s_w)` products: He's rule is
    :math:`\operatorname{Var}(w) = 2 g s_h s_w/(k_h k_w C_{in})`. PyTorch's ``kaiming_normal_`` reads the fan-in
    :math:`k_h k_w C_{out}/g` from the stored weight, which multiplies the variance by
    :math:`C_{in}/(C_{out} s_h s_w)` per layer (PyTorch issue 7865)."""
    act = activation("ReLU", relu(z_l))
    d = Builder("transposed-convolution-fan",
                Text("The fan-in of a transposed convolution", "Fan-in của phép tích chập chuyển vị"),
                (IID, ZERO_MEAN_W, ZERO_BIAS, act, GAUSSIAN_PREACTIVATION, FORWARD_GOAL, SYMMETRIC_UNIFORM,
                 STRIDE_DIVIDES),
                Model(random=(w, a, b, z_l), definitions={z_next: TRANSPOSED}))
    d.step(Var(z_next), Var(TRANSPOSED), "definition",
           "a transposed convolution scatters each input over $k_h k_w$ outputs, $s_h$ and $s_w$ apart: an output "
           "receives $k_h k_w/(s_h s_w)$ taps from each of the $C_{in}/g$ input channels of its group",
           "tích chập chuyển vị rải mỗi đầu vào lên $k_h k_w$ đầu ra cách nhau $s_h$ và $s_w$: một đầu ra nhận "
           "$k_h k_w/(s_h s_w)$ nhánh từ mỗi kênh trong $C_{in}/g$ kênh đầu vào của nhóm", (STRIDE_DIVIDES,))
    d.then(SCATTERED * Var(w) * Mean(a**2), "layer-variance",
           "a sum of i.i.d. products with $E[w] = 0$ and $b = 0$", "tổng các tích i.i.d. với $E[w] = 0$ và $b = 0$",
           (IID, ZERO_MEAN_W, ZERO_BIAS))
    d.result("fan-in")
    combined = _after_relu(d, d.last, act)
    _, variance = preserve(d, combined, Var(z_l))
    d.result("forward")
    d.solve(sp.Eq(torch_gain, (combined.rhs / Var(z_l)).subs(Var(w), 2 / TORCH_FAN)), torch_gain, "definition",
            "PyTorch reads the fan-in from the stored weight, $k_h k_w C_{out}/g$: with its "
            "$\\operatorname{Var}(w) = 2g/(k_h k_w C_{out})$ each layer multiplies the variance by $G$",
            "PyTorch đọc fan-in từ trọng số lưu trữ, $k_h k_w C_{out}/g$: với "
            "$\\operatorname{Var}(w) = 2g/(k_h k_w C_{out})$ của nó, mỗi lớp nhân phương sai lên $G$ lần",
            defines=True)
    d.result("torch-gain")
    distributions(d, variance)
    return d.build(main="forward")


packed, block, share = sp.symbols("V_packed V_block R", positive=True)
PROJECTION = sp.Sum(W[i] * A[i], (i, 1, d_k)) + b
"""One query (key, value) entry: a sum over the d inputs of a token."""


@register("packed-attention-fan")
def packed_attention_fan() -> Derivation:
    r"""``nn.MultiheadAttention`` keeps its query, key and value projections in one :math:`(3d, d)` matrix and
    initialises it with ``xavier_uniform_``, whose fan-out is then :math:`3d`: :math:`\operatorname{Var}(w) =
    2/(4d)`, half of Xavier's :math:`2/(d + d)` for each :math:`(d, d)` projection, so every query, key and
    value starts with half the variance (PyTorch issue 166378)."""
    d = Builder("packed-attention-fan",
                Text("Xavier on a packed query-key-value matrix", "Xavier trên ma trận query-key-value gộp"),
                (IID, ZERO_MEAN_W, ZERO_BIAS), Model(random=(w, a, b), definitions={z_next: PROJECTION}))
    glorot = d.cite(get("xavier-tanh"), "fan-average", "Glorot's rule for fan-in $n$ and fan-out $m$",
                    "quy tắc Glorot cho fan-in $n$ và fan-out $m$")
    packed_variance = d.solve(sp.Eq(packed, glorot.rhs.subs({n: d_k, m: 3 * d_k})), packed, "definition",
                              "xavier_uniform_ on the packed $(3d, d)$ matrix: fan-in $d$, fan-out $3d$",
                              "xavier_uniform_ trên ma trận gộp $(3d, d)$: fan-in $d$, fan-out $3d$", defines=True)
    d.result("packed")
    block_variance = d.solve(sp.Eq(block, glorot.rhs.subs({n: d_k, m: d_k})), block, "definition",
                             "Xavier on one $(d, d)$ projection: fan-in and fan-out $d$",
                             "Xavier trên một phép chiếu $(d, d)$: fan-in và fan-out đều là $d$", defines=True)
    d.result("per-projection")
    d.step(Var(z_next), Var(PROJECTION), "definition", "a query entry sums the $d$ entries of its token, weighted",
           "một phần tử query là tổng có trọng số của $d$ phần tử của token")
    d.then(d_k * Var(w) * Mean(a**2), "layer-variance", "a sum of $d$ i.i.d. products with $E[w] = 0$ and $b = 0$",
           "tổng của $d$ tích i.i.d. với $E[w] = 0$ và $b = 0$", (IID, ZERO_MEAN_W, ZERO_BIAS))
    query = d.last
    d.result("query")
    gain = query.rhs / Mean(a**2)
    d.solve(sp.Eq(share, gain.subs(Var(w), packed_variance) / gain.subs(Var(w), block_variance)), share, "definition",
            "the variance of a query under the packed initialisation, over that under Xavier per projection",
            "phương sai của query khi khởi tạo gộp, chia cho phương sai khi khởi tạo Xavier từng phép chiếu",
            defines=True)
    d.result("share")
    return d.build(main="share")


qv, kv, s = sp.symbols("q k s")
scale = sp.Symbol("c", positive=True)
Q, K = sp.IndexedBase(qv), sp.IndexedBase(kv)
SCORE = sp.Sum(Q[i] * K[i], (i, 1, d_k))
QUERIES_AND_KEYS = iid(qv, kv)
ZERO_MEAN_Q, ZERO_MEAN_K = zero_mean(qv, "queries", "query"), zero_mean(kv, "keys", "key")
SCORE_GOAL = goal("score-variance", "the goal: a scaled score as spread as one product of a query and a key",
                  "mục tiêu: điểm đã chia tỉ lệ có phương sai bằng tích của một query và một key",
                  (Var(scale * s), Var(qv) * Var(kv)))


@register("attention-scale")
def attention_scale() -> Derivation:
    r""":math:`\operatorname{Var}(q \cdot k) = d \operatorname{Var}(q)\operatorname{Var}(k)` for independent
    zero-mean entries, hence the :math:`1/\sqrt{d}` of scaled dot-product attention."""
    d = Builder("attention-scale",
                Text("The scale of attention scores", "Tỉ lệ của điểm attention"),
                (QUERIES_AND_KEYS, ZERO_MEAN_Q, ZERO_MEAN_K, SCORE_GOAL),
                Model(random=(qv, kv), definitions={s: SCORE}))
    d.step(Var(s), Var(SCORE), "definition", "the score of a query and a key: $s = \\sum_{i=1}^{d} q_i k_i$",
           "điểm của một query và một key: $s = \\sum_{i=1}^{d} q_i k_i$")
    d.then(d_k * Var(qv * kv), "independence", "$d$ independent, identically distributed products",
           "$d$ tích độc lập, cùng phân phối", (QUERIES_AND_KEYS,))
    unscaled = d.then(d_k * Var(qv) * Var(kv), "product-variance", "zero-mean factors: $\\operatorname{Var}(qk) = "
                      "\\operatorname{Var}(q)\\operatorname{Var}(k)$", "thừa số kỳ vọng 0: $\\operatorname{Var}(qk) = "
                      "\\operatorname{Var}(q)\\operatorname{Var}(k)$", (QUERIES_AND_KEYS, ZERO_MEAN_Q, ZERO_MEAN_K))
    d.result("score")
    d.step(Var(scale * s), scale**2 * unscaled, "scaling", "a constant factor $c$ scales the variance by $c^2$",
           "nhân với hằng số $c$ thì phương sai nhân $c^2$", (QUERIES_AND_KEYS, ZERO_MEAN_Q, ZERO_MEAN_K))
    d.require(Var(scale * s), Var(qv) * Var(kv), "scale the score back to one product",
              "đưa điểm về độ lớn của một tích", (SCORE_GOAL,))
    premise = sp.Eq(Var(qv) * Var(kv), scale**2 * unscaled)
    condition = d.solved(sp.Eq(sp.cancel(premise.rhs / premise.lhs), 1), premise, scale, "cancel",
                         "cancel $\\operatorname{Var}(q)\\operatorname{Var}(k)$",
                         "giản ước $\\operatorname{Var}(q)\\operatorname{Var}(k)$")
    d.solve(condition, scale, "solve", "the positive root", "nghiệm dương")
    d.result("scale")
    return d.build(main="score")


rho = sp.Symbol("rho", positive=True)
ALIGNED_PAIRS = Assumption("aligned-pairs", Text("the pairs of query and key entries are i.i.d. across the head "
                                                 "dimension; within a pair they may be correlated",
                                                 "các cặp phần tử query và key i.i.d. theo chiều của head; trong "
                                                 "một cặp chúng có thể tương quan"),
                           independent=((qv, kv),))
ALIGNED = Assumption("aligned-queries", Text("after some training a query and the key it attends to are "
                                             "correlated, entry by entry", "sau một thời gian huấn luyện, query và key "
                                             "mà nó chú ý tới tương quan theo từng phần tử"),
                     ((Mean(qv * kv), rho),))
WIDTH_FREE = goal("width-free-score", "the goal: the expected scaled score does not grow with the width d",
                  "mục tiêu: kỳ vọng của điểm đã chia tỉ lệ không tăng theo độ rộng d", (Mean(scale * s), rho))


@register("attention-width-scale")
def attention_width_scale() -> Derivation:
    r"""muP's :math:`1/d` attention scale: once queries and keys are aligned, :math:`E[q_i k_i] = \rho`, the
    score's mean grows like :math:`d\rho` (its fluctuation only like :math:`\sqrt{d}`), so keeping the scaled
    score's mean at :math:`\rho` as the width grows needs :math:`c = 1/d`, not :math:`1/\sqrt{d}`."""
    d = Builder("attention-width-scale",
                Text("Attention's scale when the width grows (muP)", "Tỉ lệ của attention khi độ rộng tăng (muP)"),
                (ALIGNED_PAIRS, ALIGNED, WIDTH_FREE), Model(random=(qv, kv), definitions={s: SCORE}))
    d.step(Mean(s), Mean(SCORE), "definition", "the score $s = \\sum_{i=1}^{d} q_i k_i$",
           "điểm $s = \\sum_{i=1}^{d} q_i k_i$")
    d.then(d_k * Mean(qv * kv), "linearity", "$d$ identically distributed pairs",
           "$d$ cặp cùng phân phối", (ALIGNED_PAIRS,))
    d.then(d_k * rho, "alignment", "each pair contributes its correlation $\\rho$",
           "mỗi cặp đóng góp hệ số tương quan $\\rho$", (ALIGNED_PAIRS, ALIGNED))
    unscaled = d.last
    d.result("score-mean")
    d.step(Mean(scale * s), scale * unscaled.rhs, "scaling", "a constant factor $c$ scales the mean",
           "nhân với hằng số $c$ thì kỳ vọng nhân $c$", (ALIGNED_PAIRS, ALIGNED))
    scaled = d.last
    d.result("scaled-mean")
    d.require(Mean(scale * s), rho, "the same expected score at every width", "cùng kỳ vọng của điểm ở mọi độ rộng",
              (WIDTH_FREE,))
    condition = d.solved(sp.Eq(scale * d_k, 1), sp.Eq(rho, scaled.rhs), scale, "cancel", "divide by $\\rho$",
                         "chia cho $\\rho$")
    d.solve(condition, scale, "solve", "the scale", "tỉ lệ")
    d.result("scale")
    return d.build(main="scale")


mask, y = sp.symbols("m y")
p = sp.Symbol("p", positive=True)
M = sp.IndexedBase(mask)
BERNOULLI = Assumption("bernoulli-mask", Text("a Bernoulli mask keeps each input with probability 1 - p",
                                              "mặt nạ Bernoulli giữ mỗi đầu vào với xác suất 1 - p"),
                       ((Mean(mask), 1 - p), (Var(mask), p * (1 - p))))
MASK_INDEPENDENT = independent("independent-mask", "the mask is independent of the activations",
                               "mặt nạ độc lập với các kích hoạt", (mask,), (a,))
DROPPED_LAYER = iid(w, mask, a)


@register("dropout-variance")
def dropout_variance() -> Derivation:
    r"""Inverted dropout :math:`y = m a/(1 - p)` keeps the mean, multiplies the second moment by
    :math:`1/(1 - p)`, and so the next layer's variance; :math:`(1 - p)` times the rule restores it."""
    d = Builder("dropout-variance",
                Text("Inverted dropout: the mean is kept, the second moment grows",
                     "Dropout đảo: kỳ vọng giữ nguyên, mômen bậc hai tăng"),
                (BERNOULLI, MASK_INDEPENDENT, DROPPED_LAYER, ZERO_MEAN_W, ZERO_BIAS),
                Model(random=(mask, a, w, b),
                      definitions={y: mask * a / (1 - p), z_next: sp.Sum(W[i] * M[i] * A[i], (i, 1, n)) / (1 - p) + b}))
    d.step(Mean(y), Mean(mask * a / (1 - p)), "definition", "inverted dropout: $y = m a/(1 - p)$",
           "dropout đảo: $y = m a/(1 - p)$")
    d.then(Mean(mask) * Mean(a) / (1 - p), "independence", "the mask is independent of $a$",
           "mặt nạ độc lập với $a$", (MASK_INDEPENDENT,))
    d.then(Mean(a), "Bernoulli mask", "$E[m] = 1 - p$", "$E[m] = 1 - p$", (MASK_INDEPENDENT, BERNOULLI))
    d.result("mean")
    d.step(Mean(y**2), Mean(mask**2) * Mean(a**2) / (1 - p) ** 2, "independence",
           "square, then factor the independent mask", "bình phương rồi tách mặt nạ độc lập", (MASK_INDEPENDENT,))
    d.then(Mean(a**2) / (1 - p), "Bernoulli mask", "$E[m^2] = E[m] = 1 - p$ for $m \\in \\{0, 1\\}$",
                    "$E[m^2] = E[m] = 1 - p$ vì $m \\in \\{0, 1\\}$", (MASK_INDEPENDENT, BERNOULLI))
    moment = d.last
    d.result("second-moment")
    d.step(Var(z_next), n * Var(w) * Mean(mask**2) * Mean(a**2) / (1 - p) ** 2, "layer-variance",
           "the next layer sums $n$ i.i.d. products $w_i m_i a_i/(1 - p)$", "lớp sau là tổng của $n$ tích i.i.d. "
           "$w_i m_i a_i/(1 - p)$", (DROPPED_LAYER, ZERO_MEAN_W, ZERO_BIAS))
    d.then(n * Var(w) * moment.rhs, "Bernoulli mask", "$E[m^2] = 1 - p$: the layer sees $E[y^2]$",
           "$E[m^2] = 1 - p$: lớp sau nhận $E[y^2]$", (DROPPED_LAYER, ZERO_MEAN_W, ZERO_BIAS, BERNOULLI))
    d.result("next-layer")
    return d.build(main="second-moment")


stream, branch, after = sp.symbols("x_l f_l x_{l+1}")
alpha, gain, depth, growth = sp.symbols("alpha c L G_L", positive=True)
BRANCH_INDEPENDENT = independent("independent-branch", "the branch's output is uncorrelated with the stream",
                                 "đầu ra của nhánh không tương quan với dòng chính", (branch,), (stream,))
ZERO_MEAN_BRANCH = zero_mean(branch, "branch outputs", "đầu ra của nhánh")
BRANCH_GAIN = Assumption("branch-gain", Text("the branch multiplies the variance by a gain c",
                                             "nhánh nhân phương sai lên c lần"),
                         ((Var(branch), gain * Var(stream)),))


@register("residual-variance")
def residual_variance() -> Derivation:
    r""":math:`x_{l+1} = x_l + \alpha f(x_l)` multiplies the variance by :math:`1 + \alpha^2 c` per block, so
    :math:`(1 + \alpha^2 c)^L` over :math:`L` blocks: exponential for :math:`\alpha = 1`, bounded by
    :math:`e^c` for :math:`\alpha = 1/\sqrt{L}`."""
    d = Builder("residual-variance",
                Text("The variance of a residual stream", "Phương sai của dòng residual"),
                (BRANCH_INDEPENDENT, ZERO_MEAN_BRANCH, BRANCH_GAIN),
                Model(random=(stream, branch), definitions={after: stream + alpha * branch}))
    d.step(Var(after), Var(stream + alpha * branch), "definition", "a block adds its scaled branch to the stream",
           "mỗi khối cộng nhánh đã nhân tỉ lệ vào dòng chính")
    d.then(Var(stream) + alpha**2 * Var(branch), "independence", "uncorrelated terms: the variances add",
           "các số hạng không tương quan: phương sai cộng lại", (BRANCH_INDEPENDENT,))
    d.then((1 + alpha**2 * gain) * Var(stream), "branch gain", "$\\operatorname{Var}(f_l) = c "
           "\\operatorname{Var}(x_l)$", "$\\operatorname{Var}(f_l) = c \\operatorname{Var}(x_l)$",
           (BRANCH_INDEPENDENT, BRANCH_GAIN))
    d.result("block")
    total = d.solve(sp.Eq(growth, (1 + alpha**2 * gain) ** depth), growth, "definition",
                    "$L$ blocks multiply the variance $L$ times: "
                    "$G_L = \\operatorname{Var}(x_L)/\\operatorname{Var}(x_0)$",
                    "$L$ khối nhân phương sai $L$ lần: $G_L = \\operatorname{Var}(x_L)/\\operatorname{Var}(x_0)$",
                    defines=True)
    d.result("growth")
    d.step(sp.Limit(total.subs(alpha, 1 / sp.sqrt(depth)), depth, sp.oo), sp.exp(gain), "limit",
           "with $\\alpha = 1/\\sqrt{L}$: $(1 + c/L)^L \\to e^c$",
           "với $\\alpha = 1/\\sqrt{L}$: $(1 + c/L)^L \\to e^c$")
    d.result("bounded")
    return d.build(main="block")


branch_scale, rate, size = sp.symbols("lambda eta |x|^2", positive=True)
layers_per_branch = sp.Symbol("m", positive=True, integer=True)
change, branch_change = sp.symbols("Delta Delta_b")
STEP_CHANGE = sp.Sum(branch_scale ** (2 * (layers_per_branch - i)) * branch_scale ** (2 * (i - 1)),
                     (i, 1, layers_per_branch))
"""What one gradient step of unit rate does to a branch's output, layer by layer: the layers above layer i
carry the gradient down (gain lambda^2 each), those below carry the input up (lambda^2 each)."""
HOMOGENEOUS_BRANCH = described(
    "homogeneous-branch",
    "each residual branch is a chain of m >= 2 linear or positively homogeneous layers whose weights are scaled by "
    "lambda from a variance-preserving start, so each layer multiplies a squared norm by lambda^2, forward and "
    "backward; the branches are small at initialisation, so each sees the block's input and their changes add",
    "mỗi nhánh residual là chuỗi m >= 2 lớp tuyến tính hoặc thuần nhất dương, trọng số được nhân lambda so với "
    "khởi tạo giữ phương sai, nên mỗi lớp nhân bình phương chuẩn lên lambda^2, cả lan truyền tiến lẫn ngược; "
    "lúc khởi tạo các nhánh nhỏ nên mỗi nhánh nhận đầu vào của khối và thay đổi của chúng cộng lại")
FIRST_ORDER = described(
    "first-order-step",
    "a gradient step of rate eta changes the output, to first order, by eta times the squared norm of the "
    "output's gradient with respect to the weights",
    "một bước gradient với tốc độ eta làm đầu ra thay đổi, ở bậc một, eta lần bình phương chuẩn gradient của đầu "
    "ra theo trọng số")
DEPTH_FREE = goal("depth-free-update", "the goal: one step changes the output as much as one unscaled branch would, "
                  "whatever the number of branches",
                  "mục tiêu: một bước làm đầu ra thay đổi bằng một nhánh chưa nhân tỉ lệ, dù có bao nhiêu nhánh",
                  (change, rate * layers_per_branch * size))


@register("fixup-scale")
def fixup_scale() -> Derivation:
    r"""Fixup (Zhang, Dauphin and Ma, 2019): with :math:`L` residual branches of :math:`m` layers, each
    layer scaled by :math:`\lambda`, one gradient step changes the output by
    :math:`\eta L m \lambda^{2m-2} |x|^2`; keeping that independent of :math:`L` gives
    :math:`\lambda = L^{-1/(2m-2)}`."""
    d = Builder("fixup-scale",
                Text("Fixup: the branch scale that makes an update independent of depth",
                     "Fixup: tỉ lệ nhánh làm bước cập nhật không phụ thuộc độ sâu"),
                (HOMOGENEOUS_BRANCH, FIRST_ORDER, DEPTH_FREE),
                Model(definitions={branch_change: rate * STEP_CHANGE * size, change: depth * branch_change}))
    d.step(branch_change, rate * STEP_CHANGE * size, "definition",
           "one step of one branch: for layer $i$, the $m - i$ layers above scale the gradient by "
           "$\\lambda^{2(m-i)}$ and the $i - 1$ below scale the input by $\\lambda^{2(i-1)}$",
           "một bước của một nhánh: với lớp $i$, $m - i$ lớp phía trên nhân gradient với $\\lambda^{2(m-i)}$ và "
           "$i - 1$ lớp phía dưới nhân đầu vào với $\\lambda^{2(i-1)}$", (HOMOGENEOUS_BRANCH, FIRST_ORDER))
    d.then(rate * layers_per_branch * branch_scale ** (2 * layers_per_branch - 2) * size, "summation",
           "every layer contributes the same $\\lambda^{2m-2}$", "mọi lớp đóng góp cùng $\\lambda^{2m-2}$")
    one = d.last
    d.result("branch-change")
    d.step(change, depth * one.rhs, "sum over branches", "the $L$ branches' changes add",
           "thay đổi của $L$ nhánh cộng lại", (HOMOGENEOUS_BRANCH,), using=(one,))
    total = d.last.rhs
    d.result("total-change")
    d.require(change, rate * layers_per_branch * size, "as much as one unscaled branch, at any depth",
              "bằng một nhánh chưa nhân tỉ lệ, ở mọi độ sâu", (DEPTH_FREE,))
    condition = d.solved(sp.Eq(depth * branch_scale ** (2 * layers_per_branch - 2), 1),
                         sp.Eq(rate * layers_per_branch * size, total), branch_scale, "cancel",
                         "divide by $\\eta m |x|^2$", "chia cho $\\eta m |x|^2$")
    d.solve(condition, branch_scale, "solve", "the positive root", "nghiệm dương")
    d.result("branch-scale")
    return d.build(main="branch-scale")


residual_weight, sublayer_scale, balance = alpha, sp.Symbol("beta", positive=True), sp.Symbol("B", positive=True)
sublayers = sp.Symbol("K", positive=True, integer=True)
DEEPNORM_STEP = STEP_CHANGE.subs({branch_scale: sublayer_scale, layers_per_branch: 2}) / residual_weight**2
"""One step of one DeepNorm sub-layer: a branch of two layers scaled by beta, read through LN(alpha x + G)."""
DEEPNORM = described(
    "deepnorm-sublayer",
    "each of the K sub-layers is x_{l+1} = LN(alpha x_l + G(x_l)) with x_l of unit mean square, and G is two "
    "linear layers (the value and output projections, or the feed-forward pair) whose weights are scaled by beta "
    "from a variance-preserving start; at initialisation G is small next to alpha x_l, so a sub-layer is "
    "x_l + G(x_l)/alpha to first order, the stream carries gradients with gain 1 and the sub-layers' changes add",
    "mỗi lớp con trong K lớp con là x_{l+1} = LN(alpha x_l + G(x_l)) với x_l có bình phương trung bình 1, và G "
    "là hai lớp tuyến tính (phép chiếu value và phép chiếu đầu ra, hoặc cặp feed-forward) có trọng số nhân beta "
    "so với khởi tạo giữ phương sai; lúc khởi tạo G nhỏ so với alpha x_l nên lớp con là x_l + G(x_l)/alpha ở "
    "bậc một, dòng chính truyền gradient với hệ số 1 và thay đổi của các lớp con cộng lại")
DEEPNET_GOAL = goal(
    "deepnet-goal", "the goal: one step changes the output by eta |x|^2, whatever the number of sub-layers; that "
    "fixes only beta/alpha, and DeepNet adds the balance B = 2 alpha^2 beta^2 = 1: its constants for encoders, "
    "decoder-only models and the decoder of an encoder-decoder model satisfy it exactly, its rounded ones for the "
    "encoder of an encoder-decoder model (0.81 and 0.87) give B = 0.993",
    "mục tiêu: một bước làm đầu ra thay đổi eta |x|^2, dù có bao nhiêu lớp con; điều đó chỉ cố định beta/alpha, "
    "và DeepNet thêm cân bằng B = 2 alpha^2 beta^2 = 1: các hằng số của nó cho encoder, mô hình chỉ có decoder và "
    "decoder của mô hình encoder-decoder thỏa đúng, các hằng số đã làm tròn cho encoder của mô hình "
    "encoder-decoder (0,81 và 0,87) cho B = 0,993", (change, rate * size), (balance, 1))


@register("deepnet-scale")
def deepnet_scale() -> Derivation:
    r"""DeepNet (Wang et al., 2022): with :math:`K` Post-LN sub-layers
    :math:`x_{l+1} = \mathrm{LN}(\alpha x_l + G(x_l))`, each branch of two layers scaled by :math:`\beta`, one
    gradient step changes the output by :math:`\eta K 2\beta^2/\alpha^2 |x|^2`; a depth-free step needs
    :math:`\beta = \alpha/\sqrt{2K}`, and DeepNet's balance :math:`2\alpha^2\beta^2 = 1` gives
    :math:`\alpha = K^{1/4}`, :math:`\beta = (4K)^{-1/4}`: :math:`(2N)^{1/4}` and :math:`(8N)^{-1/4}` for an
    encoder (or a decoder-only model) of :math:`N` layers (:math:`K = 2N`), :math:`(3M)^{1/4}` and
    :math:`(12M)^{-1/4}` for the decoder of an encoder-decoder model (:math:`K = 3M`, with cross-attention)."""
    d = Builder("deepnet-scale",
                Text("DeepNet: the residual weight and branch scale that bound a Post-LN update",
                     "DeepNet: trọng số residual và tỉ lệ nhánh giữ bước cập nhật của Post-LN"),
                (DEEPNORM, FIRST_ORDER, DEEPNET_GOAL),
                Model(definitions={branch_change: rate * DEEPNORM_STEP * size, change: sublayers * branch_change,
                                   balance: 2 * residual_weight**2 * sublayer_scale**2}))
    d.step(branch_change, rate * DEEPNORM_STEP * size, "definition",
           "one step of one sub-layer: Fixup's count for a branch of two layers scaled by $\\beta$, divided by "
           "$\\alpha^2$ because LN divides the sum $\\alpha x_l + G$ by its scale $\\alpha$",
           "một bước của một lớp con: cách đếm của Fixup cho nhánh hai lớp nhân $\\beta$, chia cho $\\alpha^2$ vì "
           "LN chia tổng $\\alpha x_l + G$ cho độ lớn $\\alpha$ của nó", (DEEPNORM, FIRST_ORDER))
    d.then(2 * rate * sublayer_scale**2 * size / residual_weight**2, "summation",
           "each of the two layers contributes $\\beta^2$", "mỗi lớp trong hai lớp đóng góp $\\beta^2$")
    one = d.last
    d.result("sublayer-change")
    d.step(change, sublayers * one.rhs, "sum over sub-layers", "the $K$ sub-layers' changes add",
           "thay đổi của $K$ lớp con cộng lại", (DEEPNORM,), using=(one,))
    total = d.last.rhs
    d.result("total-change")
    d.require(change, rate * size, "$\\eta |x|^2$ at any depth", "$\\eta |x|^2$ ở mọi độ sâu", (DEEPNET_GOAL,))
    condition = d.solved(sp.Eq(2 * sublayers * sublayer_scale**2, residual_weight**2), sp.Eq(rate * size, total),
                         sublayer_scale, "cancel", "divide by $\\eta |x|^2$", "chia cho $\\eta |x|^2$")
    ratio = d.solve(condition, sublayer_scale, "solve", "the positive root: the goal fixes $\\beta/\\alpha$ only",
                    "nghiệm dương: mục tiêu chỉ cố định $\\beta/\\alpha$")
    scale = d.last
    d.result("branch-ratio")
    d.step(balance, 2 * residual_weight**2 * sublayer_scale**2, "definition", "DeepNet's balance",
           "cân bằng của DeepNet", (DEEPNET_GOAL,))
    d.step(2 * residual_weight**2 * sublayer_scale**2, 2 * residual_weight**2 * ratio**2, "substitution",
           "with $\\beta = \\alpha/\\sqrt{2K}$", "với $\\beta = \\alpha/\\sqrt{2K}$", using=(scale,))
    d.require(balance, 1, "$B = 1$", "$B = 1$", (DEEPNET_GOAL,))
    weight = d.solve(sp.Eq(2 * residual_weight**2 * ratio**2, 1), residual_weight, "solve",
                     "the positive root; an encoder of $N$ layers has $K = 2N$ sub-layers (attention and "
                     "feed-forward): $\\alpha = (2N)^{1/4}$; the decoder of an encoder-decoder model $K = 3M$ "
                     "(with cross-attention)",
                     "nghiệm dương; encoder $N$ lớp có $K = 2N$ lớp con (attention và feed-forward): "
                     "$\\alpha = (2N)^{1/4}$; decoder của mô hình encoder-decoder có $K = 3M$ (thêm cross-attention)")
    d.result("residual-weight")
    d.step(sublayer_scale, ratio.subs(residual_weight, weight), "substitution",
           "$\\beta = \\alpha/\\sqrt{2K}$ with $\\alpha = K^{1/4}$: $(8N)^{-1/4}$ for $K = 2N$, $(12M)^{-1/4}$ "
           "for $K = 3M$", "$\\beta = \\alpha/\\sqrt{2K}$ với $\\alpha = K^{1/4}$: $(8N)^{-1/4}$ khi $K = 2N$, "
           "$(12M)^{-1/4}$ khi $K = 3M$", using=(scale, d.last))
    d.result("branch-scale")
    return d.build(main="branch-scale")
