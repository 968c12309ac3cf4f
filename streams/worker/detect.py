"""The detect stage without Faust: brand states, replay skipping, de-duplication, ticks.

:class:`DetectCore` wires the pure detector (:mod:`detectors.crisis.state`) to a
key-value store of ``BrandState`` dicts (the Faust table) and keeps, in each
brand's ``meta``:

* ``p``/``off`` -- the ``mentions.scored`` partition and offset the state
  already reflects. A message at or below it is a replay (at-least-once
  redelivery after a crash or rebalance) and is skipped, so each scored message
  counts once in its brand's state;
* ``ids`` -- hashes of the brand's last ``dedupe_per_brand`` mention ids: a
  mention re-scored after a crash (new offset, same id) is dropped;
* ``outbox`` -- actions decided but not yet confirmed sent (resent on recovery);
* ``reason``/``test`` -- why the brand is in its state.

Configured brands also keep their negative mentions waiting for an answer
(``BrandState.replies``): the score stage forwards the brand's own replies as
``kind="own"`` messages, which only answer mentions.

States are cached as objects between checkpoints; a checkpoint writes each
dirty brand once. Nothing here touches Kafka: storage and clock are passed in.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from detectors.config import BrandBook
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.state import BrandState, Observation, Transition, time_to_detect
from detectors.driver import Driver, Hooks, PerBrandIds
from streams.worker.metrics import Metrics, lang_label, set_state, source_label
from streams.worker.rows import RowCache, state_of

log = logging.getLogger(__name__)


@dataclass
class Decision:
    """Transitions of one brand caused by one message or tick."""

    brand: str
    transitions: list[Transition]
    cause: str | None = None


class MetricHooks(Hooks):
    """The driver's hooks as Prometheus metrics.

    Per-mention counts (mentions, duplicates, late ones) are added up in plain
    counters and reach Prometheus in :meth:`flush`, once per batch: a
    ``labels()`` lookup per message cost more than the rest of the hook.

    Args:
        metrics: the worker's metrics.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.m = metrics
        self.seen: Counter[tuple[str, str, str | None, str | None]] = Counter()
        self.dups: Counter[str] = Counter()
        self.lates: Counter[str] = Counter()

    def duplicate(self, brand: str) -> None:
        self.dups[brand] += 1

    def untracked(self, brand: str) -> None:
        self.m.untracked.inc()

    def observed(self, brand: str, obs: Observation, source: str | None, late: bool) -> None:
        if late:
            self.lates[brand] += 1
        self.seen[(brand, obs.label, obs.lang, source)] += 1

    def flush(self) -> None:
        """Add the counts gathered since the last flush to the Prometheus counters."""
        m, label = self.m, self.m.brand_label
        series: Counter[tuple[str, str, str, str]] = Counter()  # unconfigured brands share one
        for (brand, sentiment, lang, source), n in self.seen.items():
            series[(label(brand), sentiment, lang_label(lang), source_label(source))] += n
        for (b, sentiment, lang, source), n in series.items():
            m.mentions.labels(brand=b, label=sentiment, lang=lang, source=source).inc(n)
        for counter, counts in ((m.duplicates, self.dups), (m.late, self.lates)):
            by_label: Counter[str] = Counter()
            for brand, n in counts.items():
                by_label[label(brand)] += n
            for b, n in by_label.items():
                counter.labels(brand=b).inc(n)
        self.seen.clear()
        self.dups.clear()
        self.lates.clear()

    def overridden(self, brand: str, action: str) -> None:
        self.m.overrides.labels(brand=self.m.brand_label(brand), action=action).inc()

    def transitions(self, st: BrandState, out: list[Transition]) -> None:
        label = self.m.brand_label(st.brand)
        for t in out:
            delay = time_to_detect(t)
            if delay is not None:
                self.m.time_to_detect.observe(delay)
            if t.state != t.previous:
                self.m.transitions.labels(brand=label, from_state=t.previous,
                                          to_state=t.state, test=t.test).inc()
        set_state(self.m, st.brand, st.state, st.paused, st.last_verdict)


class DetectCore(Driver):
    """The detection driver over the brands this worker owns, backed by its table.

    Args:
        book: brand configuration.
        metrics: the worker's metrics.
        load: returns the stored state dict of a brand (or ``None``).
        dedupe_per_brand: how many recent mention ids each brand remembers.
        baselines: learned baselines for brands that have no stored state (warm start).
    """

    def __init__(self, book: BrandBook, metrics: Metrics,
                 load: Callable[[str], Mapping[str, Any] | None], dedupe_per_brand: int = 1000,
                 baselines: Mapping[str, RhythmBaseline] | None = None) -> None:
        self.counts = MetricHooks(metrics)
        super().__init__(book, load=load, dedupe=PerBrandIds(dedupe_per_brand),
                         hooks=self.counts, baselines=baselines)
        self.metrics = metrics
        self.dirty: set[str] = set()
        self.to_publish: set[str] = set()
        self.rows = RowCache()  # the checkpoint's encoded window entries, per cached brand

    def flush_metrics(self) -> None:
        """Publish the per-mention counts gathered since the last call (once per batch)."""
        self.counts.flush()

    def reset(self) -> None:
        """Forget cached objects (after a rebalance the table is the truth)."""
        self.forget()
        self.dirty.clear()
        self.rows.drop()

    def evict(self, brand: str) -> None:
        """Forget everything cached for ``brand``, its encoded row parts too.

        Args:
            brand: the brand slug.
        """
        super().evict(brand)
        self.rows.drop(brand)

    def state(self, brand: str) -> BrandState:
        """The brand's state: the cached object unless the stored dict is further ahead.

        The store can move ahead of the cache when Faust recovers a partition from
        another owner's changelog; the stored state then wins.

        Args:
            brand: the brand slug.
        """
        st = self.states.get(brand)
        stored = self.load(brand)
        if st is not None and (not stored or _position(stored.get("meta") or {})
                               <= _position(st.meta)):
            return st
        if stored:  # new here, or the store moved ahead (recovered another owner's state)
            st = state_of(stored)
        else:
            st = self.fresh(brand)
            self.to_publish.add(brand)
        self.adopt(st)
        return st

    def apply(
        self, data: dict[str, Any], partition: int, offset: int, moved: set[str] | None = None
    ) -> Decision | None:
        """Apply one ``mentions.scored`` message (observation, own reply or command).

        Args:
            data: the decoded message, or one item of a packed record.
            partition: its partition.
            offset: its (the packed record's) offset.
            moved: for the items of one packed record: the brands whose state already
                moved to this offset in the record (an earlier item), so a later item is
                not a replay; brands are added as they move. A state is checkpointed only
                between records, so it reflects a record's items for its brand all or none.

        Returns:
            The transitions it caused (always a decision for a command), or ``None``.
        """
        brand = data["brand"]
        if data.get("kind") != "command" and not self.admitted(brand):
            return None  # past the cap of unconfigured brands: counted, not tracked
        st = self.state(brand)
        meta = st.meta
        if moved is None or brand not in moved:
            if meta.get("p") == partition and offset <= meta.get("off", -1):
                self.metrics.replayed.inc()
                return None
            if moved is not None:
                moved.add(brand)
        meta["p"], meta["off"] = partition, offset
        self.dirty.add(brand)
        self.to_publish.add(brand)
        if data.get("kind") == "command":  # a person acted: publish at once, even without a change
            out = self.command(brand, str(data.get("action")), float(data["ts"]),
                               by=str(data.get("by") or "unknown"), why=str(data.get("why") or ""),
                               for_minutes=data.get("for_minutes"))
            if out is None:
                log.warning("ignoring command with unknown action %r or bad for_minutes %r",
                            data.get("action"), data.get("for_minutes"))
                out = []
            else:
                overrides = st.meta.get("overrides") or []
                if overrides:
                    overrides[-1]["command_id"] = data.get("command_id")
            return Decision(brand, out, None)
        obs = Observation.from_dict(data)
        out = self.apply_observation(obs, own=data.get("kind") == "own", source=data.get("source"))
        return Decision(brand, out, obs.mention_id) if out else None

    def tick(self, watermark: float, owned: Callable[[str], bool]) -> list[Decision]:
        """Advance every non-normal owned brand to ``watermark`` (crises end in silence).

        Args:
            watermark: current event time, POSIX seconds.
            owned: whether this worker currently owns a brand.
        """
        return [Decision(brand, trans, None)
                for brand, trans in self.advance_all(watermark, owned).items()]

    def moved(self, st: BrandState) -> None:
        self.dirty.add(st.brand)
        self.to_publish.add(st.brand)

    def rescan(self, stored: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """Find owned brands that need attention after recovery.

        Adds non-normal brands to the tick set; returns brands with an unsent outbox.

        Args:
            stored: ``(brand, state dict)`` pairs of the owned partitions.
        """
        pending = []
        for brand, d in stored:
            if d.get("state", "normal") != "normal" or d.get("hold_until_calm") or (
                    d.get("meta") or {}).get("paused_until") is not None:
                self.active.add(brand)
            if (d.get("meta") or {}).get("outbox") and brand not in self.states:
                pending.append(brand)
        return pending

    def checkpoint(self, write: Callable[[str, dict[str, Any]], None],
                   brands: Iterable[str] | None = None) -> int:
        """Write the dirty brands (or ``brands``) to the store, once each.

        Args:
            write: stores one brand's state dict (the table write).
            brands: restrict to these brands (default: every dirty one).
        """
        todo = list(self.dirty if brands is None else brands)
        for brand in todo:
            st = self.states.get(brand)
            if st is not None:
                write(brand, self.rows.row(st))
            self.dirty.discard(brand)
        self.metrics.checkpoints.inc(len(todo))
        return len(todo)


def _position(meta: Mapping[str, Any]) -> tuple[int, int]:
    """How far into ``mentions.scored`` a state is: (partition, offset)."""
    return int(meta.get("p", -1)), int(meta.get("off", -1))
