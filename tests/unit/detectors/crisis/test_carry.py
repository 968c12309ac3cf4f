"""A pause that outlived its brand's state (broker reset) is adopted, not overwritten."""

from __future__ import annotations

import pytest

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.carry import CARRIED, CarriedFlag, adopt
from detectors.crisis.state import BrandState, Observation
from detectors.driver import Driver

T0 = 1_772_400_000.0  # event time of the reset
CRISIS = CarriedFlag(paused=True, reason="crisis: 22 negative of 42", since=T0 - 3600,
                     state="crisis", crisis_id="acme:1772396400")
MANUAL = CarriedFlag(paused=True, reason="pause by ana: statement pending", since=T0 - 600,
                     state="normal")


def driver(flags: dict[str, CarriedFlag], cfg: BrandConfig | None = None,
           stored: dict[str, dict] | None = None) -> Driver:
    cfg = cfg or BrandConfig(window_minutes=20, calm_minutes=30)
    book = BrandBook({"acme": cfg, "globex": cfg})
    return Driver(book, load=(stored or {}).get, carried=flags.get)


def calm_minutes_of_traffic(d: Driver, start: float, minutes: int) -> None:
    """A quiet, positive mention every minute, with a tick each minute."""
    for m in range(minutes):
        ts = start + m * 60
        d.apply_observation(Observation("acme", ts, f"m{m}", f"a{m}", "pos", 0.6, "en"))
        d.advance_all(ts + 30)


class TestAdopt:
    def test_a_crisis_pause_puts_the_brand_back_in_crisis_with_its_reason_and_id(self):
        """A paused crisis flag: paused, state crisis, same crisis id, reason says it was carried."""
        st = BrandState.new("acme", BrandConfig())
        assert adopt(st, CRISIS)
        assert st.paused and st.state == "crisis" and st.crisis_id == "acme:1772396400"
        assert st.pause_reason == f"{CARRIED}: crisis: 22 negative of 42"
        assert st.paused_since == T0 - 3600

    def test_a_manual_timed_pause_keeps_its_end(self):
        """A person's timed pause stays timed: normal, paused, paused_until carried."""
        st = BrandState.new("acme", BrandConfig())
        assert adopt(st, CarriedFlag(paused=True, reason="pause by ana", since=T0, state="normal",
                                     until=T0 + 1800))
        assert st.paused and st.state == "normal" and st.meta["paused_until"] == T0 + 1800

    @pytest.mark.parametrize("flag", [CarriedFlag(paused=False, reason="resume by ana", since=T0),
                                      None])
    def test_nothing_to_adopt_without_a_paused_flag(self, flag):
        """An unpaused flag (or none) leaves a fresh state as it is."""
        d = driver({} if flag is None else {"acme": flag})
        st = d.state("acme")
        assert not st.paused and st.state == "normal" and "carried" not in st.meta

    def test_carrying_twice_does_not_stack_the_prefix(self):
        """A flag already carried once (a second reset) keeps one prefix."""
        st = BrandState.new("acme", BrandConfig())
        adopt(st, CarriedFlag(paused=True, reason=f"{CARRIED}: pause by ana", since=T0))
        assert st.pause_reason == f"{CARRIED}: pause by ana"


class TestDriver:
    def test_a_stored_state_wins_over_the_flag(self):
        """Only a state created without stored data adopts; a stored unpaused state stays unpaused."""
        stored = BrandState.new("acme", BrandConfig()).to_dict()
        d = driver({"acme": CRISIS}, stored={"acme": stored})
        assert not d.state("acme").paused

    def test_a_carried_crisis_waits_a_full_window_before_calm_counts(self):
        """Calm traffic from the reset on: the carried crisis does not step down before one
        window (20 min) plus calm_minutes (30) have passed, then steps down by the normal rule
        (to elevated) and, without auto_resume, promotion stays paused."""
        d = driver({"acme": CRISIS})
        st = d.state("acme")
        calm_minutes_of_traffic(d, T0, 48)
        assert st.state == "crisis" and st.paused, "stepped down before a window was watched"
        calm_minutes_of_traffic(d, T0 + 48 * 60, 6)
        assert st.state == "elevated" and st.paused
        assert "carried" not in st.meta

    def test_a_carried_crisis_of_an_auto_resume_brand_resumes_after_calm(self):
        """With auto_resume the carried crisis ends as any crisis does: promotion resumes."""
        d = driver({"acme": CRISIS}, BrandConfig(window_minutes=20, calm_minutes=30,
                                                 auto_resume=True))
        calm_minutes_of_traffic(d, T0, 60)
        assert not d.state("acme").paused

    def test_a_silent_carried_crisis_still_ticks_and_steps_down(self):
        """No mention after the reset: ticks alone end the carried crisis after window + calm."""
        d = driver({"acme": CRISIS})
        st = d.state("acme")
        assert "acme" in d.active
        for m in range(0, 56):
            d.advance_all(T0 + m * 60)
        assert st.state == "elevated" and st.paused

    def test_a_person_resumes_a_carried_pause(self):
        """A person's resume ends a carried manual pause at once."""
        d = driver({"acme": MANUAL})
        assert d.state("acme").paused
        d.command("acme", "resume", T0 + 60, by="ana", why="all clear")
        assert not d.state("acme").paused

    def test_a_carried_timed_pause_ends_on_time_if_calm(self):
        """A carried timed pause resumes a calm brand when its time comes."""
        d = driver({"acme": CarriedFlag(paused=True, reason="pause by ana (for 30 min)",
                                        since=T0 - 600, state="normal", until=T0 + 1200)})
        d.state("acme")
        d.advance_all(T0 + 600)
        assert d.state("acme").paused
        d.advance_all(T0 + 1260)
        assert not d.state("acme").paused
