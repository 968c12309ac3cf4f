"""Broker-free checks of the streaming building blocks (fast; no integration mark)."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry

from detectors.config import BrandBook
from detectors.errors import ConfigError, InvalidMention
from detectors.events import iso, mention_from_json
from streams.client.pauseflag import evaluate, may_publish
from streams.dev.demofeed import Timing
from streams.settings import load_settings
from streams.wire.messages import dlq_record, reason_code
from streams.wire.topics import partition_of
from streams.worker.detect import DetectCore
from streams.worker.metrics import create


def _obs(brand: str, i: int, label: str = "neu", mid: str | None = None) -> dict:
    return {"kind": "obs", "brand": brand, "ts": 1_772_000_000.0 + i, "id": mid or f"m{i}",
            "author": f"a{i}", "label": label, "compound": 0.0, "lang": "en"}


class TestDetectCore:
    def _core(self, store: dict) -> DetectCore:
        book = BrandBook.from_dict({"brands": {"acme": {}}})
        return DetectCore(book, create(CollectorRegistry(), brand_label=lambda b: b),
                          load=store.get)

    def test_replayed_offsets_are_skipped_after_recovery(self):
        """A message at or below the offset a stored state reflects counts once."""
        store: dict = {}
        core = self._core(store)
        for i in range(5):
            core.apply(_obs("acme", i), partition=0, offset=i)
        core.checkpoint(lambda b, v: store.__setitem__(b, v))
        fresh = self._core(store)  # another worker, recovered from the changelog
        for i in range(8):
            fresh.apply(_obs("acme", i), partition=0, offset=i)
        assert fresh.state("acme").mentions == 8

    def test_items_of_a_packed_record_count_once_and_a_replayed_record_not_again(self):
        """Several items of one brand in one packed record (one offset) all count; the same
        record read again by a recovered owner counts nothing; the next record counts."""
        store: dict = {}
        core = self._core(store)
        record = [_obs("acme", 0), _obs("globex", 1), _obs("acme", 2), _obs("acme", 3)]
        moved: set[str] = set()
        for item in record:
            core.apply(item, partition=1, offset=7, moved=moved)
        assert (core.state("acme").mentions, core.state("globex").mentions) == (3, 1)
        core.checkpoint(lambda b, v: store.__setitem__(b, v))
        fresh = self._core(store)
        moved = set()
        for item in record:
            assert fresh.apply(item, partition=1, offset=7, moved=moved) is None
        assert (fresh.state("acme").mentions, fresh.state("globex").mentions) == (3, 1)
        moved = set()
        fresh.apply(_obs("acme", 4), partition=1, offset=8, moved=moved)
        assert fresh.state("acme").mentions == 4

    def test_duplicate_ids_are_dropped_even_at_new_offsets(self):
        """A mention re-scored after a crash (same id, new offset) is not counted twice."""
        core = self._core({})
        core.apply(_obs("acme", 1, mid="x"), 0, 10)
        assert core.apply(_obs("acme", 2, mid="x"), 0, 11) is None
        assert core.state("acme").mentions == 1

    def test_a_row_does_not_share_meta(self):
        """The table keeps its own copy of meta, so later changes do not leak into it."""
        core = self._core({})
        core.apply(_obs("acme", 1), 0, 0)
        d = core.rows.row(core.state("acme"))
        core.state("acme").meta["ids"].append(1)
        assert len(d["meta"]["ids"]) == 1


class TestWire:
    @pytest.mark.parametrize("raw,code", [
        (b"\xff", "invalid_utf8"), (b"{", "invalid_json"), (b"[1]", "not_object"),
        (b'{"id": "1", "brand": "a", "created_at": "2026-01-01T00:00:00Z"}', "missing_field"),
        (b'{"id": "1", "brand": 5, "text": "t", "created_at": "2026-01-01T00:00:00Z"}',
         "wrong_type"),
        (None, "empty_value"), (b"", "empty_value"),
        (b'{"id": "1", "brand": "a", "text": "' + b"y" * 25_000 + b'", '
         b'"created_at": "2026-01-01T00:00:00Z"}', "too_large"),
        (b'{"id": "1", "brand": "US Airways", "text": "t", "created_at": "2026-01-01T00:00:00Z"}',
         "invalid_value"),
    ])
    def test_reason_codes(self, raw, code):
        """Each kind of bad input gets its own low-cardinality reason code."""
        with pytest.raises(InvalidMention) as exc:
            mention_from_json(raw)
        assert reason_code(exc.value) == code

    def test_dlq_record_keeps_origin_and_a_short_excerpt(self):
        """The DLQ record names topic/partition/offset and never carries the whole message."""
        rec = dlq_record(b"x" * 10_000, InvalidMention("$", "not valid JSON"), "m", 2, 7, 0.0)
        assert rec["origin"] == {"topic": "m", "partition": 2, "offset": 7}
        assert len(rec["excerpt"]) == 1024 and rec["size"] == 10_000


class TestPauseFlag:
    def test_fail_safe_rule(self):
        """Paused, stale or unreadable flags all mean: do not publish."""
        now = time.time()
        fresh = {"brand": "a", "paused": False, "updated_at": iso(now - 10)}
        assert may_publish(evaluate("a", fresh, source_ok=True, now=now))
        assert not may_publish(evaluate("a", {**fresh, "paused": True}, source_ok=True, now=now))
        stale = {"brand": "a", "paused": False, "updated_at": iso(now - 3600)}
        assert not may_publish(evaluate("a", stale, source_ok=True, now=now))
        assert not may_publish(evaluate("a", None, source_ok=False, now=now))
        assert may_publish(evaluate("a", None, source_ok=True, now=now))
        lost = evaluate("a", fresh, problem="flag data stale/lost: x", now=now)
        assert not may_publish(lost) and lost.why == "flag data stale/lost: x"
        assert not may_publish(evaluate("a", None, problem="flag data stale/lost: x", now=now))
        assert may_publish(evaluate("a", stale, max_age=None, now=now)), "a heartbeat vouches"


def test_settings_errors_name_the_setting(monkeypatch):
    """A bad environment value is reported with the FIREBREAK_ variable name."""
    monkeypatch.setenv("FIREBREAK_PARTITIONS", "0")
    with pytest.raises(ConfigError, match="FIREBREAK_PARTITIONS"):
        load_settings()


def test_api_token_is_never_shown(monkeypatch):
    """The token is a secret: not in the settings' repr."""
    monkeypatch.setenv("FIREBREAK_API_TOKEN", "s3cret-value")
    s = load_settings()
    assert "s3cret-value" not in repr(s) and s.writes_enabled()


def test_partition_is_stable():
    """The brand partition is the Kafka default partitioner's (same in every process)."""
    assert [partition_of("acme", 4) for _ in range(3)] == [partition_of("acme", 4)] * 3


def test_demo_timing_never_runs_ahead_of_the_wall_clock():
    """Live-part mentions are emitted no earlier than their event time."""
    t = Timing(start=1000.0)
    for minute in (179, 185, 200, 250, 400):
        assert t.emit_at(minute) >= t.event_time(minute)
    assert t.emit_at(100) == 1000.0 and t.event_time(100) < 1000.0
