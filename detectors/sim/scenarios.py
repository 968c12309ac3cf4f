"""The named scenarios of the detection benchmark (and of `firebreak simulate`)."""

from __future__ import annotations

from collections.abc import Callable

from detectors.sim.simulate import BrandSpec, Episode, Scenario

DAY = 1440
WARMUP_DAYS = 3


def sudden(seed: int = 1, rate: float = 1.0) -> Scenario:
    """Volume x8, 70 % negative, out of the blue after three ordinary days."""
    onset = WARMUP_DAYS * DAY + 600 + (seed * 137) % 600
    brand = BrandSpec("acme", rate)
    ep = Episode("acme", "crisis", onset, hold=120, volume=8, neg=0.7, pos=0.05, ramp=2, decay=90)
    return Scenario("sudden", [brand], [ep], int(ep.end + 14 * 60), seed=seed)


def slow_burn(seed: int = 1, rate: float = 1.0) -> Scenario:
    """Negativity 15 % -> 60 % and volume x3 over three hours."""
    onset = WARMUP_DAYS * DAY + 480 + (seed * 91) % 480
    brand = BrandSpec("acme", rate)
    ep = Episode("acme", "crisis", onset, hold=60, volume=3, neg=0.6, pos=0.1, ramp=180,
                 decay=120)
    return Scenario("slow_burn", [brand], [ep], int(ep.end + 14 * 60), seed=seed)


def ordinary_week(seed: int = 1) -> Scenario:
    """A week per brand with a x10 praise wave, a x6 neutral news spike and a troll."""
    rates = [0.2, 0.5, 1.0, 2.0, 5.0]
    brands = [BrandSpec(f"brand-{i}", r) for i, r in enumerate(rates)]
    eps: list[Episode] = []
    for i, b in enumerate(brands):
        shift = (seed * 53 + i * 97) % 600
        eps.append(Episode(b.slug, "praise", 1 * DAY + 540 + shift, hold=120, volume=10, neg=0.05,
                           pos=0.8, ramp=20, decay=120))
        eps.append(Episode(b.slug, "news", 3 * DAY + 420 + shift, hold=120, volume=6, neg=0.15,
                           pos=0.15, ramp=10, decay=120))
        eps.append(Episode(b.slug, "troll", 5 * DAY + 300 + shift, hold=180, posts=180))
    return Scenario("ordinary_week", brands, eps, 7 * DAY, seed=seed)


def small_brand(seed: int = 1) -> Scenario:
    """A 0.25/min brand among 20 brands of 0.05-5/min has a crisis."""
    rates = [0.05 * (100 ** (i / 19)) for i in range(20)]
    brands = [BrandSpec(f"brand-{i:02d}", round(r, 3)) for i, r in enumerate(rates)]
    small = BrandSpec("small-co", 0.25)
    brands.append(small)
    onset = WARMUP_DAYS * DAY + 540 + (seed * 71) % 480
    ep = Episode("small-co", "crisis", onset, hold=120, volume=8, neg=0.7, pos=0.05, ramp=2,
                 decay=60)
    return Scenario("small_brand", brands, [ep], int(ep.end + 6 * 60), seed=seed)


def nordic(seed: int = 1) -> Scenario:
    """A Finnish/Swedish crisis for one brand; an equal wave of Finnish praise for another."""
    mix = {"fi": 0.6, "sv": 0.3, "en": 0.1}
    a = BrandSpec("nordair", 1.0, langs=mix)
    b = BrandSpec("suomimaito", 1.0, langs=mix)
    onset = WARMUP_DAYS * DAY + 600 + (seed * 37) % 300
    eps = [
        Episode("nordair", "crisis", onset, hold=120, volume=8, neg=0.7, pos=0.05, ramp=2,
                decay=90, langs={"fi": 0.6, "sv": 0.4}),
        Episode("suomimaito", "praise", onset, hold=120, volume=8, neg=0.05, pos=0.8, ramp=2,
                decay=90, langs={"fi": 1.0}),
    ]
    return Scenario("nordic", [a, b], eps, int(onset + 8 * 60), seed=seed)


def demo(seed: int = 1) -> Scenario:
    """Short and loud: six brands, one ordinary hour, then a crisis for one of them."""
    brands = [BrandSpec("acme", 3.0), BrandSpec("globex", 2.0), BrandSpec("initech", 1.0),
              BrandSpec("umbrella", 0.5), BrandSpec("nordair", 1.0, langs={"fi": .6, "sv": .3,
                                                                            "en": .1}),
              BrandSpec("hooli", 4.0)]
    eps = [Episode("acme", "crisis", 3 * 60, hold=90, volume=10, neg=0.9, pos=0.03, ramp=2,
                   decay=60),
           Episode("hooli", "praise", 3 * 60 + 20, hold=60, volume=6, neg=0.05, pos=0.8, ramp=5,
                   decay=30)]
    return Scenario("demo", brands, eps, 6 * 60, seed=seed)


SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "sudden": sudden,
    "slow_burn": slow_burn,
    "ordinary_week": ordinary_week,
    "small_brand": small_brand,
    "nordic": nordic,
    "demo": demo,
}
