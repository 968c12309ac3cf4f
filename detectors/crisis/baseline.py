"""What a brand's traffic usually looks like, by hour of week on its own clock.

The baseline learns, from the hours the detector marks as clean (no elevated
state), four things about one brand:

* **volume by hour of week** in the brand's time zone: each local hour of the
  day's own rate (mentions/minute) times a day-of-week factor, each learned as
  a moving average (the factor shrunk towards 1 while it has seen little).
  Local time keeps the morning rise at the same hour across a DST change and
  the weekend dip on the weekend. An hour-of-day slot never seen yet is
  expected to be as busy as the busiest clean hour of the last day: a brand's
  first morning is not a surprise.
* **over-dispersion** of its volume: ``alpha`` in var = mu + alpha * mu^2, the
  squared coefficient of variation of its hourly rate beyond Poisson. A bursty
  brand gets negative-binomial tails instead of Poisson's.
* **its usual negative share**: decayed pooled counts over clean hours, with a
  small prior. No cap: an airline whose ordinary talk is 70 % negative learns
  0.7, in hours, not weeks.
* **how much that share varies** from hour to hour beyond sampling noise
  (beta-binomial spread, as a standard deviation, shrunk towards a cautious
  prior for its first two days), so a brand whose mood swings needs a larger
  rise before it counts. Each hour weighs by its mentions, up to those expected
  of it: a quiet night hour's share is mostly sampling noise, and with equal
  votes a night of ten-post hours set a brand's swing.

A crisis cannot teach it that crises are normal: flagged hours are left out,
and a clean hour's volume is clipped at a multiple of what was expected.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from detectors.crisis.longwindow import HourCounts

VERSION = 2
HOURS = 24
DAYS = 7
SLOT_ALPHA = 0.25  # per observation of an hour-of-day slot (once a day), after the first 4
DOW_ALPHA = 0.3 / 24  # per hour: about 0.3 per day of week
SHARE_DECAY = 0.995  # per clean hour: pooled share counts, half-life about six days
SHARE_PRIOR = 10.0  # pseudo-mentions of the configured prior share
SPREAD_ALPHA = 0.05
SPREAD_PRIOR, SPREAD_PRIOR_HOURS = 0.06, 48  # until two days are known, assume a moody brand
COLD_HISTORY = 30  # scored mentions before the window that make a usual share for cold start
COLD_PRIOR = 0.35  # the usual share assumed of a brand never seen: it may be a chronic one
ALPHA_LEARN = 0.05
ALPHA_MAX = 1.0
CLIP = 3.0
GAP_MIN_EXPECTED = 10.0
SLOT_TRUSTED = 3  # days an hour of the day must be seen before a quiet hour is trusted
NIGHT_FLOOR = 0.2  # no hour is expected quieter than a fifth of the brand's mean
KW_ALPHA = 1 / 72  # per clean hour: three days' memory of a keyword's everyday use
PEAK_HOURS = 24
ABS_FLOOR = 1e-3
SHARE_MIN, SHARE_MAX = 0.01, 0.95


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=8192)
def local_slot(hour: int, tz: str) -> tuple[int, int]:
    """(day of week 0=Monday, hour of day) of epoch-hour ``hour`` in time zone ``tz``."""
    dt = datetime.fromtimestamp(hour * 3600 + 1800, _zone(tz))
    return dt.weekday(), dt.hour


def slot_name(hour: int, tz: str) -> str:
    """'Wednesday 20:00' for epoch-hour ``hour`` on the brand's clock."""
    dow, hod = local_slot(hour, tz)
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return f"{names[dow]} {hod:02d}:00"


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _shrunk(value: float, n: int) -> float:
    return (n * value + 1.0) / (n + 1)


class RhythmBaseline:
    """Expected rate by local hour of week, dispersion and usual negative share.

    Args:
        share: prior negative share.
        rate: prior mentions/minute (``None``: learn from traffic).
        tz: the brand's time zone (IANA name).
    """

    __slots__ = ("tz", "level", "hod", "hod_n", "dow", "dow_n", "alpha", "share_neg",
                 "share_n", "prior_share", "spread", "hours_learned", "hour", "h_total",
                 "h_scored", "h_neg", "h_clean", "recent", "hourly", "kw_rate", "h_kw",
                 "spread_n", "spread_w", "seen_scored", "seen_neg", "hours")

    def __init__(self, share: float = 0.15, rate: float | None = None, tz: str = "UTC") -> None:
        self.tz = tz
        self.level: float | None = rate
        self.hod: list[float] = [1.0] * HOURS
        self.hod_n: list[int] = [0] * HOURS
        self.dow: list[float] = [1.0] * DAYS
        self.dow_n: list[int] = [0] * DAYS
        self.alpha = 0.0
        self.share_neg = 0.0  # decayed negative count of clean hours
        self.share_n = 0.0  # decayed scored count of clean hours
        self.prior_share = share
        self.spread = 0.0  # hour-to-hour sd of the share beyond sampling noise
        self.spread_n = 0  # hours it was learned from
        self.spread_w = 0.0  # decayed scored mentions of those hours (each hour's weight)
        self.seen_scored = 0  # every scored mention counted, flagged hours included
        self.seen_neg = 0
        self.hours_learned = 0
        self.hour: int | None = None  # epoch hour being accumulated
        self.h_total = 0
        self.h_scored = 0
        self.h_neg = 0
        self.h_clean = True
        self.recent: list[float] = []  # clean hourly rates of the last day (for unseen slots)
        self.hourly: list[float] = []  # shares of the last two days' hours, flagged or not
        self.kw_rate: dict[str, float] = {}  # configured keyword -> distinct authors per hour
        self.h_kw: dict[str, set[int]] = {}  # this hour's authors per keyword
        self.hours = HourCounts()  # the last hours' counts (detectors.crisis.longwindow)

    # -- reading ---------------------------------------------------------------------

    @property
    def share(self) -> float:
        """The brand's usual negative share."""
        raw = (self.share_neg + self.prior_share * SHARE_PRIOR) / (self.share_n + SHARE_PRIOR)
        return min(SHARE_MAX, max(SHARE_MIN, raw))

    @property
    def share_floor(self) -> float:
        """The lower quartile of the last two days' hourly shares, flagged hours included.

        A floor under the usual share: a brand that was flagged for so long that it
        learned nothing (a stream that began mid-crisis, a brand whose normal is
        far from the prior) still steps down once most of its hours are back to
        what they were, and does not re-enter on its own normal.
        """
        if len(self.hourly) < 3:
            return 0.0
        ordered = sorted(self.hourly)
        return ordered[len(ordered) // 4]

    @property
    def swing(self) -> float:
        """The share's hour-to-hour swing, shrunk towards a cautious prior while little is known."""
        n = self.spread_n
        return math.sqrt((n * self.spread ** 2 + SPREAD_PRIOR_HOURS * SPREAD_PRIOR ** 2)
                         / (n + SPREAD_PRIOR_HOURS))

    def share_before(self, neg: int, scored: int) -> float | None:
        """The share of everything seen before a window of ``neg`` of ``scored`` (cold start).

        ``None`` while too little came before it: the stream has only just begun.
        """
        before = self.seen_scored - scored
        if before < COLD_HISTORY:
            return None
        return min(SHARE_MAX, max(SHARE_MIN, (self.seen_neg - neg) / before))

    @property
    def usual(self) -> float:
        """The usual share the detector judges by: the learned share, or the floor if higher."""
        return max(self.share, self.share_floor)

    @property
    def share_weight(self) -> float:
        """How many scored mentions (and prior pseudo-mentions) the usual share rests on."""
        return self.share_n + SHARE_PRIOR

    def cold_usual(self, neg: int, scored: int, cold_prior: float = COLD_PRIOR,
                   ) -> tuple[float, float]:
        """(usual share, mentions it rests on) for a brand not yet warm, beside a window.

        The window's cold start and the spans' (:mod:`detectors.crisis.longwindow`) both
        ask this of their own counts. The usual is whatever came before the window of
        ``neg`` of ``scored``; while
        the stream has only just begun, the prior (at least ``cold_prior``), so a
        stream that begins mid-crisis is still seen.
        """
        usual, weight = self.usual, self.share_weight
        before = self.share_before(neg, scored)
        if before is None:
            return max(self.prior_share, cold_prior), math.inf
        if before > usual:
            return before, float(self.seen_scored - scored)
        return usual, weight

    def expected_rate(self, hour: int) -> float | None:
        """Expected mentions/minute during epoch-hour ``hour`` (``None`` if unknown)."""
        level = self.level
        if level is None:
            return None
        dow, hod = local_slot(hour, self.tz)
        n = self.hod_n[hod]
        if n == 0:
            rate = max(level, max(self.recent, default=0.0))
        else:
            rate = self.hod[hod] * _shrunk(self.dow[dow], self.dow_n[dow])
            if n < SLOT_TRUSTED:
                rate = max(rate, level)  # one or two days of an hour are not its rhythm yet
        return max(rate, level * NIGHT_FLOOR, ABS_FLOOR)

    def describe(self, hour: int) -> str:
        """The slot the expectation is for, on the brand's clock."""
        return slot_name(hour, self.tz)

    # -- counting --------------------------------------------------------------------

    def count(self, hour: int, scored: bool, negative: bool, keywords: tuple[str, ...] = (),
              author: int = 0) -> None:
        """Count one mention in epoch-hour ``hour`` (late ones for past hours are ignored).

        Args:
            hour: epoch hour of the mention.
            scored: whether it has a sentiment.
            negative: whether it is negative.
            keywords: the configured keywords it matched (non-positive mentions).
            author: its author key (keywords count distinct authors).
        """
        if self.hour is None:
            self.hour = hour
        if hour != self.hour:
            if hour < self.hour:
                return
            self.roll(hour)
        self.h_total += 1
        self.hours.count(hour, scored, negative, author, self)
        for word in keywords:
            seen = self.h_kw.setdefault(word, set())
            if len(seen) < 10_000:
                seen.add(author)
        if scored:
            self.h_scored += 1
            self.seen_scored += 1
            if negative:
                self.h_neg += 1
                self.seen_neg += 1

    def taint(self) -> None:
        """Mark the current hour as not normal: it will not be learned from."""
        self.h_clean = False

    def roll(self, hour: int) -> None:
        """Close every hour before ``hour`` (empty hours teach a zero rate)."""
        if self.hour is None:
            self.hour = hour
            return
        steps = 0
        while self.hour < hour and steps < 24 * 14:
            self._learn()
            self.hour += 1
            self.h_total = self.h_scored = self.h_neg = 0
            self.h_kw = {}
            steps += 1
        self.hour = hour

    def _learn(self) -> None:
        if self.h_scored >= 10:
            self.hourly.append(self.h_neg / self.h_scored)
            if len(self.hourly) > 48:
                del self.hourly[0]
        self._learn_keywords()  # from every hour: a word heard all day long is no news
        if not self.h_clean:
            self.h_clean = True
            return
        assert self.hour is not None
        count = self.h_total
        expected = self.expected_rate(self.hour)
        if count == 0 and expected is not None and expected * 60 >= GAP_MIN_EXPECTED:
            return  # an hour of silence where dozens were due: a gap in the feed, not a lull
        rate = count / 60.0
        weight = 1.0
        if expected is not None:
            rate = min(rate, expected * CLIP)
            self._learn_dispersion(count, expected * 60.0, self.hod_n[local_slot(self.hour,
                                                                                 self.tz)[1]])
            if count > expected * 60.0 > 0:
                weight = expected * 60.0 / count  # a burst hour's swing counts as one hour's
        self._learn_volume(rate)
        self._learn_share(weight)
        self.hours_learned += 1

    def _learn_volume(self, rate: float) -> None:
        # hod holds each local hour's own rate (a weekday-neutral moving average); the
        # level is their mean; dow is each day's factor against the hourly rates
        assert self.hour is not None
        dow, hod = local_slot(self.hour, self.tz)
        day_factor = max(_shrunk(self.dow[dow], self.dow_n[dow]), 0.05)
        n = self.hod_n[hod]
        x_hod = rate / day_factor
        self.hod[hod] += max(SLOT_ALPHA, 1.0 / (n + 1)) * (x_hod - self.hod[hod])
        self.hod_n[hod] = n = min(n + 1, 1000)
        seen = [v for v, k in zip(self.hod, self.hod_n, strict=True) if k]
        self.level = max(ABS_FLOOR, sum(seen) / len(seen))
        if n >= 2 and self.hod[hod] > ABS_FLOOR:
            x_dow = rate / self.hod[hod]
            k = self.dow_n[dow]
            self.dow[dow] += max(DOW_ALPHA, 1.0 / (24 * (k + 1))) * (x_dow - self.dow[dow])
        if hod == 23:
            self.dow_n[dow] = min(self.dow_n[dow] + 1, 1000)
        self.recent.append(rate)
        if len(self.recent) > PEAK_HOURS:
            del self.recent[0]

    def _learn_dispersion(self, count: int, mu: float, seen: int) -> None:
        if mu < 2.0 or seen < 3:
            return  # too few to tell burstiness from noise, or the rhythm not known yet
        # the expectation's own sampling error (a mean of about `seen` hours) is not burstiness
        excess = ((count - mu) ** 2 - mu * (1 + 1 / min(seen, 5))) / (mu * mu)
        excess = min(ALPHA_MAX / 2, max(0.0, excess))  # bounded: one odd hour moves it little
        self.alpha += ALPHA_LEARN * (excess - self.alpha)

    def _learn_share(self, weight: float = 1.0) -> None:
        # ``weight``: how much of the hour counts in the swing (a burst hour as an expected one)
        scored, neg = self.h_scored, self.h_neg
        self.share_neg *= SHARE_DECAY
        self.share_n *= SHARE_DECAY
        if scored == 0:
            return
        usual = self.share
        if scored >= 10 and self.share_n >= 50:
            observed = neg / scored
            extra = (observed - usual) ** 2 - usual * (1 - usual) / scored
            # each hour weighs by its mentions, up to those expected of it: a quiet night
            # hour's excess is mostly noise, and a burst hour (a slow burn not yet flagged
            # among them) must not set the swing alone
            self.spread_w = (1.0 - SPREAD_ALPHA) * self.spread_w + scored * weight
            alpha = scored * weight / self.spread_w
            self.spread = math.sqrt(max(0.0, self.spread ** 2 + alpha * (extra - self.spread ** 2)))
            self.spread_n += 1
        self.share_neg += neg
        self.share_n += scored

    def _learn_keywords(self) -> None:
        # a keyword the brand hears every day becomes part of its normal
        for word in set(self.kw_rate) | set(self.h_kw):
            authors = len(self.h_kw.get(word, ()))
            old = self.kw_rate.get(word)
            self.kw_rate[word] = authors if old is None else old + KW_ALPHA * (authors - old)

    def keyword_rate(self, word: str) -> float:
        """Distinct authors per hour who usually use ``word`` in non-positive mentions."""
        return self.kw_rate.get(word, 0.0)

    # -- saving ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-ready values."""
        out: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        out["h_kw"] = {w: sorted(a) for w, a in self.h_kw.items()}
        out["hours"] = self.hours.to_list()
        out["version"] = VERSION
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RhythmBaseline:
        """Rebuild from :meth:`to_dict` output (an older format starts afresh)."""
        obj = cls()
        if data.get("version") != VERSION:
            return obj
        for name in cls.__slots__:
            if name != "hours" and (name != "spread_w" or name in data):  # older saves lack them
                setattr(obj, name, _copy(data[name]))
        obj.hours = HourCounts.from_list(data.get("hours") or [])
        if "spread_w" not in data:  # saved before hours were weighed: its steady-state weight
            obj.spread_w = obj.share_n * (1.0 - SHARE_DECAY) / SPREAD_ALPHA
        obj.h_kw = {w: set(a) for w, a in data["h_kw"].items()}
        return obj

    def seed_from(self, other: RhythmBaseline) -> None:
        """Take what ``other`` learned (warm start from history), keeping this hour's counts.

        Its hour-of-week rhythm is taken only when it was learned in this
        baseline's time zone (a brand whose ``timezone`` changed relearns it).
        """
        names = ["level", "alpha", "share_neg", "share_n", "prior_share", "spread", "spread_n",
                 "spread_w", "hours_learned", "recent", "hourly", "kw_rate"]
        if other.tz == self.tz:
            names += ["hod", "hod_n", "dow", "dow_n"]
        for name in names:
            setattr(self, name, _copy(getattr(other, name)))
