"""Realistic mention streams with ground truth.

A scenario is brands (each with its own size, languages, usual mood and a
day/night rhythm) plus episodes: crises (sudden or slow burn), waves of praise,
neutral news spikes and trolls. Traffic is a Poisson process per minute whose
rate follows the rhythm and the episodes; texts come from per-language banks
with variation. Everything is seeded: the same scenario gives the same stream.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import numpy as np

from detectors.events import format_time
from detectors.sim.simtext import NEG_TAILS, NEU_TAILS, POS_TAILS, PRODUCTS, TEXTS

Kind = Literal["crisis", "praise", "news", "troll", "storm"]  # storm: detectors.sim.realistic only
SOURCES = ["x", "x", "x", "facebook", "instagram", "reddit", "reviews", "news"]
TAILS = {"neg": NEG_TAILS, "neu": NEU_TAILS, "pos": POS_TAILS}


@dataclass
class BrandSpec:
    """One simulated brand."""

    slug: str
    rate: float  # mean mentions per minute over a day
    neg: float = 0.15
    pos: float = 0.35
    langs: dict[str, float] = field(default_factory=lambda: {"en": 1.0})
    night: float = 0.25  # night rate relative to the daily peak
    peak_hour: float = 15.0  # UTC hour of the daily peak

    @property
    def name(self) -> str:
        """Display name used in texts."""
        return self.slug.replace("-", " ").title().replace(" ", "")


@dataclass
class Episode:
    """Something that happens to a brand. Times are minutes from the scenario start.

    A ``crisis``/``praise``/``news`` episode ramps volume from x1 to ``volume``
    and the mix from the brand's usual one to (``neg``, ``pos``) over
    ``ramp`` minutes, holds for ``hold`` minutes, then decays back over
    ``decay`` minutes. A ``troll`` is one author posting ``posts`` negative
    posts spread over ``hold`` minutes.
    """

    brand: str
    kind: Kind
    start: float
    hold: float
    volume: float = 1.0
    neg: float | None = None
    pos: float | None = None
    ramp: float = 0.0
    decay: float = 30.0
    posts: int = 0
    langs: dict[str, float] | None = None

    @property
    def is_crisis(self) -> bool:
        """Ground truth: should this episode page someone?"""
        return self.kind == "crisis"

    def shape(self, t: float) -> float:
        """Progress 0..1 of the episode at minute ``t`` (0 outside it)."""
        s = t - self.start
        if s < 0:
            return 0.0
        if s < self.ramp:
            return s / self.ramp
        s -= self.ramp
        if s < self.hold:
            return 1.0
        s -= self.hold
        if s < self.decay:
            return 1.0 - s / self.decay
        return 0.0

    @property
    def end(self) -> float:
        """Minute at which the episode is fully over."""
        return self.start + self.ramp + self.hold + self.decay


@dataclass
class Scenario:
    """A whole simulated stream."""

    name: str
    brands: list[BrandSpec]
    episodes: list[Episode]
    minutes: int
    start: datetime = datetime(2026, 3, 2, tzinfo=timezone.utc)
    seed: int = 1
    lang_hint: float = 0.5  # share of mentions carrying a `lang` field

    def at(self, minute: float) -> datetime:
        """Wall time of scenario minute ``minute``."""
        return self.start + timedelta(minutes=minute)

    def truth(self) -> list[dict[str, Any]]:
        """Ground truth per episode, JSON-ready."""
        return [
            {
                "brand": e.brand, "kind": e.kind, "crisis": e.is_crisis,
                "onset": format_time(self.at(e.start)),
                "end": format_time(self.at(e.end)),
                "volume": e.volume, "neg": e.neg, "posts": e.posts,
            }
            for e in self.episodes
        ]


def rhythm(spec: BrandSpec, minute_of_day: float) -> float:
    """Day/night multiplier with mean 1 over a day."""
    phase = 2 * math.pi * (minute_of_day / 60.0 - spec.peak_hour) / 24.0
    raw = spec.night + (1 - spec.night) * (1 + math.cos(phase)) / 2
    return raw / (spec.night + (1 - spec.night) / 2)


def generate(sc: Scenario) -> Iterator[dict[str, Any]]:
    """Yield mention dicts in event-time order."""
    rng = np.random.default_rng(sc.seed)  # per-minute counts
    rnd = random.Random(sc.seed)  # per-mention choices (fast scalars)
    start_minute_of_day = sc.start.hour * 60 + sc.start.minute
    by_brand: dict[str, list[Episode]] = {}
    for e in sc.episodes:
        by_brand.setdefault(e.brand, []).append(e)
    pools = {b.slug: max(40, int(b.rate * 1440 * 2)) for b in sc.brands}
    serial = 0
    for minute in range(sc.minutes):
        batch: list[tuple[float, dict[str, Any]]] = []
        for spec in sc.brands:
            r = rhythm(spec, (start_minute_of_day + minute) % 1440)
            mult, neg, pos, langs, crowd = 1.0, spec.neg, spec.pos, spec.langs, 0.0
            for e in by_brand.get(spec.slug, ()):
                if e.kind == "troll":
                    continue
                k = e.shape(minute)
                if k <= 0:
                    continue
                mult += (e.volume - 1) * k
                if e.neg is not None:
                    neg = spec.neg + (e.neg - spec.neg) * k
                if e.pos is not None:
                    pos = spec.pos + (e.pos - spec.pos) * k
                if e.langs:
                    langs = e.langs
                crowd = max(crowd, 1 - 1 / max(mult, 1))
            n = int(rng.poisson(spec.rate * r * mult))
            for _ in range(n):
                serial += 1
                label = _pick_label(rnd, neg, pos)
                new_voice = rnd.random() < crowd
                batch.append((minute + rnd.random(), _mention(sc, spec, rnd, serial, label,
                                                              langs, pools[spec.slug], new_voice)))
            for e in by_brand.get(spec.slug, ()):
                if e.kind == "troll" and e.start <= minute < e.start + e.hold:
                    per_minute = e.posts / e.hold
                    for _ in range(int(rng.poisson(per_minute))):
                        serial += 1
                        m = _mention(sc, spec, rnd, serial, "neg", e.langs or spec.langs, 1, False)
                        m["author"] = {"id": f"troll-{spec.slug}", "handle": "angry_anon",
                                       "followers": 40}
                        batch.append((minute + rnd.random(), m))
        batch.sort(key=lambda x: x[0])
        for offset, m in batch:
            at = sc.at(offset)
            m["created_at"] = format_time(at.replace(microsecond=at.microsecond // 1000 * 1000))
            yield m


def _pick_label(rnd: random.Random, neg: float, pos: float) -> str:
    u = rnd.random()
    if u < neg:
        return "neg"
    if u < neg + pos:
        return "pos"
    return "neu"


def _mention(
    sc: Scenario, spec: BrandSpec, rnd: random.Random, serial: int, label: str,
    langs: dict[str, float], pool: int, new_voice: bool,
) -> dict[str, Any]:
    lang = rnd.choices(list(langs), weights=list(langs.values()))[0] if len(langs) > 1 \
        else next(iter(langs))
    bank = TEXTS.get(lang, TEXTS["en"])
    text = rnd.choice(bank[label]).format(b=spec.name,
                                          p=rnd.choice(PRODUCTS.get(lang, PRODUCTS["en"])))
    text += rnd.choice(TAILS[label])
    if rnd.random() < 0.35:
        text = f"@{spec.slug.replace('-', '_')} " + text
    if rnd.random() < 0.5:
        text += f" #{rnd.randrange(10, 99999)}"
    author = f"u{sc.seed}-{serial}" if new_voice else f"a{int(pool * rnd.random() ** 2)}"
    m: dict[str, Any] = {
        "id": f"{spec.slug}-{serial}",
        "brand": spec.slug,
        "text": text,
        "created_at": "",
        "source": rnd.choice(SOURCES),
        "author": {"id": author, "handle": f"user_{author}",
                   "followers": int(min(5e6, rnd.lognormvariate(5, 2)))},
        "url": f"https://example.invalid/{spec.slug}/{serial}",
        "metrics": {"likes": int(rnd.expovariate(1 / 3)), "shares": int(rnd.expovariate(2)),
                    "replies": int(rnd.random() < 0.25)},
    }
    if rnd.random() < sc.lang_hint:
        m["lang"] = lang
    return m
