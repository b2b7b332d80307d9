"""Monte Carlo verification of the formulas that :mod:`derive` produces."""
