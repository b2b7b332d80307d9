"""Symbolic derivations of weight-initialisation rules, each step checked by sympy."""

import sys

from . import library, render  # noqa: F401  (importing the library registers the catalogue)
from .assumptions import Assumption
from .derivation import Builder, Derivation, DerivationError, Result
from .registry import UnknownDerivation, all_derivations, get, ids, result
from .steps import Proof, Step
from .text import Text

__all__ = ["Assumption", "Builder", "Derivation", "DerivationError", "Proof", "Result", "Step",
           "Text", "UnknownDerivation", "all_derivations", "get", "ids", "result"]


def _register_display() -> None:
    """In Jupyter and Colab a derivation shows itself as LaTeX (an ``aligned`` block): the
    renderer is registered with IPython's formatter here, so that the derivation module need not
    import its renderer."""
    ipython = sys.modules.get("IPython")  # a running shell has imported it; importing it here would cost 0.05 s
    shell = ipython and ipython.get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/latex"].for_type(Derivation, render.latex_display)


_register_display()
