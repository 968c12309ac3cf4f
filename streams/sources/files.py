"""The reader registry: one place that turns an input file into mentions, for both
``firebreak replay`` and ``firebreak ingest``.

A reader yields ``(line_number, raw)`` pairs (see :mod:`streams.sources.base`) so
callers count and report bad lines without stopping, and can validate in worker
processes. A new source (say a Reddit export) is one module with a reader,
registered here in :data:`READERS` with the file suffixes that select it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detectors.codec import dumps_str
from detectors.errors import ConfigError, InvalidMention
from detectors.events import Mention, mention_from_json, parse_mention
from streams.sources.base import ImportNotes, RawRow, Reader, ReadOptions, open_text
from streams.sources.csvfile import read_csv, read_tsv
from streams.sources.jsonl import read_jsonl

Row = tuple[int, Mention | InvalidMention]
READERS: dict[str, Reader] = {}
SUFFIXES: dict[str, str] = {}

__all__ = ["READERS", "ImportNotes", "ReadOptions", "read_raw", "read_mentions", "register_reader",
           "reader_name", "open_text", "dump_json", "validate"]


def register_reader(name: str, reader: Reader, *suffixes: str) -> None:
    """Make ``reader`` available as ``--format name`` and for files ending in ``suffixes``.

    Args:
        name: format name.
        reader: the reader function.
        suffixes: file suffixes (``.csv``) that select it by default.
    """
    READERS[name] = reader
    for suffix in suffixes:
        SUFFIXES[suffix] = name


register_reader("jsonl", read_jsonl, ".jsonl", ".ndjson", ".json")
register_reader("csv", read_csv, ".csv")
register_reader("tsv", read_tsv, ".tsv")


def reader_name(path: str | Path, options: ReadOptions) -> str:
    """The reader for ``path``: ``--format``, else by suffix; a file read with ``--map``
    is CSV whatever its name; anything else is JSON lines.

    Raises:
        ConfigError: for an unknown ``--format``.
    """
    if options.fmt:
        if options.fmt not in READERS:
            raise ConfigError(f"--format {options.fmt!r}: one of {', '.join(sorted(READERS))}")
        return options.fmt
    name = SUFFIXES.get(Path(str(path)).suffix.lower())
    if name is None or (name == "jsonl" and options.columns):
        name = "csv" if options.columns else "jsonl"
    return name


def read_raw(path: str | Path, options: ReadOptions | None = None,
             notes: ImportNotes | None = None) -> Iterator[RawRow]:
    """Yield ``(line, raw)`` without validating: a JSON line (bytes), a mapped CSV row
    (dict) or, for a CSV row that cannot be mapped, the error. Validate them with
    :func:`validate` (in this process or in a pool).

    Args:
        path: the input file, or ``-`` for standard input.
        options: format and column mapping (defaults: by suffix, no mapping).
        notes: receives what the reader changed (slugs, ids, times).
    """
    options = options or ReadOptions()
    reader = READERS[reader_name(path, options)]
    return reader(path, options, notes if notes is not None else ImportNotes())


def validate(raw: Any, **checks: Any) -> Mention:
    """The mention in one raw row, checked as the stream checks a message.

    Args:
        raw: what :func:`read_raw` yielded.
        checks: ``now`` and ``max_future`` for the far-future check (none in replays).

    Raises:
        InvalidMention: naming the field at fault.
    """
    if isinstance(raw, InvalidMention):
        raise raw
    if isinstance(raw, (bytes, str)):
        return mention_from_json(raw, **checks)
    return parse_mention(raw, **checks)


def read_mentions(path: str | Path, options: ReadOptions | None = None,
                  notes: ImportNotes | None = None) -> Iterator[Row]:
    """Read and validate an input file (see :func:`read_raw`)."""
    for number, raw in read_raw(path, options, notes):
        try:
            yield number, validate(raw)
        except InvalidMention as exc:
            yield number, exc


dump_json = dumps_str  # the one encoder (detectors.codec), under the name callers know
