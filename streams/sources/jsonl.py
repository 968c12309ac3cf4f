"""JSON lines: one mention object per line, the wire format itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from streams.sources.base import ImportNotes, RawRow, ReadOptions, open_bytes


def read_jsonl(path: str | Path, options: ReadOptions, notes: ImportNotes) -> Iterator[RawRow]:
    """Yield ``(line, bytes)`` for every non-blank line, undecoded.

    The bytes are checked exactly as the stream checks a message (UTF-8, JSON, the
    mention schema) by :func:`detectors.events.mention_from_json`, possibly in
    another process.

    Args:
        path: the file, or ``-`` for standard input.
        options: unused (JSON lines need no mapping).
        notes: unused (nothing is changed).
    """
    with open_bytes(path) as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield number, line
