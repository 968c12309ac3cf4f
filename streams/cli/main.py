"""The `firebreak` command: one entry point, one module per sub-command.

Each sub-command module exposes ``add_parser(subparsers)`` which registers its
parser and sets ``func`` (called with the parsed args, returns an exit code).
Bad arguments print one line and exit 2; Firebreak's own errors print one line
and exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from detectors.errors import FirebreakError
from streams.settings import unknown_variables

# module, in the order shown by --help
COMMANDS = (
    "streams.cli.score",
    "streams.cli.replay",
    "streams.cli.simulate",
    "streams.cli.demo",
    "streams.cli.worker",
    "streams.cli.ingest",
)


def _version() -> str:
    try:
        return metadata.version("firebreak")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (sub-commands whose module is missing are skipped)."""
    parser = _Parser(
        prog="firebreak",
        description="Crisis monitoring for brands: detect, pause promotion, page on-call.",
    )
    parser.add_argument("--version", action="version", version=f"firebreak {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in unknown_variables(os.environ):
        print(f"firebreak: warning: unknown setting {name} (misspelt? see docs/streaming.md)",
              file=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except FirebreakError as exc:
        print(f"firebreak {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file that cannot be read or written: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"firebreak {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as exc:
        print(f"firebreak {args.command}: input is not UTF-8 text ({exc.reason} at byte "
              f"{exc.start})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
