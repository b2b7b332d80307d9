"""Cold-start time to build and check every derivation, against `import sympy`.

Both are measured in fresh interpreters in the same run (median of --repeat runs);
the figure of merit is the ratio. Target: at most 3.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

IMPORT_SYMPY = "import sympy"
BUILD_ALL = "import derive; derive.all_derivations()"


def wall_time(code: str) -> float:
    """Seconds for a fresh ``python -c code``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sympy = statistics.median(wall_time(IMPORT_SYMPY) for _ in range(args.repeat))
    build = statistics.median(wall_time(BUILD_ALL) for _ in range(args.repeat))
    print(f"import sympy:              {sympy:6.2f} s")
    print(f"build all derivations:     {build:6.2f} s (includes import)")
    print(f"ratio build / import:      {build / sympy:6.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
