"""The catalogue of derivations; importing it registers each one, in this order."""

from . import distributions, variance, series, activations, rules, gradients  # noqa: F401
