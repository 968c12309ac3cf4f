"""Rate limits of the HTTP API: a token bucket per caller.

Written by hand (about twenty lines) rather than taken from a library: no
rate-limit package is among the project's dependencies, and this one needs no
storage, threads or clock of its own. Time is passed in (``time.monotonic()``
in the worker, any number in tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Holds at most ``burst`` tokens, refilled at ``rate`` tokens per second.

    Args:
        rate: tokens added per second (> 0).
        burst: the most tokens it holds, and holds at the start (≥ 1).
    """

    rate: float
    burst: float
    tokens: float = field(init=False)
    last: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, "
                             f"not {self.rate} and {self.burst}")
        self.tokens = float(self.burst)

    def take(self, now: float) -> float:
        """Take one token; 0.0 when there was one, else the seconds until there is.

        Args:
            now: the current time in seconds (monotonic; a step back counts as no time).
        """
        if self.last is not None and now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now if self.last is None else max(self.last, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One :class:`TokenBucket` per key (a token name), created on first use.

    Keys are the configured token names, so the number of buckets is bounded.

    Args:
        rate: tokens per second for each key.
        burst: bucket size for each key.
    """

    def __init__(self, rate: float, burst: float) -> None:
        TokenBucket(rate, burst)  # fail at once on bad limits
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, TokenBucket] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Take one request for ``key``: ``None`` if allowed, else whole seconds to wait (≥ 1).

        Args:
            key: who is asking (a token name).
            now: the current time in seconds (monotonic).
        """
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(self.rate, self.burst)
        wait = bucket.take(now)
        return None if wait == 0.0 else max(1, math.ceil(wait))
