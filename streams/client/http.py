"""Small JSON-over-HTTP clients (stdlib only): one-off requests for dev tools, and a
kept-alive, retrying client with a bearer token for the pause-flag reader."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.parse
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
    return status, _decode(raw)


class JsonClient:
    """JSON over one kept-alive HTTP connection, with bounded retries and a bearer token.

    A request that cannot connect, or gets 429/502/503/504, is retried up to
    ``retries`` times after ``backoff``, ``2 * backoff``, ``4 * backoff`` … seconds
    (each wait at most ``max_backoff``; a ``Retry-After`` within that cap is honoured).
    One client may be shared between threads: requests take turns on the connection.

    Args:
        base_url: ``http://host:port`` (``https`` works too).
        token: bearer token sent with every request, or ``None``.
        timeout: seconds for one attempt.
        retries: extra attempts after the first.
        backoff: first wait, seconds.
        max_backoff: longest wait, seconds.
    """

    RETRY_STATUS = frozenset({429, 502, 503, 504})

    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 3.0,
                 retries: int = 2, backoff: float = 0.2, max_backoff: float = 2.0) -> None:
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port], got {base_url!r}")
        self.scheme, self.netloc, self.prefix = url.scheme, url.netloc, url.path.rstrip("/")
        self.token, self.timeout = token, timeout
        self.retries, self.backoff, self.max_backoff = max(0, retries), backoff, max_backoff
        self.connections = 0  # how many connections were opened (reuse keeps it at 1)
        self._conn: http.client.HTTPConnection | None = None
        self._reused = False
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Send one request (retrying as above).

        Args:
            method: HTTP method.
            path: path and query, e.g. ``/api/v1/brands/acme/promotion``.
            body: JSON-ready body or ``None``.

        Returns:
            ``(status, decoded body)`` of the last attempt; status 0 when unreachable.
        """
        data = dumps(body) if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        status, payload, wait = 0, None, self.backoff
        for attempt in range(self.retries + 1):
            status, payload, retry_after = self._once(method, self.prefix + path, data, headers)
            if status != 0 and status not in self.RETRY_STATUS or attempt == self.retries:
                break
            time.sleep(min(self.max_backoff, retry_after if retry_after is not None else wait))
            wait *= 2
        return status, payload

    def get(self, path: str) -> tuple[int, Any]:
        """``GET path``: see :meth:`request`.

        Args:
            path: path and query.
        """
        return self.request("GET", path)

    def close(self) -> None:
        """Close the kept-alive connection (a later request opens a new one)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _once(self, method: str, path: str, data: bytes | None, headers: dict[str, str]
              ) -> tuple[int, Any, float | None]:
        with self._lock:
            for fresh in (False, True):
                conn = self._connection(fresh)
                try:
                    conn.request(method, path, body=data, headers=headers)
                    resp = conn.getresponse()
                    raw = resp.read()
                except (http.client.RemoteDisconnected, BrokenPipeError,
                        ConnectionResetError) as exc:
                    conn.close()
                    self._conn = None
                    if fresh or not self._reused:
                        return 0, str(exc), None
                    continue  # the server closed an idle kept-alive connection: once more
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self._conn = None
                    return 0, str(exc), None
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._conn = None
                return resp.status, _decode(raw), _retry_after(resp.getheader("Retry-After"))
        return 0, None, None

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        if self._conn is not None and not fresh:
            self._reused = True
            return self._conn
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        self._conn = cls(self.netloc, timeout=self.timeout)
        self._reused = False
        self.connections += 1
        return self._conn


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
