"""Handout build time split into derive, verify, figures (and rendering) and TeX.

Each format is built in a fresh interpreter with an empty cache of checked
derivations (so every step is proved again), into a temporary folder. Targets on a
2-core machine: HTML under 30 s, PDF under 90 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CHILD = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from initproof.handout.build import Timings, build
timings = Timings()
timings.stages["import"] = time.perf_counter() - start
build(Path(sys.argv[1]), sys.argv[2], sys.argv[3], timings=timings)
timings.stages["total"] = time.perf_counter() - start
print(json.dumps(timings.stages))
"""


def main() -> None:
    targets = {"html": 30.0, "pdf": 90.0}
    for fmt, lang in (("html", "en"), ("pdf", "en"), ("pdf", "vi")):
        with tempfile.TemporaryDirectory() as work:
            out = subprocess.run([sys.executable, "-c", CHILD, f"{work}/handout.{fmt}", lang, fmt],
                                 check=True, capture_output=True, text=True,
                                 env=os.environ | {"INITPROOF_CACHE_DIR": f"{work}/cache"}).stdout
        stages = json.loads(out)
        split = "  ".join(f"{k} {v:5.1f} s" for k, v in stages.items() if k != "total")
        print(f"{fmt:4s} {lang}: {split}  | total {stages['total']:5.1f} s (target < {targets[fmt]:g} s)")


if __name__ == "__main__":
    main()
