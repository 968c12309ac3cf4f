"""Detection CPU with and without the spans over hours, in one run, on realistic ordinary traffic:

    python -m benchmarks.spans_cost [--seeds 1] [--weeks 3] [--pairs 3] [--out out/bench]

The realistic benchmark's ordinary streams (18 brands, some 50-70 % negative, busy and quiet
hours, DST; ``benchmarks/realistic.py``) are loaded from its cache under ``<out>/cache`` (scored
the first time), then detected in alternate passes: the window's tests alone, and with the
spans over hours (``detectors/crisis/longwindow.py``). Prints CPU-µs per mention of each (medians)
and the median ratio of the pairs, and the crises of each pass (ordinary traffic: none).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks import realistic, scandals
from streams.replay.prepare import default_jobs


def main(argv: list[str] | None = None) -> int:
    """Alternate passes over each seed's ordinary stream; print the CPU per mention and ratio."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.spans_cost", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=1, help="ordinary streams (seeds 1..N)")
    p.add_argument("--weeks", type=int, default=3, help="weeks of ordinary traffic (default 3)")
    p.add_argument("--pairs", type=int, default=3, help="alternate passes of each kind")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="scoring processes (uncached)")
    p.add_argument("--out", default="out/bench", help="folder holding cache/")
    args = p.parse_args(argv)
    ids = realistic.dev_ids()
    cpus: dict[str, list[float]] = {"window": [], "spans": []}
    ratios: list[float] = []
    crises = {"window": 0, "spans": 0}
    mentions = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            sc = realistic.ordinary(seed, args.weeks)
            sc.text_ids = ids
            prepared, book = realistic.scored(sc, args.jobs, Path(tmp), Path(args.out) / "cache")
            obs, own = [o for o, _ in prepared], [mine for _, mine in prepared]
            mentions += len(obs)
            for _ in range(args.pairs):
                pair = {}
                for name in ("window", "spans"):
                    trs, cpu, _sizes = scandals.detect(obs, book, name == "spans", own)
                    pair[name] = 1e6 * cpu / max(len(obs), 1)
                    cpus[name].append(pair[name])
                    crises[name] = max(crises[name], sum(t.state == "crisis" and t.previous != "crisis"
                                                         for t in trs))
                ratios.append(pair["spans"] / pair["window"])
            print(f"seed {seed}: {len(obs)} mentions, {len(book.brands)} brands", file=sys.stderr)
    print(f"{mentions} mentions of ordinary traffic, {args.pairs} alternate pairs per seed")
    for name, values in cpus.items():
        print(f"{name:7s}: {statistics.median(values):.1f} CPU-µs per mention (median; "
              f"{min(values):.1f}-{max(values):.1f}), crises {crises[name]}")
    print(f"spans / window: median ratio {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}-{max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
