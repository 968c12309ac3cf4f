"""The Kafka pause-flag reader against the real embedded broker (no worker needed)."""

from __future__ import annotations

import time

import pytest

from streams.client.pauseflag import KafkaFlagReader, may_publish
from streams.wire.admin import ensure_topics
from streams.wire.base import at
from streams.wire.flags import PauseFlag
from streams.wire.messages import dumps
from tests.integration.kafkautil import producer, wait_for

pytestmark = pytest.mark.integration


def flag(brand: str, paused: bool, *, age: float = 0.0) -> bytes:
    now = time.time()
    return dumps(PauseFlag(brand=brand, paused=paused, reason="crisis: test" if paused else None,
                           since=at(now - 60), updated_at=at(now - age), state="normal").wire())


def test_reader_keeps_its_view_and_reads_only_new_records(broker, names):
    """After the first read, a change shows within seconds and only new records are read."""
    ensure_topics([broker.bootstrap], names, 2)
    p = producer(broker.bootstrap)
    for i in range(50):
        p.send(names.control, key=f"b{i}".encode(), value=flag(f"b{i}", paused=i == 7))
    p.flush()
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        assert not may_publish(reader.get("b7")) and reader.get("b7").reason == "crisis: test"
        assert may_publish(reader.get("b8"))
        assert may_publish(reader.get("never-seen")), "no record on a healthy topic: not paused"
        read = reader.view.messages
        assert read == 50
        for _ in range(100):
            reader.get("b8")
        assert reader.view.messages == read, "asking again re-read the topic"
        p.send(names.control, key=b"b8", value=flag("b8", paused=True))
        p.flush()
        assert wait_for(lambda: not may_publish(reader.get("b8")), 10)
        assert reader.view.messages == read + 1
        assert set(reader.get_all()) == {f"b{i}" for i in range(50)}


def test_unreadable_records_and_tombstones(broker, names):
    """A record that does not fit the model holds promotion; a tombstone removes the brand."""
    ensure_topics([broker.bootstrap], names, 2)
    p = producer(broker.bootstrap)
    p.send(names.control, key=b"ok", value=flag("ok", paused=False))
    p.send(names.control, key=b"garbled", value=b'{"brand": "garbled", "paused": "perhaps"}')
    p.send(names.control, key=b"gone", value=flag("gone", paused=True))
    p.send(names.control, key=b"gone", value=None)
    p.flush()
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        bad = reader.get("garbled")
        assert bad.effective_paused and bad.why == "unreadable flag record"
        assert reader.get_all()["garbled"].effective_paused
        assert may_publish(reader.get("ok")) and may_publish(reader.get("gone"))


def test_stale_topic_and_unreachable_broker_fail_safe(broker, names):
    """Only stale flags on the topic, a missing topic or no broker: every brand reads paused."""
    ensure_topics([broker.bootstrap], names, 1)
    p = producer(broker.bootstrap)
    p.send(names.control, key=b"old", value=flag("old", paused=False, age=3600))
    p.flush()
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        assert not may_publish(reader.get("old")) and not may_publish(reader.get("other"))
    with KafkaFlagReader(broker.bootstrap, topic=names.prefix + "missing", timeout=2) as reader:
        assert reader.get("acme").effective_paused
    began = time.monotonic()
    with KafkaFlagReader(["127.0.0.1:1"], topic=names.control, timeout=2) as reader:
        f = reader.get("acme")
        assert f.effective_paused and f.why == "flag source unreachable or stale"
        assert reader.get_all() == {}
    assert time.monotonic() - began < 15
