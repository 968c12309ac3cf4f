"""The alert event is typed once and keeps the wire format of the alerts topic."""

from __future__ import annotations

import json
import re
from typing import cast

import pytest

from detectors.config import BrandBook
from detectors.crisis.model import State, Transition
from detectors.sim.scenarios import SCENARIOS
from detectors.sim.simulate import generate
from streams.replay.run import replay_rows
from streams.wire.alert import ALERT_KINDS, AlertEvent, InvalidAlert
from streams.wire.messages import dumps

T0 = 1_714_564_800.0
EXTRA_KEYS = {"kind", "fingerprint", "cause_id", "emitted_at"}


@pytest.fixture(scope="module")
def transitions() -> list[Transition]:
    """Every transition of two simulated streams (a demo crisis, a multilingual sudden surge)."""
    out: list[Transition] = []
    for name in ("demo", "nordic"):
        result = replay_rows(enumerate(generate(SCENARIOS[name](1)), start=1), BrandBook(),
                             config_path=None, jobs=1)
        out += result.transitions
    assert len(out) >= 3
    return out


def _t(state: str, previous: str, test: str, crisis_id: str | None = "acme:1") -> Transition:
    return Transition("acme", T0, cast(State, state), cast(State, previous), True, test, "why",
                      {"negative": 3}, crisis_id)


class TestWireFormat:
    """What the producer writes is what the topic always carried."""

    def test_keys_and_values_are_the_transitions_plus_four(self, transitions: list[Transition]) -> None:
        """wire() is Transition.to_dict() plus kind, fingerprint, cause_id and emitted_at, with the
        numbers byte for byte (an int stays an int, a share a float)."""
        for t in transitions:
            wire = AlertEvent.from_transition(t, "m1", T0 + 0.25).wire()
            legacy = t.to_dict()
            assert set(wire) == set(legacy) | EXTRA_KEYS
            assert {k: wire[k] for k in legacy} == legacy
            assert json.dumps(wire["numbers"], sort_keys=True) == json.dumps(t.numbers, sort_keys=True)
            assert wire["fingerprint"] == (t.crisis_id or f"{t.brand}:none")
            assert wire["cause_id"] == "m1" and wire["emitted_at"] == "2024-05-01T12:00:00.250Z"

    def test_bytes_on_the_topic_read_back_to_the_same_event(self, transitions: list[Transition]) -> None:
        """from_wire(dumps(wire())) gives an equal event and the same JSON again."""
        for t in transitions:
            ev = AlertEvent.from_transition(t, None, T0)
            back = AlertEvent.from_wire(dumps(ev.wire()))
            assert back == ev and back.wire() == ev.wire()

    def test_unknown_keys_survive_and_absent_keys_stay_absent(self) -> None:
        """A newer producer's extra fields pass through; a reader adds no keys of its own."""
        raw = {"kind": "crisis", "brand": "acme", "at": "2024-05-01T12:00:00Z", "fingerprint": "acme:1",
               "numbers": {"negative": 5, "new_number": 1.5, "top_negative": [{"text": "x", "extra": 1}]},
               "future_field": {"a": 1}}
        assert AlertEvent.from_wire(json.dumps(raw)).wire() == raw

    @pytest.mark.parametrize(("state", "previous", "test", "crisis_id", "kind"), [
        ("crisis", "elevated", "negative_surge", "acme:1", "crisis"),
        ("crisis", "crisis", "reminder", "acme:1", "reminder"),
        ("normal", "elevated", "calm", "acme:1", "resolved"),
        ("normal", "elevated", "calm", None, "normal"),
        ("elevated", "crisis", "calm", "acme:1", "elevated"),
        ("crisis", "crisis", "manual", "acme:1", "manual"),
    ])
    def test_kind_follows_the_transition(self, state: str, previous: str, test: str,
                                         crisis_id: str | None, kind: str) -> None:
        """Entering crisis pages, a lasting one reminds, normal after a crisis resolves it."""
        assert AlertEvent.from_transition(_t(state, previous, test, crisis_id), None, T0).kind == kind
        assert kind in ALERT_KINDS


class TestReading:
    """A value that is not an alert event is refused with the field named."""

    @pytest.mark.parametrize(("value", "field"), [
        (b"{not json", "$"),
        (b'{"kind": "crisis", "at": "2024-05-01T12:00:00Z", "fingerprint": "f"}', "brand"),
        (b'{"kind": "panic", "brand": "a", "at": "2024-05-01T12:00:00Z", "fingerprint": "f"}', "kind"),
        (b'{"kind": "crisis", "brand": "a", "at": "2024-05-01T12:00:00", "fingerprint": "f"}', "at"),
        (b'{"kind": "crisis", "brand": "a", "at": "2024-05-01T12:00:00Z", "fingerprint": "f",'
         b' "numbers": {"top_negative": "loud"}}', "numbers.top_negative"),
        (b"[1, 2]", "$"),
    ])
    def test_invalid_values_name_the_field(self, value: bytes, field: str) -> None:
        """Missing brand, an unknown kind, a time without an offset, a wrongly typed number."""
        with pytest.raises(InvalidAlert, match=f"alert event {re.escape(field)}:"):
            AlertEvent.from_wire(value)

    def test_times_are_timezone_aware(self) -> None:
        """``at`` keeps its offset and converts to POSIX seconds."""
        ev = AlertEvent.from_wire({"kind": "crisis", "brand": "a", "fingerprint": "f",
                                   "at": "2024-05-01T14:00:00+02:00"})
        assert ev.at.tzinfo is not None and ev.at_ts == T0
