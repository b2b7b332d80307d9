"""Where the time of ``initproof verify --activation relu --var-w 2/n --depth 20`` goes, phase by phase.

Each run is a fresh interpreter (imports are cold, the cache of checked derivations is warm, as after a
first run) that times, in the order the command takes them: importing sympy, the rest of the command
line, the verification modules (numpy among them), parsing the rule, the exact-gain derivation,
the cost estimate, the simulation (drawing and products, on every core), the predictions and
intervals, and the output. Prints the median of each phase over the runs and its share of the whole.

    python benchmarks/verify_phases.py [--repeat 5] [--activation relu --var-w 2/n --depth 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from installed import compile_package

PHASES = """
import json, sys, time
marks = [("start", time.perf_counter())]
def mark(name):
    marks.append((name, time.perf_counter()))
import sympy
mark("import sympy")
from initproof import cli
mark("import the command line")
from initproof.verify import checks, report, rule
mark("import verify (numpy)")
measure = checks.measure_networks
def timed_measure(*args, **kwargs):
    mark("before the simulation")
    out = measure(*args, **kwargs)
    mark("simulation")
    return out
checks.measure_networks = timed_measure
activation, var_w, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
act = cli._activation(activation)
check = rule.rule_check(act, var_w, 256, depth)
mark("parse the rule")
cli._exact_gain(act)
mark("exact-gain derivation")
rule.afford(check)
mark("cost estimate")
result = rule.run_rule(check, 0)
mark("predictions and intervals")
text = report.layer_table(result)
mark("output")
durations = {}
for (_, before), (name, after) in zip(marks, marks[1:]):
    durations[name] = durations.get(name, 0.0) + after - before
print(json.dumps(durations))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--var-w", default="2/n")
    parser.add_argument("--depth", type=int, default=20)
    args = parser.parse_args()
    compile_package()
    runs = [json.loads(subprocess.run([sys.executable, "-c", PHASES, args.activation, args.var_w, str(args.depth)],
                                      check=True, capture_output=True, text=True).stdout)
            for _ in range(args.repeat)]
    medians = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    whole = sum(medians.values())
    print(f"verify --activation {args.activation} --var-w {args.var_w} --depth {args.depth} "
          f"(median of {args.repeat} fresh processes, warm derivation cache)")
    for name, seconds in medians.items():
        print(f"  {name:34s} {seconds:6.3f} s  {100 * seconds / whole:5.1f}%")
    print(f"  {'whole (in process)':34s} {whole:6.3f} s")


if __name__ == "__main__":
    main()
