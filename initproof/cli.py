"""The ``initproof`` command line: a thin layer over :mod:`derive` and :mod:`verify`.

Errors in the user's input print one line on stderr and exit with status 2.
Each command imports the verification and handout layers only when it runs, so
``initproof derive`` starts without loading scipy.stats or matplotlib.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import signal
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict
from importlib.util import find_spec
from pathlib import Path
from typing import NoReturn

from initproof import derive
from initproof.derive import render, symbols
from initproof.derive.activations import NAMES, Activation, activation
from initproof.derive.library.gains import NotFinite, for_activation
from initproof.derive.parse import ParseError, parse_expression
from initproof.derive.registry import missing, options
from initproof.derive.text import LANGUAGES
from initproof.verify.data import DATASETS
from initproof.verify.settings import Settings

from .handout.formats import FORMATS, HandoutError, default_format

BUDGET = 60.0
"""Seconds a symbolic computation on user input may take."""


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults shown in --help, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default in (None, False) or "(default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump), exit status 2, and defaults shown in --help."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _shared() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The ``--lang`` and ``--json`` options, declared once for the commands that take them."""
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the text (default: en)")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON (strict: no NaN or Infinity)")
    return lang, as_json


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs 0.02-0.05 s)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib.metadata import version

        print(f"initproof {version('initproof')}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="initproof", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    lang, as_json = _shared()
    commands.add_parser("list", help="list the derivations", parents=[lang, as_json])
    show = commands.add_parser("derive", help="print a derivation", parents=[lang, as_json])
    show.add_argument("id", metavar="ID", help="derivation id (see 'initproof list')")
    show.add_argument("--format", choices=tuple(render.FORMATS), default="text", help="output format")
    show.add_argument("--order", type=int, help="series order, for the maclaurin-* derivations")
    gain = commands.add_parser("gain", help="derive the exact weight variance for any activation",
                               description="The exact forward and backward rules for a catalogue activation "
                                           "or an expression over z, e.g. 'z*erf(z)'.", parents=[lang, as_json])
    gain.add_argument("activation", metavar="ACT", help=f"one of {', '.join(NAMES)}, or an expression over z")
    gain.add_argument("--format", choices=tuple(render.FORMATS), default="text", help="output format")
    frameworks = commands.add_parser("frameworks", help="compare PyTorch and Keras initialisers with the exact rules",
                                     parents=[as_json])
    frameworks.add_argument("--activation", action="append", metavar="ACT",
                            help="activation (repeatable; a name or an expression over z; default: all names)")
    frameworks.add_argument("--torch", action="store_true",
                            help="also sample the real torch.nn.init functions (needs PyTorch); with --json "
                                 "the output is an object with 'frameworks' and 'torch'")
    _verify_parser(commands, as_json)
    audit_notes = commands.add_parser("audit-notes", help="check the course notes' numeric claims, or your own",
                                      parents=[lang, as_json])
    audit_notes.add_argument("--claims", type=Path, metavar="FILE",
                             help="a TOML file of claims to grade instead (the format: initproof/derive/notes.toml)")
    _training_parsers(commands, lang, as_json)
    inspect = commands.add_parser(
        "inspect", help="predict and measure per-layer variances of a PyTorch model of yours (needs torch)",
        description="Build the model from MODULE:FACTORY (a function or class of an importable module; the "
                    "working directory is searched first), run it on Gaussian inputs, and hold each layer's "
                    "measured forward and gradient mean squares against the mean-field prediction; audit each "
                    "weight's initialiser against the exact rule. Exit 0 when no layer drifts past --factor, "
                    "1 when one does, 2 on bad input.",
        parents=[as_json])
    inspect.add_argument("target", metavar="MODULE:FACTORY", help="e.g. mymodels:make_resnet")
    inspect.add_argument("--input", required=True, metavar="SHAPE", help="input shape, batch first, e.g. 64,3,32,32")
    inspect.add_argument("--replicates", type=_positive_int, default=4, help="models built with seeds S, S+1, ...")
    inspect.add_argument("--seed", type=_seed, default=0)
    inspect.add_argument("--device", default="cpu", help="where the model runs: cpu, cuda, cuda:1, mps ...")
    inspect.add_argument("--factor", type=float, default=2.0,
                         help="a layer drifts when it sees more than FACTOR times (or less than 1/FACTOR) the "
                              "signal of the first layer of its kind")
    inspect.add_argument("--plot", type=Path, metavar="PNG", help="write the per-layer figure there")
    inspect.add_argument("--fix", type=Path, metavar="PY",
                         help="write a Python function reinitialise(model) that applies the exact rule")
    handout = commands.add_parser("handout", help="build a lecture handout (PDF, HTML or LaTeX)", parents=[lang])
    handout.add_argument("-o", "--output", type=Path, help="output path (default: handout-LANG.FORMAT)")
    handout.add_argument("--format", choices=tuple(FORMATS),
                         help="; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())
                         + "; default: pdf when pdflatex is installed, else html")
    handout.add_argument("--seed", type=_seed, default=0,
                         help="seed of the verification run (with --exercises: of the numbers on the sheet)")
    handout.add_argument("--force", action="store_true", help="replace a LaTeX source edited since it was written")
    handout.add_argument("--title", help="your title instead of initproof's (both languages)")
    handout.add_argument("--author", default="", help="your name, on the title page and in the PDF metadata")
    handout.add_argument("--course", default="", help="the course, under the title")
    handout.add_argument("--sections", type=_sections, metavar="LIST",
                         help="only these sections, e.g. 1,2,5,appendix (default: all)")
    handout.add_argument("--student", action="store_true",
                         help="questions without answers, and the answers in a key beside it (NAME-answers)")
    handout.add_argument("--short", action="store_true",
                         help="leave out the long tables (more than 12 rows), each replaced by a line that says so")
    handout.add_argument("--exercises", action="store_true",
                         help="an exercise sheet with fresh numbers for --seed, and its answer key beside it "
                              "(NAME-answers)")
    return parser


def _verify_parser(commands: argparse._SubParsersAction, as_json: argparse.ArgumentParser) -> None:
    check = commands.add_parser(
        "verify", help="check derived formulas by Monte Carlo, or test a rule of your own",
        description="Without --activation: run the checks of the given derivations (default: all). "
                    "With --activation and --var-w: simulate that rule and hold every layer against "
                    "the exact recursion; exit 0 if it keeps the variance within --factor, 1 if not.",
        parents=[as_json])
    defaults = Settings()
    check.add_argument("ids", nargs="*", metavar="ID", help="derivations to check (default: all)")
    check.add_argument("--samples", type=_positive_int, default=defaults.samples,
                       help="samples per sampling check")
    check.add_argument("--seed", type=_seed, default=0, help="seed of numpy's Generator")
    check.add_argument("--precision", type=_fraction, default=defaults.precision,
                       help="largest relative half-width of a passing interval")
    check.add_argument("--network-precision", type=_fraction, default=defaults.network_precision,
                       help="largest relative half-width of a per-layer network interval")
    check.add_argument("--alpha", type=_fraction, default=defaults.alpha,
                       help="family-wise false-alarm rate (Bonferroni)")
    rule = check.add_argument_group("a rule of your own")
    rule.add_argument("--activation", help="relu, tanh, sigmoid, ... or an expression over z, e.g. 'z*erf(z)'")
    rule.add_argument("--var-w", help="weight variance over n (fan-in) and m (fan-out), e.g. '2/n'")
    rule.add_argument("--bias-var", help="bias variance, e.g. '0.01'")
    rule.add_argument("--width", type=_positive_int, default=256, help="units per layer")
    rule.add_argument("--depth", type=_positive_int, default=10, help="number of layers")
    rule.add_argument("--factor", type=float, default=2.0, help="largest allowed max/min variance ratio")
    rule.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                      help="precision of the simulated networks (variances are summed in float64; a rule whose "
                           "variances leave 1e-30..1e30 runs in float64)")


MAX_SEEDS = 100
"""Most seeds per training experiment."""

INITS = ("he", "xavier", "xavier-average", "sigmoid16", "exact", "exact-sigmoid", "torch-default", "zero",
         "constant", "small", "large")
"""The names --init takes (``exact`` and those of :data:`initproof.verify.experiments.INITS`, which the
command line does not import until it trains); any other --init is a weight variance over n and m."""
EXPERIMENTS = ("nonlinearity", "raw-pixels", "initialisation-sigmoid", "initialisation-tanh", "initialisation-relu",
               "depth", "exploding", "symmetry", "learning-rate")
"""The names of :data:`initproof.verify.experiments.EXPERIMENTS`, for the help."""


def _training_parsers(commands: argparse._SubParsersAction, lang: argparse.ArgumentParser,
                      as_json: argparse.ArgumentParser) -> None:
    experiment = commands.add_parser(
        "experiment", help="run the notes' claims about training, over several seeds, with verdicts",
        description="Train networks on scikit-learn's 8x8 digits (and on generated red and blue points) as "
                    "the course notes describe and give each claim a verdict: confirmed (the stated rule holds "
                    "in every seed), refuted (in none) or depends.", parents=[lang, as_json])
    experiment.add_argument("names", nargs="*", metavar="NAME", help=f"{', '.join(EXPERIMENTS)} (default: all)")
    experiment.add_argument("--seeds", type=_positive_int, default=5, help="independent seeds per experiment")
    experiment.add_argument("--seed", type=_seed, default=0, help="seed the others are spawned from")
    experiment.add_argument("--plot", type=Path, metavar="DIR",
                            help="also write each experiment's figure to DIR/NAME.png (created if missing)")
    train = commands.add_parser("train", help="train a network of your own on the digits or the red-blue points",
                                parents=[as_json])
    train.add_argument("--activation", default="relu", help="a catalogue name or an expression over z")
    train.add_argument("--init", default="he",
                       help=f"{', '.join(INITS)}, or a weight variance over n (fan-in) and m (fan-out)")
    train.add_argument("--depth", type=_positive_int, default=3, help="weight layers (the last gives the logits)")
    train.add_argument("--width", type=_positive_int, default=64, help="units per hidden layer")
    train.add_argument("--data", choices=DATASETS, default="digits",
                       help="standardised digits, raw 0-255 digits, or a red disc inside a blue ring (2-D)")
    train.add_argument("--optimizer", choices=("sgd", "momentum", "adam", "adamw"), default="sgd")
    train.add_argument("--lr", type=float, default=0.1, help="learning rate")
    train.add_argument("--epochs", type=_positive_int, default=10)
    train.add_argument("--batch", type=_positive_int, default=32)
    train.add_argument("--seed", type=_seed, default=0)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, not {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, not {text}")
    return value


def _proved() -> list[derive.Derivation]:
    """Every derivation; when several are not cached yet (a first run), says so and shows progress."""
    unproved = missing()
    if len(unproved) > 1:
        print(f"initproof: proving {len(unproved)} derivations step by step (once: they are cached for "
              "later runs)", file=sys.stderr)
    return derive.all_derivations(Progress("derivations proved"))


def _list(args: argparse.Namespace) -> str:
    derivations = _proved()
    if args.json:
        return _json([_summary(d, args.lang) for d in derivations], ensure_ascii=False, indent=2)
    width = max(len(d.id) for d in derivations)
    return "\n".join(f"{d.id:<{width}}  {d.title(args.lang)}: {render.plain_relation(d.result.relation)}"
                      + "".join(f" [{render.HEADINGS['conflicts'](args.lang).lower()}: {', '.join(c.ids)}]"
                                for c in d.conflicts) for d in derivations)


def _summary(derivation: derive.Derivation, lang: str) -> dict:
    data = render.as_dict(derivation, lang)
    return {key: data[key] for key in ("id", "title", "assumptions", "result")}


def _derive(args: argparse.Namespace) -> str:
    if args.id not in derive.ids():
        raise UsageError(str(derive.UnknownDerivation(args.id)))
    settings = {}
    if args.order is not None:
        takes_order = [i for i in derive.ids() if "order" in options(i)]
        if args.id not in takes_order:
            raise UsageError(f"--order applies only to {', '.join(takes_order)}")
        if not 1 <= args.order <= 25:
            raise UsageError(f"--order must be from 1 to 25, not {args.order}")
        settings["order"] = args.order
    derivation = derive.get(args.id, **settings)
    if args.json:
        return _json(render.as_dict(derivation, args.lang), ensure_ascii=False, indent=2)
    return render.FORMATS[args.format](derivation, args.lang).rstrip("\n")


def _gain(args: argparse.Namespace) -> str:
    derivation = _exact_gain(_activation(args.activation))
    if args.json:
        return _json(render.as_dict(derivation, args.lang), ensure_ascii=False, indent=2)
    return render.FORMATS[args.format](derivation, args.lang).rstrip("\n")


def _activation(text: str) -> Activation:
    """The activation the user typed (a catalogue name or an expression over ``z``), parsed once;
    refused in one line when it is not admissible."""
    try:
        return activation(text)
    except ParseError as error:
        raise UsageError(str(error)) from None


def _exact_gain(act: Activation) -> derive.Derivation:
    """The exact-gain derivation of ``act``, refused in one line when it has infinite Gaussian
    moments or takes too long."""
    with budget(f"deriving the exact gain of {act.name!r}"):
        try:
            return for_activation(act)
        except NotFinite as error:
            raise UsageError(str(error)) from None


def _json(data: object, **options: object) -> str:
    """Strict JSON: a non-finite number (an infinite or undefined variance) is written as null."""
    return json.dumps(_finite(data), allow_nan=False, **options)


def _finite(data: object) -> object:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


class _Expired(Exception):
    """The time budget of a computation on user input ran out."""


@contextmanager
def budget(what: str, seconds: float = BUDGET):
    """Run a computation on user input within ``seconds``, and turn a runaway one (too slow, too
    large a number, too deep a recursion) into a one-line :class:`UsageError`."""
    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def expire(signum, frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire) if timed else None
    if timed:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise UsageError(f"{what} took longer than {seconds:g} s; try a simpler expression") from None
    except (OverflowError, MemoryError, RecursionError):
        raise UsageError(f"{what}: the numbers grow too large to evaluate") from None
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _frameworks(args: argparse.Namespace) -> tuple[str, int]:
    from initproof.verify import report
    from initproof.verify.comparison import compare
    from initproof.verify.torch_check import TorchMissing, torch_crosscheck

    activations = [_activation(text) for text in args.activation or NAMES]
    rows = []
    for act in activations:
        _exact_gain(act)
        rows += compare(act)
    if not args.torch:
        if args.json:
            return _json([row.as_dict() for row in rows], indent=2), 0
        return report.frameworks_table(rows), 0
    try:
        sampled = [c for act in activations for c in torch_crosscheck(act)]
    except TorchMissing as error:
        raise UsageError(str(error)) from None
    status = 0 if all(c.passed for c in sampled) else 1
    if args.json:
        return _json({"frameworks": [row.as_dict() for row in rows],
                           "torch": [asdict(c) for c in sampled]}, indent=2), status
    return report.frameworks_table(rows) + "\n\n" + report.torch_table(sampled), status


def _verify(args: argparse.Namespace) -> tuple[str, int]:
    settings = Settings(samples=args.samples, precision=args.precision, alpha=args.alpha,
                        network_precision=args.network_precision)
    if not settings.replicates * 2 <= args.samples <= MAX_SAMPLES:
        raise UsageError(f"--samples must be from {settings.replicates * 2} to {MAX_SAMPLES:.0e} "
                         f"(about 7 minutes of sampling here), not {args.samples}")
    if args.activation or args.var_w:
        return _verify_rule(args, settings)
    from initproof.verify import memo, report

    try:
        outcomes, reused = memo.outcomes(args.ids, settings, args.seed, Progress("checks"))
    except derive.UnknownDerivation as error:
        raise UsageError(str(error)) from None
    if reused:
        print("initproof: outcomes of an earlier run with the same seed, settings and code "
              "(INITPROOF_CACHE=off runs the checks again)", file=sys.stderr)
    status = 0 if all(o.passed for o in outcomes) else 1
    if args.json:
        return _json(report.as_dict(outcomes, args.seed), indent=2), status
    return report.table(outcomes, settings), status


def _verify_rule(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    from initproof.verify import report
    from initproof.verify.rule import afford, rule_check, run_rule

    if not (args.activation and args.var_w):
        raise UsageError("a rule needs both --activation and --var-w")
    if args.ids:
        raise UsageError("give either derivation ids or --activation/--var-w, not both")
    if not 1 < args.factor < math.inf:
        raise UsageError(f"--factor must be a finite number greater than 1, not {args.factor:g}")
    act = _activation(args.activation)
    _exact_gain(act)
    try:
        check = rule_check(act, args.var_w, args.width, args.depth, args.bias_var, dtype=args.dtype)
        cost = afford(check)
    except ParseError as error:
        raise UsageError(str(error)) from None
    if cost.seconds > ANNOUNCE:
        print(f"initproof: simulating {check.replicates} networks of width {check.width} and depth {check.depth}: "
              f"about {_duration(cost.seconds)}, {cost.bytes / 2**20:.0f} MiB", file=sys.stderr)
    result = run_rule(check, args.seed, args.factor, settings, Progress("networks"))
    status = 0 if result.preserves else 1
    if args.json:
        return _json(report.as_dict([result.outcome], args.seed, result), indent=2), status
    return report.layer_table(result), status


MAX_SAMPLES = 10**9
"""Most samples per sampling check (about 30 ns each, for every sampling check of the suite)."""

ANNOUNCE = 5.0
"""Seconds of expected work past which a command says up front how long it will take."""


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and after the first second."""

    def __init__(self, unit: str) -> None:
        self.unit, self.start = unit, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() or time.monotonic() - self.start < 1.0:
            return
        filled = round(30 * done / total)
        end = "\n" if done == total else ""
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {self.unit}", end=end,
              file=sys.stderr, flush=True)


def _handout(args: argparse.Namespace) -> tuple[str, int]:
    from .handout.build import Lecturer, build_exercises, check_destination, require_engine
    from .handout.build import build as build_handout

    fmt = args.format
    if fmt is None:
        fmt = default_format()
        if fmt == "html":
            print("initproof: no pdflatex found, writing HTML; install TeX Live "
                  "(apt-get install texlive-latex-recommended texlive-lang-other lmodern) for the PDF",
                  file=sys.stderr)
    path = args.output or FORMATS[fmt].default_path(args.lang)
    if args.exercises and (args.student or args.sections or args.short):
        raise UsageError("--exercises writes its own answer key; --student, --sections and --short tailor the "
                         "handout")
    if args.exercises and not args.output:
        path = path.with_name(path.name.replace("handout", "exercises", 1))
    try:
        check_destination(path, fmt, args.force)
    except HandoutError as error:
        raise UsageError(str(error)) from None
    try:
        require_engine(fmt)  # before proving anything
        if args.exercises:
            written = build_exercises(path, args.lang, fmt, args.seed, force=args.force)
        else:
            _proved()
            lecturer = Lecturer(args.title, args.author, args.course, args.sections, args.student, args.short)
            written = build_handout(path, args.lang, fmt, args.seed, force=args.force, lecturer=lecturer)
    except HandoutError as error:
        print(f"initproof: error: {str(error).splitlines()[0]}", file=sys.stderr)
        return "", 1
    return "\n".join(f"wrote {p}" for p in written), 0


def _audit(args: argparse.Namespace) -> tuple[str, int]:
    from initproof.derive.audit import ClaimsError, audit, load_claims
    from initproof.verify import report

    claims = None
    if args.claims:
        try:
            claims = load_claims(args.claims.read_text(encoding="utf-8"), str(args.claims))
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--claims {args.claims}: {getattr(error, 'strerror', None) or error}") from None
        except ClaimsError as error:
            raise UsageError(str(error)) from None
    with budget("grading the claims"):
        grades = [g.as_dict(args.lang) for g in audit(claims)]
    status = 1 if any(g["verdict"] == "wrong" for g in grades) else 0
    if args.json:
        return _json(grades, ensure_ascii=False, indent=2), status
    header = ("claim", "stated", "computed", "verdict", "where")
    lines = report.columns(header, [tuple(g[c] for c in header) for g in grades])
    wrong = sum(g["verdict"] == "wrong" for g in grades)
    lines += ["", f"{len(grades) - wrong} correct or rounding, {wrong} wrong"]
    return "\n".join(lines), status


def _experiment(args: argparse.Namespace) -> tuple[str, int]:
    from initproof.verify import memo, report
    from initproof.verify.experiments import EXPERIMENTS

    if args.seeds > MAX_SEEDS:
        raise UsageError(f"--seeds must be at most {MAX_SEEDS} (about 4 s per seed for all eight), not {args.seeds}")
    unknown = [name for name in args.names if name not in EXPERIMENTS]
    if unknown:
        raise UsageError(f"unknown experiment {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    if args.plot and args.plot.exists() and not args.plot.is_dir():
        raise UsageError(f"--plot {args.plot} is a file, not a folder")
    try:
        findings, reused = memo.findings(args.names, args.seeds, args.seed, Progress("experiments"))
    except ModuleNotFoundError as error:
        raise UsageError(f"{error.name} is needed for the digits: pip install scikit-learn") from None
    if reused:
        print("initproof: findings of an earlier run with the same seeds and code (INITPROOF_CACHE=off runs "
              "them again)", file=sys.stderr)
    if args.plot:
        _plot(findings, args.plot, args.lang, args.seed)
    if args.json:
        return _json([f.as_dict(args.lang) for f in findings], ensure_ascii=False, indent=2), 0
    return report.experiments_table(findings, args.lang), 0


def _plot(findings: list, folder: Path, lang: str, seed: int) -> None:
    """Write each finding's figure to ``folder/NAME.png``; say on stderr which were written."""
    from .handout.experiment_figures import for_finding
    from .handout.figures import to_png

    for finding in findings:
        figure = for_finding(finding, lang, seed)
        if figure is None:
            print(f"initproof: {finding.name} has no figure (one number per seed)", file=sys.stderr)
            continue
        _write(folder / f"{finding.name}.png", to_png(figure), "--plot")


def _train(args: argparse.Namespace) -> tuple[str, int]:
    import numpy as np

    from initproof.verify.data import load
    from initproof.verify.experiments import network_for
    from initproof.verify.training import Optimiser, train

    if not 0 < args.lr < math.inf:
        raise UsageError(f"--lr must be a positive finite number, not {args.lr:g}")
    try:
        data = load(args.data)
    except ModuleNotFoundError as error:
        raise UsageError(f"{error.name} is needed for the digits: pip install scikit-learn") from None
    limits = {"--depth": (args.depth, 50), "--width": (args.width, 1024), "--epochs": (args.epochs, 1000),
              "--batch": (args.batch, len(data[0]))}
    for option, (value, largest) in limits.items():
        if value > largest:
            raise UsageError(f"{option} must be at most {largest}, not {value}")
    act = _activation(args.activation)
    init = _init(args.init, _exact_gain(act))
    rng = np.random.default_rng(args.seed)
    try:
        network = network_for(args.data, act.phi, init, args.depth, args.width, rng)
    except ValueError as error:
        raise UsageError(f"--init {args.init!r}: {error}") from None
    history = train(network, Optimiser(args.optimizer, args.lr), data, args.epochs, args.batch, rng,
                    Progress("epochs"))
    if args.json:
        return _json({"init": init.name, "variance": str(init.variance)} | history.as_dict(), indent=2), 0
    lines = [f"epoch  train loss  test loss  test accuracy  |grad W_1| .. |grad W_{args.depth}|"]
    for epoch, row in enumerate(zip(history.train_loss, history.test_loss, history.test_accuracy,
                                    history.gradient_norms, strict=True), 1):
        lines.append(f"{epoch:>5}  {row[0]:>10.4g}  {row[1]:>9.4g}  {row[2]:>13.3f}  "
                     + " ".join(f"{g:.3g}" for g in row[3]))
    if history.diverged:
        lines.append(f"diverged at step {history.diverged}: the loss stopped being finite")
    return "\n".join(lines), 0


def _init(text: str, gain: derive.Derivation):
    """A named :class:`~initproof.verify.training.Init`, the activation's exact forward rule
    (``exact``, from its ``gain`` derivation), or a variance expression over ``n`` and ``m``."""
    from initproof.verify.experiments import INITS
    from initproof.verify.training import Init

    if text in INITS:
        return INITS[text]()
    if text == "exact":
        return Init(text, gain.named("forward").rhs)
    try:
        variance = parse_expression(text, {"n": symbols.n, "m": symbols.m})
    except ParseError as error:
        raise UsageError(f"--init {text!r}: {error}") from None
    if not variance.free_symbols <= {symbols.n, symbols.m}:
        raise UsageError(f"--init {text!r} may use only n and m")
    return Init(text, variance)


def _inspect(args: argparse.Namespace) -> tuple[str, int]:
    from initproof.verify import report
    from initproof.verify.inspection import inspect

    if find_spec("torch") is None:
        raise UsageError("inspect needs PyTorch: pip install 'initproof[torch]'")
    shape = _shape(args.input)
    if args.replicates > 64:
        raise UsageError(f"--replicates must be at most 64, not {args.replicates}")
    if not math.isfinite(args.factor) or args.factor <= 1:
        raise UsageError(f"--factor must be a finite number greater than 1, not {args.factor:g}")
    _device(args.device)
    sys.path.insert(0, str(Path.cwd()))  # the user's modules, and what they import when called
    try:
        result = inspect(_factory(args.target), shape, replicates=args.replicates, seed=args.seed,
                         device=args.device, factor=args.factor)
    except UsageError:
        raise
    except Exception as error:  # the user's code: any failure is reported in one line
        raise UsageError(f"{args.target} on an input of shape {shape}: {type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}") from None
    finally:
        sys.path.remove(str(Path.cwd()))
    if args.fix and result.fix:
        _write(args.fix, result.fix.encode(), "--fix")
    if args.plot:
        from .handout.figures import to_png
        from .handout.inspection_figure import inspection_figure

        _write(args.plot, to_png(inspection_figure(result, f"{args.target}, input {args.input}")), "--plot")
    status = 0 if result.kept else 1
    if args.json:
        return _json(result.as_dict(), indent=2), status
    return report.inspection_table(result), status


def _device(name: str) -> None:
    """A one-line error for a device that is not there."""
    import torch

    try:
        device = torch.device(name)
        torch.empty(1, device=device)
    except (RuntimeError, AssertionError) as error:
        raise UsageError(f"--device {name}: {str(error).splitlines()[0]}") from None


def _factory(target: str):
    """``MODULE:FACTORY`` imported."""
    import importlib

    module_name, _, factory_name = target.partition(":")
    if not module_name or not factory_name.isidentifier():
        raise UsageError(f"{target!r} is not MODULE:FACTORY (e.g. mymodels:make_model)")
    try:
        return getattr(importlib.import_module(module_name), factory_name)
    except ImportError as error:
        raise UsageError(f"cannot import {module_name!r}: {error}") from None
    except AttributeError:
        raise UsageError(f"{module_name!r} has no {factory_name!r}") from None


def _write(path: Path, data: bytes, option: str) -> None:
    from .handout.files import write_file

    try:
        write_file(path, data)
    except OSError as error:
        raise UsageError(f"{option}: cannot write {path}: {error.strerror}") from None
    print(f"initproof: wrote {path}", file=sys.stderr)


def _sections(text: str) -> list[str]:
    """``1,2,appendix`` as section names: numbers or ``appendix``."""
    names = [part.strip().lower() for part in text.split(",")]
    if not all(name.isdigit() or name == "appendix" for name in names):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of section numbers and 'appendix', e.g. 1,2,5")
    return names


def _shape(text: str) -> tuple[int, ...]:
    """``64,3,32,32`` as a shape: 1 to 6 positive sizes, at most 1e8 elements."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--input {text!r} is not a shape such as 64,3,32,32") from None
    if not 1 <= len(shape) <= 6 or min(shape) < 1 or math.prod(shape) > 10**8:
        raise UsageError(f"--input {text!r}: 1 to 6 positive sizes and at most 1e8 elements")
    return shape


COMMANDS = {"list": _list, "derive": _derive, "gain": _gain, "frameworks": _frameworks, "verify": _verify,
            "handout": _handout, "audit-notes": _audit, "experiment": _experiment, "train": _train,
            "inspect": _inspect}


EXPRESSIONS = ("--activation", "--var-w", "--bias-var", "--init")
"""Options whose value is an expression, which may start with a minus sign (``--var-w -1/n``)."""


def _joined(argv: Sequence[str]) -> list[str]:
    """``argv`` with ``--var-w -1/n`` written ``--var-w=-1/n``, so argparse takes it as a value."""
    out: list[str] = []
    for item in argv:
        if out and out[-1] in EXPRESSIONS and item.startswith("-") and item not in ("-h", "--help"):
            out[-1] = f"{out[-1]}={item}"
        else:
            out.append(item)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(_joined(sys.argv[1:] if argv is None else argv))
        output = COMMANDS[args.command](args)
        output, status = output if isinstance(output, tuple) else (output, 0)
        if output:
            print(output)
        return status
    except UsageError as error:
        print(f"initproof: error: {error}", file=sys.stderr)
        return 2
    except derive.DerivationError as error:
        print(f"initproof: a derivation failed its check: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("initproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
    return 0


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``initproof`` command: :func:`main`, then exit with its status.

    The objects still alive are frozen first (``gc.freeze``), so the interpreter's last garbage
    collection does not walk sympy's tens of thousands of cached expressions only to find them
    alive: 0.05-0.1 s of every command, whose memory the operating system takes back anyway.
    """
    status = main(argv)
    gc.freeze()
    raise SystemExit(status)
