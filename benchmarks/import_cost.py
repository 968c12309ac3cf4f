"""What reading an input file costs, per row, before any scoring.

    python -m benchmarks.import_cost [--rows 14640] [--repeat 3]

Builds an export shaped like Kaggle's airline tweets after a spreadsheet (the one
the tests use: ids like 5.70306E+17, brand names, local times) and the same
mentions as JSON lines, then measures CPU-µs per row (``time.process_time``, best
of ``--repeat``) of: reading the CSV with the mapping (slugs, derived ids, local
times), validating those rows, and reading plus validating the JSON lines — all in
this one process and run, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from streams.sources.base import ImportNotes, ReadOptions
from streams.sources.files import dump_json, read_raw, validate
from tests.exports import AIRLINE_MAPS, airline_csv


def best_cpu(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """The least CPU-seconds of ``repeat`` calls of ``fn``, and what it returned."""
    best, out = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


def main(argv: list[str] | None = None) -> int:
    """Print CPU-µs per row of each step."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.import_cost", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=14_640, help="rows (the Kaggle export has 14,640)")
    p.add_argument("--repeat", type=int, default=3, help="runs per step (the best is kept)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        export = airline_csv(Path(tmp) / "Tweets.csv", rows=args.rows)
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "America/Los_Angeles")
        rows = [raw for _, raw in read_raw(export, options)]
        jsonl = Path(tmp) / "m.jsonl"
        jsonl.write_text("".join(dump_json(validate(r).to_dict()) + "\n" for r in rows),
                         encoding="utf-8")

        def read_csv() -> int:
            return sum(1 for _ in read_raw(export, options, ImportNotes()))

        def check_rows() -> int:
            return sum(1 for r in rows if validate(r))

        def read_check_jsonl() -> int:
            return sum(1 for _, r in read_raw(jsonl) if validate(r))

        steps = {"CSV read + map (slugs, ids, local times)": read_csv,
                 "validate the mapped CSV rows": check_rows,
                 "JSONL read + validate (the stream's check)": read_check_jsonl}
        results = {name: best_cpu(fn, args.repeat) for name, fn in steps.items()}
    jsonl_us = results["JSONL read + validate (the stream's check)"][0] / args.rows * 1e6
    print(f"{'step':<46}{'rows':>8}{'CPU-µs/row':>12}{'vs JSONL':>10}")
    for name, (cpu, n) in results.items():
        us = cpu / args.rows * 1e6
        print(f"{name:<46}{n:>8}{us:>12.1f}{us / jsonl_us:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
