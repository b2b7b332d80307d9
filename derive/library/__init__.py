"""The catalogue of derivations; importing it registers each one.

``MODULES`` fixes the catalogue order (moments first, then series, then the rules),
independently of how imports are sorted.
"""

from importlib import import_module

MODULES = ("distributions", "variance", "series", "derivatives", "rules", "gradients", "constants", "gains",
           "chaos", "layers", "normalisation", "statistics", "foundations")

for _module in MODULES:
    import_module(f"{__name__}.{_module}")
