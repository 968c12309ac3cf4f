"""Bounded state: invented brand names are tracked up to a cap and forgotten when idle."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from detectors.admission import Admission, is_idle, last_activity
from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import BrandState, Observation
from detectors.driver import Driver, Hooks
from streams.worker.detect import DetectCore
from streams.worker.metrics import book_labeler, create
from streams.worker.rows import RowCache, plain

T0 = 1_772_400_000.0
BOOK = BrandBook({"acme": BrandConfig()})


def obs(brand: str, i: int, ts: float = T0) -> Observation:
    return Observation(brand, ts + i, f"{brand}-{i}", f"a{i}", "neu", 0.0, "en")


class CountingHooks(Hooks):
    def __init__(self) -> None:
        self.refused: list[str] = []

    def untracked(self, brand: str) -> None:
        self.refused.append(brand)


class TestAdmission:
    def test_cap_refuses_new_brands_and_counts_them(self):
        """Past the cap a new brand is refused and counted; tracked ones stay admitted."""
        adm = Admission(cap=2)
        assert adm.admit("a", known=False) and adm.admit("b", known=False)
        assert not adm.admit("c", known=False)
        assert adm.admit("a", known=False)
        assert adm.refused == 1 and adm.tracked == {"a", "b"}

    def test_known_brands_are_admitted_past_the_cap(self):
        """A brand that already has stored state is never refused (it is counted as tracked)."""
        adm = Admission(cap=1)
        adm.admit("a", known=False)
        assert adm.admit("stored", known=True) and "stored" in adm.tracked

    def test_drop_frees_a_place(self):
        """An evicted brand's place under the cap goes to the next new brand."""
        adm = Admission(cap=1)
        adm.admit("a", known=False)
        adm.drop("a")
        assert adm.admit("b", known=False)

    @pytest.mark.parametrize("cap,idle", [(-1, 10.0), (1, 0.0)])
    def test_bad_parameters_fail_at_once(self, cap, idle):
        """A negative cap or a non-positive idle time is a ValueError."""
        with pytest.raises(ValueError):
            Admission(cap, idle)


def stored(**fields) -> dict:
    d = plain(RowCache().row(BrandState.new("x", BrandConfig())))  # a row as the table holds it
    d.update(fields)
    return d


class TestIdle:
    @pytest.mark.parametrize("fields,idle", [
        ({"last_ts": T0}, True),
        ({"last_ts": T0 + 3000}, False),  # quiet for 600 s only
        ({}, True),  # no activity at all
        ({"last_ts": T0, "state": "elevated"}, False),
        ({"last_ts": T0, "paused": True}, False),
        ({"last_ts": T0, "hold_until_calm": True}, False),
        ({"last_ts": T0, "since": T0 + 3500}, False),  # came back to normal just now
        ({"last_ts": T0, "meta": {"outbox": [["control", "x", {}]]}}, False),
        ({"last_ts": T0, "meta": {"overrides": [{"at": T0 + 3550, "action": "resume"}]}}, False),
    ])
    def test_only_normal_quiet_unpaused_states_with_nothing_to_send_are_idle(self, fields, idle):
        """Idle = normal, unpaused, not held, empty outbox, no activity for idle_seconds."""
        assert is_idle(stored(**fields), T0 + 3600, 3600.0) is idle

    def test_last_activity_is_the_newest_event(self):
        """Mentions, state changes, pause changes and overrides all count as activity."""
        d = stored(last_ts=T0, since=T0 + 5, paused_since=T0 + 9,
                   meta={"overrides": [{"at": T0 + 7}]})
        assert last_activity(d) == T0 + 9


class TestDriverAdmission:
    def test_unconfigured_brands_past_the_cap_are_counted_not_tracked(self):
        """Past the cap an invented brand gets no state; configured brands always do."""
        hooks = CountingHooks()
        d = Driver(BOOK, hooks=hooks, admission=Admission(cap=3))
        for i in range(10):
            d.apply_observation(obs(f"inv{i}", i))
        d.apply_observation(obs("acme", 99))
        assert set(d.states) == {"inv0", "inv1", "inv2", "acme"}
        assert hooks.refused == [f"inv{i}" for i in range(3, 10)]
        assert d.admission is not None and d.admission.refused == 7

    def test_a_command_for_a_new_brand_is_always_applied(self):
        """A person's pause is applied even when the cap is full."""
        d = Driver(BOOK, admission=Admission(cap=1))
        d.apply_observation(obs("inv0", 0))
        d.command("inv1", "pause", T0 + 5, by="oncall")
        assert d.state("inv1").paused

    def test_evict_frees_the_place_and_the_cache(self):
        """An evicted brand leaves the cache, the tick set and the tracked set."""
        d = Driver(BOOK, admission=Admission(cap=1))
        d.apply_observation(obs("inv0", 0))
        d.evict("inv0")
        assert "inv0" not in d.states
        assert d.apply_observation(obs("inv1", 1)) is not None or "inv1" in d.states

    def test_without_admission_every_brand_is_tracked(self):
        """Replay's driver (no admission) keeps every brand."""
        d = Driver(BOOK)
        for i in range(50):
            d.apply_observation(obs(f"inv{i}", i))
        assert len(d.states) == 50


class TestDetectCoreAdmission:
    def test_refused_scored_messages_touch_nothing_and_count(self):
        """A scored mention past the cap creates no state, nothing to publish, one count."""
        metrics = create(CollectorRegistry(), brand_label=book_labeler(BOOK))
        store: dict = {}
        core = DetectCore(BOOK, metrics, load=store.get)
        core.admission = Admission(cap=2)
        for i in range(5):
            core.apply({"kind": "obs", **obs(f"inv{i}", i).to_dict()}, 0, i)
        assert set(core.states) == {"inv0", "inv1"} and core.to_publish == {"inv0", "inv1"}
        assert metrics.registry.get_sample_value("firebreak_untracked_mentions_total") == 3
        core.apply({"kind": "command", "brand": "inv9", "action": "pause", "ts": T0,
                    "by": "oncall", "command_id": "c1"}, 0, 9)
        assert core.state("inv9").paused
