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


def nbinom_sf(k: float, mu: float, alpha: float) -> float:
    """P(X >= k) for a negative binomial of mean ``mu`` and var ``mu + alpha * mu**2``.

    ``alpha`` 0 is Poisson. The Gamma-Poisson mixture of a brand whose hourly rate
    varies with squared coefficient of variation ``alpha``.

    Args:
        k: observed count (rounded down to an integer).
        mu: expected count (> 0).
        alpha: over-dispersion (>= 0).
    """
    if alpha <= 1e-9:
        return poisson_sf(k, mu)
    n = int(math.floor(k))
    if n <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    r = 1.0 / alpha
    p = r / (r + mu)  # success probability; pmf(x) = C(x+r-1, x) p^r (1-p)^x
    log_q = math.log1p(-p)
    if n <= mu:
        term = math.exp(r * math.log(p))
        cdf = term
        for x in range(1, n):
            term *= (x - 1 + r) / x * (1 - p)
            cdf += term
        return max(0.0, min(1.0, 1.0 - cdf))
    log_term = (math.lgamma(n + r) - math.lgamma(r) - math.lgamma(n + 1) + r * math.log(p)
                + n * log_q)
    term = math.exp(log_term)
    if term < 1e-300:
        return 0.0
    total = term
    x = n
    while x < n + 1_000_000:
        term *= (x + r) / (x + 1) * (1 - p)
        x += 1
        total += term
        if term <= total * 1e-12:
            break
    return min(1.0, total)


def fisher_p(p1: float, p2: float) -> float:
    """Fisher's combined p-value of two independent tests (chi-squared with 4 degrees of freedom).

    Two tests that each only just pass are far weaker evidence together than
    either passing strongly: the combined tail is ``q * (1 - ln q)`` for ``q = p1 * p2``.

    Args:
        p1: the first test's p-value.
        p2: the second test's p-value.
    """
    q = p1 * p2
    if q <= 0.0:
        return 0.0
    return min(1.0, q * (1.0 - math.log(q)))


def _share_tail_edge(kk: int, n: int, p: float) -> float | None:
    """P(X >= kk) where it needs no sum (no hits asked, more than n, a share of 0 or 1)."""
    if kk <= 0:
        return 1.0
    if kk > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    return None


def binom_sf(k: float, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how surprising ``k`` negatives of ``n`` are at share ``p``.

    A Poisson tail is far too lenient when the usual share is high (60 % negative
    brands): 40 of 45 at 0.6 is a 1e-5 event, not a 1e-2 one.

    Args:
        k: observed hits (rounded down).
        n: trials.
        p: the share expected.
    """
    kk = int(math.floor(k))
    edge = _share_tail_edge(kk, n, p)
    if edge is not None:
        return edge
    log_p, log_q = math.log(p), math.log1p(-p)
    lg_n = math.lgamma(n + 1)
    total = 0.0
    for x in range(kk, n + 1):
        term = math.exp(lg_n - math.lgamma(x + 1) - math.lgamma(n - x + 1) + x * log_p
                        + (n - x) * log_q)
        total += term
        if x > n * p and term <= total * 1e-12:
            break
    return min(1.0, total)


def betabinom_sf(k: float, n: int, p: float, rho: float) -> float:
    """P(X >= k) for a beta-binomial of ``n`` trials, mean share ``p`` and intra-class correlation ``rho``.

    A brand's true share is not fixed: it swings from hour to hour, and replies
    and threads make voices agree. ``rho`` is that over-dispersion
    (var = n p (1-p) (1 + (n-1) rho)); ``rho`` 0 is the binomial.

    Args:
        k: observed hits (rounded down).
        n: trials.
        p: the mean share.
        rho: over-dispersion in [0, 1).
    """
    if rho <= 1e-9:
        return binom_sf(k, n, p)
    kk = int(math.floor(k))
    edge = _share_tail_edge(kk, n, p)
    if edge is not None:
        return edge
    conc = (1.0 - min(rho, 0.999)) / min(rho, 0.999)
    a, b = p * conc, (1.0 - p) * conc
    log_norm = math.lgamma(n + 1) - math.lgamma(a) - math.lgamma(b) + math.lgamma(a + b) \
        - math.lgamma(n + a + b)
    total = 0.0
    for x in range(kk, n + 1):
        term = math.exp(log_norm - math.lgamma(x + 1) - math.lgamma(n - x + 1)
                        + math.lgamma(x + a) + math.lgamma(n - x + b))
        total += term
        if x > n * p and term <= total * 1e-12:
            break
    return min(1.0, total)


def share_rho(p: float, swing: float, weight: float) -> float:
    """Over-dispersion of a window's share around a usual share ``p``.

    The true share varies by the brand's own hour-to-hour ``swing`` (a standard
    deviation beyond sampling noise), and the usual share itself is known only
    from ``weight`` mentions: both widen the spread of what a window can show.

    Args:
        p: the usual share.
        swing: its hour-to-hour standard deviation beyond sampling noise.
        weight: how many mentions the usual share rests on (``math.inf``: exact).
    """
    q = min(0.99, max(0.01, p))
    rho = swing * swing / (q * (1 - q))
    if weight < math.inf:
        rho += 1.0 / (weight + 1.0)
    return min(0.5, rho)
