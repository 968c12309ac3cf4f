"""HTTP API of a worker (Faust web): health, metrics, brand state, pause flag, overrides.

Reads come from the worker's view of the compacted topics, so any worker
answers for any brand; they need a ``read`` token only with
``api_require_read_token``. Overrides (``POST``) need ``Authorization: Bearer
<token>`` of a token with the ``write`` scope (see ``streams/api/auth.py``).
They are produced as commands to the brand's owner (via ``mentions.scored``),
recorded in the brand's state with who (the token's name), when and why, and
visible in ``GET /api/v1/brands/{brand}`` under ``overrides``.
"""

from __future__ import annotations

import asyncio
import bisect
import time
import uuid
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from faust.web import Request, Response, View
from pydantic import ValidationError

from detectors.events import BRAND_RE
from streams.api.auth import Denied, Gate
from streams.api.body import json_body
from streams.api.intake import register_ingest
from streams.api.openapi import (
    OVERRIDE_ACTIONS,
    BrandList,
    OverrideRequest,
    OverrideResult,
    PauseRequest,
    document,
)
from streams.wire.flags import (
    HEARTBEAT_KEY,
    PauseFlag,
    PromotionAnswer,
    flag_problem,
    heartbeat_at,
)
from streams.wire.messages import command_message, dumps
from streams.wire.states import BrandStateView
from streams.wire.topics import scored_key
from streams.worker.exposition import render
from streams.worker.runtime import Runtime

PROBES = ("live", "startup", "ready")
APPLY_WAIT_SECONDS = 5.0
OVERRIDE_MAX_BODY_BYTES = 64 * 1024
PAGE_DEFAULT = 100
PAGE_MAX = 1000


def promotion_view(rt: Runtime, brand: str) -> PromotionAnswer:
    """The pause flag of ``brand`` as the API returns it.

    Fails safe: an unreadable record, or flag data that cannot be trusted (no fresh
    worker heartbeat, the topic was reset, or the data was rebuilt and is still
    settling for this brand), answers paused with that reason.

    Args:
        rt: the worker runtime.
        brand: the brand slug.
    """
    control = rt.names.control
    flag: PauseFlag | None = rt.view.get(control, brand)
    now = time.time()
    held_by = rt.view.get(control, HEARTBEAT_KEY)  # one read: both uses see the same record
    beat = heartbeat_at(held_by)
    stamp = datetime.fromtimestamp(now, tz=timezone.utc)
    if brand in rt.view.unreadable[control]:
        return PromotionAnswer(brand=brand, known=True, paused=True, updated_at=stamp,
                               reason="unreadable flag record: promotion held", heartbeat_at=beat,
                               held=True)
    answer = (PromotionAnswer.unknown(brand, stamp, beat) if flag is None
              else PromotionAnswer.of(flag, beat))
    problem = flag_problem(held_by, rt.view.reset_at, flag, now)
    # held: ``known`` true, so that every reader (older ones too) honours the hold
    return answer if problem is None else answer.model_copy(
        update={"paused": True, "reason": problem, "known": True, "held": True})


def _version() -> str:
    try:
        return metadata.version("firebreak")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def brand_page(rt: Runtime, limit: str | None, cursor: str | None) -> BrandList:
    """One page of ``GET /api/v1/brands``: brands after ``cursor`` in slug order.

    Args:
        rt: the worker runtime.
        limit: page size as given (default :data:`PAGE_DEFAULT`, at most :data:`PAGE_MAX`).
        cursor: the ``next`` of the previous page (the last brand it listed), if any.

    Raises:
        ValueError: a bad limit or cursor (the message says which).
    """
    try:
        size = PAGE_DEFAULT if limit is None else int(limit)
    except ValueError:
        raise ValueError("limit must be an integer") from None
    if not 1 <= size <= PAGE_MAX:
        raise ValueError(f"limit must be between 1 and {PAGE_MAX}")
    if cursor is not None and not BRAND_RE.match(cursor):
        raise ValueError("cursor must be a brand slug (the 'next' of the previous page)")
    keys = rt.view.keys(rt.names.state)
    start = bisect.bisect_right(keys, cursor) if cursor else 0
    chosen = keys[start:start + size]
    out = []
    for brand in chosen:
        st: BrandStateView | None = rt.view.get(rt.names.state, brand)
        if st is not None:
            out.append(st.summary())
    more = start + size < len(keys)
    return BrandList(brands=out, count=len(out), total=len(keys),
                     next=chosen[-1] if more and chosen else None)


async def probe(rt: Runtime, kind: str) -> tuple[dict[str, Any], bool]:
    """The answer of ``GET /healthz?probe=<kind>`` and whether it is a success.

    ``live``: the worker's event loop answers (nothing else is asked: a worker that is
    recovering or behind must not be restarted for it). ``startup``: the tables are
    recovered and the state view has caught up (changelog recovery can take minutes).
    ``ready`` (the default): also input lag within ``ready_max_lag``.

    Args:
        rt: the worker runtime.
        kind: ``live``, ``startup`` or ``ready``.
    """
    if kind == "live":
        return {"alive": True, "uptime_seconds": round(time.time() - rt.started_at, 1)}, True
    h = await rt.health()
    ok = h["ready"] if kind == "ready" else h["recovered"] and h["view_caught_up"]
    return {**h, "probe": kind}, ok


def register(rt: Runtime) -> None:
    """Register every HTTP view on ``rt.app``.

    Args:
        rt: the worker runtime.
    """
    app = rt.app
    gate = Gate.from_settings(rt.settings)
    api_description = document(_version())

    def denied_read(view: View, request: Request) -> Response | None:
        who = gate.check(request, "read")
        return who.response(view) if isinstance(who, Denied) else None

    def bad_brand(view: View, brand: str) -> Response | None:
        if not BRAND_RE.match(brand):
            return view.json({"error": "not a valid brand slug"}, status=400)
        if not rt.view.caught_up.is_set():
            return view.json({"error": "not ready: still reading state"}, status=503)
        return None

    @app.page("/healthz")
    class Health(View):
        async def get(self, request: Request) -> Response:
            kind = request.rel_url.query.get("probe", "ready")
            if kind not in PROBES:
                return self.json({"error": f"probe must be one of {', '.join(PROBES)}"}, status=400)
            body, ok = await probe(rt, kind)
            return self.json(body, status=200 if ok else 503)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            body, content_type = render(rt.registry, request.headers.get("Accept"))
            # a header, not content_type=: aiohttp refuses a charset parameter there
            return self.bytes(body, headers={"Content-Type": content_type, "Vary": "Accept"})

    @app.page("/api/v1/brands")
    class Brands(View):
        async def get(self, request: Request) -> Response:
            err = denied_read(self, request)
            if err is not None:
                return err
            query = request.rel_url.query
            try:
                page = brand_page(rt, query.get("limit"), query.get("cursor"))
            except ValueError as exc:
                return self.json({"error": str(exc)}, status=400)
            return self.json(page.wire())

    @app.page("/api/v1/brands/{brand}")
    class Brand(View):
        async def get(self, request: Request, brand: str) -> Response:
            err = denied_read(self, request) or bad_brand(self, brand)
            if err is not None:
                return err
            st: BrandStateView | None = rt.view.get(rt.names.state, brand)
            if st is None:
                return self.json({"error": "unknown brand", "brand": brand}, status=404)
            return self.json(st.wire())

    @app.page("/api/v1/brands/{brand}/promotion")
    class Promotion(View):
        async def get(self, request: Request, brand: str) -> Response:
            err = denied_read(self, request) or bad_brand(self, brand)
            return err if err is not None else self.json(promotion_view(rt, brand).wire())

    @app.page("/openapi.json")
    class OpenApi(View):
        async def get(self, request: Request) -> Response:
            return self.json(api_description)

    for action in OVERRIDE_ACTIONS:
        app.page(f"/api/v1/brands/{{brand}}/{action}")(
            _override_view(rt, gate, action, bad_brand))
    register_ingest(rt, gate)


def _override_view(rt: Runtime, gate: Gate, action: str, bad_brand: Any) -> type[View]:
    class Override(View):
        async def post(self, request: Request, brand: str) -> Response:
            who = gate.check(request, "write")
            if isinstance(who, Denied):
                return who.response(self)
            err = bad_brand(self, brand)
            if err is not None:
                return err
            body, error = await json_body(self, request, OVERRIDE_MAX_BODY_BYTES, empty={})
            if error is not None:
                return error
            if not isinstance(body, dict):
                return self.json({"error": "body must be a JSON object"}, status=400)
            if action != "pause" and "for_minutes" in body:
                return self.json({"error": "'for_minutes' is only for pause"}, status=422)
            try:
                asked = (PauseRequest if action == "pause" else OverrideRequest).model_validate(body)
            except ValidationError as exc:
                return self.json({"error": _first_error(exc)}, status=422)
            why = asked.why
            for_minutes = asked.for_minutes if isinstance(asked, PauseRequest) else None
            command_id = uuid.uuid4().hex
            requested_by = asked.by.strip() if asked.by and asked.by.strip() else None
            cmd = command_message(brand, action, who, why, time.time(), command_id,
                                  requested_by=requested_by, for_minutes=for_minutes)
            await rt.t_scored.send(key=scored_key(brand), value=dumps(cmd))
            applied = await _wait_applied(rt, brand, command_id)
            result = OverrideResult(command_id=command_id, action=action, brand=brand, by=who,
                                    requested_by=requested_by, applied=applied,
                                    promotion=promotion_view(rt, brand))
            return self.json(result.wire(), status=200 if applied else 202)

    Override.__name__ = f"Override_{action}"
    return Override


def _first_error(exc: ValidationError) -> str:
    """The first problem of a refused body, naming its field."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where!r}: {err['msg']}"


async def _wait_applied(rt: Runtime, brand: str, command_id: str) -> bool:
    deadline = time.monotonic() + APPLY_WAIT_SECONDS
    while time.monotonic() < deadline:
        st: BrandStateView | None = rt.view.get(rt.names.state, brand)
        if st is not None and any(o.command_id == command_id for o in st.overrides):
            return True
        await asyncio.sleep(0.05)
    return False

