"""HTTP limits on a real worker: body sizes (413), named tokens and scopes (403), rates (429).

One worker for the module (starting one takes seconds): it has the single
``api_token`` (``default``) and a tokens file. Each test uses its own token, so
the rate budgets of one test do not leak into another.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from streams.client.http import http_json
from streams.dev.broker import EmbeddedBroker
from streams.dev.procs import WorkerProcess
from streams.wire.topics import TopicNames
from tests.integration.conftest import BRANDS_YAML, Workers
from tests.integration.kafkautil import mention, wait_for

pytestmark = pytest.mark.integration

TOKENS = {
    "ops": {"token": "ops-secret-0123456789", "scopes": ["read", "write"]},
    "feeder": {"token": "feeder-secret-0123456789", "scopes": ["ingest"]},
    "burster": {"token": "burster-secret-0123456789", "scopes": ["write"]},
    "flooder": {"token": "flooder-secret-0123456789", "scopes": ["ingest"]},
}
WRITE_BURST, INTAKE_BURST = 3, 5


def secret(name: str) -> str:
    return str(TOKENS[name]["token"])


@pytest.fixture(scope="module")
def worker(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[WorkerProcess]:
    """A worker with named tokens, a write rate of 0.2/s (burst 3), intake 0.2/s (burst 5)."""
    tmp = tmp_path_factory.mktemp("limits")
    (tmp / "brands.yaml").write_text(BRANDS_YAML)
    (tmp / "tokens.json").write_text(json.dumps(TOKENS))
    ws = Workers(broker, TopicNames(f"t{uuid.uuid4().hex[:8]}."), tmp / "brands.yaml", tmp)
    ws.ensure_topics()
    try:
        yield ws.start(FIREBREAK_API_TOKENS_FILE=str(tmp / "tokens.json"),
                       FIREBREAK_API_WRITE_RATE="0.2", FIREBREAK_API_WRITE_BURST=str(WRITE_BURST),
                       FIREBREAK_API_INTAKE_RATE="0.2",
                       FIREBREAK_API_INTAKE_BURST=str(INTAKE_BURST))
    finally:
        ws.stop_all()


def post(worker: WorkerProcess, path: str, body: bytes, token: str,
         chunked: bool = False) -> tuple[int, dict[str, str], Any]:
    """POST raw bytes (with Content-Length, or chunked); status, headers and decoded JSON."""
    url = urlsplit(worker.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        if chunked:
            pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
            conn.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        else:
            conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, dict(resp.headers), json.loads(raw) if raw else None
    finally:
        conn.close()


def test_intake_accepts_3_5_mb_and_413s_past_4_mb_chunked_or_not(worker):
    """A 3.5 MB batch of 1,000 mentions is all accepted; 4 MB + 1 byte is a JSON 413 either way."""
    batch = []
    for i in range(1000):
        m = mention("globex", i, neg=False, prefix="big")
        m["text"] = m["text"] + " " + "x" * (3400 - len(m["text"]))
        batch.append(m)
    body = json.dumps(batch).encode()
    assert 3_400_000 < len(body) < 4_000_000
    status, _, reply = post(worker, "/api/v1/mentions", body, secret("feeder"))
    assert status == 202 and reply["accepted"] == 1000 and reply["rejected"] == [], reply

    over = b'["' + b"y" * (4_000_000 - 3) + b'"]'
    assert len(over) == 4_000_001
    for chunked in (False, True):
        status, _, reply = post(worker, "/api/v1/mentions", over, secret("feeder"), chunked)
        assert status == 413 and "larger than 4000000 bytes" in reply["error"], chunked


def test_override_bodies_are_limited_too(worker):
    """An override body past 64 KiB is a JSON 413, chunked or not (not a parse error)."""
    over = json.dumps({"why": "z" * 70_000}).encode()
    for chunked in (False, True):
        status, _, reply = post(worker, "/api/v1/brands/acme/pause", over, secret("ops"), chunked)
        assert status == 413 and "larger than" in reply["error"], chunked


def test_a_token_without_the_scope_gets_403(worker):
    """An ingest-only token cannot pause, a write-only token cannot send mentions."""
    status, _, reply = post(worker, "/api/v1/brands/acme/pause", b"{}", secret("feeder"))
    assert status == 403 and "'feeder'" in reply["error"] and "'write'" in reply["error"]
    status, _, reply = post(worker, "/api/v1/mentions", b"[]", secret("ops"))
    assert status == 403 and "'ingest'" in reply["error"]
    status, _, _ = post(worker, "/api/v1/mentions", b"[]", "not-a-token")
    assert status == 401


def test_an_override_is_recorded_by_the_token_name(worker):
    """The override's `by` is the token's name; the body's `by` is kept only as requested_by."""
    batch = json.dumps([mention("acme", i, neg=False, prefix="seed") for i in range(3)]).encode()
    assert post(worker, "/api/v1/mentions", batch, secret("feeder"))[0] == 202
    assert wait_for(lambda: http_json(f"{worker.url}/api/v1/brands/acme")[0] == 200, 20)
    body = json.dumps({"by": "mallory pretending to be ana", "why": "test"}).encode()
    status, _, reply = post(worker, "/api/v1/brands/acme/pause", body, secret("ops"))
    assert status == 200 and reply["applied"] and reply["by"] == "ops"
    assert reply["requested_by"] == "mallory pretending to be ana"
    overrides = http_json(f"{worker.url}/api/v1/brands/acme")[1]["overrides"]
    assert [(o["action"], o["by"]) for o in overrides] == [("pause", "ops")]


@pytest.mark.parametrize("path, name, burst", [
    ("/api/v1/brands/acme/acknowledge", "burster", WRITE_BURST),
    ("/api/v1/mentions", "flooder", INTAKE_BURST),
])
def test_past_the_rate_a_token_gets_429_with_retry_after(worker, path, name, burst):
    """`burst` requests pass at once, the next is 429 with Retry-After ≥ 1 s; others still pass."""
    bad = b'"not an object"'  # refused after the rate check, so nothing is produced
    statuses = [post(worker, path, bad, secret(name))[0] for _ in range(burst)]
    assert 429 not in statuses, statuses
    status, headers, reply = post(worker, path, bad, secret(name))
    assert status == 429 and "rate limit" in reply["error"]
    assert int(headers["Retry-After"]) >= 1
    assert post(worker, path, bad, "test-token")[0] != 429  # another token has its own bucket


def test_reads_stay_open_without_require_read_token(worker):
    """GET routes answer without a token by default, as before."""
    assert http_json(f"{worker.url}/api/v1/brands")[0] == 200


def test_tokens_file_secrets_are_not_logged(worker):
    """No secret of the tokens file appears in the worker's log."""
    log = Path(worker.log_file).read_text(encoding="utf-8", errors="replace")
    assert log and not any(str(t["token"]) in log for t in TOKENS.values())


def test_with_require_read_token_reads_need_a_read_token(workers):
    """With require_read_token the /api/v1 GETs are 401 without a token; probes stay open."""
    workers.ensure_topics()
    w = workers.start(FIREBREAK_API_REQUIRE_READ_TOKEN="true")
    assert http_json(f"{w.url}/api/v1/brands")[0] == 401
    assert http_json(f"{w.url}/api/v1/brands/acme/promotion", token="wrong")[0] == 401
    assert http_json(f"{w.url}/api/v1/brands", token=workers.token)[0] == 200
    assert http_json(f"{w.url}/healthz?probe=live")[0] == 200
    assert http_json(f"{w.url}/metrics")[0] == 200
