"""The typed messages of streams/wire: the pause flag and the public brand state."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import ValidationError

from detectors.config import BrandConfig
from detectors.crisis.state import BrandState, override
from streams.wire.flags import PauseFlag, PromotionAnswer
from streams.wire.messages import dumps, flag_message, state_message
from streams.wire.states import BrandStateView

T0 = 1_772_420_674.0  # 2026-03-02T03:04:34Z

# the keys each record carried before the models existed: readers of that era rely on them
FLAG_KEYS_V1 = {"brand", "paused", "reason", "since", "updated_at", "state", "crisis_id"}
STATE_KEYS_V1 = {"brand", "state", "since", "reason", "test", "numbers", "paused", "pause_reason",
                 "paused_since", "crisis_id", "acknowledged_by", "acknowledged_at", "mentions",
                 "late", "last_event_at", "overrides", "updated_at"}


def paused_state() -> BrandState:
    st = BrandState.new("acme", BrandConfig())
    override(st, "pause", T0, BrandConfig(), by="ops", why="statement pending")
    st.meta["overrides"][-1]["command_id"] = "c1"
    return st


class TestPauseFlag:
    def test_wire_form_keeps_every_v1_key_and_rfc3339_times(self):
        """The published flag has all the keys readers knew, with RFC 3339 UTC times."""
        wire = flag_message(paused_state(), T0 + 5).wire()
        assert FLAG_KEYS_V1 <= set(wire)
        assert wire["paused"] is True and wire["reason"] == "pause by ops: statement pending"
        assert wire["since"] == "2026-03-02T03:04:34Z"
        assert wire["updated_at"] == "2026-03-02T03:04:39Z"

    def test_round_trip_through_json_bytes(self):
        """What the producer sends is what a reader gets back (sub-second times kept)."""
        flag = flag_message(paused_state(), T0 + 0.25)
        assert PauseFlag.from_wire(dumps(flag.wire())) == flag
        assert flag.updated_at.tzinfo is not None

    def test_frozen(self):
        """A flag read cannot be changed by mistake."""
        flag, field = flag_message(paused_state(), T0), "paused"
        with pytest.raises(ValidationError):
            setattr(flag, field, False)

    def test_unknown_fields_are_ignored(self):
        """A newer producer may add fields; this reader still understands the flag."""
        wire = {**flag_message(paused_state(), T0).wire(), "future_field": {"x": 1}}
        assert PauseFlag.from_wire(wire).paused

    @pytest.mark.parametrize("bad", [
        {"paused": True, "updated_at": "2026-03-02T03:04:34Z"},             # no brand
        {"brand": "a", "paused": "maybe", "updated_at": "2026-03-02T03:04:34Z"},
        {"brand": "a", "paused": False, "updated_at": "2026-03-02T03:04:34"},  # naive time
        {"brand": "a", "paused": False, "updated_at": "yesterday"},
        {"brand": "a", "paused": False, "updated_at": "2026-03-02T03:04:34Z", "state": "panic"},
    ])
    def test_invalid_records_are_refused(self, bad):
        """Missing fields, wrong types, naive or unparseable times do not validate."""
        with pytest.raises(ValidationError):
            PauseFlag.from_wire(bad)

    def test_promotion_answer_adds_known(self):
        """The HTTP answer is the flag plus ``known``; an unknown brand is not paused."""
        flag = flag_message(paused_state(), T0)
        answer = PromotionAnswer.of(flag).wire()
        assert answer["known"] is True and {k: answer[k] for k in flag.wire()} == flag.wire()
        unknown = PromotionAnswer.unknown("zeta", datetime.fromtimestamp(T0).astimezone())
        assert unknown.known is False and unknown.paused is False
        assert unknown.wire()["updated_at"] == "2026-03-02T03:04:34Z"


class TestBrandStateView:
    def test_wire_form_keeps_every_v1_key(self):
        """The public state has all the keys readers knew; overrides carry RFC 3339 times."""
        wire = state_message(paused_state(), T0 + 1).wire()
        assert STATE_KEYS_V1 <= set(wire)
        assert wire["overrides"] == [{"action": "pause", "by": "ops", "why": "statement pending",
                                      "at": "2026-03-02T03:04:34Z", "command_id": "c1"}]
        assert wire["state"] == "normal" and wire["paused"] is True

    def test_round_trip_and_summary(self):
        """The state survives JSON; its summary is the brand list's line."""
        view = state_message(paused_state(), T0)
        back = BrandStateView.from_wire(json.dumps(view.wire()))
        assert back == view
        assert set(back.summary().wire()) == {"brand", "state", "since", "paused", "updated_at"}
