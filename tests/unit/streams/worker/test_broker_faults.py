"""Broker faults seen from a worker and the CLI: reset detection, unreachable brokers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from streams.cli.brokers import BrokerUnreachable, kafka_errors, require_brokers
from streams.dev.broker import free_port
from streams.worker.brokerwatch import Offsets, trusted

ROOT = Path(__file__).resolve().parents[4]


class TestOffsets:
    def test_growing_end_offsets_are_no_reset(self):
        """End offsets that stay or grow say nothing."""
        o = Offsets("t")
        assert o.check({0: 5, 1: 0}) is None
        assert o.check({0: 5, 1: 7}) is None and o.seen == {0: 5, 1: 7}

    def test_an_end_offset_going_back_is_a_reset(self):
        """A partition that ends before an offset seen earlier means the broker lost its data."""
        o = Offsets("t")
        o.check({0: 500, 1: 20})
        reason = o.check({0: 3, 1: 20})
        assert reason is not None and "t[0] ends at offset 3, before 500" in reason

    def test_an_empty_partition_this_worker_read_from_is_a_reset(self):
        """Messages read from a partition the broker now says is empty: a reset; an end
        below what was read (Tansu reports the last batch's first offset + 1) is not."""
        assert Offsets("t").check({0: 40, 1: 0}, read={0: 90, 1: 0}) is None
        assert "t[1] is empty" in (Offsets("t").check({0: 40, 1: 0}, read={1: 5}) or "")

    def test_a_vanished_topic_is_a_reset_only_if_it_held_data(self):
        """A missing topic after messages were seen is a reset; before any, it is not."""
        assert Offsets("t").check(None) is None
        assert Offsets("t").check(None, read={2: 7}) is not None
        o = Offsets("t")
        o.check({0: 2})
        assert "no longer exists" in (o.check(None) or "")


class TestTrusted:
    @pytest.mark.parametrize(("reachable", "reset", "ok"), [
        (True, None, True),  # answered the last probe, same broker: write
        (False, None, False),  # away: queue nothing for it (it may come back empty)
        (True, "t[0] is empty", False),  # back, but reset: write nothing to it
    ])
    def test_writes_only_to_the_broker_last_seen_and_still_the_same(self, reachable, reset, ok):
        """Housekeeping writes only while the broker answered and was not found reset."""
        rt = SimpleNamespace(broker=SimpleNamespace(reachable=reachable, reset=reset))
        assert trusted(cast(Any, rt)) is ok

    def test_without_a_watch_the_worker_writes(self):
        """A runtime without a broker watch (tests, tools) is not held back."""
        assert trusted(cast(Any, SimpleNamespace(broker=None)))


class TestRequireBrokers:
    def test_nothing_listening_fails_in_bounded_time_naming_the_broker(self):
        """A closed port: BrokerUnreachable naming host:port, after about the timeout."""
        port = free_port()
        t0 = time.monotonic()
        with pytest.raises(BrokerUnreachable) as exc:
            require_brokers([f"127.0.0.1:{port}"], timeout=1.0)
        assert time.monotonic() - t0 < 5
        assert f"127.0.0.1:{port}" in str(exc.value) and "\n" not in str(exc.value)

    def test_kafka_errors_become_one_line(self):
        """A Kafka client error escapes as BrokerUnreachable with one line."""
        from kafka.errors import KafkaTimeoutError

        with pytest.raises(BrokerUnreachable) as exc:
            with kafka_errors(["h:1"]):
                raise KafkaTimeoutError("Unable to bootstrap\nmore")
        assert str(exc.value) == "Kafka at h:1: KafkaTimeoutError: KafkaTimeoutError: Unable to bootstrap"


@pytest.mark.parametrize("argv", [["ingest", "FILE", "--no-progress"], ["worker"]])
def test_cli_with_no_broker_says_one_line_and_exits_non_zero(argv, tmp_path):
    """`worker` and `ingest` against a closed port: one line on stderr, exit 1, no traceback."""
    path = tmp_path / "m.jsonl"
    path.write_text('{"id": "1", "brand": "acme", "text": "hi", '
                    '"created_at": "2026-01-01T00:00:00Z"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREBREAK_")}
    env.update(FIREBREAK_BROKERS=f"127.0.0.1:{free_port()}", FIREBREAK_BROKER_WAIT_SECONDS="1",
               PYTHONPATH=str(ROOT))
    args = [str(path) if a == "FILE" else a for a in argv]
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "streams.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1
    assert time.monotonic() - t0 < 30
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Kafka broker" in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
