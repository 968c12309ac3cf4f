"""CSV (and TSV) exports: columns mapped onto the mention schema.

An export as people have it, e.g. Kaggle's airline tweets saved through a
spreadsheet, reads with one ``--map`` per column: brand names become slugs
("US Airways" -> ``us-airways``), ids a spreadsheet turned into numbers like
``5.70306E+17`` are replaced by ids derived from the post, and times without an
offset are read in ``--tz``. Each of these is counted in :class:`ImportNotes`
and said in the summary.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Any

from detectors.errors import ConfigError, InvalidMention
from detectors.events import BRAND_RE, format_time, read_time
from streams.sources.base import ImportNotes, RawRow, ReadOptions, open_text, zone

_PLAIN = ("id", "brand", "text", "created_at", "source", "lang", "url", "in_reply_to")
# what a spreadsheet shows for a long number: 5.70306E+17 (the digits after the 6th are gone)
SPREADSHEET_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE]\+?\d+$")
_SPACED_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")  # "2015-02-24 11:35:52 -0800"
_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")


def slugify(name: str) -> str:
    """A brand slug made of a name: ``"US Airways"`` -> ``us-airways``, ``"Café Nord"``
    -> ``cafe-nord``; empty when nothing usable is left."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", text).strip("-._")[:64].rstrip("-._")


def derived_id(obj: dict[str, Any]) -> str:
    """A stable id made of what identifies a post: brand, time, author and text
    (the same post read twice gets the same id, so it is still de-duplicated)."""
    author = obj.get("author") or {}
    key = "|".join(str(x) for x in (obj.get("brand"), obj.get("created_at"), author.get("id"),
                                     author.get("handle"), obj.get("text")))
    return "csv-" + hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=10).hexdigest()


class _Mapper:
    """Turns one CSV row into a mention object, noting what it changed."""

    def __init__(self, options: ReadOptions, notes: ImportNotes) -> None:
        self.options, self.notes = options, notes
        self.tz: tzinfo = zone(options.tz or "UTC")
        notes.tz = options.tz
        notes.id_column = options.columns.get("id", "id")

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        cols = self.options.columns
        obj: dict[str, Any] = {}
        for key in _PLAIN:
            column = cols.get(key, key if key in row else "")
            value = row.get(column) if column else None
            if value not in (None, ""):
                obj[key] = value
        for parent in ("author", "metrics"):
            sub = {k[len(parent) + 1:]: row.get(c) for k, c in cols.items()
                   if k.startswith(parent + ".") and row.get(c) not in (None, "")}
            if sub:
                obj[parent] = sub
        for parent, numeric in (("author", "followers"), ("metrics", "likes"),
                                ("metrics", "shares"), ("metrics", "replies")):
            part = obj.get(parent)
            if part and numeric in part:
                try:
                    part[numeric] = float(str(part[numeric]).replace(",", ""))
                except ValueError:
                    raise InvalidMention(f"{parent}.{numeric}", "not a number") from None
        if "brand" not in obj and self.options.brand:
            obj["brand"] = self.options.brand
        elif "brand" in obj and self.options.slugify_brands:
            obj["brand"] = self._slug(obj["brand"])
        if isinstance(obj.get("created_at"), str):
            obj["created_at"] = self._time(obj["created_at"])
        self._id(obj)
        return obj

    def _slug(self, name: str) -> str:
        plain = name.strip().lower()
        if BRAND_RE.match(plain):
            return plain
        slug = self.notes.slugs.get(name)
        if slug is None:
            slug = slugify(name)
            if not slug:
                return name  # nothing to make a slug of: the validator names the field
            self.notes.slugs[name] = slug
        return slug

    def _time(self, text: str) -> str:
        fmt = self.options.time_format
        at = read_time(text if fmt else _SPACED_OFFSET.sub("", text.strip()), fmt)
        if at.tzinfo is None:
            self.notes.naive_times += 1
            at = at.replace(tzinfo=self.tz)
        return format_time(at)

    def _id(self, obj: dict[str, Any]) -> None:
        policy, notes = self.options.ids, self.notes
        value = obj.get("id")
        if value is not None and SPREADSHEET_NUMBER.match(value.strip()):
            notes.spreadsheet_ids += 1
            notes.id_example = notes.id_example or value.strip()
            if policy == "keep":
                return
        elif value is not None and policy != "derive":
            return
        if "text" in obj:
            obj["id"] = derived_id(obj)
            notes.derived_ids += 1


def read_csv(path: str | Path, options: ReadOptions, notes: ImportNotes) -> Iterator[RawRow]:
    """Yield ``(line, mention object)`` per row, or ``(line, error)`` for a row that
    cannot be mapped; the objects are validated later (maybe in another process).

    Args:
        path: the file, or ``-`` for standard input.
        options: the column mapping and what to do with names, ids and times.
        notes: counts of what was changed, for the summary.

    Raises:
        ConfigError: when a mapped column is not in the header.
    """
    mapper = _Mapper(options, notes)
    with open_text(path) as stream:
        reader = csv.DictReader(stream, delimiter=options.delimiter)
        header = reader.fieldnames or []
        missing = [c for c in options.columns.values() if c not in header]
        if missing:
            raise ConfigError(f"CSV has no column(s) {', '.join(map(repr, missing))}; "
                              f"columns are: {', '.join(header[:30])}")
        for row in reader:
            try:
                yield reader.line_num, mapper(row)
            except InvalidMention as exc:
                yield reader.line_num, exc


def read_tsv(path: str | Path, options: ReadOptions, notes: ImportNotes) -> Iterator[RawRow]:
    """:func:`read_csv` with tab-separated fields."""
    options.delimiter = "\t"
    return read_csv(path, options, notes)
