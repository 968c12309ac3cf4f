"""A/B pairs: this checkout's worker against another checkout's, on the same backlog at once.

    git -C /work/main archive main | tar -x -C /tmp/base       # the other side, e.g. main
    .venv/bin/python benchmarks/stream_pairs.py --base /tmp/base --pairs 3

Each pair runs :func:`stream_throughput.run_backlog` twice at the same time, each
with its own embedded broker and the same backlog; both workers start together
(after both backlogs are produced), so both see the same machine load. Sides
alternate which thread starts first. Per side: the worker's CPU-µs per mention
(``/proc``, from 5 % of the backlog scored to the last mention decided), the same
minus the scorer alone (this checkout's scorer on the same mentions, one core:
the part that is streaming), the rate, and the broker's CPU-µs per mention; per
pair the difference (this checkout minus base) and the load average before and after.
Medians over the pairs at the end. Run it under ``nice``; the machine is shared.
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
from stream_throughput import (  # noqa: E402
    emit,
    make_mentions,
    raw_vader,
    run_backlog,
    scorer_cost,
)

KEYS = ("worker_cpu_us_per_mention", "rate_per_second", "broker_cpu_us_per_mention",
        "worker_cpu_us_per_mention_10_90")


def pair(i: int, mentions: list[dict[str, Any]], tmp: Path, base: Path) -> dict[str, Any]:
    """One simultaneous run of each side on the same backlog."""
    barrier = threading.Barrier(2)
    out: dict[str, Any] = {}

    def side(name: str, root: Path | None) -> None:
        out[name] = run_backlog(1, mentions, tmp, label=f"{name}{i}", root=root, barrier=barrier)

    order = [("branch", None), ("base", base)]
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
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (its root)")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--mentions", type=int, default=30_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    if not (args.base / "streams" / "cli" / "main.py").is_file():
        print(f"stream_pairs: {args.base} is not a Firebreak checkout", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="fb-pairs-"))
    (tmp / "brands.yaml").write_text("brands:\n" + "".join(f"  b{i}: {{}}\n" for i in range(20)))
    mentions = make_mentions(args.mentions, args.brands)
    vader = raw_vader([m["text"] for m in mentions])
    scorer = scorer_cost(mentions)["cpu_us_per_mention"]
    pairs = []
    for i in range(args.pairs):
        p = pair(i, mentions, tmp, args.base.resolve())
        for side in ("branch", "base"):
            r = p[side]
            p[side] = {k: r.get(k) for k in (*KEYS, "warnings", "rss_mb")}
            if r.get("worker_cpu_us_per_mention"):
                p[side]["worker_minus_scorer_us"] = round(r["worker_cpu_us_per_mention"] - scorer, 1)
        if p["branch"].get("worker_cpu_us_per_mention") and p["base"].get(
                "worker_cpu_us_per_mention"):
            p["branch_minus_base_us"] = round(p["branch"]["worker_cpu_us_per_mention"]
                                              - p["base"]["worker_cpu_us_per_mention"], 1)
        pairs.append(p)
        print(json.dumps({"pair": i, **p}), file=sys.stderr, flush=True)
    medians: dict[str, Any] = {}
    for side in ("branch", "base"):
        for k in (*KEYS, "worker_minus_scorer_us"):
            vals = [p[side][k] for p in pairs if p[side].get(k) is not None]
            if vals:
                medians[f"{side}_{k}"] = round(statistics.median(vals), 1)
    result = {"raw_vader": vader, "scorer_alone_cpu_us_per_mention": scorer,
              "mentions": args.mentions, "brands": args.brands, "pairs": pairs,
              "medians": medians, "logs": str(tmp)}
    return emit(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
