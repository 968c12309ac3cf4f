"""Mention streams that look like real traffic, with ground truth.

Unlike :mod:`detectors.sim.simulate` (Poisson, template texts), this resembles
what a brand really hears:

* **over-dispersed volume**: the per-minute Poisson rate is multiplied by a
  gamma-distributed factor (mean 1, shape ``RealBrand.shape``) drawn afresh per
  block of 15-30 minutes, plus a few ordinary bursts a day;
* **local time**: a daily rhythm (night floor, morning rise, lunch bump,
  evening fall) and a weekend dip on the brand audience's own clock
  (``RealBrand.timezone``), so daylight-saving changes move it in UTC;
* **reply threads**: a negative post draws follow-ups from its author and
  others, and the brand's own handle answers (``in_reply_to`` = the post's id);
* **real texts** of the label drawn (:mod:`detectors.sim.realtext`), sometimes with
  the brand's name or @handle put in: the scorer's real mistakes reach the detector;
* **episodes** (:class:`Episode`): crisis, slow burn, praise wave, neutral news,
  troll, retweet storm, and a stream that begins in the middle of a crisis.

Seeded: the same scenario gives the same stream; each brand has its own random
streams (adding a brand changes no other brand's traffic, only id numbers).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from detectors.events import format_time
from detectors.sim import simulate
from detectors.sim.realtext import TextBank, load_bank

Level = Literal["current", "mean"]
SOURCES = ("x", "x", "x", "x", "facebook", "instagram", "reddit", "reviews")
OWN = "own"  # label of the brand's own posts (not a sentiment label)
CARE = {  # the brand's own answer to a complaint, by language
    "en": "Sorry to hear this, please DM us the details and we'll look into it.",
    "fi": "Pahoittelut! Laita meille yksityisviesti, niin selvitetään asia.",
    "sv": "Tråkigt att höra! Skicka ett DM så hjälper vi dig.",
    "de": "Das tut uns leid! Schreib uns bitte eine DM, wir kümmern uns.",
    "fr": "Désolés pour ce désagrément, écrivez-nous en message privé.",
    "es": "Lamentamos lo ocurrido, escríbenos por mensaje privado.",
    "nl": "Vervelend om te horen! Stuur ons een DM, dan zoeken we het uit.",
    "lv": "Atvainojamies! Lūdzu, raksti mums privāti, un mēs palīdzēsim.",
}


@dataclass
class RealBrand:
    """One simulated brand; every rate and share is a parameter.

    ``rate``: mean posts/minute over a week (threads and answers come on top);
    ``neg``/``pos``: label shares; ``night``: night rate vs the daytime plateau;
    ``morning``/``evening``: local hours of the rise and fall; ``weekend``: weekend
    vs weekday rate; ``shape``: gamma shape per block (smaller is burstier);
    ``bursts``: ordinary bursts a day (x ``burst_volume``); ``thread``: chance a
    negative post draws ~``thread_size`` follow-ups; ``answer``: chance the brand
    answers it; ``audience``: regular authors (0: from the rate).
    """

    slug: str
    rate: float
    neg: float = 0.15
    pos: float = 0.35
    langs: dict[str, float] = field(default_factory=lambda: {"en": 1.0})
    timezone: str = "UTC"
    night: float = 0.12
    morning: float = 7.5
    evening: float = 22.5
    weekend: float = 0.65
    shape: float = 5.0
    bursts: float = 1.0
    burst_volume: float = 3.0
    thread: float = 0.25
    thread_size: float = 3.0
    answer: float = 0.3
    audience: int = 0
    mention_name: float = 0.25
    mention_handle: float = 0.35

    @property
    def name(self) -> str:
        """Display name used in texts."""
        return self.slug.replace("-", " ").title()

    @property
    def handle(self) -> str:
        """The brand's own handle, without ``@``."""
        return self.slug.replace("-", "_")

    @cached_property
    def zone(self) -> ZoneInfo:
        """The audience's time zone."""
        return ZoneInfo(self.timezone)


@dataclass
class Episode(simulate.Episode):
    """Something that happens to a brand. Times are minutes from the scenario start.

    ``crisis``/``praise``/``news`` ramp volume from x1 to ``volume`` and the mix to
    (``neg``, ``pos``) over ``ramp`` minutes, hold ``hold``, then decay over ``decay``;
    with ``level="mean"`` the extra volume is against the weekly mean rate, not the
    current (night) one. ``start=0, ramp=0``: a stream that begins mid-crisis. A
    ``troll`` is one author posting ``posts`` negative posts over ``hold`` minutes;
    a ``storm`` one negative post (``text``, else a real one) reposted ("RT @user: ...")
    by ``posts`` accounts.
    """

    text: str | None = None
    level: Level = "current"

    @property
    def is_crisis(self) -> bool:
        """Ground truth: should this episode page someone?"""
        return self.kind in ("crisis", "storm")

    @property
    def end(self) -> float:
        """Minute at which the episode is fully over."""
        return self.start + self.ramp + self.hold + (self.decay if self.kind != "storm" else 0)


@dataclass
class RealScenario:
    """A whole simulated stream: brands, episodes, length and seed."""

    name: str
    brands: list[RealBrand]
    episodes: list[Episode]
    minutes: int
    start: datetime = datetime(2026, 3, 2, tzinfo=timezone.utc)
    seed: int = 1
    lang_hint: float = 0.5
    data_dir: Path | None = None
    text_ids: frozenset[str] | None = field(default=None, repr=False)  # None: simulator half

    def at(self, minute: float) -> datetime:
        """Wall time (UTC) of scenario minute ``minute``."""
        return self.start + timedelta(minutes=minute)

    def brand(self, slug: str) -> RealBrand:
        """The brand spec called ``slug``."""
        return next(b for b in self.brands if b.slug == slug)

    def minute_at_local(self, slug: str, day: int, hour: int, minute: int = 0) -> float:
        """Scenario minute when it is ``hour:minute`` on ``slug``'s clock, ``day`` days in."""
        return local_minute(self.start, self.brand(slug).timezone, day, hour, minute)

    def truth(self) -> list[dict[str, Any]]:
        """Ground truth per episode, JSON-ready."""
        return [
            {"brand": e.brand, "kind": e.kind, "crisis": e.is_crisis,
             "onset": format_time(self.at(e.start)), "end": format_time(self.at(e.end)),
             "onset_local": format_time(self.at(e.start).astimezone(self.brand(e.brand).zone),
                                        local=True),
             "volume": e.volume, "neg": e.neg, "posts": e.posts}
            for e in self.episodes
        ]


def local_minute(start: datetime, tz: str, day: int, hour: int, minute: int = 0) -> float:
    """Minutes from ``start`` until ``hour:minute`` in ``tz``, ``day`` local days after it."""
    zone = ZoneInfo(tz)
    d = start.astimezone(zone).date() + timedelta(days=day)
    local = datetime(d.year, d.month, d.day, hour, minute, tzinfo=zone)
    return (local.astimezone(timezone.utc) - start).total_seconds() / 60


def rhythm(spec: RealBrand, local: datetime) -> float:
    """Relative rate of ``spec`` (weekday daytime plateau = 1) at ``local``, its own clock."""
    h = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    rise = 1 / (1 + math.exp(-(h - spec.morning - (1.5 if weekend else 0.0)) / 0.5))  # later at weekends
    fall = 1 / (1 + math.exp(-(spec.evening - h) / 0.8))
    lunch = 0.15 * math.exp(-(((h - 12.5) / 1.2) ** 2))
    day = spec.night + (1 - spec.night) * rise * fall * (1 + lunch)
    return day * (spec.weekend if weekend else 1.0)


def _weekly_mean(spec: RealBrand) -> float:
    monday = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday; any week without DST
    return float(np.mean([rhythm(spec, monday + timedelta(minutes=m)) for m in range(0, 10080, 5)]))


def expected_rates(sc: RealScenario, spec: RealBrand, rng: np.random.Generator) -> np.ndarray:
    """Per-minute rate of ordinary traffic: rhythm x gamma blocks x ordinary bursts."""
    n = sc.minutes
    local = (sc.at(m).astimezone(spec.zone) for m in range(n))
    base = np.array([rhythm(spec, t) for t in local]) * (spec.rate / _weekly_mean(spec))
    mult = np.ones(n)
    m = 0
    while m < n:  # over-dispersion: one gamma factor per 15-30 minute block
        size = int(rng.integers(15, 31))
        mult[m:m + size] = rng.gamma(spec.shape, 1 / spec.shape)
        m += size
    for _ in range(int(rng.poisson(spec.bursts * n / 1440))):  # ordinary bursts
        at, length = int(rng.integers(0, n)), int(rng.integers(10, 41))
        mult[at:at + length] *= 1 + (spec.burst_volume - 1) * rng.uniform(0.5, 1.0)
    return np.asarray(base * mult, dtype=float)


class _Writer:
    """Builds mention dicts for one brand with its own seeded random source."""

    def __init__(self, sc: RealScenario, spec: RealBrand, bank: TextBank,
                 ids: Iterator[int]) -> None:
        self.sc, self.spec, self.bank, self._ids = sc, spec, bank, ids
        self.rnd = random.Random(f"{sc.seed}/{spec.slug}")
        self.audience = spec.audience or max(50, int(spec.rate * 1440 * 3))
        self.langs, self.weights = list(spec.langs), list(spec.langs.values())

    def lang(self, mix: dict[str, float] | None = None) -> str:
        """A language from the brand's (or the episode's) mix."""
        if mix:
            return self.rnd.choices(list(mix), weights=list(mix.values()))[0]
        if len(self.langs) == 1:
            return self.langs[0]
        return self.rnd.choices(self.langs, weights=self.weights)[0]

    def author(self, new_voice: bool = False) -> str:
        """A regular (Zipf-like, some post a lot) or a first-time author id."""
        if new_voice:
            return f"{self.spec.slug}-n{next(self._ids)}"
        return f"{self.spec.slug}-a{int(self.audience * self.rnd.random() ** 2)}"

    def text(self, lang: str, label: str) -> str:
        """A real text of ``label``, sometimes with the brand's name or @handle put in."""
        rnd, spec = self.rnd, self.spec
        text = self.bank.pick(rnd, lang, label)
        u = rnd.random()
        if u < spec.mention_handle:
            return f"@{spec.handle} {text}"
        if u < spec.mention_handle + spec.mention_name:
            return f"{spec.name}: {text}" if rnd.random() < 0.5 else f"{text} #{spec.name.replace(' ', '')}"
        return text

    def mention(self, t: float, text: str, lang: str, author: str, handle: str | None = None,
                reply_to: str | None = None, followers: int | None = None) -> dict[str, Any]:
        """One mention dict (``created_at`` from scenario minute ``t``)."""
        rnd, spec = self.rnd, self.spec
        serial, at = next(self._ids), self.sc.at(t)
        m: dict[str, Any] = {
            "id": f"{spec.slug}-{serial}", "brand": spec.slug, "text": text,
            "created_at": format_time(at.replace(microsecond=at.microsecond // 1000 * 1000)),
            "source": rnd.choice(SOURCES),
            "author": {"id": author, "handle": handle or f"user_{author.replace('-', '_')}",
                       "followers": followers if followers is not None
                       else int(min(5e6, rnd.lognormvariate(5, 2)))},
            "url": f"https://example.invalid/{spec.slug}/{serial}",
            "metrics": {"likes": int(rnd.expovariate(1 / 3)), "shares": int(rnd.expovariate(2)),
                        "replies": 0},
        }
        if rnd.random() < self.sc.lang_hint:
            m["lang"] = lang
        if reply_to is not None:
            m["in_reply_to"] = reply_to
        return m


Push = Callable[[float, dict[str, Any], str], None]


def generate_labelled(sc: RealScenario) -> Iterator[tuple[dict[str, Any], str]]:
    """Yield ``(mention, label)`` in event-time order; label is neg/neu/pos or ``own``."""
    mixes = [b.langs for b in sc.brands] + [e.langs for e in sc.episodes if e.langs]
    bank = load_bank(sc.data_dir, tuple(sorted({lang for mix in mixes for lang in mix})),
                     sc.text_ids)
    ids, order = itertools.count(1), itertools.count()
    pending: list[tuple[float, int, dict[str, Any], str]] = []  # (t, order, m, label)

    def push(t: float, m: dict[str, Any], label: str) -> None:
        heapq.heappush(pending, (t, next(order), m, label))

    plans = []
    for i, spec in enumerate(sc.brands):
        rng = np.random.default_rng([sc.seed, i, 7])
        w = _Writer(sc, spec, bank, ids)
        eps = [e for e in sc.episodes if e.brand == spec.slug]
        rates, negs, poss, crowd = _apply_episodes(sc, spec, expected_rates(sc, spec, rng), eps)
        counts = rng.poisson(rates).tolist()
        plans.append((w, eps, counts, negs.tolist(), poss.tolist(), crowd.tolist()))
        for e in eps:
            if e.kind in ("troll", "storm"):
                _special(sc, w, e, push)
    for minute in range(sc.minutes):
        for w, eps, counts, negs, poss, crowd in plans:
            rnd = w.rnd
            mix = next((e.langs for e in eps if e.langs and e.shape(minute) > 0), None)
            neg, pos, new = negs[minute], poss[minute], crowd[minute]
            for _ in range(counts[minute]):
                u = rnd.random()
                label = "neg" if u < neg else "pos" if u < neg + pos else "neu"
                lang = w.lang(mix)
                t = minute + rnd.random()
                m = w.mention(t, w.text(lang, label), lang, w.author(rnd.random() < new))
                push(t, m, label)
                if label == "neg":
                    _thread(w, m, t, lang, push)
        while pending and pending[0][0] < minute + 1:
            _, _, m, label = heapq.heappop(pending)
            yield m, label


def generate(sc: RealScenario) -> Iterator[dict[str, Any]]:
    """Yield mention dicts in event-time order (same schema as :mod:`detectors.sim.simulate`)."""
    for m, _ in generate_labelled(sc):
        yield m


def _apply_episodes(
    sc: RealScenario, spec: RealBrand, rates: np.ndarray, eps: list[Episode]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates, negative and positive shares and share of new voices per minute."""
    n = sc.minutes
    negs, poss, crowd, out = np.full(n, spec.neg), np.full(n, spec.pos), np.zeros(n), rates.copy()
    for e in (e for e in eps if e.kind in ("crisis", "praise", "news")):
        for minute in range(max(0, int(e.start)), min(n, int(math.ceil(e.end)))):
            k = e.shape(minute)
            if k <= 0:
                continue
            extra = (e.volume - 1) * k * (spec.rate if e.level == "mean" else rates[minute])
            out[minute] += extra
            if e.neg is not None:
                negs[minute] = spec.neg + (e.neg - spec.neg) * k
            if e.pos is not None:
                poss[minute] = spec.pos + (e.pos - spec.pos) * k
            crowd[minute] = max(crowd[minute], extra / out[minute] if out[minute] > 0 else 0.0)
    return out, negs, poss, crowd


def _thread(w: _Writer, root: dict[str, Any], t: float, lang: str, push: Push) -> None:
    """Follow-ups to a negative post, from its author and others; sometimes the brand answers."""
    rnd, spec = w.rnd, w.spec
    if rnd.random() < spec.thread:
        size = 1 + int(rnd.expovariate(1 / max(spec.thread_size - 1, 0.1)))
        for _ in range(size):
            dt = rnd.lognormvariate(math.log(12), 1.0)
            u = rnd.random()
            label = "neg" if u < 0.5 else "neu" if u < 0.85 else "pos"
            author = root["author"]["id"] if rnd.random() < 0.3 else w.author(rnd.random() < 0.5)
            reply = w.mention(t + dt, w.bank.pick(rnd, lang, label), lang, author,
                              reply_to=root["id"])
            push(t + dt, reply, label)
    if rnd.random() < spec.answer:
        dt = rnd.lognormvariate(math.log(35), 0.8)
        text = f"@{root['author']['handle']} " + CARE.get(lang, CARE["en"])
        own = w.mention(t + dt, text, lang, f"{spec.slug}-brand", handle=spec.handle,
                        reply_to=root["id"], followers=250_000)
        push(t + dt, own, OWN)


def _special(sc: RealScenario, w: _Writer, e: Episode, push: Push) -> None:
    """A troll's posts or a retweet storm, scheduled up front."""
    rnd = w.rnd
    lang = w.lang(e.langs)
    if e.kind == "troll":
        troll = f"{w.spec.slug}-troll"
        for _ in range(e.posts):
            t = e.start + rnd.random() * e.hold
            push(t, w.mention(t, w.text(lang, "neg"), lang, troll, handle="angry_anon",
                              followers=40), "neg")
        return
    original = f"@{w.spec.handle} " + (e.text or w.bank.pick(rnd, lang, "neg"))
    first = w.mention(e.start, original, lang, w.author(new_voice=True), followers=180_000)
    push(e.start, first, "neg")
    for _ in range(e.posts):
        t = e.start + e.hold * rnd.random() ** 1.5  # front-loaded
        text = f"RT @{first['author']['handle']}: {original}"
        push(t, w.mention(t, text, lang, w.author(new_voice=True)), "neg")
