"""Poisson tails and the author-capped window, against brute force."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.crisis.stats import poisson_sf, smoothed_share
from detectors.crisis.window import NEG, NEU, POS, UNSCORED, AuthorWindow


def brute_sf(k: int, lam: float) -> float:
    return 1.0 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))


@pytest.mark.parametrize(("k", "lam"), [(0, 1.0), (1, 0.5), (3, 2.0), (10, 3.0), (20, 5.0),
                                        (5, 10.0), (40, 12.5)])
def test_poisson_tail_matches_brute_force(k: int, lam: float) -> None:
    assert poisson_sf(k, lam) == pytest.approx(brute_sf(k, lam), rel=1e-6, abs=1e-12)


def test_poisson_tail_keeps_precision_far_out() -> None:
    """Tiny tails stay positive and ordered instead of rounding to zero."""
    assert 0 < poisson_sf(60, 2.0) < poisson_sf(50, 2.0) < 1e-40


def test_smoothed_share_shrinks_small_samples_to_the_prior() -> None:
    assert smoothed_share(1, 1, 0.15, 10) == pytest.approx(0.2272, abs=1e-3)
    assert smoothed_share(700, 1000, 0.15, 10) == pytest.approx(0.6946, abs=1e-3)


class TestAuthorWindow:
    def test_one_author_counts_at_most_cap_times(self) -> None:
        """A troll posting 200 negative posts weighs like `cap` posts from one author."""
        w = AuthorWindow(minutes=20, cap=2)
        for i in range(200):
            w.add(100 + i % 10, author=7, label=NEG, keyword=(), weight=1.0, lang="en")
        assert (w.total, w.neg, w.neg_authors, w.raw_total) == (2, 2, 1, 200)

    def test_minutes_expire(self) -> None:
        w = AuthorWindow(minutes=5, cap=2)
        w.add(10, 1, NEG, False, 1.0, "en")
        w.add(12, 2, POS, False, 1.0, "fi")
        w.expire(14)
        assert (w.total, w.neg, w.pos) == (2, 1, 1)
        w.expire(15)
        assert (w.total, w.neg, w.pos, w.langs) == (1, 0, 1, {"fi": 1})
        w.expire(17)
        assert w.empty and w.total == 0 and w.langs == {}


entries = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 6), st.sampled_from([NEU, NEG, POS, UNSCORED]),
              st.sampled_from([(), ("recall",), ("strike",), ("recall", "strike")])),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(entries, st.integers(0, 60), st.integers(1, 3))
def test_window_sums_equal_a_recount(items: list[tuple[int, int, int, tuple[str, ...]]], now: int,
                                     cap: int) -> None:
    """After any adds (in and out of order) and an expiry, sums equal a from-scratch recount,
    and a serialised copy agrees."""
    w = AuthorWindow(minutes=15, cap=cap)
    for minute, author, label, kw in items:
        w.add(minute, author, label, kw, 1.0, None)
    w.expire(now)
    kept = [e for e in items if e[0] >= now - 14]
    per: dict[int, list[int]] = {}
    words: dict[str, set[int]] = {}
    for _, author, label, kw in kept:
        c = per.setdefault(author, [0, 0, 0, 0])
        c[0] += 1
        c[1] += label != UNSCORED
        c[2] += label == NEG
        c[3] += bool(kw)
        for word in kw:
            words.setdefault(word, set()).add(author)
    assert w.total == sum(min(c[0], cap) for c in per.values())
    assert w.scored == sum(min(c[1], cap) for c in per.values())
    assert w.neg == sum(min(c[2], cap) for c in per.values())
    assert w.neg_authors == sum(1 for c in per.values() if c[2])
    assert w.kw_authors == sum(1 for c in per.values() if c[3])
    assert w.keyword_authors() == {k: len(v) for k, v in words.items()}
    copy = AuthorWindow.from_dict(json.loads(json.dumps(w.to_dict())))
    assert copy.keyword_authors() == w.keyword_authors()
    assert (copy.total, copy.scored, copy.neg, copy.neg_authors) == (w.total, w.scored, w.neg,
                                                                     w.neg_authors)


@pytest.mark.parametrize(("k", "lam"), [(741, 12.0), (5000, 3.0), (2000, 1900.0), (10**6, 0.01)])
def test_poisson_tail_terminates_deep_in_the_tail(k: int, lam: float) -> None:
    """Regression: subnormal terms once made the summation loop forever."""
    assert 0.0 <= poisson_sf(k, lam) < 0.5


def test_recent_counts_are_author_capped() -> None:
    w = AuthorWindow(minutes=20, cap=2)
    for _ in range(10):
        w.add(100, author=1, label=NEG, keyword=(), weight=1.0, lang=None)
    w.add(99, author=2, label=NEG, keyword=(), weight=1.0, lang=None)
    w.add(90, author=3, label=NEG, keyword=(), weight=1.0, lang=None)
    w.add(100, author=4, label=POS, keyword=(), weight=1.0, lang=None)
    assert w.recent(100, 5) == (3, 4, 2)
