"""The catalogue of derivations; importing it registers each one, in this order."""

from . import activations, distributions, gradients, rules, series, variance  # noqa: F401
