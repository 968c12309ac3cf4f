"""The joint evidence of the volume and share tails (Fisher's method) for a one-window crisis."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors.config import BrandConfig
from detectors.crisis import joint
from detectors.crisis.evaluate import JOINT_P, Expect, assess
from detectors.crisis.joint import Bars, Evidence
from detectors.crisis.stats import fisher_p, share_rho, smoothed_share
from detectors.crisis.window import NEG, NEU, AuthorWindow


def window_with(neg: int, scored: int) -> AuthorWindow:
    """``scored`` voices over twenty minutes, the first ``neg`` of them negative."""
    w = AuthorWindow(20, 2)
    for i in range(scored):
        w.add(1000 + i % 20, i, NEG if i < neg else NEU, (), 1.0, "en")
    return w


# a 0.8/min brand, usually 15 % negative, whose share swings 0.06 from hour to hour and
# whose volume is bursty over minutes: a burst of neutral news that the scorer partly
# reads as negative
EXPECT = dict(rate=0.8, share=0.154, alpha=0.07, alpha_short=0.31, spread=0.061,
              share_sd=0.061, weight=math.inf)


class TestFisher:
    def test_matches_the_chi_squared_tail_with_four_degrees_of_freedom(self) -> None:
        """sf of chi2(4) at x is exp(-x/2) (1 + x/2); x = -2 ln(p1 p2)."""
        p1, p2 = 3e-7, 0.01
        x = -2 * math.log(p1 * p2)
        assert fisher_p(p1, p2) == pytest.approx(math.exp(-x / 2) * (1 + x / 2), rel=1e-12)

    @given(st.floats(1e-30, 1.0), st.floats(1e-30, 1.0))
    def test_is_a_p_value_weaker_than_the_product(self, p1: float, p2: float) -> None:
        """Two tests together never say more than their product, nor less than it."""
        joint = fisher_p(p1, p2)
        assert p1 * p2 <= joint <= 1.0
        assert fisher_p(min(p1, 0.5), p2) <= fisher_p(min(p1, 0.5) * 2, p2) + 1e-300

    def test_zero_stays_zero(self) -> None:
        assert fisher_p(0.0, 0.5) == 0.0


class TestJointEvidence:
    def test_two_tails_that_only_just_pass_are_not_a_crisis(self) -> None:
        """28 negative of 74 (usual 0.15, expected 2.5 negatives): each tail passes its own
        gate, but together they are a coincidence of a news burst, not a crisis."""
        v = assess(window_with(28, 74), Expect(**EXPECT), BrandConfig())
        assert v.level != "crisis"

    def test_the_same_share_with_a_far_larger_surge_is_a_crisis(self) -> None:
        """The same share from three times the voices: the joint tail is extraordinary."""
        v = assess(window_with(84, 222), Expect(**EXPECT), BrandConfig())
        assert v.level == "crisis"
        assert v.test == "negative_surge"
        assert v.numbers["p_joint"] <= JOINT_P


def test_a_sudden_surge_needs_the_same_joint_evidence() -> None:
    """10 negative of 16 in five minutes of a 0.5/min brand usually 22 % negative, at the start
    of a news burst: each five-minute tail passes its gate, the two together do not."""
    w = AuthorWindow(20, 2)
    for i in range(6):
        w.add(1000 + 2 * i, i, NEG if i < 3 else NEU, (), 1.0, "sv")
    for i in range(16):
        w.add(1015 + i % 5, 100 + i, NEG if i < 10 else NEU, (), 1.0, "sv")
    expect = dict(rate=0.5, share=0.216, alpha=0.16, alpha_short=0.30, spread=0.031,
                  share_sd=0.031, weight=math.inf)
    v = assess(w, Expect(**expect), BrandConfig(), 1019)
    assert v.level != "crisis"
    w2 = AuthorWindow(20, 2)  # the same five minutes twice as loud: a crisis
    for i in range(34):
        w2.add(1015 + i % 5, 100 + i, NEG if i < 20 else NEU, (), 1.0, "sv")
    v2 = assess(w2, Expect(**expect), BrandConfig(), 1019)
    assert v2.level == "crisis" and v2.test == "sudden_surge"
    assert v2.numbers["sudden"]["p_joint"] <= JOINT_P


class TestWeigh:
    """The one joint test the window, the sudden surge, the cold start and the spans ask."""

    BARS = Bars(share=0.35, authors=7, share_p=1e-2, ratio=3.0, p=3e-7, joint_p=1e-10)

    def weigh(self, neg: int, scored: int, authors: int = 20, bars: Bars = BARS,
              expected: float | None = 3.0) -> Evidence | None:
        share = smoothed_share(neg, scored, 0.15, 10.0)
        return joint.weigh(neg, scored, authors, share, bars, usual=0.15,
                           rho=share_rho(0.15, 0.05, math.inf), expected=expected, alpha=0.2)

    def test_counts_far_beyond_every_bar_pass_with_their_tails(self) -> None:
        found = self.weigh(60, 80)
        assert found is not None and found.p is not None and found.joint is not None
        assert found.joint <= 1e-10 and found.p_share <= 1e-2
        assert found.joint == fisher_p(found.p, found.p_share)

    @pytest.mark.parametrize("neg, scored, authors, expected", [
        (60, 80, 6, 3.0),   # too few distinct authors
        (12, 80, 20, 3.0),  # share below the bar
        (60, 80, 20, 25.0),  # fewer than three times the expected negatives
        (10, 14, 10, 3.0),  # the volume tail is no miracle
        (20, 40, 20, 2.0),  # each tail passes its own gate, together they do not
    ])
    def test_each_bar_can_stop_it(self, neg: int, scored: int, authors: int,
                                  expected: float) -> None:
        assert self.weigh(neg, scored, authors, expected=expected) is None

    def test_without_a_volume_expectation_the_share_alone_is_asked(self) -> None:
        """A cold brand: no volume tail, no joint bar; the share tail decides."""
        bars = Bars(share=0.5, authors=8, share_p=1e-5)
        found = self.weigh(40, 50, bars=bars, expected=None)
        assert found is not None and found.p is None and found.joint is None
        assert found.numbers() == {"p_share": float(f"{found.p_share:.3g}")}
        assert self.weigh(9, 16, bars=bars, expected=None) is None
