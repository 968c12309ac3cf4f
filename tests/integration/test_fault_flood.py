"""Invented brand names cannot exhaust a worker: memory, timer lag and publish volume stay bounded."""

from __future__ import annotations

import time

import pytest

from streams.client.http import http_json
from streams.worker.publishing import PUBLISH_PER_TICK
from tests.integration.faultutil import (
    count_records,
    delays,
    flood,
    invented_scored,
    metric,
    over,
    processed,
    rss_bytes,
    wait_metric,
)
from tests.integration.kafkautil import background, producer, read_all, send_all, wait_for

pytestmark = pytest.mark.integration
FLOOD = 100_000
IDLE_WINDOW = 12.0


def idle_records(broker, names, seconds: float) -> int:
    """Records published on brand.state and promotion.control during ``seconds`` of quiet."""
    topics = [names.state, names.control]
    before = count_records(broker.bootstrap, topics)
    time.sleep(seconds)
    return count_records(broker.bootstrap, topics) - before


def test_invented_brand_flood_keeps_memory_timer_and_publishing_bounded(broker, names, workers):
    """100,000 scored mentions for 100,000 invented brands: <= 200 MB more RSS, the 1 s timer never
    2 s late once they are read (never 5 s late while reading them), idle publishing no larger
    than before the flood, and a pause shows within 3 s."""
    workers.ensure_topics()
    w = workers.start(FIREBREAK_FLAG_REFRESH_SECONDS="4")
    send_all(producer(broker.bootstrap), names.mentions, background("acme", n=5)
             + background("globex", n=5))
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands/acme")[0] == 200, 30)
    idle_before = idle_records(broker, names, IDLE_WINDOW)
    rss_before = rss_bytes(w.pid)

    # straight to mentions.scored, as the score agent would write them: the state that
    # must stay bounded is the detect stage's, and this keeps the test's run time modest
    flood(broker.bootstrap, names.scored, invented_scored(FLOOD))
    assert wait_metric(w.url, lambda u: processed(u) >= FLOOD + 10, 240), (
        f"the flood was not processed in 240 s ({processed(w.url):.0f}); see {w.log_file}")
    cap = 5_000
    tracked = metric(w.url, "firebreak_tracked_brands", kind="unconfigured")
    assert tracked == cap, tracked
    assert metric(w.url, "firebreak_untracked_mentions_total") == FLOOD - cap
    late_in_flood, runs_in_flood = over(w.url, 2.0), delays(w.url).get("+Inf")
    # while 100,000 messages are being processed the loop is busy (and this machine is
    # shared): no run may be 5 s late; the < 2 s bound is asserted once the flood is read
    assert over(w.url, 5.0) == 0, f"the timer ran > 5 s late in the flood: {delays(w.url)}"

    # the flood's new states go out at PUBLISH_PER_TICK a second (bounded work per timer
    # run); idle is once that backlog has drained
    time.sleep(cap / PUBLISH_PER_TICK + 3)
    idle_after = idle_records(broker, names, IDLE_WINDOW)
    grown = rss_bytes(w.pid) - rss_before
    assert grown <= 200 * 2**20, f"RSS grew by {grown / 2**20:.0f} MB"
    # the same configured brands and heartbeats; 5,000 idle invented brands add nothing
    assert idle_after <= idle_before * 1.5 + 10, (idle_before, idle_after)

    t0 = time.monotonic()
    status, body = http_json(f"{w.url}/api/v1/brands/acme/pause", method="POST",
                             body={"why": "flood test"}, token=workers.token)
    assert status in (200, 202), body
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands/acme/promotion")[1]["paused"],
                    3.0 - (time.monotonic() - t0), interval=0.05), "pause not shown within 3 s"
    took = time.monotonic() - t0
    assert over(w.url, 2.0) == late_in_flood, (
        f"the housekeeping timer ran > 2 s late after the flood: {delays(w.url)}")

    page = http_json(f"{w.url}/api/v1/brands?limit=50")[1]
    assert page["count"] == 50 and page["total"] >= cap and page["next"]
    print(f"\nflood: idle records {idle_before} -> {idle_after} per {IDLE_WINDOW:.0f} s, "
          f"RSS +{grown / 2**20:.0f} MB, pause shown in {took:.2f} s, timer runs > 2 s late: "
          f"{late_in_flood} of {runs_in_flood} in the flood, none after; {delays(w.url)}")


def test_idle_invented_brands_are_forgotten_everywhere_and_free_their_places(broker, names,
                                                                             workers):
    """Past the cap invented brands are only counted; once idle the tracked ones are evicted:
    tombstoned in the table's changelog and on brand.state, gone from the API, and new
    brands are tracked again."""
    workers.ensure_topics()
    w = workers.start(FIREBREAK_UNCONFIGURED_BRAND_CAP="50",
                      FIREBREAK_UNCONFIGURED_IDLE_SECONDS="2", FIREBREAK_ALLOWED_LATENESS="0")
    flood(broker.bootstrap, names.scored, invented_scored(200))
    assert wait_metric(w.url, lambda u: processed(u) >= 200, 60)
    assert metric(w.url, "firebreak_untracked_mentions_total") == 150
    assert wait_metric(w.url, lambda u: metric(u, "firebreak_evicted_brands_total") >= 50, 40), (
        f"idle brands were not evicted; see {w.log_file}")
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands")[1]["total"] == 0, 10)
    assert metric(w.url, "firebreak_tracked_brands", kind="unconfigured") == 0
    assert http_json(f"{w.url}/api/v1/brands/inv-1")[0] == 404
    changelog = read_all(broker.bootstrap, f"{workers.app_id}-brands-changelog")
    tombstones = {r.key for r in changelog if r.value is None}
    assert len([k for k in tombstones if b"inv-" in k]) == 50
    state = read_all(broker.bootstrap, names.state)
    assert len({r.key for r in state if r.value is None}) == 50

    flood(broker.bootstrap, names.scored, invented_scored(10, prefix="late"))
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands")[1]["total"] == 10, 20), (
        "new brands were not tracked after the eviction")
