"""Offline replay: the same detector as the stream, over a file, in event time."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detectors.config import BrandBook
from detectors.crisis import Observation, Transition
from detectors.engine import Engine
from detectors.errors import InvalidMention
from detectors.sentiment import Scorer


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
                "crises": sum(1 for t in trs if t.state == "crisis" and t.previous != "crisis"),
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
            "unanswered_negatives": self.engine.unanswered(),
            "brands": brands,
        }


def detect(
    prepared: list[tuple[Observation, bool]],
    book: BrandBook,
    scorer: Scorer,
    *,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Run the detector over scored observations, sorted here by event time.

    Args:
        prepared: ``(observation, own_post)`` pairs in any order.
        book: brand configuration.
        scorer: the scorer (kept on the engine for later use).
        progress: called with the number of mentions done since the last call.
    """
    prepared.sort(key=lambda p: (p[0].ts, p[0].mention_id))
    engine = Engine(book, scorer)
    transitions: list[Transition] = []
    series: dict[str, BrandSeries] = defaultdict(BrandSeries)
    done = 0
    for item, own in prepared:
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
        done += 1
        if progress is not None and done % 5000 == 0:
            progress(5000)
    if progress is not None:
        progress(done % 5000)
    return ReplayResult(transitions, dict(series), engine, processed=len(prepared))
