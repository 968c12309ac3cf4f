"""Evidence over hours, for brands whose crisis is too sparse for a twenty-minute window.

A small brand, or a sparsely sampled one, can be in an unmistakable crisis for
hours at a few posts per twenty minutes: no single window ever holds the seven
or eight negative voices the window tests need, yet over two to six hours the
brand has five times its usual volume at four times its usual negative share.
This module keeps coarse **hourly buckets** of one brand's mentions and asks the
window's question over longer spans: the current hour so far plus the last
1, 2, 4 or 6 full hours (``SPANS``).

Per hour it keeps only counts (mentions, scored, negative) and the negative
authors with their posts, at most ``SAMPLE`` of them (the rest are counted,
not named), for the last ``KEEP`` hours: a few hundred bytes for a quiet brand,
never every mention. Voices, not posts, across the whole span: an author's
negatives in a span count at most ``author_cap`` times (a troll's afternoon adds
two, not two per hour), and their excess leaves the scored count too.

**Warm brands** (a volume baseline known) pass the window's joint evidence,
with the span's numbers:

* the expected volume is the brand's hour-of-week rhythm summed over the span
  (each hour's expected rate times the minutes of it the span covers), so a busy
  morning is expected to be busy;
* the volume tail is a negative binomial on the author-capped negatives with the
  brand's hourly over-dispersion, at least ``ALPHA_FLOOR`` (a rate that swings
  +-50 % beyond Poisson): hourly counts of a sparse brand never measure it, and
  a news wave lifts every hour of a span together, so the hourly figure is not
  divided by the span's length;
* the share tail is a beta-binomial against the usual share with the brand's
  hour-to-hour swing (the cautious prior while it is unmeasured) and the
  uncertainty of the usual itself (the mentions it rests on): over hundreds of
  posts a binomial tail would call any lasting mood a miracle;
* the same gates as the window's crisis test (share above the usual by the
  margin and three swings, three times the expected negatives, ``crisis_p``,
  ``crisis_share_p``, ``crisis_authors`` distinct negative authors), and
  Fisher's combined p at most the window's ``JOINT_P``; every p-value bar is
  divided by the number of spans looked at (Bonferroni: four looks at the same
  moment must not make four chances of a coincidence). The share bar matters
  most: for a sparse brand any burst is a volume miracle (ten negatives where
  0.1 were expected), so the share tail is what tells a crisis from a busy day.

**Cold brands** (the stream began recently, perhaps mid-crisis) are judged as
the window's cold start judges them, over the span: the share against what came
before the span (or the cold prior while nothing did), from ``cold_start_authors``
authors, its tail at most ``cold_start_p`` divided by the spans.
"""

from __future__ import annotations

from typing import Any, Protocol

from detectors.config import BrandConfig, Thresholds
from detectors.crisis import joint
from detectors.crisis.joint import Bars
from detectors.crisis.stats import share_rho, smoothed_share

SPANS = (1, 2, 4, 6)  # full hours before the current one that a span adds
LOOKS = len(SPANS)
KEEP = SPANS[-1] + 1  # hourly buckets kept: the current hour and the six before it
SAMPLE = 32  # negative authors named per hour; more are counted, not named
ALPHA_FLOOR = 0.25  # multi-hour over-dispersion assumed at least (hourly rate +-50 %)
# a bucket: [epoch hour, mentions, scored, negative, negative of unnamed authors,
#            {author: negatives}, usual share, its weight, its swing (the last three as the hour began)]
_H, _T, _S, _N, _O, _A, _U = 0, 1, 2, 3, 4, 5, 6


class Rhythm(Protocol):
    """What the span test reads of the brand's baseline."""

    hours_learned: int

    @property
    def usual(self) -> float:
        """The brand's usual negative share."""

    @property
    def share_weight(self) -> float:
        """How many mentions the usual share rests on."""

    @property
    def swing(self) -> float:
        """The share's hour-to-hour swing."""

    def expected_rate(self, hour: int) -> float | None:
        """Expected mentions/minute during epoch-hour ``hour``."""

    def cold_usual(self, neg: int, scored: int) -> tuple[float, float]:
        """(usual share, mentions it rests on) of a brand not yet warm, beside ``neg`` of
        ``scored``: what came before them, or the cold prior while too little did."""


class HourCounts:
    """One brand's mentions in hourly buckets over the last ``KEEP`` hours."""

    __slots__ = ("buckets", "_rates")

    def __init__(self) -> None:
        self.buckets: list[list[Any]] = []
        self._rates: tuple[int, int, list[float]] | None = None  # not saved: a cache

    def rates(self, base: Rhythm, now: int) -> list[float]:
        """The rhythm's expected rates for the last ``SPANS[-1]`` hours and this one.

        Cached until the hour or the baseline changes (it learns only as hours close).
        """
        cached = self._rates
        if cached is None or cached[0] != now or cached[1] != base.hours_learned:
            cached = self._rates = (now, base.hours_learned, [
                base.expected_rate(h) or 0.0 for h in range(now - SPANS[-1], now + 1)])
        return cached[2]

    def count(self, hour: int, scored: bool, negative: bool, author: int, base: Rhythm) -> None:
        """Count one mention of epoch-hour ``hour`` (earlier hours than the newest are ignored).

        A new hour notes the brand's usual share as it stands before that hour: a span is
        judged against the brand as it was before the span began, not after its own hours
        (not yet flagged) were learned as ordinary.
        """
        buckets = self.buckets
        if not buckets or buckets[-1][_H] < hour:
            buckets.append([hour, 0, 0, 0, 0, {}, base.usual, base.share_weight, base.swing])
            while buckets[0][_H] <= hour - KEEP:
                del buckets[0]
        bucket = buckets[-1]
        if bucket[_H] != hour:
            return
        bucket[_T] += 1
        if not scored:
            return
        bucket[_S] += 1
        if negative:
            bucket[_N] += 1
            named = bucket[_A]
            posts = named.get(author)
            if posts is not None:
                named[author] = posts + 1
            elif len(named) < SAMPLE:
                named[author] = 1
            else:
                bucket[_O] += 1

    def voices(self, oldest: int, cap: int) -> tuple[int, int, int]:
        """(negatives capped per author, excess posts removed, distinct negative authors) since
        epoch-hour ``oldest``; unnamed authors' negatives count in full, as no author."""
        per: dict[int, int] = {}
        over = 0
        for bucket in reversed(self.buckets):
            if bucket[_H] < oldest:
                break
            over += bucket[_O]
            for author, posts in bucket[_A].items():
                per[author] = per.get(author, 0) + posts
        capped = sum(min(posts, cap) for posts in per.values())
        excess = sum(per.values()) - capped
        return capped + over, excess, len(per)

    def to_list(self) -> list[list[Any]]:
        """JSON-ready form."""
        return [b[:_A] + [[[a, n] for a, n in b[_A].items()]] + b[_U:] for b in self.buckets]

    @classmethod
    def from_list(cls, data: list[list[Any]]) -> HourCounts:
        """Inverse of :meth:`to_list`."""
        obj = cls()
        obj.buckets = [[int(v) for v in b[:_A]] + [{int(a): int(n) for a, n in b[_A]}]
                       + [float(v) for v in b[_U:]] for b in data]
        return obj


def judge(
    hours: HourCounts, minute: int, cfg: BrandConfig, base: Rhythm, *, warm: bool,
    usual: float, swing: float, weight: float, alpha: float, bars: tuple[float, float, float],
) -> tuple[str, dict[str, Any]] | None:
    """The first span (shortest first) whose evidence makes a crisis, or ``None``.

    Args:
        hours: the brand's hourly buckets.
        minute: the current event-time minute.
        cfg: the brand's configuration (thresholds, author cap, window length).
        base: the brand's baseline (its rhythm; what came before a span).
        warm: whether its volume baseline is known (else the cold test).
        usual: the brand's usual negative share (the cold start's, while not warm).
        swing: the share's hour-to-hour standard deviation (with the cautious prior).
        weight: how many mentions the usual share rests on.
        alpha: the brand's hourly volume over-dispersion.
        bars: the window's (share smoothing prior weight, swings the share must rise, JOINT_P).
    """
    prior_weight, spread_z, joint_p = bars
    th, cap = cfg.thresholds, cfg.author_cap
    now = minute // 60
    buckets = hours.buckets
    if not buckets or buckets[-1][_H] < now - SPANS[-1]:
        return None
    authors_min = th.crisis_authors if warm else th.cold_start_authors
    current = minute - now * 60 + 1  # minutes of the current hour so far
    rates = hours.rates(base, now) if warm else []
    i = len(buckets) - 1
    total = scored = neg = 0
    for span in SPANS:
        oldest = now - span
        while i >= 0 and buckets[i][_H] >= oldest:
            b = buckets[i]
            total, scored, neg = total + b[_T], scored + b[_S], neg + b[_N]
            i -= 1
        if neg < authors_min:
            continue  # every distinct author adds at least one negative
        volume = _expected(rates[SPANS[-1] - span:], current) if warm else float(total)
        if _busy(volume, span * 60 + current, cfg):
            continue  # a busy brand: its windows judge it (and see it calm down)
        u, w, sw = usual, weight, swing
        if warm:  # the brand as it was before the span (its oldest bucket), if calmer than now
            then = buckets[i + 1]
            if then[_U] < u:
                u, w, sw = then[_U], then[_U + 1], then[_U + 2]
            need = max(th.crisis_share, u + max(th.crisis_share_margin, spread_z * sw))
        else:  # against what came before the span, as the window's against what came before it
            u, w = base.cold_usual(neg, scored)
            need = max(th.cold_start_share, u + th.crisis_share_margin)
        # uncapped counts bound the capped ones: (n - e) / (s - e) <= n / s
        if smoothed_share(neg, scored, u, prior_weight) < need:
            continue
        expected = None
        if warm:
            expected = max(0.05, u * volume)
            if neg / expected < th.crisis_ratio:
                continue
        found = _span_test(hours, oldest, th, cap, need, u, w, sw, alpha, expected,
                           authors_min, (total, scored), prior_weight, joint_p)
        if found is not None:
            found["window_minutes"] = span * 60 + current
            if warm:
                found["expected_mentions"] = round(volume, 2)
                found["volume_ratio"] = round(total / max(volume, 0.05), 2)
            return ("long_surge" if warm else "long_cold_start"), found
    return None


def _span_test(
    hours: HourCounts, oldest: int, th: Thresholds, cap: int, need: float, usual: float,
    weight: float, swing: float, alpha: float, expected: float | None, authors_min: int,
    raw: tuple[int, int], prior_weight: float, joint_p: float,
) -> dict[str, Any] | None:
    """The span's exact (author-capped) test, once the uncapped counts could pass it."""
    neg, excess, authors = hours.voices(oldest, cap)
    total, scored = raw[0], raw[1] - excess
    if authors < authors_min or scored <= 0:
        return None
    share = smoothed_share(neg, scored, usual, prior_weight)
    rho = share_rho(usual, swing, weight)
    if expected is None:  # cold: the share alone, as the window's cold start
        bars = Bars(need, authors_min, th.cold_start_p / LOOKS)
    else:  # every bar divided by the looks at the same moment
        bars = Bars(need, authors_min, th.crisis_share_p / LOOKS, th.crisis_ratio,
                    th.crisis_p / LOOKS, joint_p / LOOKS)
    found = joint.weigh(neg, scored, authors, share, bars, usual=usual, rho=rho,
                        expected=expected, alpha=max(alpha, ALPHA_FLOOR))
    if found is None:
        return None
    tails = found.numbers()
    numbers: dict[str, Any] = {
        "mentions": total, "scored": scored, "negative": neg, "negative_authors": authors,
        "neg_share": round(share, 3), "usual_share": round(usual, 3), "p_share": tails["p_share"],
    }
    if expected is not None:
        numbers.update(expected_negative=round(expected, 2),
                       negative_ratio=round(neg / expected, 2), **tails)
    return numbers


def holds(hours: HourCounts, minute: int, cfg: BrandConfig, base: Rhythm, *, warm: bool,
          usual: float) -> bool:
    """Whether a sparse brand's last hours still stand apart from its usual (its calm test).

    For a brand too sparse for its window to say anything (fewer negative voices
    than ``elevated_authors`` in it, fewer mentions than ``min_mentions`` expected
    per window), calm is read over the last ``SPANS[-1]`` hours instead: share above
    the usual by ``calm_share_margin``, at least ``calm_ratio`` times the expected
    negatives, from ``elevated_authors`` voices. ``usual`` is a warm brand's usual share;
    a cold brand's is what came before these hours (its spans' rule).
    """
    th = cfg.thresholds
    now = minute // 60
    oldest = now - SPANS[-1]
    total = scored = neg = 0
    for bucket in reversed(hours.buckets):
        if bucket[_H] < oldest:
            break
        total, scored, neg = total + bucket[_T], scored + bucket[_S], neg + bucket[_N]
    if not warm:  # what came before these hours, as the spans judge a cold brand
        usual = base.cold_usual(neg, scored)[0]
    if neg < th.elevated_authors or neg < (usual + th.calm_share_margin) * scored:
        return False  # uncapped counts bound the capped ones
    current = minute - now * 60 + 1
    expected = _expected(hours.rates(base, now), current) if warm else float(total)
    if _busy(expected, SPANS[-1] * 60 + current, cfg):
        return False  # a busy brand: its window says when it is calm
    capped, excess, authors = hours.voices(oldest, cfg.author_cap)
    if authors < th.elevated_authors or capped < (usual + th.calm_share_margin) * (scored - excess):
        return False
    return not warm or capped >= th.calm_ratio * max(usual * expected, 0.05)


def _busy(volume: float, minutes: int, cfg: BrandConfig) -> bool:
    """Whether ``volume`` mentions over ``minutes`` fill the brand's windows (they judge it then)."""
    return volume >= cfg.thresholds.min_mentions * (minutes / cfg.window_minutes)


def _expected(rates: list[float], current: int) -> float:
    """Mentions expected over full hours at ``rates[:-1]`` and ``current`` minutes at ``rates[-1]``."""
    return 60 * sum(rates[:-1]) + current * rates[-1]


def describe(span: dict[str, Any], slot: str) -> str:
    """The span's evidence as one line for on-call."""
    text = (f"over the last {span['window_minutes'] / 60:.1f} h: {span['negative']} negative of "
            f"{span['scored']} scored mentions (share {span['neg_share']:.2f} vs its usual "
            f"{span['usual_share']:.2f}" + (f" before these hours, for {slot}" if slot else "")
            + f"), {span['negative_authors']} negative authors")
    if "negative_ratio" in span:
        text += (f", {span['negative_ratio']:.1f}x the expected negatives, "
                 f"volume {span['volume_ratio']:.1f}x baseline")
    return text
