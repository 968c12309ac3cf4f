"""The beta-binomial share tail and the sequential (CUSUM) test for a rise that persists."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import BrandConfig
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.drift import BLOCK, ShareDrift, block_llr
from detectors.crisis.evaluate import Expect, assess
from detectors.crisis.state import BrandState, observe
from detectors.crisis.stats import betabinom_sf, binom_sf, share_rho
from detectors.crisis.window import NEG, NEU, AuthorWindow
from tests.unit.detectors.crisis.test_crisis import DAY, T0, traffic


class TestBetaBinomial:
    @given(st.integers(0, 40), st.integers(1, 40), st.floats(0.02, 0.98))
    @settings(max_examples=60, deadline=None)
    def test_without_over_dispersion_it_is_the_binomial(self, k: int, n: int, p: float) -> None:
        assert betabinom_sf(k, n, p, 0.0) == pytest.approx(binom_sf(k, n, p), rel=1e-9, abs=1e-15)

    @pytest.mark.parametrize("n,p,rho", [(30, 0.3, 0.1), (80, 0.6, 0.02), (12, 0.1, 0.3)])
    def test_mean_and_variance_are_the_beta_binomials(self, n: int, p: float, rho: float) -> None:
        pmf = [betabinom_sf(k, n, p, rho) - betabinom_sf(k + 1, n, p, rho) for k in range(n + 1)]
        mean = sum(k * v for k, v in enumerate(pmf))
        var = sum((k - mean) ** 2 * v for k, v in enumerate(pmf))
        assert sum(pmf) == pytest.approx(1.0)
        assert mean == pytest.approx(n * p)
        assert var == pytest.approx(n * p * (1 - p) * (1 + (n - 1) * rho), rel=1e-6)

    def test_a_brand_whose_share_swings_finds_the_same_window_less_surprising(self) -> None:
        """40 negatives of 80 at a usual 0.33: rare for a steady brand, not for a moody one."""
        steady = betabinom_sf(40, 80, 0.33, share_rho(0.33, 0.0, math.inf))
        moody = betabinom_sf(40, 80, 0.33, share_rho(0.33, 0.06, math.inf))
        assert steady < 2e-3 < moody

    def test_a_usual_share_known_from_few_mentions_widens_the_tail(self) -> None:
        assert share_rho(0.2, 0.0, 30) > share_rho(0.2, 0.0, 3000) > share_rho(0.2, 0.0, math.inf)


def baseline(p0: float, swing: float = 0.03, rate: float | None = None) -> RhythmBaseline:
    """A baseline whose usual share is ``p0``, whose share swings by ``swing``, at ``rate``/min."""
    base = RhythmBaseline(share=p0, rate=rate)
    base.spread, base.spread_n = swing, 10**9
    return base


def feed(drift: ShareDrift, blocks: int, per_block: int, share: float, p0: float, seed: int = 1,
         start: int = 0, authors: int = 10_000, swing: float = 0.03) -> list[float]:
    """Feed ``blocks`` blocks of ``per_block`` mentions at ``share``; the score after each."""
    rnd = random.Random(seed)
    scores = []
    base = baseline(p0, swing)
    for b in range(blocks):
        minute = start + b * BLOCK
        drift.close(minute, base, 0.10, True)
        for _ in range(per_block):
            drift.count(minute + rnd.randrange(BLOCK), rnd.randrange(authors), True,
                        rnd.random() < share)
        scores.append(drift.score)
    drift.close(start + blocks * BLOCK, base, 0.10, True)
    scores.append(drift.score)
    return scores


class TestShareDrift:
    def test_a_small_rise_that_lasts_adds_up(self) -> None:
        """+0.13 for two hours at 30 voices per block: evidence grows past 10 nats."""
        scores = feed(ShareDrift(), 12, 30, 0.38, 0.25)
        assert scores[-1] >= 10
        assert scores[2] < scores[-1]

    @pytest.mark.parametrize("seed", range(5))
    def test_a_week_at_the_usual_share_stays_low(self, seed: int) -> None:
        scores = feed(ShareDrift(), 7 * 144, 30, 0.25, 0.25, seed=seed)
        assert max(scores) < 10

    def test_one_loud_author_counts_at_most_twice_per_block(self) -> None:
        drift, base = ShareDrift(), baseline(0.25)
        for b in range(12):
            drift.close(b * BLOCK, base, 0.10, True)
            for i in range(20):
                drift.count(b * BLOCK + i % BLOCK, 7, True, True)  # the troll
            for i in range(20):
                drift.count(b * BLOCK + i % BLOCK, 1000 + b * 20 + i, True, i < 5)
        drift.close(12 * BLOCK, base, 0.10, True)
        assert drift.score < 10

    def test_the_score_falls_back_once_the_rise_is_over(self) -> None:
        drift = ShareDrift()
        feed(drift, 24, 30, 0.45, 0.25)
        high = drift.score
        after = feed(drift, 12, 30, 0.25, 0.25, seed=2, start=24 * BLOCK + BLOCK)
        assert after[-1] < high / 2

    def test_a_brand_whose_share_swings_needs_more_blocks(self) -> None:
        steady = block_llr(12, 30, 0.25, 0.10, 0.0)
        moody = block_llr(12, 30, 0.25, 0.10, 0.08)
        assert 0 < moody < steady

    @pytest.mark.parametrize("bursty", [False, True])
    def test_it_learns_how_bursty_the_brand_is_over_minutes(self, bursty: bool) -> None:
        """Blocks whose volume swings x0.3-x3 around the expectation give a large alpha;
        Poisson blocks give about none, and blocks outside normal state teach nothing."""
        rnd = random.Random(5)
        drift, base = ShareDrift(), baseline(0.2, rate=2.0)
        for b in range(600):
            drift.close(b * BLOCK, base, 0.10, True)
            mult = rnd.choice([0.3, 1.0, 3.0]) if bursty else 1.0
            n = sum(rnd.random() < 2.0 * mult / 10 for _ in range(100))  # ~ Poisson(20 * mult)
            for i in range(n):
                drift.count(b * BLOCK + i % BLOCK, i, True, False)
        learned = drift.alpha
        assert (learned > 0.4) if bursty else (learned < 0.05)
        for b in range(600, 700):  # a crisis: ten times the volume, not learned from
            drift.close(b * BLOCK, base, 0.10, False)
            for i in range(200):
                drift.count(b * BLOCK + i % BLOCK, i, True, True)
        assert drift.alpha == learned

    def test_it_round_trips_through_json_and_brand_state(self) -> None:
        drift = ShareDrift()
        feed(drift, 5, 30, 0.5, 0.25)
        drift.count(5 * BLOCK + 1, 42, True, True)
        back = ShareDrift.from_dict(json.loads(json.dumps(drift.to_dict())))
        assert back.to_dict() == drift.to_dict()
        state = BrandState.new("acme", BrandConfig())
        state.drift = drift
        again = BrandState.from_dict(json.loads(json.dumps(state.to_dict())))
        assert again.drift.to_dict() == drift.to_dict()
        legacy = state.to_dict()
        del legacy["drift"]  # a state saved before the drift test existed
        assert BrandState.from_dict(legacy).drift.score == 0.0


def window_with(neg: int, scored: int) -> AuthorWindow:
    w = AuthorWindow(20, 2)
    for i in range(scored):
        w.add(1000 + i % 20, i, NEG if i < neg else NEU, (), 1.0, "en")
    return w


class TestSustainedRise:
    def test_a_lasting_rise_below_three_swings_is_a_crisis_only_with_drift_evidence(self) -> None:
        """Share 0.48 vs 0.25 for a brand that swings 0.08: no jump of three swings (0.24),
        but after a lasting rise it is a crisis, and the reason says which test."""
        cfg = BrandConfig()
        w = window_with(55, 110)
        base = dict(rate=1.0, share=0.25, alpha=0.05, spread=0.08, share_sd=0.08, weight=5000.0)
        assert assess(w, Expect(**base, drift=0.0), cfg, 1019).level is None
        v = assess(w, Expect(**base, drift=12.0), cfg, 1019)
        assert v.level == "crisis"
        assert v.test == "sustained_rise"
        assert v.numbers["drift"] == 12.0


class TestDriftInTheStateMachine:
    def test_a_warm_brand_accumulates_a_lasting_rise_and_a_cold_one_does_not(self) -> None:
        """The state feeds every scored mention to the drift test, once the brand is warm."""
        cfg = BrandConfig()
        state = BrandState.new("acme", cfg)
        for o in traffic("acme", T0, 0.5 * 1440, 2.0, 0.15, seed=1, prefix="c"):
            observe(state, o, cfg)
        assert state.drift.score == 0.0  # not warm yet: no usual share to weigh against
        for o in traffic("acme", T0 + 0.5 * DAY, 1.5 * 1440, 2.0, 0.15, seed=2, prefix="h"):
            observe(state, o, cfg)
        calm = state.drift.score
        start = T0 + 2 * DAY
        for o in traffic("acme", start, 120, 2.0, 0.35, seed=3, prefix="r"):
            observe(state, o, cfg)
        assert calm < 5 < state.drift.score


def test_a_five_minute_surge_is_judged_against_the_brands_bursts_of_minutes() -> None:
    """17 negatives of 30 in five minutes (expected 1.8): a sudden crisis for a brand whose
    volume is steady over minutes, an ordinary burst for one that often triples for a while."""
    w = AuthorWindow(20, 2)
    for i in range(30):
        w.add(1015 + i % 5, i, NEG if i < 17 else NEU, (), 1.0, "en")
    expect = dict(rate=1.5, share=0.24, alpha=0.05, spread=0.03, weight=math.inf)
    steady = assess(w, Expect(**expect, alpha_short=0.0), BrandConfig(), 1019)
    bursty = assess(w, Expect(**expect, alpha_short=0.6), BrandConfig(), 1019)
    assert steady.test == "sudden_surge" and steady.level == "crisis"
    assert bursty.level is None
