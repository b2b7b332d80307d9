"""Handout build time split into derive, verify, figures (and rendering) and TeX.

Each format is built twice, each time in a fresh interpreter, into a temporary folder: cold (an
empty cache, so every step is proved and every check run again) and warm (the cache the cold build
left: checked derivations and verification outcomes are reused). Prints both and their ratio,
measured in the same run. Targets on a 2-core machine: HTML under 30 s warm, PDF under 90 s cold.
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


def _build(work: str, fmt: str, lang: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, f"{work}/handout.{fmt}", lang, fmt],
                         check=True, capture_output=True, text=True,
                         env=os.environ | {"INITPROOF_CACHE_DIR": f"{work}/cache"}).stdout
    return json.loads(out)


def main() -> None:
    for fmt, lang in (("html", "en"), ("pdf", "en"), ("pdf", "vi")):
        with tempfile.TemporaryDirectory() as work:
            cold, warm = _build(work, fmt, lang), _build(work, fmt, lang)
        for name, stages in (("cold", cold), ("warm", warm)):
            split = "  ".join(f"{k} {v:5.1f} s" for k, v in stages.items() if k != "total")
            print(f"{fmt:4s} {lang} {name}: {split}  | total {stages['total']:5.1f} s")
        print(f"{fmt:4s} {lang}: warm / cold = {warm['total'] / cold['total']:.2f}")


if __name__ == "__main__":
    main()
