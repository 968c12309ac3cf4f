"""Small statistics helpers: Poisson tails and smoothed shares."""

from __future__ import annotations

import math


def poisson_sf(k: float, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), accurate for tiny tails.

    Args:
        k: observed count (rounded down to an integer).
        lam: expected count (> 0).
    """
    n = int(math.floor(k))
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if n <= lam:
        return _poisson_sf_sum_below(n, lam)
    log_term = -lam + n * math.log(lam) - math.lgamma(n + 1)
    term = math.exp(log_term)
    if term < 1e-300:  # below this the tail is zero for every purpose (and subnormals stall)
        return 0.0
    total = term
    i = n
    while i < n + 100_000:
        i += 1
        term *= lam / i
        total += term
        if term <= total * 1e-12:
            break
    return min(1.0, total)


def _poisson_sf_sum_below(n: int, lam: float) -> float:
    term = math.exp(-lam)
    cdf = term
    for i in range(1, n):
        term *= lam / i
        cdf += term
    return max(0.0, min(1.0, 1.0 - cdf))


def smoothed_share(hits: float, total: float, prior: float, prior_weight: float) -> float:
    """Share of ``hits`` in ``total`` shrunk towards ``prior`` for small samples.

    Args:
        hits: e.g. negative mentions.
        total: all scored mentions.
        prior: the share expected without evidence (the brand's usual share).
        prior_weight: how many pseudo-mentions the prior is worth.
    """
    return (hits + prior * prior_weight) / (total + prior_weight)
