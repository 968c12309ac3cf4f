"""The mention event as a JSON Schema, built from the validator's own limits.

Published as ``docs/schemas/mention.schema.json`` (and inside ``GET
/openapi.json``) so producers can check their messages before sending them. A
test holds the schema and :func:`detectors.events.parse_mention` to the same
answers on a table of valid and invalid mentions. Two checks need more than a
schema and are made by the validator only: that ``created_at`` is a real
calendar time, and that it is not far in the future (the stream's
``max_future``).
"""

from __future__ import annotations

from typing import Any

from detectors.events import MAX_ID_CHARS, MAX_TEXT_CHARS

SCHEMA_ID = "https://firebreak.invalid/schemas/mention.schema.json"
# RFC 3339 with a required offset (the validator also takes a space for the T)
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$"
# BRAND_RE after the validator's strip() and lower()
BRAND_PATTERN = r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{0,63}\s*$"
LANG_PATTERN = r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"
MAX_COUNT = 10**12  # larger counts are accepted and clipped


def _text(limit: int, description: str, *, nullable: bool = True) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": limit,
            "description": description}


def _id(description: str, *, required: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["string", "number"] if required else ["string", "number", "null"]}
    if required:
        out["minLength"] = 1
    return {**out, "maxLength": MAX_ID_CHARS,
            "description": description + " (a number is taken as its decimal text)"}


def _count(description: str) -> dict[str, Any]:
    return {"type": ["number", "null"], "minimum": 0, "description": description}


def mention_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one mention message."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Mention",
        "description": "One post about a brand, one JSON object per message on the mentions "
                       "topic or per array item of POST /api/v1/mentions. Unknown fields are "
                       "kept and ignored. The validator also rejects impossible calendar times "
                       "and times too far in the future.",
        "type": "object",
        "required": ["id", "brand", "text", "created_at"],
        "properties": {
            "id": _id("unique per source; duplicates are dropped", required=True),
            "brand": {"type": "string", "pattern": BRAND_PATTERN,
                      "description": "the brand slug: a-z, 0-9, '.', '_', '-', at most 64 chars "
                                     "(taken in lower case, surrounding spaces ignored)"},
            "text": _text(MAX_TEXT_CHARS, "the post's text", nullable=False),
            "created_at": {"type": "string", "pattern": RFC3339,
                           "description": "RFC 3339 time with an offset (event time)"},
            "source": _text(64, "x, facebook, instagram, reddit, reviews, news, …"),
            "lang": {"type": ["string", "null"], "maxLength": 16, "pattern": LANG_PATTERN,
                     "description": "ISO 639-1 hint, optionally with a region (en, en-GB)"},
            "url": _text(2048, "link to the post"),
            "in_reply_to": _id("id of the mention this one answers", required=False),
            "author": {
                "type": ["object", "null"],
                "properties": {
                    "id": {"type": ["string", "integer", "null"], "description": "author id"},
                    "handle": {"type": ["string", "null"], "description": "author handle"},
                    "followers": _count("followers (reach)"),
                },
            },
            "metrics": {
                "type": ["object", "null"],
                "properties": {"likes": _count("likes"), "shares": _count("shares"),
                               "replies": _count("replies")},
            },
        },
    }
