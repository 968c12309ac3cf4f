"""Timed pauses and the audit queue (detectors/crisis/pausing.py), driven by the driver's ticks."""

from __future__ import annotations

import pytest

from detectors.config import BrandBook, BrandConfig
from detectors.crisis import pausing
from detectors.crisis.state import BrandState, Observation
from detectors.driver import Driver
from streams.wire.messages import flag_message

T0 = 1_772_400_000.0
MIN = 60.0


def driver_with_history() -> Driver:
    """A driver whose brand ``acme`` has seen one calm mention at T0 (so it has a clock)."""
    d = Driver(BrandBook({"acme": BrandConfig()}))
    d.apply_observation(Observation("acme", T0, "m1", "a1", "neu", 0.0, "en"))
    return d


def test_timed_pause_resumes_a_calm_brand_when_due():
    """Paused for 30 min; at 29 min still paused, at 30 min resumed by the timer and recorded."""
    d = driver_with_history()
    out = d.command("acme", "pause", T0 + MIN, by="ana", why="statement pending", for_minutes=30)
    st = d.state("acme")
    assert out and st.paused and "acme" in d.active, "a timed pause needs ticks"
    assert st.meta["paused_until"] == T0 + 31 * MIN
    assert flag_message(st, T0 + MIN).wire()["until"] == "2026-03-01T21:51:00Z"
    assert d.advance_all(T0 + 30 * MIN) == {} and st.paused
    ticks = d.advance_all(T0 + 31 * MIN)
    assert not st.paused and "acme" not in d.active
    (t,) = ticks["acme"]
    assert t.by == pausing.TIMER and t.test == "manual" and not t.paused
    assert [(o["action"], o["by"]) for o in st.meta["overrides"]] == [
        ("pause", "ana"), ("resume", pausing.TIMER)]
    assert "calm" in st.meta["overrides"][-1]["why"]
    assert flag_message(st, T0 + 31 * MIN).until is None


def test_timed_pause_ending_in_a_crisis_keeps_promotion_paused_with_the_reason():
    """A brand in crisis when its timer ends stays paused; the reason says so; recorded."""
    d = driver_with_history()
    d.command("acme", "pause", T0 + MIN, by="ana", for_minutes=10)
    d.command("acme", "force", T0 + 2 * MIN, by="ops", why="press calls")
    ticks = d.advance_all(T0 + 12 * MIN)
    st = d.state("acme")
    assert st.paused and st.state == "crisis" and "paused_until" not in st.meta
    assert st.pause_reason and st.pause_reason.startswith("still paused: timed pause ended")
    assert "crisis" in st.pause_reason
    assert any(t.by == pausing.TIMER and t.reason == st.pause_reason for t in ticks["acme"])
    assert st.meta["overrides"][-1]["by"] == pausing.TIMER
    d.advance_all(T0 + 24 * 60 * MIN)  # the crisis calms down; no timer is left to resume it
    assert st.paused and st.meta["overrides"][-1]["by"] == pausing.TIMER


@pytest.mark.parametrize("action", ["resume", "release"])
def test_resume_or_release_cancels_the_timer(action):
    """After a person resumes, the timer does nothing when its time comes."""
    d = driver_with_history()
    d.command("acme", "pause", T0 + MIN, by="ana", for_minutes=10)
    d.command("acme", action, T0 + 2 * MIN, by="ben")
    d.command("acme", "pause", T0 + 3 * MIN, by="cy")  # a plain pause: no end
    assert "paused_until" not in d.state("acme").meta
    d.advance_all(T0 + 30 * MIN)
    assert d.state("acme").paused and d.state("acme").meta["overrides"][-1]["by"] == "cy"


def test_plain_pause_replaces_a_timed_one():
    """A pause without for_minutes makes the pause open-ended."""
    d = driver_with_history()
    d.command("acme", "pause", T0 + MIN, by="ana", for_minutes=10)
    d.command("acme", "pause", T0 + 2 * MIN, by="ana")
    assert not pausing.pending(d.state("acme"))
    d.advance_all(T0 + 30 * MIN)
    assert d.state("acme").paused


@pytest.mark.parametrize("action,minutes", [("resume", 10), ("acknowledge", 5), ("pause", 0),
                                            ("pause", -1), ("pause", pausing.MAX_PAUSE_MINUTES + 1)])
def test_bad_for_minutes_is_refused(action, minutes):
    """for_minutes only with pause, and within (0, 7 days]; the driver ignores such a command."""
    st = BrandState.new("acme", BrandConfig())
    with pytest.raises(ValueError, match="for_minutes"):
        pausing.command(st, action, T0, BrandConfig(), by="ana", for_minutes=minutes)
    assert driver_with_history().command("acme", action, T0, by="ana", for_minutes=minutes) is None


def test_every_command_and_timer_decision_is_queued_for_the_audit():
    """Pause, acknowledge and the timer's resume each queue one audit record, drained once."""
    d = driver_with_history()
    d.command("acme", "pause", T0 + MIN, by="ana", why="w", for_minutes=5)
    d.command("acme", "acknowledge", T0 + 2 * MIN, by="ben")
    d.advance_all(T0 + 6 * MIN)
    st = d.state("acme")
    audit = pausing.take_audit(st)
    assert [(r["action"], r["by"]) for r in audit] == [
        ("pause", "ana"), ("acknowledge", "ben"), ("resume", pausing.TIMER)]
    assert audit[0]["at"] == T0 + MIN and pausing.take_audit(st) == []


def test_audit_queue_is_bounded_when_nobody_drains_it():
    """Replay never drains the queue: it keeps the newest records only."""
    d = driver_with_history()
    for i in range(pausing.AUDIT_PENDING_MAX + 50):
        d.command("acme", "acknowledge", T0 + i, by=f"p{i}")
    queue = d.state("acme").meta["audit"]
    assert len(queue) == pausing.AUDIT_PENDING_MAX and queue[-1]["by"] == f"p{pausing.AUDIT_PENDING_MAX + 49}"
