"""End to end on the embedded broker: mentions -> crisis -> pause flag, API and overrides."""

from __future__ import annotations

import pytest

from streams.client.http import http_json
from streams.client.pauseflag import HttpFlagReader, KafkaFlagReader, may_publish
from streams.wire.alert import AlertEvent
from tests.integration.kafkautil import (
    background,
    mention,
    producer,
    read_all,
    send_all,
    values,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_crisis_sets_pause_flag_visible_over_http_and_kafka(broker, names, workers):
    """A burst of negative posts puts the brand in crisis and its pause flag on, everywhere."""
    workers.ensure_topics()
    w = workers.start()
    p = producer(broker.bootstrap)
    send_all(p, names.mentions, background("acme") + background("globex"))
    send_all(p, names.mentions, [mention("acme", i, neg=True) for i in range(40)])

    def paused() -> bool:
        status, body = http_json(f"{w.url}/api/v1/brands/acme/promotion")
        return status == 200 and body["paused"]

    assert wait_for(paused, 30), "acme was not paused over HTTP within 30 s"
    flag = HttpFlagReader(w.url).get("acme")
    assert flag.paused and not may_publish(flag)
    assert flag.reason and flag.reason.startswith("crisis")

    with KafkaFlagReader(broker.bootstrap, topic=names.control) as kafka_flags:
        kflag = kafka_flags.get("acme")
        assert kflag.paused and kflag.effective_paused
        assert may_publish(kafka_flags.get("globex"))

    status, st = http_json(f"{w.url}/api/v1/brands/acme")
    assert status == 200 and st["state"] == "crisis" and st["reason"] and st["since"]
    alerts = [a for a in map(AlertEvent.from_wire, values(read_all(broker.bootstrap, names.alerts)))
              if a.kind == "crisis"]
    assert len(alerts) == 1 and alerts[0].fingerprint == st["crisis_id"]

    def listed() -> set[str]:
        return {b["brand"] for b in http_json(f"{w.url}/api/v1/brands")[1]["brands"]}

    assert wait_for(lambda: {"acme", "globex"} <= listed(), 10)
    # a healthy worker logs no ERROR (Faust's idle-stream checks are quieted: lognoise.py)
    assert w.log_file is not None
    assert [x for x in w.log_file.read_text().splitlines() if "[ERROR]" in x] == []


def test_overrides_need_the_token_and_are_recorded(broker, names, workers):
    """Writes: 401 with a wrong token, 422 for a bad 'why'; each is recorded by token name."""
    workers.ensure_topics()
    w = workers.start()
    send_all(producer(broker.bootstrap), names.mentions, background("acme", n=5))
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands/acme")[0] == 200, 20)
    url = f"{w.url}/api/v1/brands/acme"
    assert http_json(f"{url}/pause", method="POST", body={"by": "x"}, token="nope")[0] == 401
    assert http_json(f"{url}/pause", method="POST", body={"why": 5}, token=workers.token)[0] == 422
    status, body = http_json(f"{url}/pause", method="POST", token=workers.token,
                             body={"by": "ana", "why": "pre-emptive"})
    assert status == 200 and body["applied"] and body["promotion"]["paused"]
    assert body["by"] == "default" and body["requested_by"] == "ana"
    status, body = http_json(f"{url}/resume", method="POST", token=workers.token,
                             body={"by": "ben", "why": "statement out"})
    assert status == 200 and body["applied"] and not body["promotion"]["paused"]
    status, body = http_json(f"{url}/acknowledge", method="POST", token=workers.token,
                             body={"by": "ana"})
    assert status == 200 and body["applied"]
    st = http_json(url)[1]
    # who acted is the token's name (the single api_token is "default"), not the body's "by"
    assert [(o["action"], o["by"]) for o in st["overrides"]] == [
        ("pause", "default"), ("resume", "default"), ("acknowledge", "default")]
    assert st["overrides"][1]["why"] == "statement out" and st["overrides"][1]["at"]


def test_writes_disabled_without_token_and_mentions_endpoint(broker, names, workers):
    """No token configured: writes are 403. With a token, POST /api/v1/mentions produces."""
    workers.ensure_topics()
    w0 = workers.start(FIREBREAK_API_TOKEN="")
    status, _ = http_json(f"{w0.url}/api/v1/brands/acme/pause", method="POST", body={"by": "a"})
    assert status == 403
    w0.stop()
    w = workers.start()
    batch = [mention("globex", i, neg=False, prefix="api") for i in range(5)]
    batch.append({"id": "bad", "brand": "globex"})
    status, body = http_json(f"{w.url}/api/v1/mentions", method="POST", body=batch,
                             token=workers.token)
    assert status == 202 and body["accepted"] == 5
    assert body["rejected"][0]["index"] == 5 and body["rejected"][0]["field"] == "text"
    assert wait_for(lambda: (http_json(f"{w.url}/api/v1/brands/globex")[1] or {})
                    .get("mentions") == 5, 20)
    metrics = http_json(f"{w.url}/metrics")[1]
    assert 'firebreak_mentions_processed_total{brand="globex"' in metrics

