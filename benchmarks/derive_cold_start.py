"""Cold-start time to get every checked derivation, against `import sympy`.

All are measured in fresh interpreters in the same run (median of --repeat runs):
``import sympy``; building and proving every derivation in one process with the
cache of checked derivations turned off; proving them into an empty cache (in
parallel, one process per core); and a fresh process that finds them in that warm
cache. The figures of merit are
the ratios to the sympy import. Target: at most 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

IMPORT_SYMPY = "import sympy"
BUILD_ALL = "import derive; derive.all_derivations()"


def wall_time(code: str, **environment: str) -> float:
    """Seconds for a fresh ``python -c code`` with ``environment`` added."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ | environment)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cached = {"INITPROOF_CACHE_DIR": directory}
        sympy = statistics.median(wall_time(IMPORT_SYMPY) for _ in range(args.repeat))
        build = statistics.median(wall_time(BUILD_ALL, INITPROOF_CACHE="off") for _ in range(args.repeat))
        empty = wall_time(BUILD_ALL, **cached)
        warm = statistics.median(wall_time(BUILD_ALL, **cached) for _ in range(args.repeat))
    print(f"import sympy:                          {sympy:6.2f} s")
    print(f"build and prove all, no cache:         {build:6.2f} s   ratio {build / sympy:6.2f}")
    print(f"prove all into an empty cache:         {empty:6.2f} s   ratio {empty / sympy:6.2f}")
    print(f"all checked derivations, warm cache:   {warm:6.2f} s   ratio {warm / sympy:6.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
