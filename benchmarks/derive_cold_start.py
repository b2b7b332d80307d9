"""Cold-start time to get every checked derivation, against `import sympy`.

All are measured in fresh interpreters in the same run (median of --repeat runs):
``import sympy``; building and proving every derivation in one process with the
cache of checked derivations turned off; proving them into an empty cache (in
parallel, one process per core); a fresh process that finds them in that warm
cache; and a new user's first ``initproof derive he-relu`` (empty cache: it proves
he-relu and the derivations it draws on) and the same command again. The figures of
merit are the ratios to the sympy import. Target: at most 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from installed import compile_package

IMPORT_SYMPY = ("-c", "import sympy")
BUILD_ALL = ("-c", "import derive; derive.all_derivations()")
DERIVE_HE_RELU = ("-m", "initproof", "derive", "he-relu")


def wall_time(arguments: tuple[str, ...], **environment: str) -> float:
    """Seconds for a fresh ``python *arguments`` with ``environment`` added."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, env=os.environ | environment,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def first_command(repeat: int) -> tuple[float, float]:
    """Median seconds of ``initproof derive he-relu`` with an empty cache, and run again."""
    first, again = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as directory:
            first.append(wall_time(DERIVE_HE_RELU, INITPROOF_CACHE_DIR=directory))
            again.append(wall_time(DERIVE_HE_RELU, INITPROOF_CACHE_DIR=directory))
    return statistics.median(first), statistics.median(again)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_package()
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
    first, again = first_command(args.repeat)
    print(f"first 'initproof derive he-relu':      {first:6.2f} s   ratio {first / sympy:6.2f}")
    print(f"'initproof derive he-relu' again:      {again:6.2f} s   ratio {again / sympy:6.2f}")


if __name__ == "__main__":
    main()
