"""What every reader shares: the row type, the reading options, and the notes a
reader keeps about what it did to the input (said in the replay and ingest summary).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from detectors.errors import ConfigError, InvalidMention

# a JSON line (bytes, validated later, maybe in another process), a mapped CSV row
# (dict) or the reason a row could not be mapped
Raw = bytes | str | dict[str, Any] | InvalidMention
RawRow = tuple[int, Raw]
IdPolicy = Literal["auto", "keep", "derive"]
MAPPABLE = ("id", "brand", "text", "created_at", "source", "lang", "url", "in_reply_to",
            "author.id", "author.handle", "author.followers", "metrics.likes", "metrics.shares",
            "metrics.replies")
# duplicates above this share of the mentions read get a warning with the way out
DUPLICATE_WARN_SHARE = 0.01
DUPLICATE_WARN_MIN = 10


@dataclass
class ReadOptions:
    """How to read an input file: its format and, for CSV, how columns map to mentions.

    Args:
        columns: mention field -> CSV column (``--map``).
        time_format: strptime format of the date column (``--time-format``).
        tz: time zone of times without an offset (``--tz``); ``None``: not given, UTC
            is assumed and the summary warns.
        brand: constant brand slug when the export has no brand column (``--brand``).
        ids: ``auto`` derives ids for values a spreadsheet turned into numbers like
            ``5.70306E+17``; ``derive`` always derives them; ``keep`` never does.
        slugify_brands: turn brand names ("US Airways") into slugs (``us-airways``).
        fmt: reader name (``--format``); by file suffix when ``None``.
        delimiter: CSV field separator (tab for ``.tsv``).
    """

    columns: dict[str, str] = field(default_factory=dict)
    time_format: str | None = None
    tz: str | None = None
    brand: str | None = None
    ids: IdPolicy = "auto"
    slugify_brands: bool = True
    fmt: str | None = None
    delimiter: str = ","

    @classmethod
    def from_args(
        cls, maps: Sequence[str] = (), time_format: str | None = None, tz: str | None = None,
        brand: str | None = None, **kwargs: Any,
    ) -> ReadOptions:
        """Build from ``--map FIELD=COLUMN`` arguments and the other options.

        Raises:
            ConfigError: naming the bad ``--map`` or ``--tz``.
        """
        columns: dict[str, str] = {}
        for item in maps:
            key, sep, column = item.partition("=")
            key = key.strip()
            if not sep or not column:
                raise ConfigError(f"--map {item!r}: expected FIELD=COLUMN")
            if key not in MAPPABLE:
                raise ConfigError(f"--map {item!r}: unknown field {key!r} "
                                  f"(one of {', '.join(MAPPABLE)})")
            columns[key] = column
        if tz is not None:
            zone(tz)
        return cls(columns, time_format, tz, brand, **kwargs)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``.

    Raises:
        ConfigError: naming ``--tz`` when there is no such zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--tz {name!r}: unknown time zone (an IANA name such as "
                          "America/New_York or Europe/Helsinki)") from None


@dataclass
class ImportNotes:
    """What a reader did to the input, counted as it reads, for the summary."""

    slugs: dict[str, str] = field(default_factory=dict)  # brand name -> slug made of it
    id_column: str = "id"
    spreadsheet_ids: int = 0  # ids that look like 5.70306E+17
    id_example: str | None = None
    derived_ids: int = 0
    naive_times: int = 0  # times without an offset, read in ``tz``
    tz: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``--summary-json``."""
        return {"brand_slugs": dict(self.slugs), "id_column": self.id_column,
                "spreadsheet_ids": self.spreadsheet_ids, "derived_ids": self.derived_ids,
                "times_without_offset": self.naive_times,
                "time_zone": (self.tz or "UTC") if self.naive_times else None}

    def lines(self) -> list[str]:
        """One line per thing done to the input (``warning:`` where the user should check)."""
        out: list[str] = []
        if self.slugs:
            shown = ", ".join(f"{name!r} -> {slug}" for name, slug in list(self.slugs.items())[:8])
            more = f" and {len(self.slugs) - 8} more" if len(self.slugs) > 8 else ""
            out.append(f"brands: {len(self.slugs)} name(s) turned into slugs: {shown}{more} "
                       "(--no-slugify-brands to reject them instead)")
        if self.spreadsheet_ids:
            did = (f"{self.derived_ids} ids derived from time, author and text"
                   if self.derived_ids else "kept as they are (--ids keep): expect duplicates")
            out.append(f"warning: ids: {self.spreadsheet_ids} value(s) of column "
                       f"{self.id_column!r} look like spreadsheet numbers (e.g. "
                       f"{self.id_example}), which lose digits; {did}")
        elif self.derived_ids:
            out.append(f"ids: {self.derived_ids} derived from time, author and text "
                       f"(no usable {self.id_column!r} column, or --ids derive)")
        if self.naive_times:
            if self.tz is None:
                out.append(f"warning: times: {self.naive_times} without a UTC offset, read as UTC; "
                           "give their zone with --tz (e.g. --tz America/New_York)")
            else:
                out.append(f"times: {self.naive_times} without a UTC offset, read as local "
                           f"time in {self.tz}")
        return out


def duplicate_warning(duplicates: int, total: int, fate: str = "dropped as duplicates") -> str | None:
    """A warning when many mentions share an id (as after a spreadsheet rounded them).

    Args:
        duplicates: mentions whose id was seen before.
        total: mentions read.
        fate: what happens to them.
    """
    if duplicates < DUPLICATE_WARN_MIN or duplicates < DUPLICATE_WARN_SHARE * max(total, 1):
        return None
    return (f"warning: ids: {duplicates} of {total} mentions repeat an earlier id and are {fate}; "
            "if a spreadsheet rounded the id column, --ids derive keeps them")


def all_bad_hint(what: str, bad: int, first_error: str | None) -> str:
    """The one line for an input whose every line was malformed: what failed, what to try."""
    why = f" (first: {first_error})" if first_error else ""
    return (f"every line of {what} was malformed ({bad}){why}; for a CSV export map its "
            "columns: --map brand=COLUMN (or --brand SLUG), --map text=..., --map created_at=...")


def check_input(path: str | Path) -> None:
    """Fail with one line when ``path`` (``-`` is standard input) is not a readable file.

    Raises:
        ConfigError: saying whether it is a folder or missing.
    """
    if str(path) == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{path}: is a folder; give a JSONL or CSV file")
    if not p.is_file():
        raise ConfigError(f"{path}: no such file")


def open_text(path: str | Path) -> IO[str]:
    """Open a file (or ``-`` for stdin) as UTF-8 text, replacing undecodable bytes."""
    if str(path) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    try:
        return open(path, encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open: {exc.strerror}") from None


def open_bytes(path: str | Path) -> IO[bytes]:
    """Open a file (or ``-`` for stdin) as bytes."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open: {exc.strerror}") from None


Reader = Callable[[str | Path, ReadOptions, ImportNotes], Iterator[RawRow]]
