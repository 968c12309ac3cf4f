"""The Kafka pause-flag reader against the real embedded broker (no worker needed)."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaAdminClient

from streams.client.pauseflag import KafkaFlagReader, may_publish
from streams.wire.admin import ensure_topics
from streams.wire.base import at
from streams.wire.flags import HEARTBEAT_KEY, Heartbeat, PauseFlag
from streams.wire.messages import dumps
from tests.integration.kafkautil import producer, wait_for

pytestmark = pytest.mark.integration


def flag(brand: str, paused: bool, *, age: float = 0.0) -> bytes:
    now = time.time()
    return dumps(PauseFlag(brand=brand, paused=paused, reason="crisis: test" if paused else None,
                           since=at(now - 60), updated_at=at(now - age), state="normal").wire())


def heartbeat(age: float = 0.0) -> bytes:
    now = time.time()
    return dumps(Heartbeat(worker="test:1", updated_at=at(now - age),
                           started_at=at(now - 600)).wire())


def send_heartbeat(p, topic: str, age: float = 0.0) -> None:
    p.send(topic, key=HEARTBEAT_KEY.encode(), value=heartbeat(age))
    p.flush()


def test_reader_keeps_its_view_and_reads_only_new_records(broker, names):
    """After the first read, a change shows within seconds and only new records are read."""
    ensure_topics([broker.bootstrap], names, 2)
    p = producer(broker.bootstrap)
    for i in range(50):
        p.send(names.control, key=f"b{i}".encode(), value=flag(f"b{i}", paused=i == 7))
    send_heartbeat(p, names.control)
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        assert not may_publish(reader.get("b7")) and reader.get("b7").reason == "crisis: test"
        assert may_publish(reader.get("b8"))
        assert may_publish(reader.get("never-seen")), "no record on a healthy topic: not paused"
        read = reader.view.messages
        assert read == 51
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
    send_heartbeat(p, names.control)
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        bad = reader.get("garbled")
        assert bad.effective_paused and bad.why == "unreadable flag record"
        assert reader.get_all()["garbled"].effective_paused
        assert may_publish(reader.get("ok")) and may_publish(reader.get("gone"))


def test_no_or_stale_heartbeat_and_unreachable_broker_fail_safe(broker, names):
    """No heartbeat, an old one, a missing topic or no broker: every brand reads paused."""
    ensure_topics([broker.bootstrap], names, 1)
    p = producer(broker.bootstrap)
    p.send(names.control, key=b"calm", value=flag("calm", paused=False))
    p.flush()
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        for brand in ("calm", "other"):
            f = reader.get(brand)
            assert f.effective_paused and f.why.startswith("flag data stale/lost: no worker heartbeat")
        send_heartbeat(p, names.control, age=600)
        assert wait_for(lambda: "more than 120 s ago" in reader.get("calm").why, 10)
        send_heartbeat(p, names.control)
        assert wait_for(lambda: may_publish(reader.get("calm")), 10)
        assert may_publish(reader.get("other"))
    with KafkaFlagReader(broker.bootstrap, topic=names.control, max_age=5, timeout=20) as reader:
        assert may_publish(reader.get("calm"))
        assert wait_for(lambda: not may_publish(reader.get("calm")), 15), "max_age is the reader's"
    with KafkaFlagReader(broker.bootstrap, topic=names.prefix + "missing", timeout=2) as reader:
        assert reader.get("acme").effective_paused
    began = time.monotonic()
    with KafkaFlagReader(["127.0.0.1:1"], topic=names.control, timeout=2) as reader:
        f = reader.get("acme")
        assert f.effective_paused and f.why == "flag source unreachable or stale"
        again = time.monotonic()
        assert reader.get_all() == {} and reader.get("acme").effective_paused
        assert time.monotonic() - again < 0.5, "only the first question waits"
    assert time.monotonic() - began < 15


def test_topic_reset_holds_every_brand_until_a_worker_publishes_again(broker, names):
    """The flag topic deleted and created empty (a broker that lost its data): paused, then
    trusted again once a heartbeat newer than the reset arrives."""
    ensure_topics([broker.bootstrap], names, 2)
    p = producer(broker.bootstrap)
    p.send(names.control, key=b"hot", value=flag("hot", paused=True))
    p.send(names.control, key=b"calm", value=flag("calm", paused=False))
    send_heartbeat(p, names.control)
    with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=20) as reader:
        assert may_publish(reader.get("calm")) and not may_publish(reader.get("hot"))
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        try:
            admin.delete_topics([names.control])
            assert wait_for(lambda: names.control not in admin.list_topics(), 10)
            ensure_topics([broker.bootstrap], names, 2)
        finally:
            admin.close()
        assert wait_for(lambda: reader.view.reset_at is not None, 30), "reset not noticed"
        for brand in ("calm", "hot", "never-seen"):
            f = reader.get(brand)
            assert f.effective_paused and "topic was reset" in f.why, f
        p2 = producer(broker.bootstrap)
        send_heartbeat(p2, names.control)
        assert wait_for(lambda: may_publish(reader.get("calm")), 15)
        assert reader.get("hot").why == "no record: brand never paused"
