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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detectors.config import BrandBook
from detectors.crisis.replies import id_hash
from detectors.crisis.state import (
    BrandState,
    Observation,
    Transition,
    advance,
    observe,
    override,
    time_to_detect,
    track_reply,
)
from streams.worker.metrics import Metrics, lang_label, set_state, source_label

log = logging.getLogger(__name__)
ACTIONS = ("pause", "resume", "acknowledge", "force", "release")


@dataclass
class Decision:
    """Transitions of one brand caused by one message or tick."""

    brand: str
    transitions: list[Transition]
    cause: str | None = None


@dataclass
class DetectCore:
    """Per-worker detection over the brands this worker owns.

    Args:
        book: brand configuration.
        metrics: the worker's metrics.
        load: returns the stored state dict of a brand (or ``None``).
        dedupe_per_brand: how many recent mention ids each brand remembers.
    """

    book: BrandBook
    metrics: Metrics
    load: Callable[[str], Mapping[str, Any] | None]
    dedupe_per_brand: int = 1000
    cache: dict[str, BrandState] = field(default_factory=dict)
    idsets: dict[str, set[int]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    to_publish: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    event_max: float | None = None

    def reset(self) -> None:
        """Forget cached objects (after a rebalance the table is the truth)."""
        self.cache.clear()
        self.idsets.clear()
        self.dirty.clear()
        self.active.clear()

    def state(self, brand: str) -> BrandState:
        """The brand's state: the cached object unless the stored dict is further ahead.

        The store can move ahead of the cache when Faust recovers a partition from
        another owner's changelog; the stored state then wins.

        Args:
            brand: the brand slug.
        """
        st = self.cache.get(brand)
        stored = self.load(brand)
        if st is not None and (not stored or _position(stored.get("meta") or {})
                               <= _position(st.meta)):
            return st
        if stored:  # new here, or the store moved ahead (recovered another owner's state)
            st = BrandState.from_dict(_copy_state_dict(stored))
        else:
            st = BrandState.new(brand, self.book.get(brand))
            self.to_publish.add(brand)
        self.cache[brand] = st
        self.idsets[brand] = set(st.meta.get("ids", ()))
        self._track(st)
        return st

    def apply(
        self, data: dict[str, Any], partition: int, offset: int
    ) -> Decision | None:
        """Apply one ``mentions.scored`` message (observation, own reply or command).

        Args:
            data: the decoded message.
            partition: its partition.
            offset: its offset.

        Returns:
            The transitions it caused (always a decision for a command), or ``None``.
        """
        brand = data["brand"]
        st = self.state(brand)
        meta = st.meta
        if meta.get("p") == partition and offset <= meta.get("off", -1):
            self.metrics.replayed.inc()
            return None
        meta["p"], meta["off"] = partition, offset
        self.dirty.add(brand)
        self.to_publish.add(brand)
        if data.get("kind") == "command":
            out = self._command(st, data)
            cause = None
        else:
            obs = Observation.from_dict(data)
            if self._duplicate(st, obs.mention_id):
                self.metrics.duplicates.labels(brand=self.metrics.brand_label(brand)).inc()
                return None
            own = data.get("kind") == "own"
            if self.book.is_configured(brand):
                track_reply(st, obs, own=own)
            if own:
                return None
            if self.event_max is None or obs.ts > self.event_max:
                self.event_max = obs.ts
            late = st.late
            out = observe(st, obs, self.book.get(brand))
            label = self.metrics.brand_label(brand)
            if st.late > late:
                self.metrics.late.labels(brand=label).inc()
            self.metrics.mentions.labels(brand=label, label=obs.label, lang=lang_label(obs.lang),
                                         source=source_label(data.get("source"))).inc()
            cause = obs.mention_id
        self._note(st, out)
        if data.get("kind") == "command":  # a person acted: publish at once, even without a change
            return Decision(brand, out, None)
        return Decision(brand, out, cause) if out else None

    def tick(self, watermark: float, owned: Callable[[str], bool]) -> list[Decision]:
        """Advance every non-normal owned brand to ``watermark`` (crises end in silence).

        Args:
            watermark: current event time, POSIX seconds.
            owned: whether this worker currently owns a brand.
        """
        out: list[Decision] = []
        for brand in sorted(self.active):
            if not owned(brand):
                continue
            st = self.state(brand)
            before = st.minute
            trans = advance(st, watermark, self.book.get(brand))
            if st.minute != before:
                self.dirty.add(brand)
                self.to_publish.add(brand)
            self._note(st, trans)
            if trans:
                out.append(Decision(brand, trans, None))
        return out

    def unanswered(self, now: float, owned: Callable[[str], bool]) -> dict[str, int]:
        """Negative mentions unanswered for over an hour, per owned configured brand.

        Args:
            now: the event-time clock (the watermark).
            owned: whether this worker currently owns a brand.
        """
        return {brand: self.state(brand).replies.unanswered(now) for brand in self.book.brands
                if owned(brand) and (brand in self.cache or self.load(brand))}

    def rescan(self, stored: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """Find owned brands that need attention after recovery.

        Adds non-normal brands to the tick set; returns brands with an unsent outbox.

        Args:
            stored: ``(brand, state dict)`` pairs of the owned partitions.
        """
        pending = []
        for brand, d in stored:
            if d.get("state", "normal") != "normal" or d.get("hold_until_calm"):
                self.active.add(brand)
            if (d.get("meta") or {}).get("outbox") and brand not in self.cache:
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
            st = self.cache.get(brand)
            if st is not None:
                write(brand, state_dict(st))
            self.dirty.discard(brand)
        self.metrics.checkpoints.inc(len(todo))
        return len(todo)

    def _duplicate(self, st: BrandState, mention_id: str) -> bool:
        if self.dedupe_per_brand <= 0:
            return False
        h = id_hash(mention_id)
        seen = self.idsets.setdefault(st.brand, set())
        if h in seen:
            return True
        ids: list[int] = st.meta.setdefault("ids", [])
        ids.append(h)
        seen.add(h)
        if len(ids) > self.dedupe_per_brand * 1.25:
            drop = ids[: len(ids) - self.dedupe_per_brand]
            del ids[: len(drop)]
            seen.difference_update(drop)
            seen.update(ids)
        return False

    def _command(self, st: BrandState, data: dict[str, Any]) -> list[Transition]:
        action = data.get("action")
        if action not in ACTIONS:
            log.warning("ignoring command with unknown action %r", action)
            return []
        out = override(st, action, float(data["ts"]), self.book.get(st.brand),
                       by=str(data.get("by") or "unknown"), why=str(data.get("why") or ""))
        overrides = st.meta.get("overrides") or []
        if overrides:
            overrides[-1]["command_id"] = data.get("command_id")
        self.metrics.overrides.labels(brand=self.metrics.brand_label(st.brand),
                                      action=action).inc()
        return out

    def _note(self, st: BrandState, trans: list[Transition]) -> None:
        label = self.metrics.brand_label(st.brand)
        for t in trans:
            delay = time_to_detect(t)
            if delay is not None:
                self.metrics.time_to_detect.observe(delay)
            if t.state != t.previous:
                self.metrics.transitions.labels(brand=label, from_state=t.previous,
                                                to_state=t.state, test=t.test).inc()
                st.meta["reason"], st.meta["test"] = t.reason, t.test
        if trans:
            set_state(self.metrics, st.brand, st.state, st.paused, st.last_verdict)
        self._track(st)

    def _track(self, st: BrandState) -> None:
        if not st.needs_ticks:
            self.active.discard(st.brand)
        else:
            self.active.add(st.brand)


def state_dict(st: BrandState) -> dict[str, Any]:
    """``st.to_dict()`` with its own copy of ``meta`` (the table keeps the dict).

    Args:
        st: the state.
    """
    d = st.to_dict()
    d["meta"] = _copy_meta(st.meta)
    return d


def _position(meta: Mapping[str, Any]) -> tuple[int, int]:
    """How far into ``mentions.scored`` a state is: (partition, offset)."""
    return int(meta.get("p", -1)), int(meta.get("off", -1))


def _copy_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(meta)
    for key in ("ids", "outbox", "overrides"):
        if key in out and isinstance(out[key], list):
            out[key] = list(out[key])
    return out


def _copy_state_dict(d: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(d)
    out["meta"] = _copy_meta(d.get("meta") or {})
    return out
