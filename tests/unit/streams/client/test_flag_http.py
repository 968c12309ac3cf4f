"""The HTTP pause-flag reader against a real local HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from streams.client.http import JsonClient
from streams.client.pauseflag import HttpFlagReader, may_publish
from streams.wire.base import at
from streams.wire.flags import PromotionAnswer

REBUILT = "flag data rebuilt after a broker reset (or a first start) at …"


class FlagServer(ThreadingHTTPServer):
    """Answers ``/api/v1/brands/<b>/promotion``; fails the first ``failures`` requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.failures, self.fail_status, self.retry_after = 0, 503, None
        self.drop_idle = False  # close each connection after answering, without saying so
        self.heartbeat_age: float | None = 0.0  # of the worker's newest heartbeat; None: none
        self.requests: list[tuple[int, str | None]] = []  # (client port, Authorization)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: FlagServer

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        srv = self.server
        srv.requests.append((self.client_address[1], self.headers.get("Authorization")))
        if srv.failures > 0:
            srv.failures -= 1
            self.answer(srv.fail_status, {"error": "not ready"}, retry_after=srv.retry_after)
            return
        brand = self.path.split("/")[4]
        now = time.time()
        beat = None if srv.heartbeat_age is None else at(now - srv.heartbeat_age)
        if brand == "unseen":  # no record, held by the worker while its rebuilt data settles
            self.answer(200, PromotionAnswer.unknown(brand, at(now), beat).model_copy(
                update={"paused": True, "reason": REBUILT}).wire())
            return
        if brand == "settling":  # a record, held as the real worker holds it: known, held
            self.answer(200, PromotionAnswer(brand=brand, known=True, paused=True, held=True,
                                             reason=REBUILT, updated_at=at(now),
                                             heartbeat_at=beat).wire())
            return
        if brand == "leaky":  # a person's pause whose reason happens to begin like a hold's
            self.answer(200, PromotionAnswer(brand=brand, known=True, paused=True,
                                             reason="flag data leak story: paused by comms",
                                             updated_at=at(now - 60), heartbeat_at=beat).wire())
            return
        self.answer(200, PromotionAnswer(brand=brand, known=True, paused=brand == "acme",
                                         reason="crisis: x" if brand == "acme" else None,
                                         updated_at=at(now - 3600), heartbeat_at=beat).wire())

    def answer(self, status: int, body: object, retry_after: str | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(raw)
        if self.server.drop_idle:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[FlagServer]:
    srv = FlagServer()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def test_reads_flags_over_one_kept_alive_connection(server):
    """Ten questions use one TCP connection; the verdicts follow the answers."""
    with HttpFlagReader(server.url) as reader:
        flags = [reader.get("acme" if i % 2 else "globex") for i in range(10)]
    assert [may_publish(f) for f in flags] == [i % 2 == 0 for i in range(10)]
    assert flags[1].reason == "crisis: x"
    assert len({port for port, _ in server.requests}) == 1
    assert reader.client.connections == 1


def test_old_records_count_while_the_heartbeat_is_fresh(server):
    """A flag published an hour ago is current when a worker heartbeat is fresh."""
    flag = HttpFlagReader(server.url).get("globex")
    assert may_publish(flag) and flag.why == "not paused"


@pytest.mark.parametrize("age,why", [(600.0, "more than 120 s ago"), (None, "no worker heartbeat")])
def test_stale_or_missing_heartbeat_holds_promotion(server, age, why):
    """The answering worker's newest heartbeat is old, or it has none: paused, saying why."""
    server.heartbeat_age = age
    flag = HttpFlagReader(server.url).get("globex")
    assert flag.effective_paused and flag.why.startswith("flag data stale/lost") and why in flag.why
    server.heartbeat_age = 20.0
    assert not may_publish(HttpFlagReader(server.url, max_age=10).get("globex")), "max_age is ours"


def test_a_brand_without_record_held_by_the_worker_stays_held(server):
    """known: false but paused: true (the worker's flag data is settling): held, with its why."""
    with HttpFlagReader(server.url) as reader:
        f = reader.get("unseen")
    assert not may_publish(f) and f.why == REBUILT


def test_a_hold_is_told_by_the_held_field_not_by_the_reason_text(server):
    """held: true is the worker's hold (why = its reason); a person's pause whose reason
    text begins like a hold's is an ordinary pause, read as such."""
    with HttpFlagReader(server.url) as reader:
        held, person = reader.get("settling"), reader.get("leaky")
    assert not may_publish(held) and held.why == REBUILT
    assert not may_publish(person) and person.why == "paused"
    assert person.reason == "flag data leak story: paused by comms"


def test_sends_the_bearer_token(server):
    """The token goes in the Authorization header of every request."""
    HttpFlagReader(server.url, token="read-secret").get("globex")
    HttpFlagReader(server.url).get("globex")
    assert [auth for _, auth in server.requests] == ["Bearer read-secret", None]


def test_retries_with_growing_backoff_then_succeeds(server):
    """Two 503s, then an answer: read after three attempts, waits 0.05 s then 0.1 s."""
    server.failures = 2
    began = time.monotonic()
    flag = HttpFlagReader(server.url, backoff=0.05).get("globex")
    took = time.monotonic() - began
    assert may_publish(flag) and len(server.requests) == 3
    assert 0.15 <= took < 2.0


def test_retries_are_bounded_then_fail_safe(server):
    """Past the retries a failing API means paused; Retry-After is honoured up to the cap."""
    server.failures, server.retry_after = 10, "0.1"
    flag = HttpFlagReader(server.url, retries=2, backoff=0.01).get("globex")
    assert flag.effective_paused and flag.why == "flag source unreachable or stale"
    assert len(server.requests) == 3


def test_unreachable_worker_fails_safe_quickly():
    """Nothing listening: paused, after the bounded retries, without an exception."""
    began = time.monotonic()
    flag = HttpFlagReader("http://127.0.0.1:1", retries=2, backoff=0.05, timeout=1).get("acme")
    assert flag.effective_paused and not may_publish(flag)
    assert time.monotonic() - began < 3


def test_client_refuses_a_url_that_is_not_http():
    """A misspelt base URL fails at once, naming what is expected."""
    with pytest.raises(ValueError, match="http"):
        JsonClient("firebreak:6066")


def test_server_closing_an_idle_connection_is_not_a_failure(server):
    """A kept-alive connection the server dropped is reopened, without spending a retry."""
    server.drop_idle = True
    client = JsonClient(server.url, retries=0)
    assert client.get("/api/v1/brands/acme/promotion")[0] == 200
    time.sleep(0.1)  # the server has closed its end by now
    status, body = client.get("/api/v1/brands/acme/promotion")
    assert status == 200 and body["paused"] is True
    assert client.connections == 2 and len(server.requests) == 2
