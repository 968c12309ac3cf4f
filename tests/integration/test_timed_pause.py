"""A timed pause over the API on a live worker: the flag says until when, then it resumes."""

from __future__ import annotations

import pytest

from streams.client.http import http_json
from streams.client.pauseflag import HttpFlagReader, may_publish
from tests.integration.kafkautil import background, producer, read_all, send_all, values, wait_for

pytestmark = pytest.mark.integration

TIMER = "firebreak:timer"


def test_timed_pause_shows_until_and_resumes_a_calm_brand(broker, names, workers):
    """pause for 0.1 min: paused with `until`, then resumed by the timer; all on the audit topic."""
    workers.ensure_topics()
    w = workers.start(FIREBREAK_ALLOWED_LATENESS="1")
    send_all(producer(broker.bootstrap), names.mentions, background("acme", n=5))
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands/acme")[0] == 200, 30)
    url = f"{w.url}/api/v1/brands/acme"
    status, body = http_json(f"{url}/resume", method="POST", body={"for_minutes": 5},
                             token=workers.token)
    assert status == 422 and "for_minutes" in body["error"]
    status, body = http_json(f"{url}/pause", method="POST", body={"for_minutes": 0},
                             token=workers.token)
    assert status == 422 and "for_minutes" in body["error"]
    status, body = http_json(f"{url}/pause", method="POST",
                             body={"why": "statement pending", "for_minutes": 0.1},
                             token=workers.token)
    assert status == 200 and body["applied"], body
    promo = body["promotion"]
    assert promo["paused"] and promo["until"] and "until" in promo["reason"]
    assert not may_publish(HttpFlagReader(w.url).get("acme"))

    def resumed() -> bool:
        return http_json(f"{url}/promotion")[1]["paused"] is False

    assert wait_for(resumed, 30), "the timed pause did not end"
    flag = HttpFlagReader(w.url).get("acme")
    assert may_publish(flag) and flag.record is not None and flag.record.until is None
    overrides = http_json(url)[1]["overrides"]
    assert overrides[-1]["by"] == TIMER and overrides[-1]["action"] == "resume"

    status, ack = http_json(f"{url}/acknowledge", method="POST", body={"why": "on it"},
                            token=workers.token)
    assert status == 200

    def audit() -> list[tuple[str, str, str | None]]:
        return [(r["action"], r["by"], r.get("command_id"))
                for r in values(read_all(broker.bootstrap, names.audit))]

    expected = [("pause", "default", body["command_id"]), ("resume", TIMER, None),
                ("acknowledge", "default", ack["command_id"])]
    assert wait_for(lambda: audit() == expected, 10), audit()
