"""Request bodies of the POST routes: read whole, up to a limit, and decoded as JSON."""

from __future__ import annotations

import json
from typing import Any, cast

from aiohttp import web
from faust.web import Request, Response, View


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole request body, or ``None`` when it is larger than ``limit`` bytes.

    Reads until the end of the body (a single ``read(n)`` returns only what is
    buffered), and stops as soon as a chunked body passes the limit, so at most
    ``limit`` plus one chunk is ever held.

    Args:
        request: the aiohttp request behind Faust's view.
        limit: the largest body accepted, in bytes.
    """
    length = request.content_length
    if length is not None and length > limit:
        return None
    raw = bytearray()
    async for chunk in request.content.iter_chunked(1 << 16):
        raw += chunk
        if len(raw) > limit:
            return None
    return bytes(raw)


async def json_body(view: View, request: Request, limit: int,
                    empty: Any = None) -> tuple[Any, Response | None]:
    """The decoded JSON body, or the error answer (413 past ``limit``, 400 if not JSON).

    Args:
        view: the Faust view answering.
        request: the HTTP request.
        limit: the largest body accepted, in bytes.
        empty: the value of an empty (or blank) body; ``None`` makes it a 400.

    Returns:
        ``(value, None)``, or ``(None, error response)``.
    """
    raw = await read_body(cast(web.Request, request), limit)
    if raw is None:
        return None, view.json({"error": f"body larger than {limit} bytes"}, status=413)
    if empty is not None and not raw.strip():
        return empty, None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, view.json({"error": "body must be JSON"}, status=400)
