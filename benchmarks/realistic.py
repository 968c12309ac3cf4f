"""Detection on realistic traffic (issue #10), one command:

    python -m benchmarks.realistic [--seeds 2] [--first-seed 1] [--weeks 3] [--jobs J]
                                   [--out out/bench] [--quick] [--no-cache]

Streams come from detectors/sim/realistic.py: over-dispersed volume, reply
threads with the brand answering, a weekday/weekend rhythm on each audience's
local time across a DST change, real labelled texts, and brands whose ordinary
traffic is 50-70 % negative. Every brand is configured with its handle and
(when the detector supports it) its time zone. Seed s starts on 2026-03-02 plus
s-1 weeks, so with 3 weeks seed 1 spans the US change (03-08) and seeds 2-4 the EU one (03-29);
later seeds cross none. A crisis scenario's onset hour depends on the seed modulo 3-6.
Seeds 1-6 have served as the development set; ``--first-seed 20 --seeds 4`` runs
seeds never looked at while the detector was tuned.

Targets:

* ordinary traffic (>= 100 brand-weeks with the defaults; praise, news, a
  troll, ordinary bursts, threads, weekends, DST)         -> 0 false crises; elevations reported
* chronically negative brand: volume x6, negative 60 % -> 88 %   -> crisis <= 10 min
* night-time crisis (02:30 local)                          -> crisis <= 10 min
* retweet storm (one complaint reposted by 300 accounts in 30 min) -> crisis <= 10 min
  (the same storm of a random real negative post is reported, not judged)
* stream that begins mid-crisis                            -> crisis <= 15 min from stream start
* slow burn (15 % -> 60 % negative, x3 over 3 h)           -> crisis in (20, 120] min
* every crisis brand back to normal <= 18 h after its episode subsides
* pages per detected incident (crisis entries with a new crisis_id) = 1 (a missed incident
  fails its own row); bystander brands stay out of crisis

Every crisis brand has 7+ days of ordinary traffic first, except mid-crisis.

Texts come only from the learned scorer's dev split (benchmarks/sentiment_data.py):
posts it never trained on, so its real mistakes reach the detector.

Scored streams are cached under ``<out>/cache`` (keyed by the scenario, the text
ids, the simulator and the sentiment code and model), so a change to the
detector re-runs detection only; ``--no-cache`` scores afresh.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import pickle
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from benchmarks import sentiment_data
from detectors.config import BrandBook, BrandConfig
from detectors.crisis.model import Observation, Transition
from detectors.sentiment.scorer import get_scorer
from detectors.sim.realistic import Episode, RealBrand, RealScenario, generate, local_minute
from detectors.sim.realtext import default_dir
from streams.replay.prepare import default_jobs, prepare_chunks
from streams.replay.run import detect

DAY = 1440
ROOT = Path(__file__).resolve().parents[1]
# what a scored stream depends on besides the scenario (the detector is not in the key)
SCORED_BY = ("detectors/sim", "detectors/sentiment", "detectors/engine.py", "detectors/events.py")
# The one written text: the reposted post of a retweet storm is an explicit complaint, as viral
# ones are (the real labelled posts are general tweets). retweet_storm_real_text reposts a real
# negative post instead and is reported, not judged.
STORM_TEXTS = [
    "found a shard of glass in my kid's crisps. disgusting and dangerous, never buying from you again",
    "my son ended up in hospital after your 'nut-free' snack bar. absolutely unacceptable!!",
    "you charged thousands of customers twice and support just hangs up on us. worst company, avoid",
]
T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
# slug, mentions/min, neg, pos, languages, time zone, gamma shape
BRANDS: list[tuple[str, float, float, float, dict[str, float], str, float]] = [
    ("skyline-air", 1.5, 0.62, 0.08, {"en": 1.0}, "America/New_York", 3.0),
    ("metro-telco", 1.0, 0.55, 0.10, {"en": 1.0}, "America/Chicago", 4.0),
    ("nordrail", 0.6, 0.60, 0.10, {"fi": 0.7, "sv": 0.3}, "Europe/Helsinki", 4.0),
    ("bahnwerk", 0.8, 0.58, 0.10, {"de": 1.0}, "Europe/Berlin", 3.0),
    ("citypower", 0.3, 0.52, 0.12, {"en": 1.0}, "America/Los_Angeles", 5.0),
    ("aerolinea", 0.5, 0.66, 0.08, {"es": 0.9, "en": 0.1}, "Europe/Madrid", 4.0),
    ("acme", 1.5, 0.15, 0.35, {"en": 1.0}, "America/New_York", 5.0),
    ("globex", 1.0, 0.12, 0.40, {"en": 1.0}, "America/Chicago", 5.0),
    ("initech", 0.2, 0.20, 0.30, {"en": 1.0}, "America/Denver", 6.0),
    ("umbrella", 0.1, 0.25, 0.25, {"en": 1.0}, "America/New_York", 6.0),
    ("suomimaito", 0.5, 0.10, 0.45, {"fi": 1.0}, "Europe/Helsinki", 5.0),
    ("lumo", 0.3, 0.15, 0.40, {"sv": 0.7, "fi": 0.3}, "Europe/Stockholm", 5.0),
    ("fromagerie", 0.4, 0.18, 0.35, {"fr": 1.0}, "Europe/Paris", 4.0),
    ("brouwerij", 0.3, 0.14, 0.40, {"nl": 1.0}, "Europe/Amsterdam", 5.0),
    ("rigas-piens", 0.2, 0.12, 0.35, {"lv": 1.0}, "Europe/Riga", 6.0),
    ("hooli", 2.0, 0.10, 0.40, {"en": 1.0}, "America/Los_Angeles", 6.0),
    ("tiny-co", 0.05, 0.20, 0.30, {"en": 1.0}, "Europe/London", 8.0),
    ("pixelshop", 0.8, 0.22, 0.30, {"en": 0.6, "de": 0.2, "fr": 0.2}, "Europe/London", 4.0),
]


def brand(slug: str) -> RealBrand:
    """The ordinary brand ``slug`` from :data:`BRANDS`."""
    s, rate, neg, pos, langs, tz, shape = next(b for b in BRANDS if b[0] == slug)
    return RealBrand(s, rate, neg=neg, pos=pos, langs=dict(langs), timezone=tz, shape=shape)


def book_data(brands: list[RealBrand]) -> dict[str, Any]:
    """Brand configuration: handle, name and (when supported) time zone per brand."""
    with_tz = "timezone" in BrandConfig.model_fields
    out: dict[str, Any] = {}
    for b in brands:
        out[b.slug] = {"name": b.name, "handles": [f"@{b.handle}"]}
        if with_tz:
            out[b.slug]["timezone"] = b.timezone
    return {"brands": out}


def ordinary(seed: int, weeks: int) -> RealScenario:
    """All brands, ``weeks`` weeks, each week a praise wave, a news spike and a troll per brand."""
    brands = [brand(b[0]) for b in BRANDS]
    sc = RealScenario(f"ordinary-s{seed}", brands, [], weeks * 7 * DAY,
                      start=T0 + timedelta(days=7 * (seed - 1)), seed=seed)
    for b in brands:
        rnd = random.Random(f"ordinary/{seed}/{b.slug}")
        for week in range(weeks):
            days = rnd.sample(range(7), 3)
            at = [sc.minute_at_local(b.slug, 7 * week + d, rnd.randint(8, 19), rnd.randint(0, 59))
                  for d in days]
            sc.episodes += [
                Episode(b.slug, "praise", at[0], hold=120, volume=8, neg=0.05, pos=0.8, ramp=20,
                        decay=120),
                Episode(b.slug, "news", at[1], hold=120, volume=5, neg=b.neg * 0.6, pos=0.1,
                        ramp=10, decay=120),
                Episode(b.slug, "troll", at[2], hold=180, posts=150),
            ]
    sc.episodes = [e for e in sc.episodes if e.end < sc.minutes]
    return sc


def _with(subject: RealBrand, bystanders: tuple[str, ...], name: str, seed: int, ep: Episode,
          start: datetime = T0, after: float = DAY) -> RealScenario:
    brands = [subject] + [brand(s) for s in bystanders]
    return RealScenario(name, brands, [ep], int(ep.end + after), start=start, seed=seed)


def crisis_scenarios(seed: int) -> list[RealScenario]:
    """The crisis suite for one seed (onsets vary with the seed)."""
    out: list[RealScenario] = []
    chronic = RealBrand("skyline-air", 1.0, neg=0.60, pos=0.08, timezone="America/New_York",
                        shape=3.0)
    onset = local_minute(T0, chronic.timezone, 8, 10 + seed % 6, 17)
    out.append(_with(chronic, ("nordrail",), "chronic_crisis", seed,
                     Episode("skyline-air", "crisis", onset, hold=120, volume=6, neg=0.88,
                             pos=0.03, ramp=5, decay=120)))
    night = RealBrand("databank", 0.8, neg=0.15, pos=0.30, timezone="Europe/Helsinki")
    onset = local_minute(T0, night.timezone, 8 + seed % 3, 2, 30)
    out.append(_with(night, ("bahnwerk",), "night_crisis", seed,
                     Episode("databank", "crisis", onset, hold=180, volume=6, neg=0.8, pos=0.03,
                             ramp=5, decay=120, level="mean")))
    snack = RealBrand("snackco", 0.5, neg=0.15, pos=0.35, timezone="Europe/London")
    onset = local_minute(T0, snack.timezone, 8, 13 + seed % 5, 41)
    text = STORM_TEXTS[seed % len(STORM_TEXTS)]
    out.append(_with(snack, ("metro-telco",), "retweet_storm", seed,
                     Episode("snackco", "storm", onset, hold=30, posts=300, text=text)))
    out.append(_with(snack, ("globex",), "retweet_storm_real_text", seed,
                     Episode("snackco", "storm", onset, hold=30, posts=300)))
    mid = RealBrand("midco", 1.0, neg=0.20, pos=0.30, timezone="America/Chicago")
    out.append(_with(mid, ("citypower",), "mid_crisis", seed,
                     Episode("midco", "crisis", 0, hold=180, volume=6, neg=0.85, pos=0.03,
                             decay=120),
                     start=datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc) + timedelta(hours=seed)))
    slow = RealBrand("slowco", 1.0, neg=0.15, pos=0.35, timezone="Europe/Paris")
    onset = local_minute(T0, slow.timezone, 8, 9 + seed % 4, 5)
    out.append(_with(slow, ("fromagerie",), "slow_burn", seed,
                     Episode("slowco", "crisis", onset, hold=60, volume=3, neg=0.6, pos=0.1,
                             ramp=180, decay=120)))
    return out


def dev_ids(langs: tuple[str, ...] = sentiment_data.LANGUAGES) -> frozenset[str]:
    """Ids of the learned scorer's dev split (posts it never trained on), all languages."""
    data = default_dir()
    return frozenset(r["id"] for lang in langs if (data / f"{lang}.jsonl").exists()
                     for r in sentiment_data.load_split(lang, data)[1])


def _stream_key(sc: RealScenario, book: dict[str, Any]) -> str:
    h = hashlib.sha256(repr(sc).encode())
    h.update(json.dumps(book, sort_keys=True).encode())
    h.update("\n".join(sorted(sc.text_ids or ())).encode())
    for name in SCORED_BY:
        base = ROOT / name
        for path in sorted(base.rglob("*") if base.is_dir() else [base]):
            if path.is_file() and path.suffix in (".py", ".tsv", ".npz", ".json", ".txt"):
                h.update(path.relative_to(ROOT).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:20]


Scored = list[tuple[Observation, bool]]


def scored(sc: RealScenario, jobs: int, tmp: Path, cache: Path | None) -> tuple[Scored, BrandBook]:
    """The scenario's mentions, validated and scored (from the cache when it has them)."""
    data = book_data(sc.brands)
    book = BrandBook.from_dict(data)
    path = None if cache is None else cache / f"{sc.name}-{_stream_key(sc, data)}.pickle"
    if path is not None and path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh), book
    conf = tmp / f"{sc.name}-brands.yaml"
    conf.write_text(yaml.safe_dump(data), encoding="utf-8")
    prepared: Scored = []
    for _, good, _bad in prepare_chunks(enumerate(generate(sc), start=1), config_path=str(conf),
                                        book=book, jobs=jobs):
        prepared.extend(good)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            pickle.dump(prepared, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return prepared, book


def replay(sc: RealScenario, jobs: int, tmp: Path, cache: Path | None = None,
           cpu: list[float] | None = None) -> list[Transition]:
    """Replay a scenario through the real pipeline with its brands configured.

    Args:
        cpu: when given, gets ``[detection CPU-seconds, mentions]`` added to it.
    """
    prepared, book = scored(sc, jobs, tmp, cache)
    gc.disable()  # as a replay does: the detector makes no cycles
    t0 = time.process_time()
    try:
        trs = detect(prepared, book, get_scorer()).transitions
    finally:
        gc.enable()
    if cpu is not None:
        cpu[0] += time.process_time() - t0
        cpu[1] += len(prepared)
    return trs


def read_shares(sc: RealScenario, prepared: Scored) -> dict[str, Any]:
    """The subject brand's true negative share and the share the scorer reads, before and at
    the peak of its episode (the 2 h before onset; the episode's hold): how much of a rise in
    negativity the detector can see."""
    ep = sc.episodes[0]
    spec = sc.brand(ep.brand)
    peak = (sc.at(ep.start + ep.ramp).timestamp(), sc.at(ep.start + ep.ramp + ep.hold).timestamp())
    spans = {"before": (peak[0] - ep.ramp * 60 - 7200, peak[0] - ep.ramp * 60), "peak": peak}
    out: dict[str, Any] = {"true_before": spec.neg, "true_peak": ep.neg}
    for name, (a, b) in spans.items():
        labels = [o.label for o, own in prepared
                  if not own and o.brand == ep.brand and a <= o.ts < b and o.label != "unscored"]
        out[f"read_{name}"] = round(sum(x == "neg" for x in labels) / len(labels), 3) if labels else None
    return out


def _describe(sc: RealScenario, t: Transition) -> dict[str, Any]:
    zone = sc.brand(t.brand).zone
    return {"brand": t.brand, "at": datetime.fromtimestamp(t.at, tz=timezone.utc).isoformat(),
            "local": datetime.fromtimestamp(t.at, tz=zone).strftime("%a %Y-%m-%d %H:%M %Z"),
            "previous": t.previous, "state": t.state, "test": t.test, "crisis_id": t.crisis_id,
            "reason": t.reason}


def measure_ordinary(sc: RealScenario, trs: list[Transition], weeks: int) -> dict[str, Any]:
    """False crises and elevations of one ordinary scenario."""
    crises = [t for t in trs if t.state == "crisis" and t.previous != "crisis"]
    elevations = [t for t in trs if t.state == "elevated" and t.previous == "normal"]
    chronic = [b.slug for b in sc.brands if b.neg >= 0.5]
    return {"scenario": sc.name, "seed": sc.seed, "brand_weeks": len(sc.brands) * weeks,
            "chronic_brands": chronic, "crises": len(crises), "elevations": len(elevations),
            "crisis_by_brand": _count(t.brand for t in crises),
            "crisis_by_test": _count(t.test for t in crises),
            "elevated_by_brand": _count(t.brand for t in elevations),
            "first_crises": [_describe(sc, t) for t in crises[:12]]}


def measure_crisis(sc: RealScenario, trs: list[Transition]) -> dict[str, Any]:
    """Delay, early alarms, pages, return to normal and bystanders of one crisis scenario."""
    ep = sc.episodes[0]
    onset, end = sc.at(ep.start).timestamp(), sc.at(ep.end).timestamp()
    mine = [t for t in trs if t.brand == ep.brand]
    # detected = in crisis while the episode lasts; a crisis after it has subsided is no detection
    hit = next((t for t in mine if t.state == "crisis" and onset <= t.at <= end), None)
    prior = [t for t in mine if t.at < onset]
    already = bool(prior) and prior[-1].state == "crisis"  # a false crisis still open at onset
    early = [t for t in mine if t.state == "crisis" and t.previous != "crisis" and t.at < onset]
    horizon = end + 18 * 3600
    seen: set[str | None] = set()
    pages = 0
    for t in mine:
        if (onset <= t.at <= horizon and t.state == "crisis" and t.previous != "crisis"
                and t.crisis_id not in seen):
            pages += 1
            seen.add(t.crisis_id)
    before = [t for t in mine if t.at <= horizon]
    state_at_horizon = before[-1].state if before else "normal"
    last_normal = next((t.at for t in reversed(before) if t.state == "normal"), None)
    back_h = None
    if state_at_horizon == "normal":
        back_h = 0.0 if last_normal is None else round(max(0.0, last_normal - end) / 3600, 2)
    others = [t for t in trs if t.brand != ep.brand and t.state == "crisis" and t.previous != "crisis"]
    return {"scenario": sc.name, "seed": sc.seed, "brand": ep.brand, "truth": sc.truth(),
            "delay_min": 0.0 if already else None if hit is None else round((hit.at - onset) / 60, 1),
            "in_crisis_at_onset": already,
            "first_crisis": None if hit is None else _describe(sc, hit),
            "early_crises": [_describe(sc, t) for t in early[:5]], "pages": pages,
            "normal_after_end_h": back_h, "state_18h_after_end": state_at_horizon,
            "bystander_crises": [_describe(sc, t) for t in others[:5]],
            "transitions": len(mine)}


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _span(values: list[float | None], unit: str = "min") -> str:
    got = [v for v in values if v is not None]
    missed = len(values) - len(got)
    if not got:
        return f"missed {missed}/{len(values)}"
    text = f"median {statistics.median(got):.1f} {unit}, max {max(got):.1f} {unit} (n={len(values)})"
    return text + (f", MISSED {missed}" if missed else "")


Row = tuple[str, str, bool | None]


def verdicts(res: dict[str, Any]) -> list[Row]:
    """(target, measured, passed or None for a report-only row)."""
    rows: list[Row] = []
    week = res["ordinary"]
    bw = sum(x["brand_weeks"] for x in week)
    crises, elev = sum(x["crises"] for x in week), sum(x["elevations"] for x in week)
    by = _count(b for x in week for b, n in x["crisis_by_brand"].items() for _ in range(n))
    tests = _count(k for x in week for k, n in x["crisis_by_test"].items() for _ in range(n))
    rows.append((f"ordinary traffic ({bw} brand-weeks) -> 0 false crises",
                 f"{crises} ({100 * crises / max(bw, 1):.1f}/100 brand-weeks)", crises == 0))
    if by:
        rows.append(("  false crises by brand", ", ".join(f"{b} {n}" for b, n in by.items()), None))
        rows.append(("  false crises by test", ", ".join(f"{b} {n}" for b, n in tests.items()), None))
    rows.append(("ordinary traffic: elevations (reported)",
                 f"{elev} ({100 * elev / max(bw, 1):.1f}/100 brand-weeks)", None))
    crisis = res["crisis"]

    def pick(name: str) -> list[dict[str, Any]]:
        return [x for x in crisis if x["scenario"] == name]

    for name, label, lo, hi in (("chronic_crisis", "chronic brand x6, neg 60 -> 88 %", 0, 10),
                                ("night_crisis", "night-time crisis (02:30 local)", 0, 10),
                                ("retweet_storm", "retweet storm (300 accounts / 30 min)", 0, 10),
                                ("mid_crisis", "stream begins mid-crisis (from start)", 0, 15),
                                ("slow_burn", "slow burn 15 -> 60 %, x3 over 3 h", 20.1, 120)):
        got = pick(name)
        d = [x["delay_min"] for x in got]
        ok = all(v is not None and lo <= v <= hi for v in d) and not any(x["early_crises"] for x in got)
        early = sum(len(x["early_crises"]) for x in got)
        already = sum(x["in_crisis_at_onset"] for x in got)
        rows.append((f"{label} -> crisis {'in (20, 120]' if lo else f'<= {hi}'} min",
                     _span(d) + (f", {early} crises before onset" if early else "")
                     + (f", {already} already in crisis at onset (0 min)" if already else ""), ok))
    for name in ("chronic_crisis", "night_crisis", "mid_crisis", "slow_burn"):
        sh = [x["shares"] for x in pick(name) if "shares" in x]
        if sh:
            rows.append((f"  {name}: negative share true -> read by the scorer (reported)",
                         "; ".join(f"{s['true_before']:.2f} -> {s['true_peak']:.2f} true, "
                                   f"{_fmt(s['read_before'])} -> {_fmt(s['read_peak'])} read"
                                   for s in sh), None))
    real = pick("retweet_storm_real_text")
    rows.append(("retweet storm of a real negative post (reported)",
                 _span([x["delay_min"] for x in real]), None))
    back = [x["normal_after_end_h"] for x in crisis]
    rows.append(("crisis brands back to normal <= 18 h after the episode", _span(back, "h"),
                 all(v is not None and v <= 18 for v in back)))
    pages = [x["pages"] for x in crisis if x["delay_min"] is not None]
    missed = sum(x["delay_min"] is None for x in crisis)
    rows.append(("pages per detected incident = 1",
                 f"{_count(str(p) for p in pages)} (pages: incidents)"
                 + (f"; {missed} missed (in their own rows)" if missed else ""),
                 all(p == 1 for p in pages)))
    bys = sorted({f"{t['brand']}({x['scenario']})" for x in crisis for t in x["bystander_crises"]})
    rows.append(("bystander brands in crisis scenarios -> no crisis", ", ".join(bys) or "none",
                 not bys))
    return rows


def scenarios(seeds: int, weeks: int, first: int = 1) -> list[tuple[str, RealScenario]]:
    """(kind, scenario) for seeds ``first`` .. ``first + seeds - 1``: ordinary weeks, then crises."""
    plan = [("ordinary", ordinary(s, weeks)) for s in range(first, first + seeds)]
    plan += [("crisis", sc) for s in range(first, first + seeds) for sc in crisis_scenarios(s)]
    return plan


def run_all(seeds: int, weeks: int, jobs: int, note: Callable[[str], None],
            cache: Path | None = None, first: int = 1) -> dict[str, Any]:
    """Every scenario (:func:`scenarios`); per-scenario measurements."""
    plan = scenarios(seeds, weeks, first)
    ids = dev_ids()
    for _, sc in plan:
        sc.text_ids = ids
    res: dict[str, Any] = {"ordinary": [], "crisis": []}
    cpu = [0.0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        for i, (kind, sc) in enumerate(plan, start=1):
            t0 = time.time()
            trs = replay(sc, jobs, Path(tmp), cache, cpu)
            if kind == "ordinary":
                r = measure_ordinary(sc, trs, weeks)
                what = f"{r['crises']} crises, {r['elevations']} elevations"
            else:
                r = measure_crisis(sc, trs)
                if sc.episodes[0].kind == "crisis":
                    r["shares"] = read_shares(sc, scored(sc, jobs, Path(tmp), cache)[0])
                what = f"delay {r['delay_min']} min, pages {r['pages']}, back {r['normal_after_end_h']} h"
            res[kind].append(r)
            note(f"[{i}/{len(plan)}] {sc.name} seed {sc.seed} ({len(sc.brands)} brands, "
                 f"{sc.minutes / DAY:.1f} d): {what} ({time.time() - t0:.0f} s)")
    res["detection_cpu"] = {"seconds": round(cpu[0], 2), "mentions": cpu[1],
                            "us_per_mention": round(1e6 * cpu[0] / max(cpu[1], 1), 1)}
    return res


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the table, write JSON; non-zero exit on a failed target."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.realistic", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=2, help="seeds per scenario (default 2)")
    p.add_argument("--first-seed", type=int, default=1,
                   help="the first seed (default 1; seeds 1-6 are the development set)")
    p.add_argument("--weeks", type=int, default=3, help="weeks of ordinary traffic (default 3)")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="replay processes")
    p.add_argument("--out", default="out/bench", help="folder for realistic.json")
    p.add_argument("--quick", action="store_true", help="1 seed, 1 week (a smoke run)")
    p.add_argument("--no-cache", action="store_true", help="score every stream afresh")
    args = p.parse_args(argv)
    seeds, weeks = (1, 1) if args.quick else (args.seeds, args.weeks)
    if seeds < 1 or args.first_seed < 1:
        p.error("--seeds and --first-seed must be at least 1")
    t0 = time.time()
    print(f"realistic detection: {seeds} seed(s) from {args.first_seed}, {weeks} week(s) of "
          "ordinary traffic, "
          f"timezone setting {'on' if 'timezone' in BrandConfig.model_fields else 'absent'}",
          file=sys.stderr)
    out = Path(args.out)
    res = run_all(seeds, weeks, args.jobs, lambda s: print(s, file=sys.stderr, flush=True),
                  None if args.no_cache else out / "cache", args.first_seed)
    rows = verdicts(res)
    print("\nDetection on realistic traffic (real texts, event time)")
    for target, measured, ok in rows:
        mark = "    " if ok is None else "PASS" if ok else "FAIL"
        print(f"  [{mark}] {target:<58} {measured}")
    cpu = res["detection_cpu"]
    print(f"\n  detection CPU: {cpu['seconds']} s for {cpu['mentions']} scored mentions "
          f"({cpu['us_per_mention']} CPU-us per mention, scoring not included)")
    out.mkdir(parents=True, exist_ok=True)
    (out / "realistic.json").write_text(json.dumps(
        {"seeds": seeds, "first_seed": args.first_seed, "weeks": weeks, "results": res, "verdicts": rows,
         "seconds": round(time.time() - t0)}, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\n({time.time() - t0:.0f} s; details in {out / 'realistic.json'})")
    return 0 if all(ok is not False for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
