"""The published mention JSON Schema and the validator in detectors/events.py agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from detectors.errors import InvalidMention
from detectors.events import parse_mention
from detectors.schema import mention_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = Draft202012Validator(mention_schema())
BASE: dict[str, Any] = {"id": "m1", "brand": "acme", "text": "hello", "created_at": "2026-03-02T03:04:34Z"}


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in BASE.items() if k != key}


VALID: list[tuple[str, dict[str, Any]]] = [
    ("minimal", BASE),
    ("every optional field", {**BASE, "source": "x", "lang": "en", "url": "https://x.com/p/1",
                              "in_reply_to": "m0", "author": {"id": "a1", "handle": "ana",
                                                              "followers": 10},
                              "metrics": {"likes": 1, "shares": 2, "replies": 3}}),
    ("numeric id (spreadsheet exports)", {**BASE, "id": 570306133677760513}),
    ("float id", {**BASE, "id": 5.70306e17}),
    ("brand in capitals and with spaces around", {**BASE, "brand": " ACME "}),
    ("brand of 64 characters", {**BASE, "brand": "a" * 64}),
    ("offset time", {**BASE, "created_at": "2026-03-02T05:04:34+02:00"}),
    ("fractional seconds", {**BASE, "created_at": "2026-03-02T03:04:34.123456Z"}),
    ("space for T, no seconds", {**BASE, "created_at": "2026-03-02 03:04Z"}),
    ("empty text", {**BASE, "text": ""}),
    ("text at the limit", {**BASE, "text": "é" * 20_000}),
    ("lang with a region", {**BASE, "lang": "pt-BR"}),
    ("lang of three letters", {**BASE, "lang": "fil"}),
    ("nulls for optional fields", {**BASE, "lang": None, "source": None, "url": None,
                                   "author": None, "metrics": None, "in_reply_to": None}),
    ("integer author id", {**BASE, "author": {"id": 42}}),
    ("counts as floats, huge counts", {**BASE, "metrics": {"likes": 2.0, "shares": 10**15}}),
    ("numeric in_reply_to", {**BASE, "in_reply_to": 12345}),
    ("unknown fields kept", {**BASE, "campaign": {"x": [1, 2]}, "sentiment_hint": -1}),
]

INVALID: list[tuple[str, Any]] = [
    ("not an object", ["id", "m1"]),
    ("a string", "hello"),
    ("no id", without("id")),
    ("no brand", without("brand")),
    ("no text", without("text")),
    ("no created_at", without("created_at")),
    ("null id", {**BASE, "id": None}),
    ("empty id", {**BASE, "id": ""}),
    ("id too long", {**BASE, "id": "x" * 257}),
    ("boolean id", {**BASE, "id": True}),
    ("brand not a slug", {**BASE, "brand": "US Airways"}),
    ("brand too long", {**BASE, "brand": "a" * 65}),
    ("brand starts with a dash", {**BASE, "brand": "-acme"}),
    ("brand a number", {**BASE, "brand": 7}),
    ("text a number", {**BASE, "text": 5}),
    ("text too long", {**BASE, "text": "a" * 20_001}),
    ("time without offset", {**BASE, "created_at": "2026-03-02T03:04:34"}),
    ("time as a number", {**BASE, "created_at": 1772420674}),
    ("time in words", {**BASE, "created_at": "yesterday"}),
    ("lang in words", {**BASE, "lang": "English"}),
    ("lang a number", {**BASE, "lang": 1}),
    ("source too long", {**BASE, "source": "s" * 65}),
    ("url too long", {**BASE, "url": "u" * 2049}),
    ("author a list", {**BASE, "author": ["ana"]}),
    ("author handle a number", {**BASE, "author": {"handle": 5}}),
    ("author id a list", {**BASE, "author": {"id": ["a"]}}),
    ("negative followers", {**BASE, "author": {"followers": -1}}),
    ("followers as text", {**BASE, "author": {"followers": "many"}}),
    ("likes a boolean", {**BASE, "metrics": {"likes": True}}),
    ("metrics a number", {**BASE, "metrics": 3}),
]

# the validator is the judge of two things a schema cannot say (see detectors/schema.py)
VALIDATOR_ONLY: list[tuple[str, dict[str, Any]]] = [
    ("no such day", {**BASE, "created_at": "2026-02-30T03:04:34Z"}),
    ("no such hour", {**BASE, "created_at": "2026-03-02T25:04:34Z"}),
]


def validator_accepts(obj: Any) -> bool:
    try:
        parse_mention(obj)
    except InvalidMention:
        return False
    return True


@pytest.mark.parametrize("obj", [o for _, o in VALID], ids=[n for n, _ in VALID])
def test_valid_mentions_pass_both(obj):
    """A mention the schema accepts, the validator accepts too (and the reverse)."""
    assert SCHEMA.is_valid(obj) and validator_accepts(obj)


@pytest.mark.parametrize("obj", [o for _, o in INVALID], ids=[n for n, _ in INVALID])
def test_invalid_mentions_fail_both(obj):
    """A mention the validator refuses, the schema refuses too."""
    assert not validator_accepts(obj) and not SCHEMA.is_valid(obj)


@pytest.mark.parametrize("obj", [o for _, o in VALIDATOR_ONLY], ids=[n for n, _ in VALIDATOR_ONLY])
def test_impossible_calendar_times_are_the_validators_alone(obj):
    """Impossible dates match the schema's RFC 3339 pattern; only the validator refuses them."""
    assert SCHEMA.is_valid(obj) and not validator_accepts(obj)


def test_schema_is_valid_json_schema():
    """The schema itself is a valid draft 2020-12 schema."""
    Draft202012Validator.check_schema(mention_schema())


def test_published_file_is_the_generated_schema():
    """docs/schemas/mention.schema.json is what the code builds.

    Regenerate with ``python -m streams.api.openapi docs``.
    """
    published = json.loads((ROOT / "docs/schemas/mention.schema.json").read_text(encoding="utf-8"))
    assert published == mention_schema()
