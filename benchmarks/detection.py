"""Detection quality and replay throughput, one command:

    python -m benchmarks.detection [--seeds 3] [--out out/bench]

Quality runs the simulated suite (detectors/sim/scenarios.py) through the same
replay pipeline `firebreak replay` uses and checks issue #2's targets:

* sudden crisis (x8 volume, 70 % negative)       -> crisis within 5 min of onset
* slow burn (15 -> 60 % negative, x3 over 3 h)    -> crisis within 2 h, not in the first 20 min
* ordinary week with praise x10, news x6, troll  -> no crisis (false crises per brand-week)
* 0.25/min brand among 20 brands has a crisis    -> crisis within 10 min, no other brand leaves normal
* after a crisis subsides                        -> normal again within 12 h
* Finnish/Swedish crisis vs Finnish praise wave  -> crisis vs nothing (issue #5)

Throughput compares, in the same run and on the same de-duplicated texts, raw
VADER (`polarity_scores`, one process) with the whole replay (JSON lines ->
validation -> language -> sentiment -> detection), with one process and with
the default process pool.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import detectors.sentiment.scorer as sentiment
from detectors.config import BrandBook
from detectors.crisis.state import Transition
from detectors.sim.scenarios import nordic, ordinary_week, slow_burn, small_brand, sudden
from detectors.sim.simulate import Scenario, generate
from streams.replay.prepare import default_jobs
from streams.replay.run import ReplayResult, replay_rows
from streams.sources.files import dump_json, read_raw


def run(sc: Scenario, jobs: int) -> ReplayResult:
    """Replay a scenario through the real pipeline."""
    return replay_rows(enumerate(generate(sc), start=1), BrandBook(), config_path=None, jobs=jobs)


def onset_ts(sc: Scenario, brand: str, kind: str = "crisis") -> tuple[float, float]:
    ep = next(e for e in sc.episodes if e.brand == brand and e.kind == kind)
    return sc.at(ep.start).timestamp(), sc.at(ep.end).timestamp()


def first(trs: list[Transition], brand: str, state: str, after: float = 0) -> float | None:
    return next((t.at for t in trs if t.brand == brand and t.state == state and t.at >= after),
                None)


def quality(seeds: int, jobs: int) -> dict[str, Any]:
    """Run the suite; returns per-scenario measurements."""
    res: dict[str, Any] = {"sudden": [], "slow_burn": [], "week": [], "small": [], "nordic": []}
    for seed in range(1, seeds + 1):
        for rate in (0.5, 1.0, 5.0):
            sc = sudden(seed, rate)
            r = run(sc, jobs)
            start, end = onset_ts(sc, "acme")
            hit = first(r.transitions, "acme", "crisis")
            back = first(r.transitions, "acme", "normal", after=start)
            res["sudden"].append({
                "seed": seed, "rate": rate,
                "delay_min": None if hit is None else round((hit - start) / 60, 1),
                "early": hit is not None and hit < start,
                "normal_after_end_h": None if back is None else round((back - end) / 3600, 2),
            })
        sc = slow_burn(seed)
        r = run(sc, jobs)
        start, end = onset_ts(sc, "acme")
        hit = first(r.transitions, "acme", "crisis")
        back = first(r.transitions, "acme", "normal", after=start)
        res["slow_burn"].append({
            "seed": seed, "delay_min": None if hit is None else round((hit - start) / 60, 1),
            "normal_after_end_h": None if back is None else round((back - end) / 3600, 2),
        })
        sc = ordinary_week(seed)
        r = run(sc, jobs)
        res["week"].append({
            "seed": seed, "brands": len(sc.brands),
            "crises": sum(1 for t in r.transitions if t.state == "crisis"),
            "elevations": sum(1 for t in r.transitions if t.state == "elevated"
                              and t.previous == "normal"),
            "by": sorted({f"{t.brand}@{t.at:.0f}:{t.test}" for t in r.transitions
                          if t.state == "crisis"}),
        })
        sc = small_brand(seed)
        r = run(sc, jobs)
        start, _ = onset_ts(sc, "small-co")
        hit = first(r.transitions, "small-co", "crisis")
        others = sorted({t.brand for t in r.transitions if t.brand != "small-co"})
        res["small"].append({
            "seed": seed, "delay_min": None if hit is None else round((hit - start) / 60, 1),
            "early": hit is not None and hit < start, "other_brands_changed": others,
        })
        sc = nordic(seed)
        r = run(sc, jobs)
        start, _ = onset_ts(sc, "nordair")
        hit = first(r.transitions, "nordair", "crisis")
        praise = [t for t in r.transitions if t.brand == "suomimaito" and t.state != "normal"]
        res["nordic"].append({
            "seed": seed, "fi_sv_crisis_delay_min": None if hit is None
            else round((hit - start) / 60, 1),
            "fi_praise_escalations": len(praise),
        })
        print(f"  seed {seed} done", file=sys.stderr)
    return res


def verdicts(q: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, measured, passed) rows."""
    rows: list[tuple[str, str, bool]] = []
    for label, picked in (("brands >= 1/min", [x for x in q["sudden"] if x["rate"] >= 1]),
                          ("0.5/min brand", [x for x in q["sudden"] if x["rate"] < 1])):
        d = [x["delay_min"] for x in picked]
        ok = all(v is not None and 0 <= v <= 5 for v in d) and not any(x["early"] for x in picked)
        rows.append((f"sudden crisis, {label} -> crisis <= 5 min", _span(d), ok))
    d = [x["delay_min"] for x in q["slow_burn"]]
    rows.append(("slow burn -> crisis in (20, 120] min", _span(d),
                 all(v is not None and 20 < v <= 120 for v in d)))
    crises = sum(x["crises"] for x in q["week"])
    brand_weeks = sum(x["brands"] for x in q["week"])
    rows.append(("ordinary weeks (praise x10, news x6, troll) -> no crisis",
                 f"{crises} crises in {brand_weeks} brand-weeks "
                 f"({crises / brand_weeks:.2f}/brand-week); "
                 f"{sum(x['elevations'] for x in q['week'])} elevations", crises == 0))
    d = [x["delay_min"] for x in q["small"]]
    others = sorted({b for x in q["small"] for b in x["other_brands_changed"]})
    rows.append(("small brand -> crisis <= 10 min", _span(d),
                 all(v is not None and 0 <= v <= 10 for v in d)))
    rows.append(("small brand scenario: no other brand leaves normal",
                 "none" if not others else ", ".join(others), not others))
    back = [x["normal_after_end_h"] for x in q["sudden"] + q["slow_burn"]]
    rows.append(("after a crisis subsides -> normal <= 12 h", _span(back, "h"),
                 all(v is not None and v <= 12 for v in back)))
    d = [x["fi_sv_crisis_delay_min"] for x in q["nordic"]]
    praise = sum(x["fi_praise_escalations"] for x in q["nordic"])
    rows.append(("fi/sv crisis -> crisis; fi praise wave -> nothing",
                 f"crisis after {_span(d)}; praise escalations {praise}",
                 all(v is not None and v <= 10 for v in d) and praise == 0))
    return rows


def _span(values: list[float | None], unit: str = "min") -> str:
    got = [v for v in values if v is not None]
    missed = len(values) - len(got)
    if not got:
        return f"missed {missed}/{len(values)}"
    text = (f"median {statistics.median(got):.1f} {unit}, max {max(got):.1f} {unit} "
            f"(n={len(values)})")
    return text + (f", MISSED {missed}" if missed else "")


def unique_corpus(n: int) -> list[str]:
    """``n`` mention JSON lines with pairwise different texts, in event-time order (ordinary
    weeks from seed 7 on, merged: like an export of several sources)."""
    seen: set[str] = set()
    lines: list[tuple[str, str]] = []
    seed = 7
    while len(lines) < n:
        for m in generate(ordinary_week(seed)):
            if m["text"] in seen:
                continue
            seen.add(m["text"])
            lines.append((m["created_at"], dump_json(m)))
            if len(lines) >= n:
                break
        seed += 1
    lines.sort(key=lambda x: x[0])  # RFC 3339 UTC strings of one format sort by time
    return [line for _, line in lines]


def throughput(n: int, jobs: int, repeat: int = 3) -> dict[str, Any]:
    """Raw VADER vs the whole replay on the same unique texts, same run.

    The replay side is timed the way ``firebreak replay`` runs: from the JSONL
    file on disk to the transitions, process start-up of the pool included,
    with a fresh scorer (no text is in its cache). VADER and the replays take
    turns ``repeat`` times and the medians are reported, so that a slow moment of
    a shared machine does not land on one side only.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    lines = unique_corpus(n)
    texts = [json.loads(x)["text"] for x in lines]
    vader = SentimentIntensityAnalyzer()
    book = BrandBook()
    labels = {"replay_1_process": 1, f"replay_{jobs}_processes": jobs}
    rates: dict[str, list[float]] = {"vader": [], **{k: [] for k in labels}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for _ in range(repeat):
            t = time.perf_counter()
            for text in texts:
                vader.polarity_scores(text)
            rates["vader"].append(len(texts) / (time.perf_counter() - t))
            for label, j in labels.items():
                sentiment._DEFAULT = None  # a cold cache: no text is scored twice anyway
                t = time.perf_counter()
                replay_rows(read_raw(path), book, config_path=None, jobs=j)
                rates[label].append(len(lines) / (time.perf_counter() - t))
    vader_rate = statistics.median(rates["vader"])
    out: dict[str, Any] = {"texts": len(texts), "lang_hint_share": 0.5, "repeat": repeat,
                           "vader_texts_per_s": round(vader_rate),
                           "vader_runs": [round(r) for r in rates["vader"]]}
    for label in labels:
        rate = statistics.median(rates[label])
        out[label] = {"mentions_per_s": round(rate), "vs_vader": round(rate / vader_rate, 2),
                      "runs": [round(r) for r in rates[label]]}
    return out


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the table, write JSON."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.detection", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=3, help="seeds per scenario (default 3)")
    p.add_argument("--texts", type=int, default=100_000, help="unique texts for throughput")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="replay processes")
    p.add_argument("--out", default="out/bench", help="folder for detection.json")
    p.add_argument("--repeat", type=int, default=3, help="throughput rounds (medians)")
    p.add_argument("--skip-throughput", action="store_true")
    args = p.parse_args(argv)
    t0 = time.time()
    print(f"detection quality over {args.seeds} seeds ...", file=sys.stderr)
    q = quality(args.seeds, args.jobs)
    rows = verdicts(q)
    tp = None if args.skip_throughput else throughput(args.texts, args.jobs, args.repeat)
    if tp:
        default = tp[f"replay_{args.jobs}_processes"]["vs_vader"]
        rows.append((f"replay throughput ({args.jobs} processes) >= 80 % of raw VADER",
                     f"{100 * default:.0f} % ({tp['texts']} unique texts)", default >= 0.8))
    print("\nDetection quality (simulated suite, event time)")
    for target, measured, ok in rows:
        print(f"  [{'PASS' if ok else 'FAIL'}] {target:<58} {measured}")
    if tp:
        print(f"\nThroughput on {tp['texts']} unique texts (half carry a lang hint), same run, "
              f"median of {tp['repeat']} alternating rounds")
        print(f"  raw VADER polarity_scores, 1 process : {tp['vader_texts_per_s']:>8} texts/s")
        for key, val in tp.items():
            if key.startswith("replay_"):
                print(f"  {key.replace('_', ' '):<37}: {val['mentions_per_s']:>8} mentions/s "
                      f"({100 * val['vs_vader']:.0f} % of VADER)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "detection.json").write_text(json.dumps(
        {"quality": q, "verdicts": rows, "throughput": tp, "seconds": round(time.time() - t0)},
        indent=2) + "\n", encoding="utf-8")
    print(f"\n({time.time() - t0:.0f} s; details in {out / 'detection.json'})")
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())


