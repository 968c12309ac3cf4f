"""The mention event: parsing and validation.

A mention is one post about a brand (schema in ``docs/``/``DESIGN.md``). Parsing
never guesses: anything missing or malformed raises :class:`InvalidMention`
naming the field, so the caller can route the message to the dead-letter topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from detectors.errors import InvalidMention

BRAND_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_TEXT_CHARS = 20_000
MAX_ID_CHARS = 256
MAX_MESSAGE_BYTES = 256_000
DEFAULT_MAX_FUTURE = timedelta(minutes=15)
_KNOWN = frozenset({"id", "brand", "text", "created_at", "source", "lang", "author", "url",
                    "in_reply_to", "metrics"})
_FEW = 4  # id, brand, text, created_at: with no more keys there is nothing extra
_LANG_RE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")


@dataclass(slots=True)
class Mention:
    """One validated mention. ``created_at`` is always timezone-aware (UTC).

    Treated as immutable (not ``frozen``: that makes building one six times slower).
    """

    id: str
    brand: str
    text: str
    created_at: datetime
    source: str | None = None
    lang: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    followers: int = 0
    url: str | None = None
    in_reply_to: str | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ts(self) -> float:
        """Event time as POSIX seconds."""
        return self.created_at.timestamp()

    @property
    def author_key(self) -> str:
        """Who wrote it: author id, else handle, else the mention id (one post, one voice)."""
        return self.author_id or (self.author_handle or "").lower() or f"mention:{self.id}"

    def to_dict(self) -> dict[str, Any]:
        """The mention as a JSON-ready dict in the wire schema (unknown fields kept)."""
        out: dict[str, Any] = dict(self.extra)
        out.update(
            id=self.id,
            brand=self.brand,
            text=self.text,
            created_at=format_time(self.created_at),
        )
        for key in ("source", "lang", "url", "in_reply_to"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.author_id or self.author_handle or self.followers:
            out["author"] = {
                k: v
                for k, v in (
                    ("id", self.author_id),
                    ("handle", self.author_handle),
                    ("followers", self.followers),
                )
                if v is not None
            }
        if self.likes or self.shares or self.replies:
            out["metrics"] = {"likes": self.likes, "shares": self.shares, "replies": self.replies}
        return out


def format_time(at: datetime, *, milliseconds: bool | None = None, local: bool = False) -> str:
    """RFC 3339: in UTC with a ``Z`` suffix, seconds precision unless sub-second.

    Args:
        at: a timezone-aware time.
        milliseconds: always (``True``) or never (``False``) show milliseconds; by
            default only when the time has a fraction of a second.
        local: keep ``at``'s own offset (``+02:00``) instead of converting to UTC.
    """
    if not local:
        at = at.astimezone(timezone.utc)
    if milliseconds is None:
        milliseconds = bool(at.microsecond)
    text = at.isoformat(timespec="milliseconds" if milliseconds else "seconds")
    return text.replace("+00:00", "Z")


def iso(ts: float, *, milliseconds: bool | None = None) -> str:
    """POSIX seconds as RFC 3339 UTC (see :func:`format_time`)."""
    return format_time(datetime.fromtimestamp(ts, tz=timezone.utc), milliseconds=milliseconds)


def read_time(value: str, time_format: str | None = None, field_name: str = "created_at") -> datetime:
    """Parse an RFC 3339 timestamp (or one in a strptime ``time_format``), keeping it
    naive when it has no offset: the caller decides what such a time means.

    Args:
        value: the text.
        time_format: a strptime format (``--time-format`` of a CSV export), or ``None``
            for RFC 3339 / ISO 8601.
        field_name: named in the error.

    Raises:
        InvalidMention: naming ``field_name`` when the text is not such a time.
    """
    text = value.strip()
    if time_format is not None:
        try:
            return datetime.strptime(text, time_format)  # noqa: DTZ007 - naive on purpose, see above
        except ValueError:
            raise InvalidMention(field_name, f"does not match --time-format {time_format!r}: "
                                 f"{value[:40]!r}") from None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidMention(field_name, f"not an RFC 3339 timestamp: {value[:40]!r}") from None


def parse_time(value: Any, field_name: str = "created_at") -> datetime:
    """Parse an RFC 3339 timestamp into UTC; naive times are rejected.

    Args:
        value: the raw value.
        field_name: named in the error.
    """
    if not isinstance(value, str):
        raise InvalidMention(field_name, f"must be an RFC 3339 string, got {type(value).__name__}",
                              code="wrong_type")
    at = read_time(value, None, field_name)
    if at.tzinfo is None:
        raise InvalidMention(field_name, "timestamp has no timezone offset")
    return at.astimezone(timezone.utc)


def _opt_str(obj: dict[str, Any], key: str, limit: int = 2048) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("id", "in_reply_to"):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidMention(key, f"must be a string, got {type(value).__name__}", code="wrong_type")
    if len(value) > limit:
        raise InvalidMention(key, f"longer than {limit} characters", code="too_large")
    return value


def _count(obj: dict[str, Any], key: str, where: str) -> int:
    value = obj.get(key, 0)
    if value.__class__ is int and 0 <= value <= 10**12:
        return value  # the common case, checked first
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidMention(f"{where}.{key}", f"must be a number, got {type(value).__name__}",
                              code="wrong_type")
    if value < 0 or value != value:
        raise InvalidMention(f"{where}.{key}", "must be a non-negative number")
    return int(min(value, 10**12))


def parse_mention(
    obj: Any,
    *,
    now: datetime | None = None,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
) -> Mention:
    """Validate a decoded JSON object and build a :class:`Mention`.

    Args:
        obj: the decoded message.
        now: wall-clock time for the far-future check (skipped when ``None``,
            e.g. in replays).
        max_future: how far ahead of ``now`` a ``created_at`` may be.

    Raises:
        InvalidMention: naming the first offending field.
    """
    if not isinstance(obj, dict):
        raise InvalidMention("$", f"must be a JSON object, got {type(obj).__name__}", code="not_object")
    for key in ("id", "brand", "text", "created_at"):
        if obj.get(key) is None:
            raise InvalidMention(key, "required field is missing", code="missing_field")
    mention_id = _opt_str(obj, "id", MAX_ID_CHARS)
    if not mention_id:
        raise InvalidMention("id", "must not be empty")
    brand_raw = obj["brand"]
    if not isinstance(brand_raw, str):
        raise InvalidMention("brand", f"must be a string, got {type(brand_raw).__name__}", code="wrong_type")
    brand = brand_raw.strip().lower()
    if not BRAND_RE.match(brand):
        raise InvalidMention("brand", "must be a slug: a-z, 0-9, '.', '_', '-', at most 64 chars")
    text = obj["text"]
    if not isinstance(text, str):
        raise InvalidMention("text", f"must be a string, got {type(text).__name__}", code="wrong_type")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidMention("text", f"longer than {MAX_TEXT_CHARS} characters ({len(text)})",
                             code="too_large")
    created_at = parse_time(obj["created_at"])
    if now is not None and created_at - now > max_future:
        raise InvalidMention("created_at", f"more than {max_future} in the future", code="far_future")
    lang = _opt_str(obj, "lang", 16)
    if lang is not None:
        if not _LANG_RE.match(lang):
            raise InvalidMention("lang", f"not an ISO 639-1 code: {lang!r}")
        lang = lang[:2].lower() if len(lang) == 2 or lang[2] in "-_" else lang.lower()
    author = obj.get("author") or {}
    if not isinstance(author, dict):
        raise InvalidMention("author", "must be an object", code="wrong_type")
    metrics = obj.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise InvalidMention("metrics", "must be an object", code="wrong_type")
    author_id = author.get("id")
    if isinstance(author_id, int) and not isinstance(author_id, bool):
        author_id = str(author_id)
    if author_id is not None and not isinstance(author_id, str):
        raise InvalidMention("author.id", "must be a string", code="wrong_type")
    handle = author.get("handle")
    if handle is not None and not isinstance(handle, str):
        raise InvalidMention("author.handle", "must be a string", code="wrong_type")
    return Mention(
        id=mention_id,
        brand=brand,
        text=text,
        created_at=created_at,
        source=(_opt_str(obj, "source", 64) or None),
        lang=lang,
        author_id=author_id or None,
        author_handle=handle or None,
        followers=_count(author, "followers", "author"),
        url=_opt_str(obj, "url"),
        in_reply_to=_opt_str(obj, "in_reply_to", MAX_ID_CHARS),
        likes=_count(metrics, "likes", "metrics"),
        shares=_count(metrics, "shares", "metrics"),
        replies=_count(metrics, "replies", "metrics"),
        extra={k: v for k, v in obj.items() if k not in _KNOWN} if len(obj) > _FEW else {},
    )


def mention_from_json(
    data: bytes | str | None,
    *,
    now: datetime | None = None,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
) -> Mention:
    """Decode one JSON message (bytes must be UTF-8) and validate it.

    Args:
        data: the raw message value.
        now: wall-clock time for the far-future check, or ``None``.
        max_future: how far ahead of ``now`` a ``created_at`` may be.

    Raises:
        InvalidMention: with field ``$`` for undecodable or oversized input.
    """
    if not data:
        raise InvalidMention("$", "empty message (a tombstone or a blank value)", code="empty_value")
    if len(data) > MAX_MESSAGE_BYTES:
        raise InvalidMention("$", f"message larger than {MAX_MESSAGE_BYTES} bytes", code="too_large")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMention("$", f"not valid UTF-8 (byte {exc.start})", code="invalid_utf8") from None
    try:
        obj = orjson.loads(data)  # strict JSON (no NaN), a third of json.loads' time
    except (orjson.JSONDecodeError, RecursionError) as exc:
        raise InvalidMention("$", f"not valid JSON: {exc}", code="invalid_json") from None
    return parse_mention(obj, now=now, max_future=max_future)
