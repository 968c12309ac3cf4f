"""Input options shared by ``replay`` and ``ingest``: format, CSV column mapping, and
what to do with brand names, ids and times (one definition, one README entry)."""

from __future__ import annotations

import argparse
from typing import Any

from streams.sources.base import ImportNotes, ReadOptions, check_input
from streams.sources.files import READERS


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Register the input options on a sub-command's parser.

    Args:
        p: the sub-command parser.
    """
    g = p.add_argument_group("input (CSV exports)")
    g.add_argument("--format", choices=sorted(READERS),
                   help="input format (default: by suffix; a file read with --map is CSV)")
    g.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                   help="CSV column for a mention field, e.g. --map text='Full Text' "
                        "(one per column)")
    g.add_argument("--time-format", help="strptime format of the date column, e.g. "
                                         "'%%Y-%%m-%%d %%H:%%M:%%S' (default: RFC 3339)")
    g.add_argument("--tz", help="time zone of times without a UTC offset, e.g. America/New_York "
                                "(default: UTC, with a warning)")
    g.add_argument("--brand", help="brand slug for exports without a brand column")
    g.add_argument("--slugify-brands", action=argparse.BooleanOptionalAction, default=True,
                   help="turn brand names into slugs ('US Airways' -> us-airways; default on)")
    g.add_argument("--ids", choices=("auto", "keep", "derive"), default="auto",
                   help="auto: derive ids from time, author and text where a spreadsheet turned "
                        "them into numbers like 5.70306E+17; derive: always; keep: never")


def read_options(args: argparse.Namespace, path: Any) -> tuple[ReadOptions, ImportNotes]:
    """The reading options from parsed arguments, checked, and fresh notes.

    Args:
        args: parsed arguments of a sub-command that called :func:`add_input_options`.
        path: the input file (``-`` is standard input), checked to be a readable file.

    Raises:
        ConfigError: naming the bad option, or the input that is a folder or missing.
    """
    options = ReadOptions.from_args(args.map, args.time_format, args.tz, args.brand,
                                    ids=args.ids, slugify_brands=args.slugify_brands,
                                    fmt=args.format)
    check_input(path)
    return options, ImportNotes()
