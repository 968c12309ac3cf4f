"""`firebreak simulate`: realistic mention streams with ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from detectors.codec import dumps_str
from detectors.sim.scenarios import SCENARIOS
from streams.sources.files import dump_json


def add_parser(sub: Any) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        "simulate",
        help="write a simulated mention stream with ground truth",
        description="Write a simulated stream (JSONL, event-time order) and its ground truth. "
        f"Scenarios: {', '.join(SCENARIOS)}.",
    )
    p.add_argument("scenario", choices=sorted(SCENARIOS), help="which scenario")
    p.add_argument("--out", required=True, help="mentions JSONL (- for stdout)")
    p.add_argument("--truth", help="ground truth JSON (default: OUT with .truth.json)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--lang-hint", type=float, default=None,
                   help="share of mentions carrying a lang field (0..1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate and write."""
    from detectors.sim.simulate import generate

    sc = SCENARIOS[args.scenario](args.seed)
    if args.lang_hint is not None:
        if not 0 <= args.lang_hint <= 1:
            print("firebreak simulate: --lang-hint must be between 0 and 1", file=sys.stderr)
            return 2
        sc.lang_hint = args.lang_hint
    n = 0
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    try:
        for m in generate(sc):
            out.write(dump_json(m) + "\n")
            n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    truth_path = args.truth or (None if args.out == "-" else str(Path(args.out).with_suffix(""))
                                + ".truth.json")
    if truth_path:
        Path(truth_path).write_text(dumps_str({"scenario": sc.name, "seed": sc.seed,
                                                "mentions": n, "episodes": sc.truth()},
                                               indent=2) + "\n", encoding="utf-8")
    print(f"wrote {n} mentions ({sc.name}, seed {sc.seed})"
          + (f", truth in {truth_path}" if truth_path else ""), file=sys.stderr)
    return 0
