"""Alertmanager is down when a crisis starts: the page is delivered once it is back."""

from __future__ import annotations

import pytest

from streams.client.http import http_json
from tests.integration.alerting_fixtures import ALERTMANAGER_YML, Daemon, http
from tests.integration.faultutil import metric, wait_metric
from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration


def acme_pages(am: Daemon) -> list[dict]:
    status, body = http(f"{am.url}/api/v2/alerts")
    return [a for a in body or [] if status == 200 and a["labels"].get("brand") == "acme"]


def test_page_is_delivered_when_alertmanager_comes_back(broker, names, workers, tmp_path):
    """The crisis pauses promotion while Alertmanager is down (failures counted, nothing
    blocks); once Alertmanager starts, the crisis page for acme arrives."""
    am = Daemon("alertmanager", tmp_path, ALERTMANAGER_YML)  # its port, not started yet
    try:
        workers.ensure_topics()
        w = workers.start(FIREBREAK_ALERTMANAGER_URLS=am.url)
        p = producer(broker.bootstrap)
        send_all(p, names.mentions, background("acme", n=20))
        send_all(p, names.mentions, [mention("acme", i, neg=True) for i in range(40)])
        assert wait_for(lambda: (http_json(f"{w.url}/api/v1/brands/acme/promotion")[1]
                                 or {}).get("paused"), 30), "no crisis"
        assert wait_metric(w.url, lambda u: metric(
            u, "firebreak_alert_delivery_failures_total") >= 1, 30), (
            f"no failed delivery counted while Alertmanager was down; see {w.log_file}")
        am.start()
        assert wait_for(lambda: acme_pages(am), 60, interval=0.5), (
            f"the page never reached Alertmanager; see {w.log_file}")
        assert w.health()[0] == 200
    finally:
        am.stop()
