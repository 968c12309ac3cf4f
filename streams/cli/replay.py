"""`firebreak replay`: run the detector over a file of mentions, in event time."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from detectors.config import BrandBook
from detectors.crisis.seeding import load_baselines, save_baselines
from detectors.errors import ConfigError, InvalidMention
from streams.replay.prepare import default_jobs
from streams.replay.run import ReplayResult, replay_rows
from streams.sources.files import CsvMapping, dump_json, read_raw

SHOW_BAD = 10


def add_parser(sub: Any) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        "replay",
        help="replay a mention file through the detector and write the state transitions",
        description="Replay mentions (JSONL, or CSV with --map) in event time; write one JSON "
        "line per state transition; print a summary.",
    )
    p.add_argument("input", help="mention file: .jsonl, or .csv/.tsv (use - for stdin JSONL)")
    p.add_argument("--out", required=True, help="where to write transitions (JSONL)")
    p.add_argument("--config", help="brand configuration (YAML)")
    p.add_argument("--plot", help="write a PNG chart of volume, negativity and states")
    p.add_argument("--summary-json", help="write the summary as JSON")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                   help="CSV column for a mention field, e.g. --map text='Full Text'")
    p.add_argument("--time-format", help="strptime format of the CSV date column")
    p.add_argument("--tz", default="UTC", help="time zone of naive CSV dates (default UTC)")
    p.add_argument("--brand", help="brand slug for CSV exports without a brand column")
    p.add_argument("--strict", action="store_true", help="stop at the first malformed line")
    p.add_argument("--jobs", type=_positive, default=0,
                   help="processes that validate and score (default: one per CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.add_argument("--save-baselines", metavar="FILE",
                   help="write what each brand's baseline learned (warm start for the worker: "
                        "FIREBREAK_BASELINES_FILE, or --baselines of a later replay)")
    p.add_argument("--baselines", metavar="FILE",
                   help="start brands from baselines saved by --save-baselines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the replay."""
    from tqdm import tqdm

    book = BrandBook.load(args.config) if args.config else BrandBook()
    mapping = None
    if args.map or args.time_format or args.brand or args.input.lower().endswith((".csv", ".tsv")):
        mapping = CsvMapping.from_args(args.map, args.time_format, args.tz, args.brand)
    check_input(args.input)
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ConfigError(f"--plot {args.plot}: the chart is written as PNG; give a .png path")
    bad: list[tuple[int, InvalidMention]] = []
    counts = {"read": 0, "bad": 0}
    quiet = args.quiet or not sys.stderr.isatty()
    seeds = load_baselines(args.baselines) if args.baselines else None
    jobs = args.jobs or default_jobs()

    late: list[Any] = []  # the second bar, only if the input is not in time order

    def on_detect(n: int) -> None:
        if not late:
            late.append(tqdm(total=counts["read"] - counts["bad"], unit=" mentions",
                             desc="detecting (input not in time order)", disable=quiet,
                             file=sys.stderr))
        late[0].update(n)

    with tqdm(desc="replaying", unit=" lines", disable=quiet, file=sys.stderr) as bar:

        def on_chunk(size: int, failures: list[tuple[int, InvalidMention]]) -> None:
            counts["read"] += size
            counts["bad"] += len(failures)
            if failures and args.strict:
                number, err = failures[0]
                raise ConfigError(f"line {number}: {err}")
            bad.extend(failures[: max(0, SHOW_BAD - len(bad))])
            bar.update(size)

        result = replay_rows(read_raw(args.input, mapping), book, config_path=args.config,
                             jobs=jobs, on_chunk=on_chunk, progress=on_detect, baselines=seeds)
    for b in late:
        b.close()
    result.read, result.bad, result.bad_count = counts["read"], bad, counts["bad"]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for t in result.transitions:
            fh.write(dump_json(t.to_dict()) + "\n")
    summary = result.summary()
    if args.save_baselines:
        saved = save_baselines({b: st.baseline for b, st in result.engine.states.items()},
                               args.save_baselines)
        print(f"firebreak replay: baselines of {saved} brand(s) written to {args.save_baselines}",
              file=sys.stderr)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if args.plot and result.series:
        from streams.replay.plot import plot_replay

        plot_replay(args.plot, result.series, result.transitions)
    print_summary(result, summary, args)
    if result.bad_count and not summary["processed"]:
        raise ConfigError(f"every line of {args.input} was malformed ({result.bad_count}); for a CSV "
                          "export map its columns: --map brand=COLUMN (or --brand SLUG), "
                          "--map text=..., --map created_at=...")
    if result.bad_count:
        print(f"firebreak replay: {result.bad_count} malformed line(s) skipped", file=sys.stderr)
        return 1
    return 0


def check_input(path: str) -> None:
    """Fail with one line when ``path`` (``-`` is standard input) is not a readable file."""
    if path == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{path}: is a folder; give a JSONL or CSV file")
    if not p.is_file():
        raise ConfigError(f"{path}: no such file")


def print_summary(result: ReplayResult, summary: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the human summary: one row per brand, then totals and bad lines."""
    rows = sorted(summary["brands"].items(), key=lambda kv: (-kv[1]["crises"], -kv[1]["mentions"]))
    if not args.quiet:
        head = f"{'brand':<24}{'mentions':>9}{'neg%':>7}{'unscored':>9}{'crises':>7}  final"
        print(head)
        print("-" * len(head) + "------")
        for brand, b in rows[:40]:
            share = "-" if b["negative_share"] is None else f"{100 * b['negative_share']:.0f}"
            final = b["final_state"] + (" (paused)" if b["paused"] else "")
            print(f"{brand:<24}{b['mentions']:>9}{share:>7}{b['unscored']:>9}{b['crises']:>7}  "
                  f"{final}")
        if len(rows) > 40:
            print(f"... and {len(rows) - 40} more brands")
    print(f"{summary['processed']} mentions, {summary['transitions']} transitions, "
          f"{summary['crises']} crises, {summary['duplicates']} duplicates dropped, "
          f"{summary['malformed']} malformed lines -> {args.out}")
    for number, err in result.bad:
        print(f"  line {number}: {err}", file=sys.stderr)
    if result.bad_count > len(result.bad):
        print(f"  ... {result.bad_count - len(result.bad)} more malformed lines", file=sys.stderr)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
