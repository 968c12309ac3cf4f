"""Flag data rebuilt from nothing: readers hold what they cannot vouch for until it settles."""

from __future__ import annotations

from streams.wire.base import at
from streams.wire.flags import Heartbeat, PauseFlag, decode_control, settling
from streams.worker.carryover import carried_flag

T0 = 1_772_420_674.0  # the rebuild


def beat(settle: float | None = 600.0) -> Heartbeat:
    return Heartbeat(worker="w:1", updated_at=at(T0 + 30), started_at=at(T0),
                     rebuilt_at=at(T0), settle_until=at(T0 + settle) if settle else None)


def flag(paused: bool, since: float | None, **kw) -> PauseFlag:
    return PauseFlag(brand="acme", paused=paused, since=at(since), updated_at=at(T0 + 30), **kw)


class TestSettling:
    def test_no_record_is_held_while_settling(self):
        """A brand with no flag may have been paused before the data was lost: held."""
        why = settling(beat(), None, T0 + 60)
        assert why is not None and why.startswith("flag data rebuilt after a broker reset")
        assert "2026-03-02T03:14:34Z" in why  # until when

    def test_a_flag_from_a_fresh_state_is_held_while_settling(self):
        """'Not paused' from a state that never changed (since before the rebuild, or none)."""
        assert settling(beat(), flag(False, None), T0 + 60) is not None
        assert settling(beat(), flag(False, T0 - 5), T0 + 60) is not None

    def test_a_flag_changed_after_the_rebuild_is_trusted(self):
        """A person's resume (or a crisis) after the rebuild decided on the new data."""
        assert settling(beat(), flag(False, T0 + 10), T0 + 60) is None

    def test_a_paused_flag_needs_no_settling(self):
        """A paused flag holds promotion by itself; its own reason stays the answer."""
        assert settling(beat(), flag(True, T0 - 3600), T0 + 60) is None

    def test_nothing_held_once_settled_or_without_a_settle_period(self):
        """After settle_until, or for a heartbeat without one (older workers, settle 0)."""
        assert settling(beat(), None, T0 + 600) is None
        assert settling(beat(settle=None), None, T0 + 60) is None
        assert settling(None, None, T0 + 60) is None

    def test_the_heartbeat_fields_survive_the_wire(self):
        """rebuilt_at and settle_until go out and come back (RFC 3339)."""
        from detectors.codec import dumps

        back = decode_control(dumps(beat().wire()))
        assert isinstance(back, Heartbeat) and back.settle_until == at(T0 + 600)


class TestCarriedFlag:
    def test_a_paused_flag_becomes_a_carried_pause_in_posix_seconds(self):
        """What the adoption needs: reason, since, state, crisis id and until as event times."""
        c = carried_flag(flag(True, T0 - 3600, reason="crisis: x", state="crisis",
                              crisis_id="acme:1", until=at(T0 + 60)))
        assert c is not None and c.since == T0 - 3600 and c.until == T0 + 60
        assert c.state == "crisis" and c.crisis_id == "acme:1" and c.reason == "crisis: x"

    def test_nothing_to_carry_from_an_unpaused_flag_or_another_record(self):
        """Unpaused flags, heartbeats and nothing carry no pause."""
        assert carried_flag(flag(False, T0)) is None
        assert carried_flag(beat()) is None and carried_flag(None) is None
