"""Every panel and annotation query of both dashboards gets data from a real Prometheus and worker.

One worker on the embedded broker, delivering alerts to a real Alertmanager and
to a second Alertmanager URL where nothing listens; one Prometheus scraping the
worker every second as job ``firebreak``. The stream has a crisis, negative
mentions over an hour old (event time) of which the brand answered one, the
brand's own posts, duplicates, late mentions and dead letters. Then each query
of ``dashboards/*.json`` (Grafana variables replaced, ``$brand`` = all) must
return at least one series with a number, and the picture of the key panels is
drawn from the same Prometheus. ``FIREBREAK_DASHBOARD_PNG=path`` keeps a copy and
plays the stream slower (90 s of quiet traffic before and after the crisis) for
a picture worth keeping, as in ``docs/img/dashboards.png``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dashboards.render import annotation_targets, api, expand, render, targets
from detectors.events import format_time
from streams.client.http import http_json
from streams.dev.broker import free_port
from tests.integration.alerting_fixtures import ALERTMANAGER_YML, prometheus_config, running
from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration
BRANDS = """\
defaults:
  baseline_rate: 2.0
  warmup_minutes: 0
brands:
  acme: {handles: ["@acme"]}
  globex: {handles: ["@globex_help"]}
"""


@pytest.fixture
def brands_file(tmp_path: Path) -> Path:
    """The test's brands, with the handles their own replies come from."""
    path = tmp_path / "brands.yaml"
    path.write_text(BRANDS)
    return path


def own_post(brand: str, handle: str, i: int, at: datetime, reply_to: str | None) -> dict[str, Any]:
    """A post by one of the brand's handles (a reply when ``reply_to`` is set)."""
    m = {"id": f"own-{brand}-{i}", "brand": brand, "text": "Sorry to hear that, we sent you a DM",
         "lang": "en", "created_at": format_time(at), "source": "x",
         "author": {"id": f"{brand}-official", "handle": handle}}
    if reply_to:
        m["in_reply_to"] = reply_to
    return m


def fresh(brand: str, n: int, prefix: str) -> list[dict[str, Any]]:
    """``n`` neutral mentions from just now."""
    now = datetime.now(timezone.utc)
    return [mention(brand, i, neg=False, prefix=prefix, at=now - timedelta(seconds=n - i))
            for i in range(n)]


def values(prom: str, query: str) -> list[float]:
    """The numbers of an instant query (NaN included)."""
    data = api(prom, "/api/v1/query", query=query)
    if data["resultType"] == "scalar":
        return [float(data["result"][1])]
    return [float(s["value"][1]) for s in data["result"]]


def test_every_dashboard_query_returns_data(broker, names, workers, tmp_path: Path) -> None:
    """Crisis, unanswered negatives, own replies, DLQ and alert delivery fill every panel."""
    started = time.time()
    (tmp_path / "am").mkdir()
    (tmp_path / "prom").mkdir()
    with running("alertmanager", tmp_path / "am", ALERTMANAGER_YML) as am:
        workers.ensure_topics()
        nobody = f"http://127.0.0.1:{free_port()}"
        w = workers.start(FIREBREAK_ALERTMANAGER_URLS=f"{am.url},{nobody}")
        config = prometheus_config(f"127.0.0.1:{w.port}")
        with running("prometheus", tmp_path / "prom", config) as prom:
            assert wait_for(lambda: values(prom.url, 'up{job="firebreak"}') == [1.0], 20)
            keep = os.environ.get("FIREBREAK_DASHBOARD_PNG")
            quiet = 90.0 if keep else 2.0
            feed(broker.bootstrap, names.mentions, w.url, workers.token, quiet)
            _wait_for_series(prom.url)
            failures = _check_every_query(prom.url)
            drawn = render(prom.url, tmp_path / "dashboards.png", started, time.time(), step=1)
            if keep:
                shutil.copyfile(tmp_path / "dashboards.png", keep)
    assert not failures, "panel queries without data:\n" + "\n".join(failures)
    assert drawn >= 8 and (tmp_path / "dashboards.png").read_bytes()[:4] == b"\x89PNG"


def trickle(p: Any, topic: str, seconds: float, tag: str) -> None:
    """A neutral mention of each brand every 4 s (15 a minute), for ``seconds``."""
    end, i = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        send_all(p, topic, [mention(b, i, neg=False, prefix=tag) for b in ("acme", "globex")])
        i += 1
        time.sleep(min(4.0, seconds))


def feed(bootstrap: str, topic: str, worker: str, token: str, quiet: float) -> None:
    """The stream: quiet traffic, then unanswered negatives, a reply, a crisis and dead letters.

    Args:
        bootstrap: the broker.
        topic: the mentions topic.
        worker: the worker's base URL.
        token: its API token.
        quiet: seconds of quiet traffic before the crisis and after it.
    """
    p = producer(bootstrap)
    now = datetime.now(timezone.utc)
    usual = background("acme") + background("globex")
    usual += [mention("acme", i, neg=True, prefix="grumble", at=now - timedelta(minutes=5 - i))
              for i in range(3)]  # the usual few complaints
    send_all(p, topic, usual + usual[:3])  # three duplicates
    send_all(p, topic, [own_post("acme", "@acme", 0, now, None)])  # own post, no reply
    p.send(topic, key=b"bad-1", value=b"{not json")
    p.send(topic, key=b"bad-2", value=json.dumps({"id": "bad-2", "brand": "acme"}).encode())
    p.flush()
    assert wait_for(lambda: (http_json(f"{worker}/api/v1/brands/globex")[1] or {})
                    .get("mentions") == 20, 30), "globex's quiet traffic was not processed"
    trickle(p, topic, quiet, "before")  # scrapes before the crisis, so rates see it begin

    two_hours_ago = now - timedelta(hours=2)
    old = [mention("globex", i, neg=True, prefix="old", at=two_hours_ago + timedelta(minutes=i))
           for i in range(3)]  # beyond the detector's window: late, but still want an answer
    reply = own_post("globex", "@globex_help", 1, now - timedelta(minutes=90), old[1]["id"])
    send_all(p, topic, old + [reply])
    for wave in range(4):  # the crisis: 40 angry voices within a few seconds
        send_all(p, topic, [mention("acme", wave * 10 + i, neg=True, prefix="burst")
                            for i in range(10)])
        time.sleep(1.0)
    send_all(p, topic, fresh("globex", 10, "g1"))
    p.send(topic, key=b"bad-3", value=b"\xff\xfe not utf-8")
    p.flush()

    def paused() -> bool:
        status, body = http_json(f"{worker}/api/v1/brands/acme/promotion")
        return status == 200 and body["paused"]

    assert wait_for(paused, 30), "acme did not enter crisis"
    status, _ = http_json(f"{worker}/api/v1/brands/acme/acknowledge", method="POST", token=token,
                          body={"by": "ana", "why": "on it"})
    assert status == 200
    send_all(p, topic, fresh("acme", 10, "a2") + fresh("globex", 10, "g2"))
    if quiet > 10:
        trickle(p, topic, quiet, "after")
    p.close()


def _wait_for_series(prom: str) -> None:
    """Until Prometheus has seen the crisis, the unanswered count and alert delivery."""
    checks = {
        "unanswered globex = 2": 'firebreak_unanswered_negative_mentions{brand="globex"} == 2',
        "time to detect observed": "firebreak_time_to_detect_seconds_count > 0",
        "crisis alert delivered": 'firebreak_alert_deliveries_total{sink="alertmanager-0"} > 0',
        "failed deliveries to the dead sink":
            'firebreak_alert_delivery_failures_total{sink="alertmanager-1", reason="connect"} > 0',
        "override counted": 'firebreak_overrides_total{brand="acme", action="acknowledge"} > 0',
        "acme's detector numbers": 'firebreak_brand_volume_ratio{brand="acme"} > 0',
    }
    for what, query in checks.items():
        assert wait_for(lambda q=query: values(prom, q), 30), f"Prometheus never saw: {what}"
    time.sleep(3)  # a few more scrapes: every rate and increase has two samples after the change


def _check_every_query(prom: str) -> list[str]:
    """Run every panel and annotation query; return what failed (empty, only NaN, or an error)."""
    failures = []
    seen = 0
    for t in targets():
        seen += 1
        try:
            got = values(prom, expand(t.expr))
        except RuntimeError as exc:
            failures.append(f"{t}\n    error: {exc}")
            continue
        if not got:
            failures.append(f"{t}\n    no series")
        elif all(math.isnan(v) for v in got):
            failures.append(f"{t}\n    only NaN")
    assert seen >= 30, f"only {seen} panel queries found"
    annotations = list(annotation_targets())
    assert len(annotations) >= 4, annotations  # crisis and pause marks on both dashboards
    for t in annotations:  # a mark somewhere in the last 10 minutes: the crisis began then
        try:
            got = values(prom, f"max_over_time(({expand(t.expr)})[10m:1s])")
        except RuntimeError as exc:
            failures.append(f"{t}\n    error: {exc}")
            continue
        if not got:
            failures.append(f"{t}\n    no mark for the crisis or the pause")
    brands = api(prom, "/api/v1/label/brand/values", **{"match[]": "firebreak_crisis_state"})
    if set(brands) != {"acme", "globex"}:
        failures.append(f"$brand variable: label_values(firebreak_crisis_state, brand) = {brands}")
    return failures
