"""Alert delivery against a real Alertmanager, a local webhook, and a real Prometheus scrape.

Every process and server a test starts is stopped by its fixture; everything
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, start_http_server
from pydantic import SecretStr

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import Transition
from streams.alerting.notifier import AlertmanagerTarget, Notifier, WebhookTarget, create_metrics
from streams.wire.alert import AlertEvent
from streams.worker.metrics import book_labeler, create, set_state
from tests.integration.alerting_fixtures import (
    ALERTMANAGER_YML,
    Daemon,
    chat_receiver,
    check_block_kit,
    check_teams_card,
    http,
    prometheus_config,
    running,
    serving,
)

pytestmark = pytest.mark.integration
T0 = 1_714_564_800.0  # 2024-05-01T12:00:00Z
CRISIS_ID = f"acme:{int(T0)}"
NUMBERS = {
    "window_minutes": 30, "mentions": 80, "scored": 74, "negative": 52, "negative_authors": 41,
    "neg_share": 0.703, "usual_share": 0.12, "volume_ratio": 6.4, "p_value": 1e-12,
    "languages": {"fi": 30, "en": 18, "sv": 4},
    "top_negative": [
        {"id": "m1", "text": "Kauhea palvelu, en enää ikinä osta acmelta", "url": "https://x.example/p/1",
         "handle": "liisa", "compound": -0.84},
        {"id": "m2", "text": "acme lost my luggage and nobody answers", "url": "https://x.example/p/2",
         "handle": "@bob", "compound": -0.71},
    ],
}


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Daemon]:
    """A real Alertmanager on a free loopback port, stopped after the test."""
    with running("alertmanager", tmp_path, ALERTMANAGER_YML) as d:
        yield d


def crisis_event(at: float = T0, crisis_id: str = CRISIS_ID) -> dict[str, Any]:
    """An ``alerts`` message for acme entering crisis (made by the real wire format)."""
    t = Transition("acme", at, "crisis", "elevated", True, "negative_surge",
                   "52 negative of 74 scored mentions in 30 min", NUMBERS, crisis_id)
    return AlertEvent.from_transition(t, "m2", at + 1).wire()


def resolved_event(at: float, crisis_id: str = CRISIS_ID) -> dict[str, Any]:
    """The ``alerts`` message for acme back to normal: the incident is over."""
    t = Transition("acme", at, "normal", "elevated", True, "calm", "calm for 60 min",
                   {"negative": 3, "scored": 40}, crisis_id)
    return AlertEvent.from_transition(t, None, at + 1).wire()


def am_alerts(am: Daemon, active_only: bool = False) -> list[dict[str, Any]]:
    """Alerts Alertmanager holds for Firebreak."""
    q = "?active=true&silenced=true&inhibited=true&unprocessed=true" if active_only else ""
    status, body = http(f"{am.url}/api/v2/alerts{q}")
    assert status == 200, body
    return [a for a in body if a["labels"].get("service") == "firebreak"]


def wait_for(cond: Any, timeout: float = 10.0, step: float = 0.1) -> Any:
    """Poll ``cond()`` until truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met in {timeout} s")


async def until(cond: Any, timeout: float = 10.0) -> Any:
    """Async variant of :func:`wait_for` (lets the notifier's tasks run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(cond)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met in {timeout} s")


def notifier_for(url: str, registry: CollectorRegistry, **kw: Any) -> Notifier:
    """A notifier with one Alertmanager sink and fast retries."""
    opts: dict[str, Any] = {"backoff": 0.1, "backoff_max": 0.5,
                            "dashboard_url": "http://grafana.local/d/firebreak-brand?var-brand={brand}"}
    opts.update(kw)
    return Notifier.from_targets([AlertmanagerTarget(url=url)], [], create_metrics(registry),
                                 timeout=1.0, **opts)


def value(reg: CollectorRegistry, name: str, **labels: str) -> float:
    """A sample value (0 when absent)."""
    return reg.get_sample_value(name, labels) or 0.0


class TestAlertmanager:
    """The notifier against a real Alertmanager."""

    def test_crisis_is_visible_with_labels_and_annotations_then_resolved(self, alertmanager: Daemon) -> None:
        """A crisis appears with its labels, numbers, languages, posts and link; resolving ends it."""
        reg = CollectorRegistry()

        async def run() -> None:
            n = notifier_for(alertmanager.url, reg, clock=lambda: time.time())
            await n.handle(crisis_event(at=time.time() - 60, crisis_id=CRISIS_ID))
            alerts = await until(lambda: am_alerts(alertmanager))
            a = alerts[0]
            assert a["labels"] == {"alertname": "BrandCrisis", "brand": "acme", "severity": "critical",
                                   "crisis_id": CRISIS_ID, "service": "firebreak", "team": "comms"}
            ann = a["annotations"]
            assert "Crisis for acme" in ann["summary"] and "negativity 70%" in ann["summary"]
            assert ann["languages"] == "fi 30, en 18, sv 4"
            assert "https://x.example/p/1" in ann["top_negative"] and "@liisa" in ann["top_negative"]
            assert ann["dashboard_url"].endswith("var-brand=acme")
            assert json.loads(ann["numbers"])["negative"] == 52
            assert a["status"]["state"] == "active"
            await n.handle(resolved_event(at=time.time()))
            await until(lambda: not am_alerts(alertmanager, active_only=True))
            await n.close()

        asyncio.run(run())
        assert value(reg, "firebreak_alert_deliveries_total", sink="alertmanager", event="firing") == 1
        assert value(reg, "firebreak_alert_deliveries_total", sink="alertmanager", event="resolved") == 1

    def test_same_crisis_redelivered_and_resent_is_one_alert(self, alertmanager: Daemon) -> None:
        """Re-delivered crisis events and periodic re-sends never make a second alert or a second page."""
        reg = CollectorRegistry()

        async def run() -> None:
            n = notifier_for(alertmanager.url, reg, resend_seconds=0.2, expire_seconds=5)
            now = time.time()
            for _ in range(3):
                await n.handle(crisis_event(at=now - 30))
                await n.tick(time.time() + 1)
            await until(lambda: am_alerts(alertmanager))
            await asyncio.sleep(0.5)
            assert len(am_alerts(alertmanager)) == 1
            await n.close()

        asyncio.run(run())
        assert value(reg, "firebreak_alert_deliveries_total", sink="alertmanager", event="firing") == 1

    def test_acknowledgement_is_annotated_and_silences_the_crisis(self, alertmanager: Daemon) -> None:
        """``acknowledged_by`` from brand.state reaches the alert and a silence matches its crisis_id."""
        reg = CollectorRegistry()
        now = time.time()
        cid = f"acme:{int(now - 30)}"

        async def run() -> None:
            n = notifier_for(alertmanager.url, reg)
            await n.handle(crisis_event(at=now - 30, crisis_id=cid))
            await n.handle_state({"brand": "acme", "state": "crisis", "crisis_id": cid,
                                  "since": "2024-05-01T12:00:00Z", "acknowledged_by": "ana",
                                  "acknowledged_at": None, "paused": True,
                                  "updated_at": "2024-05-01T12:00:05Z"})

            def acked() -> Any:
                a = am_alerts(alertmanager)
                return a and a[0]["annotations"].get("acknowledged_by") == "ana" and a[0]["status"][
                    "silencedBy"]

            await until(acked)
            await n.close()

        asyncio.run(run())
        status, silences = http(f"{alertmanager.url}/api/v2/silences")
        assert status == 200
        mine = [s for s in silences if s["status"]["state"] == "active"]
        assert len(mine) == 1 and mine[0]["createdBy"] == "ana"
        assert mine[0]["matchers"][0]["value"] == cid

    def test_down_alertmanager_never_blocks_and_catches_up(self, alertmanager: Daemon) -> None:
        """With Alertmanager stopped, handle() returns at once, failures count, delivery resumes later."""
        reg = CollectorRegistry()
        alertmanager.stop()

        async def run() -> None:
            n = notifier_for(alertmanager.url, reg)
            start = time.monotonic()
            for i in range(200):  # the stream keeps flowing
                await n.handle(crisis_event(at=time.time() - 60 - i, crisis_id=f"acme:{int(T0) + i}"))
            assert time.monotonic() - start < 0.5
            await until(lambda: value(reg, "firebreak_alert_delivery_failures_total",
                                      sink="alertmanager", reason="connect") >= 2)
            await asyncio.to_thread(alertmanager.start)
            await until(lambda: len(am_alerts(alertmanager)) == 200, timeout=20)
            await n.close()

        asyncio.run(run())
        assert value(reg, "firebreak_alert_queue_depth", sink="alertmanager") == 0


class Recorder(BaseHTTPRequestHandler):
    """Records POST bodies; answers with ``server.status``."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append((self.path, json.loads(body)))  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def webhook() -> Iterator[ThreadingHTTPServer]:
    """A tiny local webhook receiver on a free loopback port (stopped after the test)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.posts = []  # type: ignore[attr-defined]
    server.status = 200  # type: ignore[attr-defined]
    with serving(server):
        yield server


class TestWebhook:
    """The webhook sink against a local HTTP server."""

    def test_pages_once_then_resolves_and_never_logs_the_secret(
        self, webhook: ThreadingHTTPServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One page per crisis (text + structured fields), one resolved message; the token stays secret."""
        caplog.set_level(logging.DEBUG)
        reg = CollectorRegistry()
        port = webhook.server_address[1]
        url = f"http://127.0.0.1:{port}/hooks/T000/B000/s3cr3t-token"
        webhook.status = 500  # type: ignore[attr-defined]  # first attempts fail

        async def run() -> None:
            n = Notifier.from_targets([], [WebhookTarget(name="oncall", url=SecretStr(url))],
                                      create_metrics(reg), backoff=0.05, backoff_max=0.2)
            await n.handle(crisis_event())
            await n.handle(crisis_event())  # re-delivered: no second page
            await until(lambda: value(reg, "firebreak_alert_delivery_failures_total",
                                      sink="oncall", reason="http_5xx") >= 1)
            webhook.status = 200  # type: ignore[attr-defined]
            await until(lambda: any(p[1]["firebreak"]["event"] == "firing"
                                    for p in webhook.posts[1:]))  # type: ignore[attr-defined]
            await n.handle(resolved_event(at=T0 + 3600))
            await n.handle(resolved_event(at=T0 + 3600))
            await until(lambda: value(reg, "firebreak_alert_deliveries_total",
                                      sink="oncall", event="resolved") == 1)
            await n.close()

        asyncio.run(run())
        ok = [b for _, b in webhook.posts[-2:]]  # type: ignore[attr-defined]
        assert [b["firebreak"]["event"] for b in ok] == ["firing", "resolved"]
        page = ok[0]
        assert page["text"].startswith("[CRITICAL] Crisis for acme")
        assert "https://x.example/p/2" in page["text"]
        assert page["firebreak"]["crisis_id"] == CRISIS_ID
        assert page["firebreak"]["languages"] == {"fi": 30, "en": 18, "sv": 4}
        assert value(reg, "firebreak_alert_deliveries_total", sink="oncall", event="firing") == 1
        assert "s3cr3t" not in caplog.text
        assert "s3cr3t" not in repr(WebhookTarget(url=SecretStr(url)))

    def test_a_lasting_crisis_is_restated_and_a_flare_up_pages_nobody(
        self, webhook: ThreadingHTTPServer
    ) -> None:
        """A reminder re-states the crisis; re-opening it inside the merge window posts no page."""
        reg = CollectorRegistry()
        port = webhook.server_address[1]
        remind = Transition("acme", T0 + 4 * 3600, "crisis", "crisis", True, "reminder",
                            "still in crisis after 4.0 h: 40 negative of 60", NUMBERS, CRISIS_ID)
        reopen = Transition("acme", T0 + 6 * 3600, "crisis", "normal", True, "sudden_surge",
                            "again", {**NUMBERS, "reopened": True}, CRISIS_ID)

        async def run() -> None:
            t = WebhookTarget(name="oncall", url=SecretStr(f"http://127.0.0.1:{port}/h"))
            n = Notifier.from_targets([], [t], create_metrics(reg))
            await n.handle(crisis_event())
            await n.handle(AlertEvent.from_transition(remind, None, remind.at))
            await n.handle(resolved_event(at=T0 + 5 * 3600))
            await n.handle(AlertEvent.from_transition(reopen, "m9", reopen.at))
            await until(lambda: value(reg, "firebreak_alert_deliveries_total",
                                      sink="oncall", event="resolved") == 1)
            await n.close()
            assert CRISIS_ID in n.active  # re-opened: active again, without a page

        asyncio.run(run())
        events = [b["firebreak"]["event"] for _, b in webhook.posts]  # type: ignore[attr-defined]
        assert events == ["firing", "reminder", "resolved"]
        assert webhook.posts[1][1]["text"].startswith("[REMINDER] acme")  # type: ignore[attr-defined]

    def test_slack_style_is_block_kit_with_a_text_fallback(self, webhook: ThreadingHTTPServer) -> None:
        """``style="slack"`` posts Block Kit blocks and a plain ``text``, no legacy attachments."""
        port = webhook.server_address[1]

        async def run() -> None:
            t = WebhookTarget(name="slack", url=SecretStr(f"http://127.0.0.1:{port}/s"), style="slack")
            n = Notifier.from_targets([], [t], create_metrics(CollectorRegistry()))
            await n.handle(crisis_event())
            await until(lambda: webhook.posts)  # type: ignore[attr-defined]
            await n.close()

        asyncio.run(run())
        body = webhook.posts[0][1]  # type: ignore[attr-defined]
        assert "Crisis for acme" in body["text"] and "attachments" not in body
        assert [b["type"] for b in body["blocks"]][:2] == ["header", "section"]

    def test_full_queue_drops_oldest_and_counts(self) -> None:
        """A sink that is down keeps only the newest notifications and counts what it dropped."""
        from streams.dev.broker import free_port

        reg = CollectorRegistry()
        dead = f"http://127.0.0.1:{free_port()}/hook"

        async def run() -> None:
            n = Notifier.from_targets([], [WebhookTarget(name="dead", url=SecretStr(dead))],
                                      create_metrics(reg), queue_size=3, backoff=5)
            for i in range(10):
                await n.handle(crisis_event(crisis_id=f"acme:{i}"))
            await n.close(timeout=0.2)

        asyncio.run(run())
        dropped = value(reg, "firebreak_alert_notifications_dropped_total", sink="dead", reason="queue_full")
        assert dropped == 7


class TestChannels:
    """The done-when: a crisis reaches Teams, Slack (Block Kit) and Alertmanager, once each."""

    def test_a_crisis_reaches_teams_block_kit_and_alertmanager_once_each(
        self, alertmanager: Daemon
    ) -> None:
        """Re-delivered crisis events and re-sends page each chat once, in its documented shape;
        the resolution (also re-delivered) reaches each once and ends the Alertmanager alert."""
        reg = CollectorRegistry()
        with chat_receiver(check_teams_card) as teams, chat_receiver(check_block_kit) as slack:
            hooks = [WebhookTarget(name="teams", url=SecretStr(f"{teams.url}/workflows/s3cr3t"),
                                   style="teams"),
                     WebhookTarget(name="slack", url=SecretStr(f"{slack.url}/services/s3cr3t"),
                                   style="slack")]

            async def run() -> None:
                n = Notifier.from_targets([AlertmanagerTarget(url=alertmanager.url)], hooks,
                                          create_metrics(reg), resend_seconds=0.2, expire_seconds=5,
                                          brand_url="https://firebreak.example.com/brands/{brand}")
                for _ in range(3):  # the outbox re-sends after a crash; the timer re-sends
                    await n.handle(crisis_event(at=time.time() - 60))
                    await n.tick(time.time() + 1)
                await until(lambda: teams.posts and slack.posts and am_alerts(alertmanager))
                await asyncio.sleep(0.5)  # time for any second page to arrive
                assert len(teams.posts) == 1 and len(slack.posts) == 1
                assert len(am_alerts(alertmanager)) == 1
                for _ in range(2):
                    await n.handle(resolved_event(at=time.time()))
                await until(lambda: len(teams.posts) == 2 and len(slack.posts) == 2
                            and not am_alerts(alertmanager, active_only=True))
                await n.close()

            asyncio.run(run())
        assert teams.errors == [] and slack.errors == []
        assert len(teams.posts) == 2 and len(slack.posts) == 2
        assert teams.posts[1][1]["attachments"][0]["content"]["body"][0]["style"] == "good"
        assert slack.posts[1][1]["text"].startswith("[RESOLVED] acme")
        card = teams.posts[0][1]["attachments"][0]["content"]
        assert card["body"][0]["items"][0]["text"] == "Crisis: acme"
        assert "https://firebreak.example.com/brands/acme" in [a["url"] for a in card["actions"]]
        assert slack.posts[0][1]["blocks"][0]["text"]["text"].endswith("Crisis: acme")
        for sink in ("teams", "slack", "alertmanager"):
            assert value(reg, "firebreak_alert_deliveries_total", sink=sink, event="firing") == 1

    def test_a_stream_crisis_reaches_every_channel_once(self, broker: Any, workers: Any,
                                                        alertmanager: Daemon) -> None:
        """A worker configured only by settings: angry mentions become one page per channel."""
        from tests.integration.kafkautil import background, mention, producer, send_all

        with chat_receiver(check_teams_card) as teams, chat_receiver(check_block_kit) as slack:
            workers.ensure_topics()
            w = workers.start(FIREBREAK_ALERTMANAGER_URLS=alertmanager.url,
                              FIREBREAK_TEAMS_WEBHOOK_URLS=f"{teams.url}/workflows/s3cr3t",
                              FIREBREAK_SLACK_WEBHOOK_URLS=f"{slack.url}/services/s3cr3t",
                              FIREBREAK_BRAND_URL="https://firebreak.example.com/brands/{brand}")
            p = producer(broker.bootstrap)
            topic = workers.names.mentions
            send_all(p, topic, background("acme") + background("globex"))
            for wave in range(4):  # 40 angry voices within a few seconds
                send_all(p, topic, [mention("acme", wave * 10 + i, neg=True, prefix="burst")
                                    for i in range(10)])
                time.sleep(0.5)
            p.close()
            wait_for(lambda: teams.posts and slack.posts and am_alerts(alertmanager), 60)
            time.sleep(2)  # re-sends and late duplicates would land by now
            log = w.log_file.read_text(errors="replace")
        assert teams.errors == [] and slack.errors == []
        assert [b["attachments"][0]["content"]["body"][0]["items"][0]["text"] for _, b in teams.posts] == [
            "Crisis: acme"]
        assert len(slack.posts) == 1 and "Crisis for acme" in slack.posts[0][1]["text"]
        assert [a["labels"]["brand"] for a in am_alerts(alertmanager)] == ["acme"]
        assert "s3cr3t" not in log and "teams-0" in log


def test_prometheus_scrapes_metrics_and_invented_brands_add_no_series(tmp_path: Path) -> None:
    """A real Prometheus scrapes /metrics; 100,000 invented brands all become ``other``."""
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BrandBook({"acme": BrandConfig()})))
    m.mentions.labels(brand="acme", label="neg", lang="fi", source="x").inc()
    set_state(m, "acme", "crisis", True)
    before = sum(len(f.samples) for f in reg.collect())
    for i in range(100_000):
        brand = m.brand_label(f"invented-{i}")
        m.mentions.labels(brand=brand, label="neg", lang="en", source="x").inc()
        m.duplicates.labels(brand=brand).inc()
        set_state(m, f"invented-{i}", "crisis", True)
    after = sum(len(f.samples) for f in reg.collect())
    assert after - before <= 4  # one new ``other`` series (+ _created) per labelled counter
    server, thread = start_http_server(0, addr="127.0.0.1", registry=reg)
    try:
        with running("prometheus", tmp_path, prometheus_config(f"127.0.0.1:{server.server_port}")) as prom:
            _check_scrape(prom)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _check_scrape(prom: Daemon) -> None:
    """Prometheus sees the target up and only the configured brand plus ``other``."""

    def query(q: str) -> list[dict[str, Any]]:
        status, body = http(f"{prom.url}/api/v1/query?query={q}")
        return body["data"]["result"] if status == 200 else []

    up = wait_for(lambda: query("up") and query("up")[0]["value"][1] == "1" and query("up"), 20)
    assert up[0]["metric"]["job"] == "firebreak"
    series = wait_for(lambda: query("firebreak_mentions_processed_total"))
    assert {s["metric"]["brand"] for s in series} == {"acme", "other"}
    other = [s for s in series if s["metric"]["brand"] == "other"]
    assert float(other[0]["value"][1]) == 100_000
    states = query("firebreak_crisis_state")
    assert states and all(s["metric"]["brand"] == "acme" for s in states)


def test_register_attaches_agents_that_feed_the_notifier() -> None:
    """register() adds agents on alerts and brand.state; a raw JSON alert reaches the notifier."""
    import faust

    from streams.alerting.notifier import register
    from streams.dev.broker import free_port

    app = faust.App("t-notify", broker=f"kafka://127.0.0.1:{free_port()}", autodiscover=False,
                    store="memory://")
    raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
    alerts, state = app.topic("alerts", **raw), app.topic("brand.state", **raw)
    reg = CollectorRegistry()
    n = Notifier.from_targets([AlertmanagerTarget(url=f"http://127.0.0.1:{free_port()}")], [],
                              create_metrics(reg))
    register(app, n, alerts, state)
    assert {"firebreak.notify.alerts", "firebreak.notify.state"} <= set(app.agents)

    async def run() -> None:
        async with app.agents["firebreak.notify.alerts"].test_context() as agent:
            await agent.put(json.dumps(crisis_event()).encode())
        async with app.agents["firebreak.notify.state"].test_context() as agent:
            await agent.put(json.dumps({"brand": "acme", "state": "crisis", "crisis_id": CRISIS_ID,
                                        "acknowledged_by": "ana", "paused": True,
                                        "updated_at": "2024-05-01T12:00:05Z"}).encode())
        assert list(n.active) == [CRISIS_ID] and n.active[CRISIS_ID].acknowledged_by == "ana"
        await n.close(timeout=0.1)

    asyncio.run(run())
