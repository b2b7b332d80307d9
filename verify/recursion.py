r"""The exact infinite-width variance recursion, by quadrature.

For a layer with weight variance :math:`\operatorname{Var}(w)`, fan-in ``n``
and bias variance :math:`\sigma_b^2`, with Gaussian pre-activations
:math:`z_l \sim N(0, q_l)`:

.. math::
    q_1 = n \operatorname{Var}(w)\, q_0 + \sigma_b^2, \qquad
    q_{l+1} = n \operatorname{Var}(w)\, E[\phi(\sqrt{q_l}\,\xi)^2] + \sigma_b^2,

and the variance of the gradient with respect to the activations of layer
``l - 1`` is :math:`G_{l-1} = m \operatorname{Var}(w)\, E[\phi'(\sqrt{q_l}\,\xi)^2]\, G_l`
with :math:`G_L = 1`, :math:`\xi \sim N(0, 1)`. The expectations are
computed by :func:`scipy.integrate.quad` on each half-line (so kinks at 0 are
handled), to an absolute error of about 1e-12.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import integrate, stats

Function = Callable[[np.ndarray], np.ndarray]


def gaussian_expectation(f: Function, q: float) -> float:
    r""":math:`E[f(\sqrt{q}\,\xi)]` for :math:`\xi \sim N(0, 1)`."""
    scale = np.sqrt(q)

    def integrand(x: float) -> float:
        return float(f(np.asarray(scale * x))) * stats.norm.pdf(x)

    left = integrate.quad(integrand, -np.inf, 0, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    right = integrate.quad(integrand, 0, np.inf, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    return left + right


def predict(phi: Function, dphi: Function, gain: float, depth: int, q0: float = 1.0,
            bias_var: float = 0.0, backward_gain: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Predicted ``(q_l, G_{l-1})`` for ``l = 1..depth``.

    ``gain`` is :math:`n \\operatorname{Var}(w)`; ``backward_gain`` is
    :math:`m \\operatorname{Var}(w)` (default: ``gain``, square layers).
    """
    backward_gain = gain if backward_gain is None else backward_gain
    forward = np.empty(depth)
    forward[0] = gain * q0 + bias_var
    for layer in range(1, depth):
        forward[layer] = gain * gaussian_expectation(lambda u: phi(u) ** 2, forward[layer - 1]) + bias_var
    factors = [backward_gain * gaussian_expectation(lambda u: dphi(u) ** 2, q) for q in forward]
    backward = np.cumprod(factors[::-1])[::-1]
    return forward, backward
