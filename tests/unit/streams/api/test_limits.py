"""The HTTP API's token bucket and per-token rate limiter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.api.limits import RateLimiter, TokenBucket


class TestTokenBucket:
    def test_a_full_bucket_allows_burst_requests_at_once_then_refuses(self):
        """A new bucket lets `burst` requests through at one instant, not one more."""
        b = TokenBucket(rate=5, burst=3)
        assert [b.take(10.0) for _ in range(3)] == [0.0, 0.0, 0.0]
        assert b.take(10.0) == pytest.approx(0.2)

    def test_tokens_come_back_at_the_rate(self):
        """After 1/rate seconds one more request is allowed, and only one."""
        b = TokenBucket(rate=2, burst=1)
        assert b.take(0.0) == 0.0
        assert b.take(0.25) == pytest.approx(0.25)
        assert b.take(0.5) == 0.0
        assert b.take(0.5) > 0

    def test_refill_never_exceeds_the_burst(self):
        """A long quiet time refills to `burst`, not beyond."""
        b = TokenBucket(rate=100, burst=2)
        b.take(0.0)
        allowed = [b.take(1000.0) == 0.0 for _ in range(5)]
        assert allowed == [True, True, False, False, False]

    def test_a_clock_step_back_gives_no_tokens(self):
        """Time going backwards neither refills nor breaks the bucket."""
        b = TokenBucket(rate=1, burst=1)
        assert b.take(100.0) == 0.0
        assert b.take(50.0) > 0
        assert b.take(100.5) > 0
        assert b.take(101.0) == 0.0

    @pytest.mark.parametrize("rate, burst", [(0, 1), (-1, 5), (1, 0), (1, 0.5)])
    def test_bad_limits_fail_at_once(self, rate, burst):
        """A rate ≤ 0 or a burst < 1 is a ValueError, not a bucket that never allows."""
        with pytest.raises(ValueError, match="token bucket"):
            TokenBucket(rate, burst)

    @given(st.floats(0.1, 100), st.integers(1, 50),
           st.lists(st.floats(0, 10), min_size=1, max_size=200))
    def test_never_more_than_burst_plus_rate_times_elapsed(self, rate, burst, gaps):
        """Over any run of requests, no more pass than burst + rate × elapsed time."""
        b = TokenBucket(rate, burst)
        now, passed = 0.0, 0
        for gap in gaps:
            now += gap
            passed += b.take(now) == 0.0
        assert passed <= burst + rate * now + 1e-9


class TestRateLimiter:
    def test_each_key_has_its_own_bucket(self):
        """One token exhausting its budget does not limit another."""
        lim = RateLimiter(rate=1, burst=1)
        assert lim.retry_after("ops", 0.0) is None
        assert lim.retry_after("ops", 0.0) == 1
        assert lim.retry_after("feeder", 0.0) is None

    @pytest.mark.parametrize("rate, expected", [(10, 1), (1, 1), (0.5, 2), (0.1, 10)])
    def test_retry_after_is_whole_seconds_at_least_one(self, rate, expected):
        """Retry-After is the wait rounded up to whole seconds, never 0."""
        lim = RateLimiter(rate=rate, burst=1)
        lim.retry_after("a", 0.0)
        assert lim.retry_after("a", 0.0) == expected

    def test_bad_limits_fail_when_built(self):
        """A limiter with impossible limits fails when built, not at the first request."""
        with pytest.raises(ValueError):
            RateLimiter(rate=0, burst=10)
