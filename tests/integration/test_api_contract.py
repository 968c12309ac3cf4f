"""A live worker's answers validate against the OpenAPI description it serves."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from streams.client.http import http_json
from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration


def check(doc: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """``body`` fits the JSON schema the description gives for that route and status."""
    answer = doc["paths"][path][method]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": doc["components"]}).validate(body)


def test_live_answers_validate_against_the_served_description(broker, names, workers):
    """GETs, an override, an intake batch and refusals all fit /openapi.json."""
    workers.ensure_topics()
    w = workers.start()
    status, doc = http_json(f"{w.url}/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    send_all(producer(broker.bootstrap), names.mentions, background("acme", n=5))
    assert wait_for(lambda: http_json(f"{w.url}/api/v1/brands/acme")[0] == 200, 30)

    calls = [
        ("/api/v1/brands", "/api/v1/brands"),
        ("/api/v1/brands/{brand}", "/api/v1/brands/acme"),
        ("/api/v1/brands/{brand}", "/api/v1/brands/nobody"),
        ("/api/v1/brands/{brand}", "/api/v1/brands/NOT%20A%20SLUG"),
        ("/api/v1/brands/{brand}/promotion", "/api/v1/brands/acme/promotion"),
        ("/api/v1/brands/{brand}/promotion", "/api/v1/brands/nobody/promotion"),
        ("/healthz", "/healthz?probe=startup"),
        ("/healthz", "/healthz?probe=bogus"),
        ("/", "/"),
    ]
    seen = set()
    for path, url in calls:
        status, body = http_json(w.url + url)
        check(doc, path, "get", status, body)
        seen.add(status)
    assert {200, 400, 404} <= seen

    url = f"{w.url}/api/v1/brands/acme/pause"
    status, body = http_json(url, method="POST", body={"why": "contract test"}, token=workers.token)
    check(doc, "/api/v1/brands/{brand}/pause", "post", status, body)
    assert body["promotion"]["brand"] == "acme"
    status, body = http_json(url, method="POST", body={"why": 5}, token=workers.token)
    assert status == 422 and "why" in body["error"]
    check(doc, "/api/v1/brands/{brand}/pause", "post", status, body)
    status, body = http_json(url, method="POST", body={}, token="wrong")
    check(doc, "/api/v1/brands/{brand}/pause", "post", status, body)
    assert status == 401

    batch = [mention("acme", 1, neg=False, prefix="api"), {"id": "x", "brand": "acme"}]
    status, body = http_json(f"{w.url}/api/v1/mentions", method="POST", body=batch,
                             token=workers.token)
    check(doc, "/api/v1/mentions", "post", status, body)
    assert status == 202 and body["accepted"] == 1 and body["rejected"][0]["field"] == "text"
