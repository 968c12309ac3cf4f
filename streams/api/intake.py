"""``POST /api/v1/mentions``: accept a batch of mentions over HTTP and produce them.

Body: a JSON array of mention objects, or ``{"mentions": [...]}``. Needs the
bearer token. At most ``api_max_batch`` mentions and ``api_max_body_bytes``
bytes (413 otherwise). Each mention is validated like the score agent does;
valid ones are produced to ``mentions`` (keyed by mention id, so scoring
spreads), invalid ones are listed in the answer with their index and reason.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from aiohttp import web
from faust.web import Request, Response, View

from detectors.errors import InvalidMention
from detectors.events import parse_mention
from streams.api.auth import authorize
from streams.wire.messages import dumps
from streams.worker.runtime import Runtime


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole request body, or ``None`` when it is larger than ``limit`` bytes.

    Reads until the end of the body (a single ``read(n)`` returns only what is
    buffered), and stops as soon as a chunked body passes the limit.

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


def register_ingest(rt: Runtime) -> None:
    """Register the mentions endpoint on ``rt.app``.

    Args:
        rt: the worker runtime.
    """
    s = rt.settings

    @rt.app.page("/api/v1/mentions")
    class Mentions(View):
        async def post(self, request: Request) -> Response:
            denied = authorize(rt, request)
            if denied is not None:
                return self.json({"error": denied[1]}, status=denied[0])
            raw = await read_body(cast(web.Request, request), s.api_max_body_bytes)
            if raw is None:
                return self.json({"error": f"body larger than {s.api_max_body_bytes} bytes"},
                                 status=413)
            try:
                body: Any = json.loads(raw)
            except ValueError:
                return self.json({"error": "body must be JSON"}, status=400)
            items = body.get("mentions") if isinstance(body, dict) else body
            if not isinstance(items, list):
                return self.json({"error": "expected a JSON array of mentions"}, status=400)
            if len(items) > s.api_max_batch:
                return self.json({"error": f"more than {s.api_max_batch} mentions"}, status=413)
            now = datetime.now(timezone.utc)
            rejected, accepted = [], 0
            for i, item in enumerate(items):
                try:
                    m = parse_mention(item, now=now, max_future=timedelta(seconds=s.max_future))
                except InvalidMention as exc:
                    rejected.append({"index": i, "field": exc.field, "reason": exc.reason})
                    continue
                await rt.t_mentions.send(key=m.id.encode("utf-8"), value=dumps(item))
                accepted += 1
            return self.json({"accepted": accepted, "rejected": rejected},
                             status=202 if accepted or not rejected else 422)
