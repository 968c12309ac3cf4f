"""`firebreak replay`: run the detector over a file of mentions, in event time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from detectors.codec import dumps_str
from detectors.config import BrandBook
from detectors.crisis.seeding import load_baselines, save_baselines
from detectors.errors import ConfigError, InvalidMention
from streams.cli.inputs import add_input_options, read_options
from streams.replay.plot import MAX_BRANDS
from streams.replay.prepare import default_jobs
from streams.replay.run import ReplayResult, replay_rows
from streams.sources.base import all_bad_hint, duplicate_warning
from streams.sources.files import dump_json, read_raw

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
    p.add_argument("--plot-brands", metavar="A,B,C",
                   help=f"brands to chart (default: those that changed state, then the loudest, "
                        f"{MAX_BRANDS} at most)")
    p.add_argument("--strict", action="store_true", help="stop at the first malformed line")
    p.add_argument("--jobs", type=_positive, default=0,
                   help="processes that validate and score (default: one per CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.add_argument("--save-baselines", metavar="FILE",
                   help="write what each brand's baseline learned (warm start for the worker: "
                        "FIREBREAK_BASELINES_FILE, or --baselines of a later replay)")
    p.add_argument("--baselines", metavar="FILE",
                   help="start brands from baselines saved by --save-baselines")
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute the replay."""
    from tqdm import tqdm

    book = BrandBook.load(args.config) if args.config else BrandBook()
    options, notes = read_options(args, args.input)
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise ConfigError(f"--plot {args.plot}: the chart is written as PNG; give a .png path")
    chosen = plot_brands(args.plot_brands)
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

        result = replay_rows(read_raw(args.input, options, notes), book, config_path=args.config,
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
    summary["input"] = notes.to_dict()
    if args.save_baselines:
        saved = save_baselines({b: st.baseline for b, st in result.engine.states.items()},
                               args.save_baselines)
        print(f"firebreak replay: baselines of {saved} brand(s) written to {args.save_baselines}",
              file=sys.stderr)
    if args.summary_json:
        Path(args.summary_json).write_text(dumps_str(summary, indent=2) + "\n", encoding="utf-8")
    chart = None
    if args.plot and result.series:
        from streams.replay.plot import plot_replay

        chart = plot_replay(args.plot, result.series, result.transitions, brands=chosen)
    print_summary(result, summary, args)
    for line in notes.lines():
        print(f"firebreak replay: {line}", file=sys.stderr)
    dup = duplicate_warning(summary["duplicates"], summary["processed"])
    if dup:
        print(f"firebreak replay: {dup}", file=sys.stderr)
    if chart is not None and chart.left_out:
        print(f"firebreak replay: the chart shows {len(chart.brands)} of "
              f"{len(chart.brands) + len(chart.left_out)} brands ({', '.join(chart.brands)}); "
              f"choose with --plot-brands (left out: {', '.join(chart.left_out[:10])}"
              f"{' …' if len(chart.left_out) > 10 else ''})", file=sys.stderr)
    if result.bad_count and not summary["processed"]:
        first = str(result.bad[0][1]) if result.bad else None
        raise ConfigError(all_bad_hint(args.input, result.bad_count, first))
    if result.bad_count:
        print(f"firebreak replay: {result.bad_count} malformed line(s) skipped", file=sys.stderr)
        return 1
    return 0


def plot_brands(text: str | None) -> list[str] | None:
    """The brands of ``--plot-brands a,b,c`` (``None``: chosen by the chart)."""
    if text is None:
        return None
    brands = [b.strip() for b in text.split(",") if b.strip()]
    if not brands:
        raise ConfigError("--plot-brands: give brand slugs separated by commas")
    return brands


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
