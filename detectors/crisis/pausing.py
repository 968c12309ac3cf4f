"""People's commands around the state machine: timed pauses and the audit trail (pure).

    out = command(state, "pause", ts, cfg, by="ana", why="statement pending", for_minutes=360)
    out = expire(state, watermark, cfg)     # on every tick: ends a timed pause that is due

A pause may be *timed*: ``for_minutes`` sets ``meta["paused_until"]`` (event time,
POSIX seconds). When a tick reaches it, the brand resumes on its own only if it
is calm (state ``normal``); otherwise it stays paused and its pause reason says
why. Either way the timer's decision is recorded like a person's override (by
:data:`TIMER`). A plain pause, a resume or a release cancels the timer.

Every applied command (and every timer decision) is also queued in
``meta["audit"]`` for the stream to append to the durable audit topic; the
state itself keeps only the last 20 overrides. Nothing here reads a clock.
"""

from __future__ import annotations

from typing import Any

from detectors.config import BrandConfig
from detectors.crisis.model import Transition
from detectors.crisis.state import Action, BrandState, override
from detectors.events import iso

TIMER = "firebreak:timer"  # who ends a timed pause (no API token name holds a colon)
MAX_PAUSE_MINUTES = 7 * 24 * 60
AUDIT_PENDING_MAX = 100  # undrained records kept per brand (replay never drains them)


def pending(state: BrandState) -> bool:
    """Whether a timed pause waits to end (the brand needs ticks until it does).

    Args:
        state: the brand's state.
    """
    return state.meta.get("paused_until") is not None


def command(state: BrandState, action: Action, ts: float, cfg: BrandConfig, *, by: str,
            why: str = "", for_minutes: float | None = None) -> list[Transition]:
    """Apply a person's decision (:func:`detectors.crisis.state.override`), timed pauses included.

    Args:
        state: the brand's state (updated in place).
        action: ``pause``/``resume``/``acknowledge``/``force``/``release``.
        ts: when (event time, POSIX seconds).
        cfg: the brand's configuration.
        by: who (recorded).
        why: their reason (recorded).
        for_minutes: with ``pause``, resume on its own after this many minutes if calm
            (0 < minutes <= :data:`MAX_PAUSE_MINUTES`).

    Raises:
        ValueError: ``for_minutes`` out of range or given with another action.
    """
    if for_minutes is not None:
        if action != "pause":
            raise ValueError(f"for_minutes is only for pause, not {action}")
        if not 0 < for_minutes <= MAX_PAUSE_MINUTES:
            raise ValueError(f"for_minutes must be in (0, {MAX_PAUSE_MINUTES}]")
    until = ts + for_minutes * 60 if for_minutes is not None else None
    if until is not None:
        why = f"{why} (for {for_minutes:g} min, until {iso(until)})".lstrip()
    was_paused = state.paused
    out = override(state, action, ts, cfg, by=by, why=why)
    _queue_audit(state)
    if action == "resume" and not was_paused:
        # a person confirmed promotion may go out: the flag records when and who (readers
        # trust a flag decided after flag data was rebuilt, streams.wire.flags.settling)
        state.paused_since = ts
        state.pause_reason = f"resume by {by}" + (f": {why}" if why else "")
    if action == "pause":
        if until is None:
            state.meta.pop("paused_until", None)
        else:
            state.meta["paused_until"] = until
    elif action in ("resume", "release"):
        state.meta.pop("paused_until", None)
    return out


def expire(state: BrandState, ts: float, cfg: BrandConfig) -> list[Transition]:
    """End a timed pause that is due at event time ``ts``.

    Resumes a calm brand (state ``normal``); a brand that is not calm stays paused,
    its pause reason saying why. Recorded as an override by :data:`TIMER`.

    Args:
        state: the brand's state (updated in place).
        ts: the current event time (watermark), POSIX seconds.
        cfg: the brand's configuration.
    """
    until = state.meta.get("paused_until")
    if until is None or ts < until:
        return []
    del state.meta["paused_until"]
    if not state.paused:
        return []
    if state.state == "normal":
        return command(state, "resume", ts, cfg, by=TIMER,
                       why=f"timed pause ended at {iso(until)}; the brand is calm")
    why = (f"timed pause ended at {iso(until)} but the brand is in {state.state}: "
           f"{state.meta.get('reason') or 'not calm'}; a person resumes it")
    out = command(state, "pause", ts, cfg, by=TIMER, why=why)
    state.pause_reason = f"still paused: {why}"
    return [_with_reason(t, state.pause_reason) for t in out]


def take_audit(state: BrandState) -> list[dict[str, Any]]:
    """Remove and return the brand's records waiting for the audit topic.

    Args:
        state: the brand's state.
    """
    return state.meta.pop("audit", None) or []


def _queue_audit(state: BrandState) -> None:
    overrides = state.meta.get("overrides") or []
    if overrides:
        queue = state.meta.setdefault("audit", [])
        queue.append(overrides[-1])  # the record override() just appended
        del queue[:-AUDIT_PENDING_MAX]


def _with_reason(t: Transition, reason: str) -> Transition:
    return Transition(t.brand, t.at, t.state, t.previous, t.paused, t.test, reason, t.numbers,
                      t.crisis_id, t.by, t.onset)
