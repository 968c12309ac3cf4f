"""A/B pairs: this checkout's worker against another checkout's, on the same backlog at once.

    git -C /work/main archive main | tar -x -C /tmp/base       # the other side, e.g. main
    .venv/bin/python benchmarks/stream_pairs.py --base /tmp/base --pairs 3
    .venv/bin/python benchmarks/stream_pairs.py --base /tmp/base --what latency --rate 2767
    .venv/bin/python benchmarks/stream_pairs.py --what workers --pairs 3   # 1 vs 2 workers

Each pair runs :func:`stream_throughput.run_backlog` twice at the same time, each
with its own embedded broker and the same backlog; both workers start together
(after both backlogs are produced), so both see the same machine load. Sides
alternate which thread starts first. Per side: the worker's CPU-µs per mention
(``/proc``, from 5 % of the backlog scored to the last mention decided), the same
minus the scorer alone (this checkout's scorer on the same mentions, one core:
the part that is streaming), the rate, and the broker's CPU-µs per mention; per
pair the difference (this checkout minus base) and the load average before and after.
Medians over the pairs at the end. Run it under ``nice``; the machine is shared.

``--what latency``: each side is ``stream_latency.run_decisive`` (20 crises, the
decisive mention -> pause flag latency, with ``--rate`` neutral mentions/s of
background), both sides' crises started together. ``--what workers``: this checkout
only, one worker against two workers (each on its own broker, the same backlog, at
the same time): the ratio of their CPU-µs per mention per pair (``two_vs_one``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_latency import run_decisive  # noqa: E402
from stream_throughput import (  # noqa: E402
    emit,
    make_mentions,
    raw_vader,
    run_backlog,
    scorer_cost,
)

KEYS = ("worker_cpu_us_per_mention", "rate_per_second", "broker_cpu_us_per_mention",
        "worker_cpu_us_per_mention_10_90")


LATENCY_KEYS = ("p50_seconds", "p99_seconds", "max_seconds", "crises", "missed")


def pair(i: int, mentions: list[dict[str, Any]], tmp: Path, base: Path | None,
         what: str = "cost", rate: float = 2767.0) -> dict[str, Any]:
    """One simultaneous run of each side (``what``: cost, latency or workers)."""
    barrier = threading.Barrier(2)
    out: dict[str, Any] = {}

    def side(name: str, root: Path | None) -> None:
        if what == "latency":
            (tmp / f"{name}{i}").mkdir()
            out[name] = run_decisive(20, rate, tmp / f"{name}{i}", root=root, barrier=barrier)
        else:
            out[name] = run_backlog(2 if name == "two" else 1, mentions, tmp, label=f"{name}{i}",
                                    root=root, barrier=barrier)

    order = [("one", None), ("two", None)] if what == "workers" else [("branch", None),
                                                                      ("base", base)]
    threads = [threading.Thread(target=side, args=a) for a in (order if i % 2 else order[::-1])]
    load0 = os.getloadavg()[0]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["load_average"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    return out


def main() -> int:
    """Run the pairs and print one JSON result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, help="the other checkout (its root)")
    ap.add_argument("--what", choices=["cost", "latency", "workers"], default="cost")
    ap.add_argument("--rate", type=float, default=2767.0,
                    help="latency: background mentions/s (half the one-worker rate)")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--mentions", type=int, default=30_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    if args.what != "workers" and not (
            args.base is not None and (args.base / "streams" / "cli" / "main.py").is_file()):
        print(f"stream_pairs: --base {args.base} is not a Firebreak checkout", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="fb-pairs-"))
    (tmp / "brands.yaml").write_text("brands:\n" + "".join(f"  b{i}: {{}}\n" for i in range(20)))
    mentions = make_mentions(args.mentions, args.brands)
    vader = raw_vader([m["text"] for m in mentions])
    scorer = scorer_cost(mentions)["cpu_us_per_mention"]
    pairs = []
    sides = ("one", "two") if args.what == "workers" else ("branch", "base")
    keys = (*LATENCY_KEYS, "cpu_us_per_mention", "warnings", "worker_rss_mb") \
        if args.what == "latency" else (*KEYS, "warnings", "rss_mb")
    for i in range(args.pairs):
        p = pair(i, mentions, tmp, args.base.resolve() if args.base else None, args.what,
                 args.rate)
        for side in sides:
            r = p[side]
            p[side] = {k: r.get(k) for k in keys}
            if r.get("worker_cpu_us_per_mention"):
                p[side]["worker_minus_scorer_us"] = round(r["worker_cpu_us_per_mention"] - scorer, 1)
        a, b = (p[side].get("worker_cpu_us_per_mention") for side in sides)
        if a and b and args.what == "workers":
            p["two_vs_one"] = round(b / a, 3)
        elif a and b:
            p["branch_minus_base_us"] = round(a - b, 1)
        pairs.append(p)
        print(json.dumps({"pair": i, **p}), file=sys.stderr, flush=True)
    medians: dict[str, Any] = {}
    for side in sides:
        for k in (*KEYS, *LATENCY_KEYS, "worker_minus_scorer_us"):
            vals = [p[side][k] for p in pairs if p[side].get(k) is not None]
            if vals:
                medians[f"{side}_{k}"] = round(statistics.median(vals), 4)
    ratios = [p["two_vs_one"] for p in pairs if p.get("two_vs_one")]
    if ratios:
        medians["two_vs_one"] = round(statistics.median(ratios), 3)
    result = {"raw_vader": vader, "scorer_alone_cpu_us_per_mention": scorer,
              "mentions": args.mentions, "brands": args.brands, "pairs": pairs,
              "medians": medians, "logs": str(tmp)}
    return emit(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
