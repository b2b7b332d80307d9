"""initproof as installed: its modules byte-compiled, as ``pip install`` does.

An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as on these machines) compiles every module
from source at each start, 0.1 s that no installed copy pays; the benchmarks that time whole processes
compile them once first.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def compile_package() -> None:
    """Write the bytecode of initproof's modules (``initproof``, ``initproof.derive``, ``initproof.verify``)."""
    import initproof
    import initproof.derive
    import initproof.verify

    saved = os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        for package in (initproof, initproof.derive, initproof.verify):
            compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    finally:
        if saved is not None:
            os.environ["PYTHONDONTWRITEBYTECODE"] = saved
