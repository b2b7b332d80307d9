"""The ``initproof`` command line: a thin layer over :mod:`derive`.

Errors in the user's input print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import derive
from derive import render
from derive.registry import options
from derive.text import LANGUAGES


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="initproof", description=__doc__.splitlines()[0],
                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    listing = commands.add_parser("list", help="list the derivations",
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the titles")
    show = commands.add_parser("derive", help="print a derivation",
                               formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    show.add_argument("id", metavar="ID", help="derivation id (see 'initproof list')")
    show.add_argument("--format", choices=tuple(render.FORMATS), default="text", help="output format")
    show.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the text")
    show.add_argument("--json", action="store_true", help="print JSON instead of --format")
    show.add_argument("--order", type=int, help="series order, for the maclaurin-* derivations")
    return parser


def _list(args: argparse.Namespace) -> str:
    derivations = derive.all_derivations()
    if args.json:
        return json.dumps([_summary(d, args.lang) for d in derivations], ensure_ascii=False, indent=2)
    width = max(len(d.id) for d in derivations)
    return "\n".join(f"{d.id:<{width}}  {d.title(args.lang)}: {render.plain(d.result.lhs)} = "
                     f"{render.plain(d.result.rhs)}" for d in derivations)


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
        return json.dumps(render.as_dict(derivation, args.lang), ensure_ascii=False, indent=2)
    return render.FORMATS[args.format](derivation, args.lang).rstrip("\n")


COMMANDS = {"list": _list, "derive": _derive}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(argv)
        print(COMMANDS[args.command](args))
    except UsageError as error:
        print(f"initproof: error: {error}", file=sys.stderr)
        return 2
    except derive.DerivationError as error:
        print(f"initproof: a derivation failed its check: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        sys.stderr.close()
    return 0
