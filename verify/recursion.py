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
computed on each half-line separately (so kinks at 0 cost no accuracy) by a
composite 16-point Gauss-Legendre rule on 40 panels of :math:`[0, 12]`; the
Gaussian tail beyond 12 weighs less than 1e-32. For the catalogue activations
this agrees with adaptive quadrature (:func:`scipy.integrate.quad`) to 1e-12,
at one vectorised evaluation of 640 points per half-line.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

Function = Callable[[np.ndarray], np.ndarray]


def _half_line_rule(order: int = 16, panels: int = 40, end: float = 12.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes on ``[0, end]`` and weights that include the standard normal density."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(0.0, end, panels + 1)
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    points = (middle[:, None] + half[:, None] * nodes).ravel()
    return points, (half[:, None] * weights).ravel() * stats.norm.pdf(points)


_POINTS, _WEIGHTS = _half_line_rule()


def gaussian_expectation(f: Function, q: float) -> float:
    r""":math:`E[f(\sqrt{q}\,\xi)]` for :math:`\xi \sim N(0, 1)`."""
    scale = np.sqrt(q)
    return float(_WEIGHTS @ (f(scale * _POINTS) + f(-scale * _POINTS)))


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
