"""The act stage: turn decisions into messages, through a durable outbox.

For each brand with transitions the messages (alerts, pause flag, public
state) are first recorded in the brand's ``meta["outbox"]`` and the state is
written and flushed; only then are they produced, and the cleared outbox is
written again. A worker killed in between leaves the outbox in the changelog
and the next owner re-sends it (same crisis fingerprint); a crisis alert is
never lost and, short of a crash in the few milliseconds between sending and
the outbox write, never sent twice.
"""

from __future__ import annotations

from typing import Any

from detectors.crisis.pausing import take_audit
from detectors.crisis.state import BrandState
from streams.wire.alert import AlertEvent
from streams.wire.audit import AuditRecord
from streams.wire.flags import PauseFlag
from streams.wire.messages import flag_message, state_message
from streams.worker.detect import Decision

Message = list[Any]  # [kind, brand, value] with kind in alerts/control/state/audit


def plan(st: BrandState, decision: Decision, now: float) -> list[Message]:
    """The messages one brand's decision produces.

    Args:
        st: the brand's state after the transitions.
        decision: its transitions and their cause.
        now: wall-clock time (POSIX seconds).
    """
    out: list[Message] = [
        ["alerts", st.brand, AlertEvent.from_transition(t, decision.cause, now).wire()]
        for t in decision.transitions
    ]
    out.append(["control", st.brand, flag_message(st, now).wire()])
    out.append(["state", st.brand, state_message(st, now).wire()])
    out.extend(["audit", st.brand, AuditRecord.of(st.brand, rec, now).wire()]
               for rec in take_audit(st))
    return out


def add_to_outbox(st: BrandState, messages: list[Message]) -> None:
    """Record ``messages`` in the brand's outbox (persisted with the state).

    Args:
        st: the brand's state.
        messages: what to send.
    """
    st.meta.setdefault("outbox", []).extend(messages)


def take_outbox(st: BrandState) -> list[Message]:
    """Remove and return the brand's pending messages.

    Args:
        st: the brand's state.
    """
    return st.meta.pop("outbox", None) or []


def flag_flipped(st: BrandState, message: dict[str, Any]) -> bool:
    """Whether a flag message changes the last published ``paused`` value (and remember it).

    Args:
        st: the brand's state (``meta["flag"]`` keeps the last published value).
        message: a :class:`~streams.wire.flags.PauseFlag` in its wire form.
    """
    paused = PauseFlag.from_wire(message).paused
    before = st.meta.get("flag")
    st.meta["flag"] = paused
    return before is not None and before != paused or (before is None and paused)
