"""TopicView reaches "caught up" after a topic reset, whatever end offsets it saw before.

The race (a topic recreated while the view is still reading it) cannot be timed
against the embedded broker, so a scripted consumer plays the broker's answers;
the view's code is the real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import TopicPartition

from streams.wire import views
from streams.wire.views import TopicView

TOPIC = "t.promotion.control"
TP = TopicPartition(TOPIC, 0)


@dataclass
class Rec:
    offset: int
    key: bytes
    value: bytes


class ScriptedTopic:
    """One partition whose records can be replaced (the topic recreated)."""

    def __init__(self, n: int) -> None:
        self.records = [Rec(i, f"k{i}".encode(), b"{}") for i in range(n)]

    def recreate(self, n: int) -> None:
        self.records = [Rec(i, f"new{i}".encode(), b"{}") for i in range(n)]


class ScriptedConsumer:
    """Serves ``topic`` like aiokafka: positions, end offsets, batches of ``batch`` records.

    ``on_fetch`` runs before each fetch (the test recreates the topic there).
    """

    def __init__(self, topic: ScriptedTopic, batch: int, on_fetch: Any) -> None:
        self.topic, self.batch, self.on_fetch = topic, batch, on_fetch
        self.pos = 0
        self.fetches = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def assign(self, tps: list[TopicPartition]) -> None:
        assert tps == [TP]

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {TP: len(self.topic.records)}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.pos = offset

    async def seek_to_beginning(self, *tps: TopicPartition) -> None:
        self.pos = 0

    async def position(self, tp: TopicPartition) -> int:
        return self.pos

    async def getmany(self, timeout_ms: int = 0, max_records: int = 0
                      ) -> dict[TopicPartition, list[Rec]]:
        self.on_fetch(self.fetches)
        self.fetches += 1
        recs = self.topic.records
        if self.pos > len(recs):  # out of range on the new topic: auto_offset_reset=earliest
            self.pos = 0
        out = recs[self.pos:self.pos + self.batch]
        self.pos += len(out)
        await asyncio.sleep(0)
        return {TP: out} if out else {}


def run_view(consumer: ScriptedConsumer, monkeypatch: pytest.MonkeyPatch, seconds: float
             ) -> TopicView:
    monkeypatch.setattr(views, "AIOKafkaConsumer", lambda **kw: consumer)
    view = TopicView(["127.0.0.1:1"], [TOPIC], partitions=1)

    async def main() -> None:
        task = asyncio.create_task(view.run())
        try:
            await asyncio.wait_for(view.caught_up.wait(), seconds)
        except TimeoutError:
            pass
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    return view


@pytest.fixture
def quick_reset_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(views, "RESET_CHECK_SECONDS", 0.0)
    yield


def test_catches_up_when_the_topic_is_recreated_with_fewer_records_mid_read(monkeypatch):
    """The view read 4 of 10 records; the topic is then recreated with 3: the view notices
    the offsets going back, reads the new topic and is caught up at its end (3), not
    stuck waiting for offset 10 of the lost topic (the restarted worker's hang)."""
    topic = ScriptedTopic(10)
    consumer = ScriptedConsumer(topic, batch=4, on_fetch=lambda n: n == 1 and topic.recreate(3))
    view = run_view(consumer, monkeypatch, 2.0)
    assert view.caught_up.is_set(), "stuck behind the end offset of the lost topic"
    assert view.reset_at is not None
    assert view.keys(TOPIC) == ["new0", "new1", "new2"]


def test_catches_up_after_a_reset_seen_by_the_end_offset_check(monkeypatch, quick_reset_check):
    """The periodic end-offset check finds the partition emptied while the view was still
    reading (no record went backwards): the view re-reads and is caught up at the new end."""
    topic = ScriptedTopic(10)

    def fetch(n: int) -> None:
        if n == 1:
            topic.recreate(0)
        if n == 3:
            topic.recreate(1)

    view = run_view(ScriptedConsumer(topic, batch=2, on_fetch=fetch), monkeypatch, 2.0)
    assert view.caught_up.is_set()
    assert view.reset_at is not None and view.keys(TOPIC) == ["new0"]


def test_catches_up_when_the_end_was_captured_before_the_topic_was_recreated(monkeypatch):
    """The view asks for the end offsets (10, the lost topic), then the topic is recreated
    with 3 records before its first fetch: nothing goes backwards, but once a fetch comes
    back empty the end reported then (3) counts, and the view is caught up."""
    topic = ScriptedTopic(10)
    consumer = ScriptedConsumer(topic, batch=2, on_fetch=lambda n: n == 0 and topic.recreate(3))
    view = run_view(consumer, monkeypatch, 2.0)
    assert view.caught_up.is_set(), "stuck behind an end offset captured before the reset"
    assert view.keys(TOPIC) == ["new0", "new1", "new2"]
