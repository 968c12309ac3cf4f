"""The detect hop applies a batch in chunks bounded by mentions and by time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from detectors.config import BrandBook
from streams.settings import load_settings
from streams.worker import scored
from streams.worker.detect import DetectCore
from streams.worker.metrics import create
from streams.worker.positions import Cursor
from streams.worker.scoring import pack

T0 = 1_772_000_000.0


@dataclass
class Msg:
    topic: str
    partition: int
    offset: int
    key: bytes | None = None


@dataclass
class Event:
    value: bytes
    message: Msg


def _packed(offset: int, n: int) -> Event:
    items = [orjson.dumps({"kind": "obs", "brand": f"b{i % 5}", "ts": T0 + offset * n + i,
                           "id": f"m{offset}-{i}", "author": f"a{offset}-{i}", "label": "neu",
                           "compound": 0.0, "lang": "en"}) for i in range(n)]
    (value,) = pack(items)
    return Event(value, Msg("mentions.scored", 0, offset))


def _rt() -> Any:
    metrics = create(CollectorRegistry(), brand_label=lambda b: "other")
    store: dict[str, Any] = {}
    core = DetectCore(BrandBook({}), metrics, load=store.get)
    settings = load_settings()
    return SimpleNamespace(
        core=core, metrics=metrics, cursor=Cursor(), pending=[], marker=lambda p: None,
        settings=settings, last_checkpoint=time.monotonic(),
        checkpoint_gap=settings.checkpoint_seconds, lock=asyncio.Lock(),
        stopping=False, generation=0)


class TestDetectChunk:
    def test_a_chunk_ends_after_its_time_even_mid_batch(self, monkeypatch: pytest.MonkeyPatch):
        """With no time left, a chunk still applies one record, then hands the lock back;
        the batch goes on from where it stopped until every record is applied."""
        rt, events = _rt(), [_packed(i, 20) for i in range(4)]
        monkeypatch.setattr(scored, "CHUNK_SECONDS", 0.0)
        assert asyncio.run(scored.detect_chunk(rt, events, 0)) == 1
        assert asyncio.run(scored.detect_chunk(rt, events, 1)) == 2
        assert len(rt.pending) == 2
        assert rt.core.state("b0").window.total == 8  # 2 records x 20 items, 1 in 5 for b0

    def test_a_chunk_ends_after_its_mention_count(self, monkeypatch: pytest.MonkeyPatch):
        """A chunk stops once it applied about DETECT_CHUNK mentions (whole records)."""
        rt, events = _rt(), [_packed(i, 20) for i in range(4)]
        monkeypatch.setattr(scored, "DETECT_CHUNK", 30)
        assert asyncio.run(scored.detect_chunk(rt, events, 0)) == 2

    def test_batch_applies_every_record_across_chunks(self, monkeypatch: pytest.MonkeyPatch):
        """detect_batch applies every record of the batch however small the chunks are."""
        rt, events = _rt(), [_packed(i, 10) for i in range(5)]
        monkeypatch.setattr(scored, "CHUNK_SECONDS", 0.0)
        asyncio.run(scored.detect_batch(rt, events))
        assert len(rt.pending) == 5
        assert sum(rt.core.state(f"b{i}").window.total for i in range(5)) == 50
