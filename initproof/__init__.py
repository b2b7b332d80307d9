"""initproof: derive weight-initialisation rules symbolically and verify them empirically.

``initproof.derive`` and ``initproof.verify`` are the repository's top-level ``derive/`` and
``verify/`` folders, installed inside this package. Run from a source checkout (its folder on
``sys.path``, as ``python -m`` puts it), this package finds them beside itself.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

_CHECKOUT = _Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "derive" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))


def inspect(model, example_input, **options):
    """Per-layer forward and gradient mean squares of a PyTorch model, predicted and measured.

    ``model`` is an ``nn.Module`` or a function that builds one (each replicate is then a fresh
    initialisation); ``example_input`` a batch or an input shape (Gaussian inputs). ``options``:
    ``replicates``, ``seed``, ``device``, ``factor``. Returns an
    :class:`initproof.verify.inspection.Inspection`: its ``rows``, ``audits``, ``kept`` verdict and the
    ``fix`` (Python source of ``reinitialise(model)``). Needs torch."""
    from initproof.verify.inspection import inspect as run

    return run(model, example_input, **options)
