"""The drift test counts voices across blocks, and starts from a cautious burstiness."""

from __future__ import annotations

import math

from detectors.config import BrandConfig
from detectors.crisis.drift import ALPHA_PRIOR, BLOCK, VOICE_BLOCKS, ShareDrift
from detectors.crisis.evaluate import Expect, assess
from detectors.crisis.window import NEG, NEU, AuthorWindow
from tests.unit.detectors.crisis.test_drift import baseline


def troll_afternoon(drift: ShareDrift, blocks: int = 24) -> float:
    """Four hours of one troll (2 negatives counted per block) among 8 ordinary
    voices per block at the usual share 0.25; the score at the end."""
    base = baseline(0.25, rate=1.0)
    for b in range(blocks):
        drift.close(b * BLOCK, base, 0.10, True)
        for i in range(6):
            drift.count(b * BLOCK + i, 7, True, True)  # the troll
        for i in range(8):
            drift.count(b * BLOCK + i, 1000 + b * 8 + i, True, i % 4 == 0)
    drift.close(blocks * BLOCK, base, 0.10, True)
    return drift.score


class TestVoicesAcrossBlocks:
    def test_a_troll_posting_all_afternoon_is_not_a_lasting_rise(self) -> None:
        """One author is counted once an hour, not in every block: the score stays low."""
        assert troll_afternoon(ShareDrift()) < 3

    def test_without_the_span_the_same_troll_would_look_like_a_slow_burn(self) -> None:
        """The precondition: capped per block only, the troll adds up to real evidence."""
        drift = ShareDrift()
        drift.voices = _Forgetful()
        assert troll_afternoon(drift) >= 10

    def test_an_author_counts_again_after_the_span(self) -> None:
        drift, base = ShareDrift(), baseline(0.25, rate=1.0)
        counted = []
        for b in range(VOICE_BLOCKS + 1):
            drift.close(b * BLOCK, base, 0.10, True)
            drift.count(b * BLOCK, 7, True, True)
            counted.append(7 in drift.voices and drift.voices[7] == b - 1)
        assert counted[1] and not any(counted[2:VOICE_BLOCKS + 1])
        drift.close((VOICE_BLOCKS + 1) * BLOCK, base, 0.10, True)
        assert drift.voices[7] == VOICE_BLOCKS

    def test_voices_survive_a_round_trip(self) -> None:
        drift = ShareDrift()
        troll_afternoon(drift, blocks=3)
        again = ShareDrift.from_dict(drift.to_dict())
        assert again.voices == drift.voices and again.voices


class _Forgetful(dict[int, int]):
    """A voices map that never remembers (every author is fresh in every block)."""

    def __setitem__(self, key: int, value: int) -> None:
        return None


class TestBurstinessPrior:
    def test_a_new_brand_is_assumed_bursty_over_minutes_not_poisson(self) -> None:
        assert ShareDrift().alpha == ALPHA_PRIOR
        assert ShareDrift.from_dict({}).alpha == ALPHA_PRIOR

    def test_steady_traffic_forgets_the_prior_within_a_day(self) -> None:
        """Poisson-like blocks of 20 mentions (expected 20): a day of blocks leaves little."""
        drift, base = ShareDrift(), baseline(0.25, rate=2.0)
        for b in range(144):
            drift.close(b * BLOCK, base, 0.10, True)
            for i in range(20):
                drift.count(b * BLOCK + i % BLOCK, 5000 + b * 20 + i, True, False)
        assert drift.alpha < ALPHA_PRIOR / 4

    def test_a_freshly_warm_brands_busy_ten_minutes_is_no_miracle(self) -> None:
        """17 negatives of 30 in five minutes where 1.8 were due: a sudden crisis only for a
        brand measured to be steady, not for one whose burstiness is still the prior."""
        w = AuthorWindow(20, 2)
        for i in range(30):
            w.add(1015 + i % 5, i, NEG if i < 17 else NEU, (), 1.0, "en")
        expect = dict(rate=1.5, share=0.24, alpha=0.0, spread=0.03, weight=math.inf)
        measured = assess(w, Expect(**expect, alpha_short=0.0), BrandConfig(), 1019)
        new = assess(w, Expect(**expect, alpha_short=ShareDrift().alpha), BrandConfig(), 1019)
        assert measured.level == "crisis" and new.level is None
