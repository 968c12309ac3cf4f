"""Evidence over hours: a sparse brand's crisis that no twenty-minute window can hold."""

from __future__ import annotations

import json
import math

from detectors.config import BrandConfig
from detectors.crisis.baseline import COLD_PRIOR, RhythmBaseline
from detectors.crisis.longwindow import KEEP, SAMPLE, HourCounts, judge
from detectors.crisis.state import BrandState, Observation, observe
from tests.unit.detectors.crisis.test_crisis import DAY, T0, traffic

HOUR = 3600.0
BASE = RhythmBaseline()


def sparse_brand(extra: list[Observation], *, days: float = 7, share: float = 0.1,
                 cfg: BrandConfig | None = None) -> tuple[BrandState, list]:
    """A brand heard about once an hour (``share`` negative) for ``days`` and a day more,
    ``extra`` on top."""
    cfg = cfg or BrandConfig()
    obs = list(traffic("acme", T0, (days + 1) * 1440, 1 / 60, share, seed=3, prefix="h"))
    obs += extra
    state = BrandState.new("acme", cfg)
    out = []
    for o in sorted(obs, key=lambda o: o.ts):
        out.extend(observe(state, o, cfg))
    return state, out


def crises(out: list) -> list:
    return [t for t in out if t.state == "crisis" and t.previous != "crisis"]


def max_negative_authors_in_any_window(obs: list[Observation], minutes: int = 20) -> int:
    neg = sorted((o.ts, o.author) for o in obs if o.label == "neg")
    best = 0
    for i, (t, _) in enumerate(neg):
        best = max(best, len({a for s, a in neg[i:] if s < t + minutes * 60}))
    return best


class TestSparseCrisis:
    START = T0 + 7 * DAY + 9 * HOUR

    def burst(self, per_hour: float, share: float, hours: float = 5, seed: int = 13,
              author: str | None = None) -> list[Observation]:
        return list(traffic("acme", self.START, hours * 60, per_hour / 60, share, seed=seed,
                            prefix="c", author=author))

    def test_a_crisis_too_sparse_for_any_window_is_found_over_hours(self) -> None:
        """8 an hour at 50 % negative (usually 1 at 10 %): never 7 negative voices in 20 min,
        but over a few hours it is many times the brand's volume at five times its share."""
        burst = self.burst(8, 0.5)
        assert max_negative_authors_in_any_window(burst) < BrandConfig().thresholds.crisis_authors
        _, out = sparse_brand(burst)
        found = crises(out)
        assert len(found) == 1 and found[0].test == "long_surge"
        span = found[0].numbers  # the span's counts, in the window's terms
        assert span["negative_authors"] >= 7 and span["p_joint"] <= 1e-10 / 4
        assert span["window_minutes"] > 60 and span["window"]["window_minutes"] == 20
        assert span["window"]["negative_authors"] < 7
        assert self.START < found[0].at <= self.START + 4 * HOUR
        assert "over the last" in found[0].reason

    def test_more_talk_at_the_usual_share_is_no_crisis(self) -> None:
        """The same volume at the brand's usual 10 % negative: a news wave, not a crisis."""
        _, out = sparse_brand(self.burst(8, 0.1))
        assert crises(out) == []

    def test_a_trolls_afternoon_is_no_crisis(self) -> None:
        """One author posting 40 negative posts over four hours counts as one voice."""
        troll = self.burst(10, 1.0, hours=4, author="troll")
        _, out = sparse_brand(troll)
        assert crises(out) == []

    def test_a_chronically_negative_brand_that_gets_busier_is_no_crisis(self) -> None:
        """Usually 60 % negative; eight times as much talk at 65 %: its share is not unusual."""
        _, out = sparse_brand(self.burst(8, 0.65, seed=5), share=0.6)
        assert crises(out) == []

    def test_the_crisis_stays_open_while_the_hours_still_show_it(self) -> None:
        """A sparse crisis does not step down while its last hours still stand apart."""
        state, out = sparse_brand(self.burst(8, 0.5))
        began = crises(out)[0].at
        calm = [t for t in out if t.previous == "crisis" and t.state != "crisis"]
        assert calm and calm[0].at - began >= 2 * HOUR


class TestColdStart:
    def mid_crisis(self, share: float, hours: float, seed: int = 3) -> list:
        obs = list(traffic("acme", T0, hours * 60, 6 / 60, share, seed=seed, pos=0.05))
        state = BrandState.new("acme", BrandConfig())
        out = []
        for o in obs:
            out.extend(observe(state, o, BrandConfig()))
        return out

    def test_a_sparse_stream_that_begins_mid_crisis_is_found(self) -> None:
        """Six an hour, 90 % negative, from the first post: the share over hours is proof."""
        found = crises(self.mid_crisis(0.9, 6))
        assert len(found) == 1 and found[0].test == "long_cold_start"
        assert found[0].at - T0 <= 6 * HOUR

    def test_a_new_chronically_negative_brand_is_no_crisis(self) -> None:
        """Six an hour at 60 % negative from the start: not enough against the cold prior."""
        assert crises(self.mid_crisis(0.6, 8, seed=4)) == []


class TestHourCounts:
    def test_an_author_counts_at_most_the_cap_across_the_span(self) -> None:
        """A troll's 30 negatives over six hours count twice, and leave the scored count."""
        hours = HourCounts()
        for h in range(6):
            for _ in range(5):
                hours.count(100 + h, True, True, 7, BASE)
            hours.count(100 + h, True, True, 1000 + h, BASE)
        neg, excess, authors = hours.voices(100, cap=2)
        assert (neg, excess, authors) == (2 + 6, 28, 7)

    def test_authors_beyond_the_sample_are_counted_not_named(self) -> None:
        hours = HourCounts()
        for a in range(SAMPLE + 10):
            hours.count(5, True, True, a, BASE)
        assert hours.voices(5, cap=2) == (SAMPLE + 10, 0, SAMPLE)

    def test_only_the_last_hours_are_kept_and_late_hours_are_ignored(self) -> None:
        hours = HourCounts()
        for h in range(20):
            hours.count(h, True, False, h, BASE)
        hours.count(3, True, True, 1, BASE)
        assert [b[0] for b in hours.buckets] == list(range(20 - KEEP, 20))
        assert hours.voices(0, cap=2) == (0, 0, 0)

    def test_a_busy_brand_keeps_a_few_kilobytes(self) -> None:
        """Thirty mentions a minute for nine hours: seven buckets, at most SAMPLE names each."""
        state = BrandState.new("acme", BrandConfig())
        cfg = BrandConfig()
        for o in traffic("acme", T0, 9 * 60, 30, 0.3, authors=100_000):
            observe(state, o, cfg)
        saved = state.baseline.hours.to_list()
        assert len(saved) == KEEP and all(len(b[5]) <= SAMPLE for b in saved)
        assert len(json.dumps(saved)) < 8 * SAMPLE * 25

    def test_the_hours_survive_a_round_trip_and_older_saves_still_load(self) -> None:
        base = RhythmBaseline()
        for h in range(3):
            base.count(h, True, h == 1, author=h)
            base.count(h, True, True, author=9)
        data = json.loads(json.dumps(base.to_dict()))
        again = RhythmBaseline.from_dict(data)
        assert again.hours.buckets == base.hours.buckets
        del data["hours"]
        assert RhythmBaseline.from_dict(data).hours.buckets == []


class _ColdRhythm:
    """A brand not yet warm whose stream began with the span: nothing came before it."""

    hours_learned = 0
    usual = 0.15
    share_weight = 10.0
    swing = 0.1
    asked: list[tuple[int, int]] = []

    def expected_rate(self, hour: int) -> float | None:
        return None

    def cold_usual(self, neg: int, scored: int) -> tuple[float, float]:
        self.asked.append((neg, scored))
        return COLD_PRIOR, math.inf


def test_a_cold_span_is_judged_against_what_came_before_it_not_the_windows_usual() -> None:
    """The span asks the baseline's cold rule of its own counts (the window's usual, here
    inflated by the crisis the stream began in, is not what came before the span)."""
    hours, base = HourCounts(), _ColdRhythm()
    for i in range(40):  # 40 posts over two hours, 36 negative, 20 authors
        hours.count(1000 + i // 20, True, i % 10 != 0, i % 20, base)
    found = judge(hours, 1001 * 60 + 30, BrandConfig(), base, warm=False, usual=0.9, swing=0.05,
                  weight=math.inf, alpha=0.0, bars=(10.0, 3.0, 1e-10))
    assert found is not None and found[0] == "long_cold_start"
    assert found[1]["usual_share"] == COLD_PRIOR and base.asked[-1] == (36, 40)
