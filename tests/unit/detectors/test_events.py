"""Mention parsing: valid mentions round-trip; every bad one names its field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from detectors.errors import InvalidMention
from detectors.events import mention_from_json, parse_mention

GOOD = {
    "id": "m1", "brand": "Acme", "text": "hello", "created_at": "2026-03-02T10:00:00Z",
    "author": {"id": "u1", "handle": "Bob", "followers": 12}, "metrics": {"shares": 3},
    "lang": "en-GB", "custom": {"kept": True},
}


class TestValid:
    def test_required_and_optional_fields_are_read(self) -> None:
        m = parse_mention(GOOD)
        assert (m.id, m.brand, m.text, m.lang) == ("m1", "acme", "hello", "en")
        assert m.created_at == datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
        assert (m.author_id, m.followers, m.shares) == ("u1", 12, 3)

    def test_unknown_fields_are_kept_and_ignored(self) -> None:
        m = parse_mention(GOOD)
        assert m.extra == {"custom": {"kept": True}}
        assert m.to_dict()["custom"] == {"kept": True}

    def test_offsets_are_normalised_to_utc(self) -> None:
        m = parse_mention({**GOOD, "created_at": "2026-03-02T12:00:00+02:00"})
        assert m.created_at == datetime(2026, 3, 2, 10, tzinfo=timezone.utc)

    def test_round_trip_through_json(self) -> None:
        m = parse_mention(GOOD)
        again = mention_from_json(json.dumps(m.to_dict()))
        assert again == m

    def test_author_key_falls_back_to_mention_id(self) -> None:
        m = parse_mention({k: v for k, v in GOOD.items() if k != "author"})
        assert m.author_key == "mention:m1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"brand": None}, "brand"),
        ({"text": None}, "text"),
        ({"created_at": None}, "created_at"),
        ({"id": ""}, "id"),
        ({"brand": "not a slug!"}, "brand"),
        ({"brand": 7}, "brand"),
        ({"text": 42}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": "2026-03-02T10:00:00"}, "created_at"),
        ({"created_at": 1700000000}, "created_at"),
        ({"lang": "english please"}, "lang"),
        ({"author": "bob"}, "author"),
        ({"author": {"followers": "many"}}, "author.followers"),
        ({"author": {"followers": -1}}, "author.followers"),
        ({"metrics": {"likes": True}}, "metrics.likes"),
        ({"url": 5}, "url"),
    ],
)
def test_bad_field_is_named(change: dict[str, object], field: str) -> None:
    """Each malformed mention raises InvalidMention naming the offending field."""
    with pytest.raises(InvalidMention) as info:
        parse_mention({**GOOD, **change})
    assert info.value.field == field


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]", b'"text"', b"x" * 300_000,
     b'{"id": NaN}', b'{"id": "a", "n": 1e999999}', b"[" * 5000 + b"]" * 5000],
)
def test_undecodable_messages_are_rejected_as_a_whole(raw: bytes) -> None:
    """Bad JSON, invalid UTF-8, non-objects and oversized messages fail on field `$`."""
    with pytest.raises(InvalidMention) as info:
        mention_from_json(raw)
    assert info.value.field == "$"


def test_far_future_timestamps_are_rejected_only_with_a_clock() -> None:
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    future = {**GOOD, "created_at": "2026-03-05T00:00:00Z"}
    parse_mention(future)  # replays have no wall clock: accepted
    with pytest.raises(InvalidMention, match="future"):
        parse_mention(future, now=now, max_future=timedelta(minutes=5))


class TestTimes:
    """The one RFC 3339 parser/formatter (detectors/events.py)."""

    def test_format_time_precision_and_offset(self) -> None:
        from zoneinfo import ZoneInfo

        from detectors.events import format_time, iso

        at = datetime(2026, 3, 2, 12, 0, 5, tzinfo=ZoneInfo("Europe/Helsinki"))
        assert format_time(at) == "2026-03-02T10:00:05Z"
        assert format_time(at, milliseconds=True) == "2026-03-02T10:00:05.000Z"
        assert format_time(at, local=True) == "2026-03-02T12:00:05+02:00"
        assert iso(1.25) == "1970-01-01T00:00:01.250Z" and iso(1.25, milliseconds=False).endswith(":01Z")

    @pytest.mark.parametrize(("text", "fmt", "naive"), [
        ("2026-03-02T10:00:00Z", None, False), ("2026-03-02 10:00:00-0800", None, False),
        ("2026-03-02T10:00:00", None, True), ("02/03/2026 10:00", "%d/%m/%Y %H:%M", True),
        ("2026-03-02 10:00:00 -0800", "%Y-%m-%d %H:%M:%S %z", False),
    ])
    def test_read_time_keeps_a_missing_offset_missing(self, text: str, fmt: str | None,
                                                      naive: bool) -> None:
        from detectors.events import read_time

        at = read_time(text, fmt)
        assert (at.tzinfo is None) is naive and (at.day, at.hour) == (2, 10)

    def test_read_time_names_the_field(self) -> None:
        from detectors.events import read_time

        with pytest.raises(InvalidMention, match="updated_at: not an RFC 3339"):
            read_time("soon", field_name="updated_at")
        with pytest.raises(InvalidMention, match="does not match --time-format"):
            read_time("2026-03-02", "%d/%m/%Y")


def test_one_json_encoder_matches_the_standard_library() -> None:
    from detectors.codec import dumps, dumps_str

    obj = {"b": "Café ☕", "a": [1, 2.5, None, True]}
    assert dumps(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert dumps_str(obj, sort_keys=True) == '{"a":[1,2.5,null,true],"b":"Café ☕"}'
    assert dumps_str(obj, indent=2) == json.dumps(obj, ensure_ascii=False, indent=2)


def test_times_and_json_go_through_one_parser_and_one_encoder() -> None:
    """No module of detectors/ or streams/ parses or formats times, or encodes JSON, itself."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    owners = {"detectors/events.py": {"fromisoformat", "strptime", "isoformat"},
              "detectors/codec.py": {"dumps"}}
    found = []
    for path in sorted([*root.glob("detectors/**/*.py"), *root.glob("streams/**/*.py")]):
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"fromisoformat", "strptime",
                                                                 "isoformat", "strftime"}:
                if node.attr not in owners.get(rel, set()):
                    found.append(f"{rel}:{node.lineno} {node.attr}")
            if (isinstance(node, ast.Attribute) and node.attr == "dumps"
                    and isinstance(node.value, ast.Name) and node.value.id in {"json", "orjson"}
                    and rel != "detectors/codec.py"):
                found.append(f"{rel}:{node.lineno} {node.value.id}.dumps")
    assert found == []
