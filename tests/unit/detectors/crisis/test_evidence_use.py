"""Evidence the detector no longer wastes: traffic expected for the part of the current
minute that has not happened yet, and the swing a seeded brand's history measured."""

from __future__ import annotations

import math

import pytest

from detectors.config import BrandConfig
from detectors.crisis.baseline import SHARE_DECAY, SPREAD_ALPHA, RhythmBaseline
from detectors.crisis.evaluate import Expect, assess, exposure
from detectors.crisis.window import NEG, NEU, AuthorWindow

HOUR0 = 480_000  # an epoch hour (a Monday in 2024); any will do


class TestExposure:
    @pytest.mark.parametrize(("minutes", "elapsed", "want"), [
        (5, 12.0, 4.2), (5, 0.0, 4.0), (5, 60.0, 5.0), (20, 30.0, 19.5), (20, None, 20.0),
        (1, 0.0, 0.5),
    ])
    def test_a_window_has_seen_its_full_minutes_and_the_part_of_this_one_that_passed(
            self, minutes: int, elapsed: float | None, want: float) -> None:
        assert exposure(minutes, elapsed) == pytest.approx(want)

    def test_the_expected_traffic_is_for_the_time_the_window_covers(self) -> None:
        """Read 12 s into its newest minute, a 20-minute window expects 19.2 minutes of traffic."""
        w = AuthorWindow(20, 2)
        for i in range(30):
            w.add(1000 + i % 20, i, NEG if i < 5 else NEU, (), 1.0, "en")
        expect = dict(rate=1.5, share=0.2, alpha=0.1, spread=0.03, share_sd=0.03)
        whole = assess(w, Expect(**expect), BrandConfig(), 1019)
        early = assess(w, Expect(**expect), BrandConfig(), 1019, 12.0)
        assert whole.numbers["expected_mentions"] == pytest.approx(30.0)
        assert early.numbers["expected_mentions"] == pytest.approx(1.5 * 19.2)

    def test_a_sudden_surge_seconds_into_a_minute_is_judged_on_the_minutes_it_spans(self) -> None:
        """Eight negative voices of ten in 4 min 6 s of a 0.5/min brand usually 15 %
        negative, bursty over minutes: against five whole minutes of expected traffic they
        are not yet extraordinary; against the 4.1 minutes that actually passed they are."""
        w = AuthorWindow(20, 2)
        for i in range(8):  # an ordinary quarter of an hour before it
            w.add(1000 + 2 * i, i, NEG if i == 0 else NEU, (), 1.0, "en")
        for i in range(10):
            w.add(1015 + i % 5, 100 + i, NEG if i < 8 else NEU, (), 1.0, "en")
        expect = dict(rate=0.5, share=0.15, alpha=0.0, alpha_short=0.25, spread=0.02,
                      share_sd=0.02, weight=math.inf)
        late = assess(w, Expect(**expect), BrandConfig(), 1019)
        early = assess(w, Expect(**expect), BrandConfig(), 1019, 6.0)
        assert late.level != "crisis"
        assert early.level == "crisis" and early.test == "sudden_surge"
        assert early.numbers["sudden"]["expected_negative"] == pytest.approx(0.5 * 4.1 * 0.15,
                                                                           abs=0.01)


def learned(hours: list[tuple[int, int]]) -> RhythmBaseline:
    """A baseline (prior share 0.2) that learned clean hours of (scored, negative) mentions."""
    base = RhythmBaseline(0.2)
    for h, (scored, neg) in enumerate(hours):
        for i in range(scored):
            base.count(HOUR0 + h, True, i < neg)
    base.roll(HOUR0 + len(hours))
    return base


def test_a_seeded_baseline_keeps_the_swing_it_learned() -> None:
    """Two busy days of history at a steady share make a brand whose swing is known: seeding
    takes the hours the swing was learned from with it, not only the swing (with none, the
    cautious prior of a brand never seen replaced what history had measured)."""
    history = learned([(60, 12)] * 96)
    fresh = RhythmBaseline(0.2)
    fresh.seed_from(history)
    assert fresh.swing == pytest.approx(history.swing)
    assert fresh.swing < RhythmBaseline(0.2).swing


class TestSwingByMentions:
    STEADY = [(60, 12)] * 48  # two days of busy hours at exactly the usual share

    def test_a_quiet_hour_far_off_the_usual_moves_the_swing_less_than_a_busy_one(self) -> None:
        """Six negative of ten is mostly sampling noise; 36 of 60 is a real swing: each hour
        weighs by its mentions, up to those expected of it (with equal votes the two moved
        it alike)."""
        steady = learned(self.STEADY).spread
        quiet = learned(self.STEADY + [(10, 6)]).spread
        busy = learned(self.STEADY + [(60, 36)]).spread
        assert busy ** 2 - steady ** 2 > 4 * (quiet ** 2 - steady ** 2) > 0

    def test_a_burst_hour_weighs_no_more_than_an_expected_one(self) -> None:
        """Eight times the usual traffic at half negative (a slow burn not flagged yet, say)
        moves the swing as one expected hour at that share would, not eight."""
        steady = learned(self.STEADY).spread
        burst = learned(self.STEADY + [(480, 240)]).spread
        usual = learned(self.STEADY + [(60, 30)]).spread
        assert burst ** 2 - steady ** 2 < 1.5 * (usual ** 2 - steady ** 2)

    def test_a_saved_baseline_keeps_its_weights_and_an_older_one_gets_its_steady_state(
            self) -> None:
        base = learned(self.STEADY + [(60, 30)])
        data = base.to_dict()
        assert RhythmBaseline.from_dict(data).spread_w == pytest.approx(base.spread_w)
        del data["spread_w"]
        old = RhythmBaseline.from_dict(data)
        assert old.spread == base.spread
        assert old.spread_w == pytest.approx(base.share_n * (1 - SHARE_DECAY) / SPREAD_ALPHA)
