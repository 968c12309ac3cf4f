"""The audit trail: every applied command leaves the act stage as an AuditRecord, once."""

from __future__ import annotations

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.pausing import TIMER
from detectors.crisis.state import Observation
from detectors.driver import Driver
from streams.wire.audit import AuditRecord
from streams.wire.topics import TopicNames
from streams.worker.detect import Decision
from streams.worker.outbox import plan

T0 = 1_772_400_000.0


def test_commands_and_timer_decisions_become_audit_messages_once():
    """pause (timed), acknowledge and the timer's resume each give one record on the audit topic."""
    d = Driver(BrandBook({"acme": BrandConfig()}))
    d.apply_observation(Observation("acme", T0, "m1", "a1", "neu", 0.0, "en"))
    out = d.command("acme", "pause", T0 + 60, by="ops", why="statement", for_minutes=1)
    st = d.state("acme")
    st.meta["overrides"][-1]["command_id"] = "c-1"  # as the stream's detect stage adds it
    d.command("acme", "acknowledge", T0 + 70, by="ana")
    first = plan(st, Decision("acme", out or []), T0 + 71)
    audit = [AuditRecord.from_wire(m[2]) for m in first if m[0] == "audit"]
    assert [(r.action, r.by, r.command_id) for r in audit] == [
        ("pause", "ops", "c-1"), ("acknowledge", "ana", None)]
    assert audit[0].at.timestamp() == T0 + 60 and audit[0].recorded_at.timestamp() == T0 + 71
    assert "for 1 min" in audit[0].why
    assert not [m for m in plan(st, Decision("acme", []), T0 + 72) if m[0] == "audit"]
    ticks = d.advance_all(T0 + 121)
    later = plan(st, Decision("acme", ticks["acme"]), T0 + 122)
    assert [(m[0], m[2]["by"], m[2]["action"]) for m in later if m[0] == "audit"] == [
        ("audit", TIMER, "resume")]


def test_audit_topic_is_kept_without_time_limit_and_not_compacted():
    """A new audit topic deletes nothing by age and keeps every record per brand."""
    names = TopicNames("p.")
    assert names.audit == "p.audit" and names.audit in names.all()
    assert names.configs(names.audit) == {"cleanup.policy": "delete", "retention.ms": "-1"}
    assert names.configs(names.control) == {"cleanup.policy": "compact"}
