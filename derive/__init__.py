"""Symbolic derivations of weight-initialisation rules, each step checked by sympy."""

from .assumptions import Assumption
from .derivation import Builder, Derivation, DerivationError, Result
from .registry import UnknownDerivation, all_derivations, get, ids
from .steps import Proof, Step
from .text import Text

__all__ = ["Assumption", "Builder", "Derivation", "DerivationError", "Proof", "Result", "Step",
           "Text", "UnknownDerivation", "all_derivations", "get", "ids"]
