"""``POST /api/v1/mentions``: accept a batch of mentions over HTTP and produce them.

Body: a JSON array of mention objects, or ``{"mentions": [...]}``. Needs a
token with the ``ingest`` scope, within its rate (429 otherwise). At most
``api_max_batch`` mentions and ``api_max_body_bytes`` bytes (413 otherwise).
Each mention is validated as the score loop (:mod:`streams.worker.scoring`) does; valid ones are produced to
``mentions`` (keyed by mention id, so scoring spreads), invalid ones are listed
in the answer with their index and reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from faust.web import Request, Response, View

from detectors.errors import InvalidMention
from detectors.events import parse_mention
from streams.api.auth import Denied, Gate
from streams.api.body import json_body
from streams.wire.messages import dumps
from streams.worker.runtime import Runtime


def register_ingest(rt: Runtime, gate: Gate) -> None:
    """Register the mentions endpoint on ``rt.app``.

    Args:
        rt: the worker runtime.
        gate: checks the token (``ingest`` scope) and its rate.
    """
    s = rt.settings

    @rt.app.page("/api/v1/mentions")
    class Mentions(View):
        async def post(self, request: Request) -> Response:
            who = gate.check(request, "ingest")
            if isinstance(who, Denied):
                return who.response(self)
            body, error = await json_body(self, request, s.api_max_body_bytes)
            if error is not None:
                return error
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
