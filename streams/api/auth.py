"""Who may write: the bearer token of a write request."""

from __future__ import annotations

import hmac

from faust.web import Request

from streams.worker.runtime import Runtime


def authorize(rt: Runtime, request: Request) -> tuple[int, str] | None:
    """Check the bearer token of a write request.

    Args:
        rt: the worker runtime.
        request: the HTTP request.

    Returns:
        ``None`` when allowed, else ``(status, message)``.
    """
    token = rt.settings.api_token
    if token is None or not token.get_secret_value():
        return 403, "writes are disabled: no API token is configured"
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8"), token.get_secret_value().encode("utf-8")
    ):
        return 401, "missing or wrong bearer token"
    return None
