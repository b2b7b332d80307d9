"""Activation functions that sympy lacks, as sympy functions.

``sigmoid`` stays a named function in printed derivations (``\\sigma(z)``) and
unfolds to ``1/(1 + exp(-z))`` for checking, series and numerics.
ReLU is ``Max(0, z)``, whose derivative sympy gives as ``Heaviside(z)``.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801  (named like sympy's own functions)
    r"""The logistic sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})`.

    Its derivative is :math:`\sigma(z)(1 - \sigma(z))` and :math:`\sigma(0) = 1/2`.
    """

    @classmethod
    def eval(cls, arg):  # noqa: D102
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:  # noqa: D102
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_as_leading_term(self, x, logx=None, cdir=0):
        return self.rewrite(sp.exp).as_leading_term(x, logx=logx, cdir=cdir)

    def _eval_nseries(self, x, n, logx, cdir=0):
        return self.rewrite(sp.exp)._eval_nseries(x, n, logx, cdir)

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp: str | None = None) -> str:
        tex = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else f"{tex}^{{{exp}}}"


def relu(arg: sp.Expr) -> sp.Expr:
    """ReLU as sympy's ``Max(0, arg)``."""
    return sp.Max(0, arg)


def unfold(expr: sp.Expr) -> sp.Expr:
    """Replace every ``sigmoid(u)`` in ``expr`` by ``1/(1 + exp(-u))``."""
    return expr.replace(sigmoid, lambda arg: 1 / (1 + sp.exp(-arg)))
