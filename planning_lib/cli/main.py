"""The ``planning`` command: one sub-command per module in ``planning_lib.cli.common``.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). Every command module is imported to build the
parser; libraries only some commands need (nbconvert, SQLAlchemy, dask) are imported
where they are used.

Errors: a command reports the errors it expects itself (bad input, existing output).
Anything else that escapes a command becomes one line on stderr (the exception's type
and message, no traceback) and exit code 1; the global ``--debug`` flag shows the full
traceback instead (``planning --debug controlling ...``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from planning_lib import __version__
from planning_lib.run.run_folder import config_regions, region_named

__all__ = ["COMMANDS", "main"]

# command name -> module in planning_lib.cli.common (a command appears once its module exists)
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "init": "init",
    "sample-data": "sample_data",
    "plan": "plan",
    "forecast": "forecast",
    "analyse": "analyse",
    "controlling": "controlling",
    "versions": "versions",
    "batch": "batch",
    "dashboard": "dashboard",
}


def _available() -> dict[str, object]:
    mods = {}
    for name, module in COMMANDS.items():
        spec = importlib.util.find_spec(f"planning_lib.cli.{module}")
        if spec is not None:
            mods[name] = importlib.import_module(f"planning_lib.cli.{module}")
    return mods


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="planning",
        description="Vertriebsplanung: sales planning from CRM data to plan, scenarios "
        "and controlling.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an unexpected error (default: one line)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, mod in _available().items():
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def _region_alias(args: argparse.Namespace) -> None:
    """``--region DE-Sued`` (the folder name ``planning batch`` writes) means ``DE-Süd``."""
    region, config = getattr(args, "region", None), getattr(args, "config", None)
    if not isinstance(region, str) or config is None or Path(region).suffix:
        return

    args.region = region_named(region, config_regions(config))


def unexpected_error_line(command: str, exc: BaseException) -> str:
    """One line naming the command and the exception (type and message), no traceback."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and len(exc.args) == 1 else str(exc)
    message = " ".join(text.split()) or "(no message)"
    return (
        f"error: planning {command} stopped unexpectedly: {type(exc).__name__}: {message} "
        f"(run 'planning --debug {command} ...' for the traceback)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planning`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        _region_alias(args)
        return int(args._run(args) or 0)
    except BrokenPipeError:
        # the reader closed the pipe (``planning validate --json | head -1``): stop quietly;
        # stdout goes to devnull so the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"error: planning {args.command} interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(unexpected_error_line(args.command, exc), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
