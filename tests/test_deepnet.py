"""DeepNet's constants in a real Post-LN stack: LayerNorm, two linear layers per sub-layer, exact backward pass.

The derivation reads a sub-layer as ``x + G(x)/alpha``, first order in a small branch; the stack here keeps
LayerNorm and every term, so it tests that reading as well as the algebra.
"""

from __future__ import annotations

import numpy as np
import pytest

from initproof.derive.library.layers import sublayers
from initproof.verify.numeric import derived


def _normalised(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centred = u - u.mean(-1, keepdims=True)
    scale = np.sqrt((centred**2).mean(-1, keepdims=True))
    return centred / scale, scale


def post_ln_step(rng: np.random.Generator, count: int, width: int, networks: int, alpha: float,
                 beta: float) -> np.ndarray:
    r"""Per network, :math:`\sum_w (\partial y_1/\partial w)^2 / (|x|^2/\mathrm{width})` for the first output of
    ``count`` sub-layers :math:`x \mapsto \mathrm{LN}(\alpha x + W_o W_v x)`, weights
    :math:`N(0, \beta^2/\mathrm{width})`: what one gradient step of unit rate moves that output by, over
    :math:`\eta |x|^2` with :math:`|x|^2` per coordinate."""
    x, _ = _normalised(rng.standard_normal((networks, width)))
    tape = []
    for _ in range(count):
        wv, wo = beta / np.sqrt(width) * rng.standard_normal((2, networks, width, width))
        h = np.einsum("rij,rj->ri", wv, x)
        y, scale = _normalised(alpha * x + np.einsum("rij,rj->ri", wo, h))
        tape.append((x, wv, wo, h, y, scale))
        x = y
    grad = np.zeros((networks, width))
    grad[:, 0] = 1.0
    total = np.zeros(networks)
    for x, wv, wo, h, y, scale in reversed(tape):
        du = (grad - grad.mean(-1, keepdims=True) - y * (grad * y).mean(-1, keepdims=True)) / scale
        dh = np.einsum("rij,ri->rj", wo, du)
        total += (du**2).sum(-1) * (h**2).sum(-1) + (dh**2).sum(-1) * (x**2).sum(-1)
        grad = alpha * du + np.einsum("rij,ri->rj", wv, dh)
    return total / width


@pytest.mark.parametrize("layers", [3, 12])
def test_deepnets_constants_keep_a_real_post_ln_step_at_its_derived_size(layers: int) -> None:
    """Measured within 5% of the derived eta |x|^2 at 3 and 12 layers (LayerNorm's projection costs 2/width,
    the branch's own size beta^4/alpha^2 per sub-layer); vanilla Post-LN's step grows with depth."""
    shape = {sublayers: 2 * layers}
    alpha, beta = (derived("deepnet-scale", name, shape) for name in ("residual-weight", "branch-scale"))
    assert alpha == pytest.approx((2 * layers) ** 0.25, rel=1e-12)  # DeepNet's published encoder constants
    assert beta == pytest.approx((8 * layers) ** -0.25, rel=1e-12)
    rng = np.random.default_rng(layers)
    measured = post_ln_step(rng, 2 * layers, 128, 48, alpha, beta)
    error = measured.std(ddof=1) / np.sqrt(measured.size)
    assert abs(measured.mean() - 1) < 0.05 and error < 0.01
    vanilla = post_ln_step(rng, 2 * layers, 128, 8, 1.0, 1.0).mean()
    assert vanilla > layers  # grows with the number of sub-layers
    assert post_ln_step(rng, 2 * layers, 128, 24, alpha, (2 * layers) ** -0.25).mean() > 1.3  # beta = K^(-1/4)
