"""The broker goes away, and comes back empty: not ready, one line, no crash loop, and the
pauses it held survive (re-published by the stopping worker, adopted by the next one)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.client.http import http_json
from streams.client.pauseflag import HttpFlagReader, KafkaFlagReader, may_publish
from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import Workers
from tests.integration.faultutil import metric, wait_metric
from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration
CARRIED = "pause carried over from before the broker reset"
REBUILT = "flag data rebuilt after a broker reset"
SETTLE = 25.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test alone (it is stopped and restarted empty)."""
    b = EmbeddedBroker(log_file=tmp_path / "tansu.log").start()
    try:
        yield b
    finally:
        b.stop()


def crisis_and_manual_pause(ws: Workers, broker: EmbeddedBroker, url: str) -> None:
    """acme in crisis (paused), globex paused by a person for 10 h."""
    p = producer(broker.bootstrap)
    send_all(p, ws.names.mentions, background("acme", n=10) + background("globex", n=5))
    send_all(p, ws.names.mentions, [mention("acme", i, neg=True) for i in range(40)])
    p.close(timeout=2)
    assert wait_for(lambda: (http_json(f"{url}/api/v1/brands/acme/promotion")[1]
                             or {}).get("paused"), 30), "no crisis before the fault"
    assert wait_for(lambda: http_json(f"{url}/api/v1/brands/globex")[0] == 200, 30)
    status, body = http_json(f"{url}/api/v1/brands/globex/pause", method="POST",
                             body={"why": "statement pending", "for_minutes": 600},
                             token=ws.token)
    assert status == 200 and body["applied"], body


def stop_broker_until_unready(broker: EmbeddedBroker, w) -> float:
    broker.stop()
    t0 = time.monotonic()
    assert wait_for(lambda: w.health()[0] == 503, 30, interval=0.5), (
        f"/healthz still ready 30 s after the broker stopped; see {w.log_file}")
    status, body = w.health()
    assert body["broker"] == "unreachable" and body["ready"] is False
    return time.monotonic() - t0


def test_broker_loss_and_reset(own_broker, names, brands_file, tmp_path):
    """Broker stopped: /healthz not ready within 30 s. Broker back empty: the worker
    re-publishes its pauses to the new topic, says 'broker reset' in one line and exits 3;
    readers hold every brand meanwhile. Started again, a worker's view catches up, it adopts
    the crisis and the person's pause (reason 'pause carried over …', the timed pause's end
    kept), holds never-seen brands while the rebuilt data settles, counts anew and stays up."""
    ws = Workers(own_broker, names, brands_file, tmp_path)
    kafka = KafkaFlagReader([own_broker.bootstrap], topic=names.control, timeout=20)
    try:
        ws.ensure_topics()
        w = ws.start()
        crisis_and_manual_pause(ws, own_broker, w.url)
        assert wait_for(lambda: not may_publish(kafka.get("globex")), 20)
        until = kafka.get("globex").record.until
        assert until is not None

        down_after = stop_broker_until_unready(own_broker, w)
        time.sleep(5)
        own_broker.log_file = tmp_path / "tansu2.log"
        own_broker.start()  # same port, nothing stored: a broker reset
        back = time.monotonic()
        proc = w.proc
        assert proc is not None
        try:
            rc = proc.wait(90)
        except Exception:  # noqa: BLE001
            pytest.fail(f"the worker did not stop after the broker reset; see {w.log_file}")
        exited = time.monotonic() - back
        log = w.log_file.read_text() if w.log_file else ""
        assert rc == 3, f"exit {rc}; see {w.log_file}"
        assert log.count("broker reset:") == 1
        assert "re-published its 2 pause flag(s) to the new topic first" in log, w.log_file
        assert "ConsistencyError" not in log and "Traceback" not in log

        # no worker: the re-published flags are there, but nobody vouches for them (no heartbeat)
        for brand in ("acme", "globex", "initech"):
            assert not may_publish(kafka.get(brand)), brand
        assert wait_for(lambda: (kafka.get("acme").record or None) is not None, 10), (
            "the stopping worker's flag for acme never reached the new topic")

        ws.ensure_topics()
        w2 = ws.start(ready=False, FIREBREAK_FLAG_SETTLE_SECONDS=str(SETTLE))
        started = time.monotonic()
        assert wait_for(lambda: (w2.health()[1] or {}).get("view_caught_up"), 60), (
            f"the restarted worker's view never caught up; see {w2.log_file}")
        caught_up = time.monotonic() - started
        http = HttpFlagReader(w2.url)

        def carried(reader, brand: str) -> bool:
            f = reader.get(brand)
            return f.effective_paused and (f.reason or "").startswith(CARRIED)

        assert wait_for(lambda: carried(kafka, "acme") and carried(http, "acme"), 60), (
            f"acme's crisis pause was not re-established: {kafka.get('acme')}; see {w2.log_file}")
        answered = time.monotonic() - back
        acme = kafka.get("acme")
        assert "crisis:" in (acme.reason or "") and acme.record and acme.record.state == "crisis"
        assert wait_for(lambda: carried(kafka, "globex"), 20), (
            kafka.get("globex"), http_json(f"{w2.url}/api/v1/brands/globex"))
        globex = kafka.get("globex")
        assert "statement pending" in (globex.reason or "") and globex.record.until == until
        for reader in (kafka, http):  # never seen: held while the rebuilt data settles
            f = reader.get("initech")
            assert f.effective_paused and f.why.startswith(REBUILT), f
        state = http_json(f"{w2.url}/api/v1/brands/acme")[1]
        assert state["state"] == "crisis" and state["paused"]

        send_all(producer(own_broker.bootstrap), names.mentions,
                 background("acme", n=5, prefix="after"))
        assert wait_metric(w2.url, lambda u: metric(u, "firebreak_mentions_processed_total",
                                                    brand="acme") == 5, 30), (
            "the new worker did not count from scratch")
        assert wait_for(lambda: may_publish(kafka.get("initech")) and may_publish(
            http.get("initech")), SETTLE + 30), "never-seen brands still held after the settle"
        assert not may_publish(kafka.get("acme")) and not may_publish(http.get("acme"))
        assert w2.alive(), "the restarted worker exited: a crash loop"
        print(f"\nbroker loss: not ready {down_after:.1f} s after the broker stopped; broker back "
              f"-> worker re-published 2 flags and exited 3 in {exited:.1f} s; restarted "
              f"worker's view caught up {caught_up:.1f} s after start; both readers answered "
              f"'{CARRIED}' for acme {answered:.1f} s after the broker came back")
    finally:
        kafka.close()
        ws.stop_all()


def test_flags_and_states_both_lost(own_broker, names, brands_file, tmp_path):
    """A worker killed while the broker is down cannot re-publish anything: on the empty
    broker a new worker finds no flag at all. Readers do not say 'never paused' for the brand
    that was in crisis: they hold every brand whose flag has not changed since the rebuild,
    for the settle period, with the reason 'flag data rebuilt after a broker reset'."""
    ws = Workers(own_broker, names, brands_file, tmp_path)
    try:
        ws.ensure_topics()
        w = ws.start()
        crisis_and_manual_pause(ws, own_broker, w.url)
        stop_broker_until_unready(own_broker, w)
        w.kill()
        own_broker.log_file = tmp_path / "tansu2.log"
        own_broker.start()
        ws.ensure_topics()
        w2 = ws.start(FIREBREAK_FLAG_SETTLE_SECONDS=str(SETTLE))
        rebuilt = time.monotonic()
        http = HttpFlagReader(w2.url)
        with KafkaFlagReader([own_broker.bootstrap], topic=names.control, timeout=20) as kafka:
            assert wait_for(lambda: kafka.get("acme").why.startswith(REBUILT), 30), kafka.get("acme")
            for reader in (kafka, http):
                for brand in ("acme", "globex", "initech"):
                    f = reader.get(brand)
                    assert f.effective_paused and f.why.startswith(REBUILT), (brand, f)
            # the raw answer says known: true, so a reader that predates the settle period
            # (it reads known: false as "never paused") holds the brand too
            _, raw = http_json(f"{w2.url}/api/v1/brands/initech/promotion")
            assert raw["known"] is True and raw["paused"] is True and raw["held"] is True, raw
            # a person resumes globex: its flag changed after the rebuild, so it is trusted
            status, _ = http_json(f"{w2.url}/api/v1/brands/globex/resume", method="POST",
                                  body={"why": "checked after the reset"}, token=ws.token)
            assert status == 200
            assert wait_for(lambda: may_publish(kafka.get("globex")), 15)
            assert not may_publish(kafka.get("acme"))
            assert wait_for(lambda: may_publish(kafka.get("acme")), SETTLE + 30)
            held = time.monotonic() - rebuilt
        assert w2.alive()
        print(f"\nboth lost: brands held {held:.1f} s after the new worker was ready "
              f"(settle {SETTLE:.0f} s), then read as never paused")
    finally:
        ws.stop_all()
