"""The tests that decide a brand's level, read off the window and the baseline.

* **negative surge** — the smoothed negative share is well above the brand's
  usual share (by more than its own hour-to-hour swing) *and* negative voices
  (author-capped) are far above what the baseline predicts for this hour of
  the brand's week (ratio and a negative-binomial tail with the brand's own
  over-dispersion), from enough distinct authors, and the share is unusual for
  the posts seen given the brand's own hour-to-hour swing (a beta-binomial
  tail). Viral praise and neutral news raise volume but not the share; a troll
  raises neither once capped. Both tails together must also be extraordinary
  (Fisher's combined p-value at most ``JOINT_P``): a volume wave that only just
  passes its tail, meeting a share that only just passes its own, is a
  coincidence a brand sees every few weeks (a burst of neutral news the scorer
  partly reads as negative), not a crisis.
* **sustained rise** — the same checks with a smaller rise, once the drift test
  (:mod:`detectors.crisis.drift`) has seen the share stay above the usual for a
  while: a slow burn never jumps, it lasts.
* **cold start** — no baseline yet: a stricter share-only test.
* **keyword** — a configured crisis word from enough distinct authors in
  non-positive posts, far more than the brand hears it every day (a Poisson
  tail on distinct authors against the word's learned usual use).
* **long surge / long cold start** — the same joint evidence over the last one
  to six hours (:mod:`detectors.crisis.longwindow`), for a brand whose crisis is
  too sparse for any one window.
* **calm** — the window no longer supports an elevated level (hysteresis: the
  calm thresholds sit below the entry thresholds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from detectors.config import BrandConfig
from detectors.crisis import joint, longwindow
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.joint import Bars
from detectors.crisis.stats import poisson_sf, share_rho, smoothed_share
from detectors.crisis.window import AuthorWindow

PRIOR_WEIGHT = 10.0
SPREAD_Z = 3.0  # the share must rise this many of the brand's own hourly swings
# Fisher's combined p-value of the volume and share tails for a crisis from one window: the
# single gates (crisis_p, crisis_share_p) allow a product of 3e-9 (combined 6e-8)
JOINT_P = 1e-10
Level = Literal["elevated", "crisis"]


@dataclass(slots=True)
class Expect:
    """What the baseline expects now.

    Attributes:
        rate: mentions/minute for this hour of the brand's week (``None``: warming up).
        share: the brand's usual negative share.
        alpha: its volume over-dispersion (0: Poisson).
        spread: how much its share swings from hour to hour beyond sampling noise.
        slot: the hour the expectation is for, on the brand's clock ("Wednesday 20:00").
        weight: how many mentions the usual share rests on (its own uncertainty).
        share_sd: the hour-to-hour swing the brand has actually shown (no prior), for
            the share tails.
        alpha_short: its volume over-dispersion over minutes (bursts an hour averages away).
        drift: evidence (nats) that the share has stayed above the usual for a while
            (:mod:`detectors.crisis.drift`).
    """

    rate: float | None
    share: float
    alpha: float = 0.0
    spread: float = 0.0
    slot: str = ""
    keywords: dict[str, float] = field(default_factory=dict)  # usual authors per window
    weight: float = math.inf
    drift: float = 0.0
    share_sd: float = 0.0
    alpha_short: float = 0.0
    base: RhythmBaseline | None = None  # for the spans of hours (longwindow); None: none

    def rho(self, usual: float) -> float:
        """The over-dispersion of a window's share around ``usual``, for its beta-binomial tail.

        The brand's share swings from hour to hour and its usual share is itself an
        estimate, so a window far from it is less of a miracle than a binomial tail says.
        """
        return share_rho(usual, self.share_sd, self.weight)


@dataclass(slots=True)
class Verdict:
    """What the window says now."""

    level: Level | None
    test: str
    reason: str
    calm: bool
    numbers: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The reason as one readable line (built on demand: most verdicts are never read)."""
        return self.reason or _summary(self.numbers)


def exposure(minutes: int, elapsed: float | None) -> float:
    """How many minutes of traffic a window of ``minutes`` minute buckets has seen so far.

    The newest bucket is the current minute, only ``elapsed`` seconds of which have
    passed: a window read 12 s into a minute holds ``minutes - 1`` minutes and 12
    seconds, and what it holds must be weighed against that much expected traffic,
    not a whole extra minute of it (for a five-minute test, up to a fifth too much).

    Args:
        minutes: the window's length in minute buckets.
        elapsed: seconds of the current minute already passed (``None``: all of it).
    """
    if elapsed is None:
        return float(minutes)
    return max(0.5, minutes - 1 + min(60.0, max(0.0, elapsed)) / 60.0)


def assess(
    window: AuthorWindow, expect: Expect, cfg: BrandConfig, minute: int | None = None,
    elapsed: float | None = None,
) -> Verdict:
    """Assess a window, then, short of a crisis, the last hours (:mod:`detectors.crisis.longwindow`).

    Args:
        window: the brand's current window.
        expect: what the baseline expects now (``expect.base``: the hours to judge too).
        cfg: the brand's configuration.
        minute: the current event-time minute.
        elapsed: seconds of that minute already passed (``None``: the whole minute).
    """
    verdict = _assess_window(window, expect, cfg, minute, elapsed)
    base = expect.base
    if verdict.level == "crisis" or base is None or minute is None:
        return verdict
    warm = expect.rate is not None
    found = longwindow.judge(
        base.hours, minute, cfg, base, warm=warm,
        usual=expect.share, swing=expect.spread, alpha=expect.alpha,
        weight=base.share_weight,  # a cold brand's is the cold rule's, which judge asks itself
        bars=(PRIOR_WEIGHT, SPREAD_Z, JOINT_P))
    if found is None:
        if verdict.calm and window.neg_authors < cfg.thresholds.elevated_authors:
            verdict.calm = not longwindow.holds(base.hours, minute, cfg, base, warm=warm,
                                                usual=expect.share)
        return verdict
    test, span = found  # the span's counts in the window's terms; the window's own under "window"
    numbers = {**verdict.numbers, **span, "window": {k: verdict.numbers.get(k) for k in span}}
    return Verdict("crisis", test, longwindow.describe(span, expect.slot), False, numbers)


def _assess_window(
    window: AuthorWindow, expect: Expect, cfg: BrandConfig, minute: int | None = None,
    elapsed: float | None = None,
) -> Verdict:
    """Assess a window.

    Args:
        window: the brand's current window.
        expect: what the baseline expects now.
        cfg: the brand's configuration.
        minute: the current event-time minute (enables the short sudden-surge test).
        elapsed: seconds of that minute already passed (``None``: the whole minute).
    """
    th = cfg.thresholds
    rate, usual_share = expect.rate, expect.share
    minutes = cfg.window_minutes
    if cfg.reach_weighting and window.scored:
        mean_w = window.w_scored / window.scored
        share = smoothed_share(window.w_neg, window.w_scored, usual_share, PRIOR_WEIGHT * mean_w)
    else:
        share = smoothed_share(window.neg, window.scored, usual_share, PRIOR_WEIGHT)
    numbers: dict[str, Any] = {
        "window_minutes": minutes,
        "mentions": window.total,
        "scored": window.scored,
        "negative": window.neg,
        "negative_authors": window.neg_authors,
        "neg_share": round(share, 3),
        "usual_share": round(usual_share, 3),
    }
    if expect.slot:
        numbers["usual_for"] = expect.slot
    if rate is not None:
        expected_total = rate * exposure(minutes, elapsed)
        expected_neg = max(expected_total * usual_share, 0.05)
        ratio = window.neg / expected_neg
        numbers.update(
            expected_mentions=round(expected_total, 2),
            volume_ratio=round(window.total / max(expected_total, 0.05), 2),
            expected_negative=round(expected_neg, 2),
            negative_ratio=round(ratio, 2),
        )
        if expect.alpha:
            numbers["dispersion"] = round(expect.alpha, 3)
    else:
        expected_neg = None
        ratio = None
    calm = (
        share < usual_share + th.calm_share_margin
        or (ratio is not None and ratio < th.calm_ratio)
        or window.neg_authors < th.elevated_authors
    )
    kw = _keyword(window, expect, cfg, numbers)
    if kw is not None:
        return Verdict("crisis", "keyword", kw, False, numbers)
    if window.total < th.min_mentions:
        return Verdict(None, "none", "", calm, numbers)
    if rate is None or ratio is None or expected_neg is None:
        return _cold(share, window, expect, cfg, numbers, calm)
    swing = SPREAD_Z * expect.spread
    if minute is not None and share >= max(th.elevated_share,
                                           usual_share + max(th.elevated_share_margin, swing)):
        # a sudden surge shows in the long window too: a five-minute thread alone is not one
        sudden = _sudden(window, expect, cfg, numbers, minute, elapsed)
        if sudden is not None:
            return sudden
    checks: tuple[tuple[Level, float, float, float, float, int, float], ...] = (
        ("crisis", th.crisis_share, th.crisis_share_margin, th.crisis_ratio, th.crisis_p,
         th.crisis_authors, th.crisis_share_p),
        ("elevated", th.elevated_share, th.elevated_share_margin, th.elevated_ratio,
         th.elevated_p, th.elevated_authors, th.elevated_share_p),
    )
    sustained = expect.drift >= th.drift_evidence
    # one window is judged against bursts of minutes; a lasting rise against hours
    alpha = expect.alpha if sustained else max(expect.alpha, expect.alpha_short)
    rho = expect.rho(usual_share)
    for level, min_share, margin, min_ratio, max_p, authors, share_p in checks:
        # a rise that has lasted (the drift test) need only be a sure one, not a jump of
        # three hourly swings: the elevated margin, and the crisis checks otherwise; its
        # share tail need only pass the elevated bar (the drift test holds its evidence), and
        # two tails that only just pass make no crisis from one window (a coincidence)
        need = usual_share + (th.elevated_share_margin if sustained else max(margin, swing))
        bars = Bars(max(min_share, need), authors, th.elevated_share_p if sustained else share_p,
                    min_ratio, max_p, JOINT_P if level == "crisis" and not sustained else 1.0)
        found = joint.weigh(window.neg, window.scored, window.neg_authors, share, bars,
                            usual=usual_share, rho=rho, expected=expected_neg, alpha=alpha)
        if found is None:
            continue
        numbers.update(found.numbers())
        test = "negative_surge"
        if sustained and share < usual_share + max(margin, swing) and level == "crisis":
            test = "sustained_rise"
            numbers["drift"] = round(expect.drift, 1)
        return Verdict(level, test, _summary(numbers), False, numbers)
    return Verdict(None, "none", "", calm, numbers)


def _sudden(
    window: AuthorWindow, expect: Expect, cfg: BrandConfig, numbers: dict[str, Any], minute: int,
    elapsed: float | None = None,
) -> Verdict | None:
    """A crisis seen in the last few minutes only: the long window still dilutes it."""
    th = cfg.thresholds
    rate, usual_share = expect.rate or 0.0, expect.share
    min_share = max(th.sudden_share, usual_share + max(th.crisis_share_margin,
                                                       SPREAD_Z * expect.spread))
    quick_neg, quick_scored = window.recent_quick(minute, th.sudden_minutes)
    if quick_neg < th.sudden_authors or smoothed_share(
        quick_neg, quick_scored, usual_share, PRIOR_WEIGHT
    ) < min_share:
        return None  # uncapped counts are an upper bound: nothing to see
    neg, scored, authors = window.recent(minute, th.sudden_minutes)
    if authors < th.sudden_authors:
        return None
    share = smoothed_share(neg, scored, usual_share, PRIOR_WEIGHT)
    expected = max(rate * exposure(th.sudden_minutes, elapsed) * usual_share, 0.05)
    # the negatives against bursts of minutes; the share itself must be unusual for the posts
    # seen (a loud neutral spike is not), given how much the brand's own share swings; and
    # the same joint evidence as the long window's
    found = joint.weigh(neg, scored, authors, share,
                        Bars(min_share, th.sudden_authors, th.sudden_share_p, th.crisis_ratio,
                             th.crisis_p, JOINT_P),
                        usual=usual_share, rho=expect.rho(usual_share), expected=expected,
                        alpha=max(expect.alpha, expect.alpha_short))
    if found is None:
        return None
    numbers["sudden"] = {"minutes": th.sudden_minutes, "negative": neg, "scored": scored,
                         "negative_authors": authors, "neg_share": round(share, 3),
                         "expected_negative": round(expected, 2), **found.numbers()}
    reason = (f"sudden surge: {neg} negative of {scored} scored mentions in the last "
              f"{th.sudden_minutes} min from {authors} authors ({neg / expected:.0f}x expected); "
              + _summary(numbers))
    return Verdict("crisis", "sudden_surge", reason, False, numbers)


def _cold(
    share: float, window: AuthorWindow, expect: Expect, cfg: BrandConfig,
    numbers: dict[str, Any], calm: bool,
) -> Verdict:
    # No volume baseline yet: judge the share alone, against the usual share (itself
    # known from few mentions, which the beta-binomial tail allows for).
    th = cfg.thresholds
    usual_share = expect.share
    numbers["baseline"] = "warming up"
    rho = expect.rho(usual_share)
    cold: tuple[tuple[Level, Bars], ...] = (
        ("crisis", Bars(max(th.cold_start_share, usual_share + th.crisis_share_margin),
                        th.cold_start_authors, th.cold_start_p)),
        ("elevated", Bars(max(th.crisis_share, usual_share + th.elevated_share_margin),
                          th.crisis_authors, th.crisis_p)),
    )
    for level, bars in cold:
        found = joint.weigh(window.neg, window.scored, window.neg_authors, share, bars,
                            usual=usual_share, rho=rho)
        if found is not None:
            numbers["p_value"] = found.numbers()["p_share"]
            return Verdict(level, "cold_start_negativity", _summary(numbers), False, numbers)
    return Verdict(None, "none", "", calm, numbers)


def _keyword(
    window: AuthorWindow, expect: Expect, cfg: BrandConfig, numbers: dict[str, Any],
) -> str | None:
    """Configured crisis words from enough distinct authors, far beyond their everyday use."""
    if not cfg.keywords or window.kw_authors < cfg.keyword_min_authors:
        return None
    th = cfg.thresholds
    fired: list[tuple[str, int, float]] = []
    for word, authors in window.keyword_authors().items():
        if authors < cfg.keyword_min_authors:
            break  # sorted, most authors first
        usual = expect.keywords.get(word, 0.0)
        if authors >= th.keyword_ratio * usual and poisson_sf(authors, max(usual, 0.02)) \
                <= th.keyword_p:
            fired.append((word, authors, usual))
    if not fired:
        return None
    numbers["keywords"] = {w: {"authors": a, "usual": round(u, 2)} for w, a, u in fired}
    numbers["keyword_authors"] = window.kw_authors
    said = ", ".join(f"{w!r} from {a} authors (usually {u:.1f})" for w, a, u in fired[:5])
    return f"crisis keywords in {cfg.window_minutes} min: {said}; " + _summary(numbers)


def _summary(n: dict[str, Any]) -> str:
    text = (
        f"{n['negative']} negative of {n['scored']} scored mentions in {n['window_minutes']} min "
        f"(share {n['neg_share']:.2f} vs its usual {n['usual_share']:.2f}"
        + (f" for {n['usual_for']}" if n.get("usual_for") else "")
        + f"), {n['negative_authors']} negative authors"
    )
    if "negative_ratio" in n:
        text += (
            f", {n['negative_ratio']:.1f}x the expected negatives, "
            f"volume {n['volume_ratio']:.1f}x baseline"
        )
    return text
