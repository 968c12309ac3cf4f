"""Integration fixtures: one embedded Tansu broker per session, workers per test.

Every test gets its own topic prefix and app id, so tests sharing the broker
never see each other's messages. Every worker a test starts is stopped by the
``workers`` fixture, and the broker is stopped at the end of the session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.dev.broker import EmbeddedBroker
from streams.dev.procs import WorkerProcess
from streams.settings import load_settings
from streams.wire.topics import TopicNames

BRANDS_YAML = """\
defaults:
  baseline_rate: 2.0
  warmup_minutes: 0
brands:
  acme: {}
  globex: {}
"""


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """The embedded broker on a free loopback port, for the whole session."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    b = EmbeddedBroker(log_file=log).start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def names() -> TopicNames:
    """Topic names under a prefix unique to the test."""
    return TopicNames(f"t{uuid.uuid4().hex[:8]}.")


@pytest.fixture
def brands_file(tmp_path: Path) -> Path:
    """A brand configuration where a burst of negative posts is a crisis at once."""
    path = tmp_path / "brands.yaml"
    path.write_text(BRANDS_YAML)
    return path


class Workers:
    """Starts workers sharing one app id and topic prefix; stops them all at the end."""

    def __init__(self, broker: EmbeddedBroker, names: TopicNames, brands: Path, tmp: Path,
                 partitions: int = 4, token: str = "test-token") -> None:
        self.broker, self.names, self.tmp = broker, names, tmp
        self.partitions, self.token = partitions, token
        self.app_id = f"fb-{names.prefix.strip('.')}"
        self.brands = brands
        self.started: list[WorkerProcess] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The worker settings as environment variables."""
        env = {
            "FIREBREAK_APP_ID": self.app_id,
            "FIREBREAK_TOPIC_PREFIX": self.names.prefix,
            "FIREBREAK_PARTITIONS": str(self.partitions),
            "FIREBREAK_BRANDS_FILE": str(self.brands),
            "FIREBREAK_API_TOKEN": self.token,
            "FIREBREAK_SESSION_TIMEOUT": "6",
            # every test starts on new topics (a "first start"): no settle period unless asked
            "FIREBREAK_FLAG_SETTLE_SECONDS": "0",
            **{k[2:]: v for k, v in os.environ.items() if k.startswith("X_FIREBREAK_")},
        }
        env.update(extra)
        return env

    def start(self, ready: bool = True, **extra: str) -> WorkerProcess:
        """Start one worker (and wait until it is ready)."""
        n = len(self.started)
        w = WorkerProcess(self.broker.url, env=self.env(**extra),
                          log_file=self.tmp / f"worker{n}.log")
        self.started.append(w)
        w.start(loglevel="info")
        if ready:
            assert w.wait_ready(90), f"worker {n} not ready; see {w.log_file}"
        return w

    def ensure_topics(self) -> None:
        """Create the topics with the test's partition count."""
        from streams.wire.admin import ensure_topics

        ensure_topics([self.broker.bootstrap], self.names, self.partitions)

    def stop_all(self) -> None:
        """Stop every worker this fixture started."""
        for w in self.started:
            w.stop()


@pytest.fixture
def workers(broker: EmbeddedBroker, names: TopicNames, brands_file: Path,
            tmp_path: Path) -> Iterator[Workers]:
    """A factory of workers for this test; all of them are stopped afterwards."""
    ws = Workers(broker, names, brands_file, tmp_path)
    try:
        yield ws
    finally:
        ws.stop_all()


__all__ = ["Workers", "load_settings"]
