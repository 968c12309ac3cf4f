"""JSON message formats on Firebreak's topics (pure functions, no I/O).

* DLQ record: ``{"reason_code", "field", "reason", "origin": {topic, partition,
  offset}, "size", "excerpt", "at"}`` -- the excerpt is at most 1 KiB of the
  original bytes (decoded with replacement), never the whole (maybe 1 MB) message.
* Command (on ``mentions.scored``): ``{"kind": "command", "brand", "action",
  "by", "why", "ts", "command_id"}`` (``for_minutes`` for a timed pause);
  observations carry ``"kind": "obs"``, replies by the brand's own handles
  ``"kind": "own"``.
* Pause flag (``promotion.control``): :func:`flag_message`, a
  :class:`~streams.wire.flags.PauseFlag`.
* Public state (``brand.state``): :func:`state_message`, a
  :class:`~streams.wire.states.BrandStateView`.
* Alert (``alerts``): :class:`streams.wire.alert.AlertEvent`, fingerprint = the crisis id.
"""

from __future__ import annotations

from typing import Any

from detectors.codec import dumps as dumps  # re-exported: the encoder of every message
from detectors.crisis.state import BrandState
from detectors.errors import InvalidMention
from detectors.events import iso
from streams.wire.base import at
from streams.wire.flags import PauseFlag
from streams.wire.states import BrandStateView

EXCERPT_BYTES = 1024


def reason_code(exc: Exception) -> str:
    """A low-cardinality code for why a message was rejected (a metric label).

    Args:
        exc: the error raised while validating or scoring the message.
    """
    return exc.code if isinstance(exc, InvalidMention) else "processing_error"


def dlq_record(
    raw: bytes | None, exc: Exception, topic: str, partition: int, offset: int, now: float
) -> dict[str, Any]:
    """The dead-letter record for a rejected message.

    Args:
        raw: the original value bytes.
        exc: why it was rejected.
        topic: origin topic.
        partition: origin partition.
        offset: origin offset.
        now: wall-clock time (POSIX seconds).
    """
    raw = raw or b""
    return {
        "reason_code": reason_code(exc),
        "field": getattr(exc, "field", "$"),
        "reason": str(exc)[:500],
        "origin": {"topic": topic, "partition": partition, "offset": offset},
        "size": len(raw),
        "excerpt": raw[:EXCERPT_BYTES].decode("utf-8", "replace"),
        "at": iso(now),
    }


def command_message(
    brand: str, action: str, by: str, why: str, ts: float, command_id: str,
    requested_by: str | None = None, for_minutes: float | None = None,
) -> dict[str, Any]:
    """An override command for the brand's owner.

    Args:
        brand: brand slug.
        action: ``pause``/``resume``/``acknowledge``/``force``/``release``.
        by: who acted: the API token's name (recorded).
        why: free text (recorded).
        ts: when (wall clock, POSIX seconds).
        command_id: unique id, returned to the caller and recorded in the state.
        requested_by: the caller's own note of who asked (not an identity), if any.
        for_minutes: a timed pause: resume on its own after this long if calm.
    """
    cmd = {"kind": "command", "brand": brand, "action": action, "by": by, "why": why,
           "ts": ts, "command_id": command_id}
    if requested_by is not None:
        cmd["requested_by"] = requested_by
    if for_minutes is not None:
        cmd["for_minutes"] = for_minutes
    return cmd


def flag_message(st: BrandState, now: float) -> PauseFlag:
    """The pause flag of a brand as published on ``promotion.control``.

    Args:
        st: the brand's state.
        now: publication time (wall clock); readers treat old flags as stale.
    """
    return PauseFlag(brand=st.brand, paused=st.paused, reason=st.pause_reason,
                     since=at(st.paused_since), updated_at=at(now), state=st.state,
                     crisis_id=st.crisis_id, until=at(st.meta.get("paused_until")))


def state_message(st: BrandState, now: float) -> BrandStateView:
    """The public view of a brand's state, as published on ``brand.state``.

    Args:
        st: the brand's state.
        now: publication time (wall clock).
    """
    meta = st.meta
    return BrandStateView(
        brand=st.brand, state=st.state, since=at(st.since), reason=meta.get("reason"),
        test=meta.get("test"), numbers=st.last_verdict, paused=st.paused,
        pause_reason=st.pause_reason, paused_since=at(st.paused_since),
        paused_until=at(st.meta.get("paused_until")), crisis_id=st.crisis_id,
        acknowledged_by=st.acknowledged_by, acknowledged_at=at(st.acknowledged_at),
        mentions=st.mentions, late=st.late, last_event_at=at(st.last_ts),
        overrides=meta.get("overrides", []),
        updated_at=at(now),
    )


