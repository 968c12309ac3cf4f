"""Offline replay: the same detector as the stream, over a file, in event time."""

from __future__ import annotations

import gc
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from detectors.config import BrandBook
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.state import Observation, Transition
from detectors.engine import Engine
from detectors.errors import InvalidMention
from detectors.sentiment.scorer import Scorer, get_scorer
from streams.replay.prepare import Failure, prepare_chunks


@dataclass
class BrandSeries:
    """Per-minute counts for charts, and per-brand totals for the summary."""

    minutes: dict[int, list[int]] = field(default_factory=dict)  # minute -> [total, neg, pos]
    labels: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)


@dataclass
class ReplayResult:
    """Everything a replay produced."""

    transitions: list[Transition]
    series: dict[str, BrandSeries]
    engine: Engine
    read: int = 0
    processed: int = 0
    bad: list[tuple[int, InvalidMention]] = field(default_factory=list)
    bad_count: int = 0

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals (per brand and overall)."""
        brands: dict[str, Any] = {}
        for brand, s in sorted(self.series.items()):
            st = self.engine.states.get(brand)
            trs = [t for t in self.transitions if t.brand == brand]
            scored = s.labels["neg"] + s.labels["neu"] + s.labels["pos"]
            brands[brand] = {
                "mentions": sum(s.labels.values()),
                "negative_share": round(s.labels["neg"] / scored, 3) if scored else None,
                "unscored": s.labels["unscored"],
                "languages": dict(s.langs.most_common(5)),
                "crises": len({t.crisis_id for t in trs if t.state == "crisis"}),
                "re_entries": sum(1 for t in trs if t.state == "crisis" and t.previous != "crisis"
                                  and t.numbers.get("reopened")),
                "elevations": sum(1 for t in trs if t.state == "elevated"
                                  and t.previous == "normal"),
                "final_state": st.state if st else "normal",
                "paused": st.paused if st else False,
            }
        labels: Counter[str] = Counter()
        for s in self.series.values():
            labels.update(s.labels)
        return {
            "lines_read": self.read,
            "malformed": self.bad_count,
            "processed": self.processed,
            "duplicates": self.engine.duplicates,
            "own_posts": self.engine.own_posts,
            "late": sum(st.late for st in self.engine.states.values()),
            "labels": dict(labels),
            "transitions": len(self.transitions),
            "crises": sum(b["crises"] for b in brands.values()),
            "unanswered_negatives": self.engine.unanswered_now(),
            "brands": brands,
        }


def _order(p: tuple[Observation, bool]) -> tuple[float, str]:
    return (p[0].ts, p[0].mention_id)


class Detection:
    """The detector over scored observations fed in event-time order, in pieces.

    Args:
        book: brand configuration.
        scorer: the scorer (kept on the engine for later use).
        baselines: learned baselines to start brands from (warm start).
    """

    def __init__(self, book: BrandBook, scorer: Scorer,
                 baselines: Mapping[str, RhythmBaseline] | None = None) -> None:
        self.engine = Engine(book, scorer, baselines=baselines)
        self.transitions: list[Transition] = []
        self.series: dict[str, BrandSeries] = defaultdict(BrandSeries)
        self.fed = 0

    def feed(self, items: list[tuple[Observation, bool]]) -> None:
        """Observe ``(observation, own_post)`` pairs, already in event-time order."""
        engine, transitions, series = self.engine, self.transitions, self.series
        for item, own in items:
            obs, trs = engine.feed(item, own=own)
            if trs:
                transitions.extend(trs)
            if obs is not None:
                s = series[obs.brand]
                minute = int(obs.ts // 60)
                row = s.minutes.get(minute)
                if row is None:
                    row = s.minutes[minute] = [0, 0, 0]
                row[0] += 1
                if obs.label == "neg":
                    row[1] += 1
                elif obs.label == "pos":
                    row[2] += 1
                s.labels[obs.label] += 1
                if obs.lang:
                    s.langs[obs.lang] += 1
        self.fed += len(items)

    def result(self) -> ReplayResult:
        """Everything detected so far."""
        return ReplayResult(self.transitions, dict(self.series), self.engine, processed=self.fed)


def detect(
    prepared: list[tuple[Observation, bool]],
    book: BrandBook,
    scorer: Scorer,
    *,
    progress: Callable[[int], None] | None = None,
    baselines: Mapping[str, RhythmBaseline] | None = None,
) -> ReplayResult:
    """Run the detector over scored observations, sorted here by event time.

    Args:
        prepared: ``(observation, own_post)`` pairs in any order.
        book: brand configuration.
        scorer: the scorer (kept on the engine for later use).
        progress: called with the number of mentions done since the last call.
    """
    prepared.sort(key=_order)
    run = Detection(book, scorer, baselines)
    for i in range(0, len(prepared), 5000):
        piece = prepared[i:i + 5000]
        run.feed(piece)
        if progress is not None:
            progress(len(piece))
    return run.result()


def replay_rows(
    rows: Iterable[tuple[int, Any]],
    book: BrandBook,
    *,
    config_path: str | None,
    jobs: int,
    on_chunk: Callable[[int, list[Failure]], None] | None = None,
    progress: Callable[[int], None] | None = None,
    baselines: Mapping[str, RhythmBaseline] | None = None,
) -> ReplayResult:
    """Validate, score and detect raw rows; the result does not depend on their order.

    Input in event-time order (the usual export) is detected chunk by chunk while
    the pool scores the next ones, so detection costs no extra time. The first
    chunk that goes back in time switches to the general path: everything is
    sorted and detected once all rows are scored (``progress`` reports that pass).

    Args:
        rows: ``(line, raw)`` pairs from :func:`streams.sources.files.read_raw`.
        book: brand configuration.
        config_path: brand configuration file, for the worker processes.
        jobs: scoring processes (1 = in this process).
        on_chunk: called per chunk with its row count and its failures, in order.
        progress: called with mentions detected by the after-the-fact pass.
    """
    with _batch_mode():
        scorer = get_scorer()
        run: Detection | None = Detection(book, scorer, baselines)
        kept: list[tuple[Observation, bool]] = []
        last: tuple[float, str] | None = None
        for size, good, bad in prepare_chunks(rows, config_path=config_path, book=book, jobs=jobs):
            if on_chunk is not None:
                on_chunk(size, bad)
            if not good:
                continue
            good.sort(key=_order)
            kept.extend(good)
            if run is not None:
                if last is not None and _order(good[0]) < last:
                    run = None  # out of order: detect everything once it is all scored
                else:
                    run.feed(good)
                    last = _order(good[-1])
        if run is not None:
            return run.result()
        return detect(kept, book, scorer, progress=progress, baselines=baselines)


SWITCH_INTERVAL = 0.0002  # seconds (CPython's default: 0.005)


@contextmanager
def _batch_mode() -> Iterator[None]:
    """Tune the interpreter for a replay, and restore it afterwards.

    * The cyclic garbage collector is paused (reference counting still frees
      everything): a replay keeps every observation until the end, and the
      collector would traverse that growing heap again and again while the
      detector creates no reference cycles to find.
    * The GIL is handed over every 0.2 ms instead of 5 ms. While the main
      thread detects, the pool's result thread must still drain the pipe, or
      the scoring processes block on a full pipe and idle: measured on 2 cores,
      this alone takes a replay from about 19k to 25k mentions/s.
    """
    was_enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if was_enabled:
            gc.enable()
