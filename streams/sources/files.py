"""Reading mention files: JSONL, or CSV exports with a column mapping.

Both readers yield ``(line_number, Mention | InvalidMention)`` so callers can
count and report bad lines without stopping. A CSV export maps its columns onto
the mention schema (``--map text="Full Text" --map created_at=Date``); a
``--time-format`` (strptime) parses its dates, naive ones in ``--tz``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from detectors.errors import ConfigError, InvalidMention
from detectors.events import Mention, format_time, mention_from_json, parse_mention

Row = tuple[int, Mention | InvalidMention]
MAPPABLE = ("id", "brand", "text", "created_at", "source", "lang", "url", "in_reply_to",
            "author.id", "author.handle", "author.followers", "metrics.likes", "metrics.shares",
            "metrics.replies")


@dataclass
class CsvMapping:
    """How the columns of a CSV export map onto the mention schema."""

    columns: dict[str, str] = field(default_factory=dict)  # mention field -> CSV column
    time_format: str | None = None
    tz: str = "UTC"
    brand: str | None = None  # constant brand when the export has no brand column
    delimiter: str = ","

    @classmethod
    def from_args(
        cls, maps: Sequence[str], time_format: str | None, tz: str, brand: str | None,
        delimiter: str = ",",
    ) -> CsvMapping:
        """Build from ``--map FIELD=COLUMN`` arguments.

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
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"--tz {tz!r}: unknown time zone") from None
        return cls(columns, time_format, tz, brand, delimiter)


def open_text(path: str | Path) -> IO[str]:
    """Open a file (or ``-`` for stdin) as UTF-8 text, replacing undecodable bytes."""
    if str(path) == "-":
        import sys

        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    try:
        return open(path, encoding="utf-8", errors="replace", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open: {exc.strerror}") from None


def _row_to_obj(row: dict[str, Any], mapping: CsvMapping, tz: ZoneInfo, number: int) -> dict[str, Any]:
    cols = mapping.columns
    obj: dict[str, Any] = {}
    for key in ("id", "brand", "text", "created_at", "source", "lang", "url", "in_reply_to"):
        column = cols.get(key, key if key in row else "")
        value = row.get(column) if column else None
        if value not in (None, ""):
            obj[key] = value
    for key, value in (("author", "author."), ("metrics", "metrics.")):
        sub = {k[len(value):]: row.get(c) for k, c in cols.items() if k.startswith(value)}
        sub = {k: v for k, v in sub.items() if v not in (None, "")}
        if sub:
            obj[key] = sub
    for numeric in ("followers", "likes", "shares", "replies"):
        for parent in ("author", "metrics"):
            part = obj.get(parent)
            if isinstance(part, dict) and numeric in part:
                try:
                    part[numeric] = float(str(part[numeric]).replace(",", ""))
                except ValueError:
                    raise InvalidMention(f"{parent}.{numeric}", "not a number") from None
    if "brand" not in obj and mapping.brand:
        obj["brand"] = mapping.brand
    if "id" not in obj and "text" in obj:
        digest = hashlib.blake2b(f"{number}|{obj.get('created_at')}|{obj['text']}".encode(),
                                 digest_size=8).hexdigest()
        obj["id"] = f"csv-{digest}"
    if mapping.time_format and isinstance(obj.get("created_at"), str):
        try:
            at = datetime.strptime(obj["created_at"].strip(), mapping.time_format)  # noqa: DTZ007 (tz set below)
        except ValueError:
            raise InvalidMention("created_at", f"does not match --time-format "
                                 f"{mapping.time_format!r}: {obj['created_at'][:40]!r}") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=tz)
        obj["created_at"] = format_time(at)
    elif isinstance(obj.get("created_at"), str) and _naive(obj["created_at"]):
        obj["created_at"] = format_time(datetime.fromisoformat(obj["created_at"]).replace(tzinfo=tz))
    return obj


def _naive(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.strip()).tzinfo is None
    except ValueError:
        return False


RawRow = tuple[int, "str | dict[str, Any] | InvalidMention"]


def read_raw(path: str | Path, mapping: CsvMapping | None = None) -> Iterator[RawRow]:
    """Yield ``(line, raw)`` without validating: a JSON line (str), a mapped CSV row
    (dict) or, for a CSV row that cannot be mapped, the error. Validation can then
    run in worker processes (:func:`detectors.events.mention_from_json` /
    :func:`detectors.events.parse_mention`).
    """
    name = str(path).lower()
    is_csv = name.endswith((".csv", ".tsv")) or (mapping is not None and bool(mapping.columns))
    stream = open_text(path)
    with stream:
        if not is_csv:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield number, line
            return
        if mapping is None:
            mapping = CsvMapping()
        if name.endswith(".tsv"):
            mapping.delimiter = "\t"
        reader = csv.DictReader(stream, delimiter=mapping.delimiter)
        header = reader.fieldnames or []
        missing = [c for c in mapping.columns.values() if c not in header]
        if missing:
            raise ConfigError(f"CSV has no column(s) {', '.join(map(repr, missing))}; "
                              f"columns are: {', '.join(header[:30])}")
        tz = ZoneInfo(mapping.tz)
        for row in reader:
            try:
                yield reader.line_num, _row_to_obj(row, mapping, tz, reader.line_num)
            except InvalidMention as exc:
                yield reader.line_num, exc


def read_mentions(path: str | Path, mapping: CsvMapping | None = None) -> Iterator[Row]:
    """Read and validate a JSONL or CSV file (CSV when it ends in .csv/.tsv or is mapped)."""
    for number, raw in read_raw(path, mapping):
        if isinstance(raw, InvalidMention):
            yield number, raw
            continue
        try:
            yield number, (mention_from_json(raw) if isinstance(raw, str) else parse_mention(raw))
        except InvalidMention as exc:
            yield number, exc


def dump_json(obj: Any) -> str:
    """Compact, stable JSON for output lines."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
