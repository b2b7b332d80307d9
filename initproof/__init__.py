"""initproof: derive weight-initialisation rules symbolically and verify them empirically."""

__version__ = "0.1.0"
