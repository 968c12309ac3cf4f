"""A small JSON-over-HTTP client (stdlib only), for the pause-flag reader and dev tools."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from detectors.codec import dumps


def http_json(url: str, *, method: str = "GET", body: Any = None, token: str | None = None,
              timeout: float = 5.0) -> tuple[int, Any]:
    """A small JSON HTTP client (stdlib only).

    Args:
        url: the URL.
        method: HTTP method.
        body: JSON-ready body or ``None``.
        token: bearer token or ``None``.
        timeout: seconds.

    Returns:
        ``(status, decoded body)``; status 0 when the server is unreachable.
    """
    data = dumps(body) if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    except (urllib.error.URLError, OSError):
        return 0, None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")
