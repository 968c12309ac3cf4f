"""The one multi-brand detection driver: what replay and the stream's detect stage both run.

Per scored observation it drops duplicates, notes replies (a brand's own post
answers a mention; it is not observed), observes, and keeps the set of brands
that need event-time ticks so a crisis can end in silence. Human overrides go
through :meth:`Driver.command`. Three things are passed in:

* **a store** -- ``load(brand)`` returns a stored ``BrandState`` dict or ``None``
  (the stream's Faust table; replay keeps states in memory only);
* **a dedupe policy** -- :class:`RecentIds` (one bounded LRU of ids for all brands)
  or :class:`PerBrandIds` (the last N ids of each brand, kept in its state so a
  restarted worker still knows them);
* **hooks** -- :class:`Hooks`, whose methods do nothing; the stream plugs in its
  Prometheus metrics (in the spirit of Faust's ``Sensor``).

A fresh state (no stored one) asks the optional ``carried`` look-up for its
brand's published pause flag and adopts a paused one (:mod:`detectors.crisis.carry`):
a pause that survived a lost state is kept, not overwritten by "not paused".

An optional :class:`~detectors.admission.Admission` bounds how many unconfigured
brands have state (the stream sets one; replay keeps every brand): a mention of a
brand past the cap is counted and dropped, and :meth:`Driver.evict` forgets an
idle one.

Nothing here reads a clock: time is the events' own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from detectors.admission import Admission
from detectors.config import BrandBook
from detectors.crisis import carry, pausing
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.replies import ANSWER_WITHIN, id_hash
from detectors.crisis.state import (
    Action,
    BrandState,
    Observation,
    Transition,
    advance,
    observe,
    track_reply,
)

ACTIONS: tuple[Action, ...] = ("pause", "resume", "acknowledge", "force", "release")


class Hooks:
    """Instrumentation points of the driver; every method is a no-op here."""

    def duplicate(self, brand: str) -> None:
        """A mention id seen before was dropped."""

    def untracked(self, brand: str) -> None:
        """A mention of an unconfigured brand past the admission cap was dropped."""

    def observed(self, brand: str, obs: Observation, source: str | None, late: bool) -> None:
        """An observation was applied (``late``: it arrived behind its brand's clock)."""

    def overridden(self, brand: str, action: str) -> None:
        """A person's command was applied."""

    def transitions(self, st: BrandState, out: list[Transition]) -> None:
        """Transitions ``out`` of ``st`` (never empty)."""


class Dedupe(Protocol):
    """A de-duplication policy: remembers ids, says whether one was seen."""

    def seen(self, st: BrandState, mention_id: str) -> bool:
        """Remember ``mention_id`` for ``st``'s brand; True when it was seen recently."""
        ...

    def loaded(self, st: BrandState) -> None:
        """``st`` was (re)loaded from the store: re-read any ids it carries."""
        ...

    def forget(self) -> None:
        """Drop what is cached outside the states (the store is the truth again)."""
        ...

    def drop(self, brand: str) -> None:
        """Drop what is cached for ``brand`` (evicted)."""
        ...


class RecentIds:
    """The last ``size`` (brand, id) pairs across all brands, in memory (replay).

    Args:
        size: how many ids to remember.
    """

    def __init__(self, size: int = 500_000) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def seen(self, st: BrandState, mention_id: str) -> bool:
        key = (st.brand, mention_id)
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False

    def loaded(self, st: BrandState) -> None:
        """States carry no ids under this policy."""

    def forget(self) -> None:
        """Nothing is cached outside memory: keep the ids."""

    def drop(self, brand: str) -> None:
        """Ids age out of the shared window on their own."""


class PerBrandIds:
    """The last ``per_brand`` id hashes of each brand, kept in its ``meta["ids"]`` (stream).

    The list in the state survives checkpoints and takeovers; the set is a cache.

    Args:
        per_brand: ids per brand (0 turns de-duplication off).
    """

    def __init__(self, per_brand: int = 1000) -> None:
        self.per_brand = per_brand
        self._sets: dict[str, set[int]] = {}

    def seen(self, st: BrandState, mention_id: str) -> bool:
        if self.per_brand <= 0:
            return False
        h = id_hash(mention_id)
        ids: list[int] = st.meta.setdefault("ids", [])
        seen = self._sets.get(st.brand)
        if seen is None:
            seen = self._sets[st.brand] = set(ids)
        if h in seen:
            return True
        ids.append(h)
        seen.add(h)
        if len(ids) > self.per_brand * 1.25:
            drop = ids[: len(ids) - self.per_brand]
            del ids[: len(drop)]
            seen.difference_update(drop)
            seen.update(ids)
        return False

    def loaded(self, st: BrandState) -> None:
        """Re-read the ids of a state that was (re)loaded from the store."""
        self._sets[st.brand] = set(st.meta.get("ids", ()))

    def forget(self) -> None:
        self._sets.clear()

    def drop(self, brand: str) -> None:
        self._sets.pop(brand, None)


class Driver:
    """Detection for any number of brands over scored observations.

    Args:
        book: brand configuration.
        load: the stored state dict of a brand, or ``None`` (default: nothing stored).
        dedupe: the de-duplication policy (default :class:`RecentIds`).
        hooks: instrumentation (default: none).
        baselines: learned baselines (warm start) for brands that have no stored state.
        admission: bounds the unconfigured brands with state (default: no bound).
        carried: the published pause flag of a brand that has no state (default: none).
    """

    def __init__(self, book: BrandBook, *, load: Callable[[str], Mapping[str, Any] | None] | None = None,
                 dedupe: Dedupe | None = None, hooks: Hooks | None = None,
                 baselines: Mapping[str, RhythmBaseline] | None = None,
                 admission: Admission | None = None,
                 carried: Callable[[str], carry.CarriedFlag | None] | None = None) -> None:
        self.book = book
        self.carried = carried
        self.baselines = dict(baselines or {})
        self.load = load or (lambda brand: None)
        self.dedupe: Dedupe = dedupe if dedupe is not None else RecentIds()
        self.hooks = hooks or Hooks()
        self.admission = admission
        self.states: dict[str, BrandState] = {}
        self.active: set[str] = set()
        self.event_max: float | None = None
        self.duplicates = 0
        self.own_posts = 0

    def state(self, brand: str) -> BrandState:
        """The state of ``brand``: cached, loaded from the store, or new."""
        st = self.states.get(brand)
        if st is None:
            stored = self.load(brand)
            st = BrandState.from_dict(dict(stored)) if stored else self.fresh(brand)
            self.adopt(st)
        return st

    def fresh(self, brand: str) -> BrandState:
        """A new state for ``brand``: seeded from its learned baseline, holding a carried pause.

        Args:
            brand: the brand slug.
        """
        st = BrandState.new(brand, self.book.get(brand))
        seed = self.baselines.get(brand)
        if seed is not None:
            st.baseline.seed_from(seed)
        flag = self.carried(brand) if self.carried is not None else None
        if flag is not None:
            carry.adopt(st, flag)
        return st

    def adopt(self, st: BrandState) -> None:
        """Cache ``st`` as its brand's state (a state loaded or recovered from the store)."""
        self.states[st.brand] = st
        self.dedupe.loaded(st)
        self.track(st)

    def apply_observation(self, obs: Observation, *, own: bool = False, source: str | None = None
                          ) -> list[Transition] | None:
        """Apply one scored observation; ``None`` when it was a duplicate or the brand's own post.

        Args:
            obs: the observation.
            own: whether the brand itself wrote it (it only answers mentions).
            source: where the mention came from (for the hooks).
        """
        if not self.admitted(obs.brand):
            return None
        st = self.state(obs.brand)
        if self.dedupe.seen(st, obs.mention_id):
            self.duplicates += 1
            self.hooks.duplicate(obs.brand)
            return None
        if self.book.is_configured(obs.brand):
            track_reply(st, obs, own=own)
        if own:
            self.own_posts += 1
            return None
        if self.event_max is None or obs.ts > self.event_max:
            self.event_max = obs.ts
        late = st.late
        carry.watch(st, obs.ts, self.book.get(obs.brand))
        out = observe(st, obs, self.book.get(obs.brand))
        self.hooks.observed(obs.brand, obs, source, st.late > late)
        self.note(st, out)
        return out

    def admitted(self, brand: str) -> bool:
        """Whether ``brand`` may have state (configured, known, or under the cap); counts a refusal.

        Args:
            brand: the brand slug.
        """
        adm = self.admission
        if adm is None or brand in adm.tracked or self.book.is_configured(brand):
            return True
        if adm.admit(brand, known=brand in self.states or bool(self.load(brand))):
            return True
        self.hooks.untracked(brand)
        return False

    def evict(self, brand: str) -> None:
        """Forget everything cached for ``brand`` (the caller drops it from the store).

        Args:
            brand: the brand slug.
        """
        self.states.pop(brand, None)
        self.active.discard(brand)
        self.dedupe.drop(brand)
        if self.admission is not None:
            self.admission.drop(brand)

    def command(self, brand: str, action: str, ts: float, *, by: str, why: str = "",
                for_minutes: float | None = None) -> list[Transition] | None:
        """Apply a person's decision; ``None`` for an unknown action or a bad ``for_minutes``.

        Args:
            brand: the brand slug.
            action: one of :data:`ACTIONS`.
            ts: event time of the command.
            by: who acted.
            why: their reason.
            for_minutes: a timed pause (:mod:`detectors.crisis.pausing`).
        """
        if action not in ACTIONS:
            return None
        if self.admission is not None and not self.book.is_configured(brand):
            self.admission.admit(brand, known=True)  # a person acted: always tracked
        st = self.state(brand)
        try:
            out = pausing.command(st, cast(Action, action), ts, self.book.get(brand), by=by,
                                  why=why, for_minutes=for_minutes)
        except ValueError:
            return None
        self.hooks.overridden(brand, action)
        self.note(st, out)
        return out

    def advance_all(self, watermark: float, owned: Callable[[str], bool] | None = None
                    ) -> dict[str, list[Transition]]:
        """Advance every brand that needs it to ``watermark`` (crises end in silence).

        Args:
            watermark: event time, POSIX seconds.
            owned: restricts to the brands this worker owns (default: all).

        Returns:
            The transitions per brand, for brands that had any.
        """
        out: dict[str, list[Transition]] = {}
        for brand in sorted(self.active):
            if owned is not None and not owned(brand):
                continue
            st = self.state(brand)
            carry.watch(st, watermark, self.book.get(brand))
            before = st.minute
            trans = advance(st, watermark, self.book.get(brand))
            trans += pausing.expire(st, watermark, self.book.get(brand))
            if st.minute != before:
                self.moved(st)
            self.note(st, trans)
            if trans:
                out[brand] = trans
        return out

    def unanswered(self, now: float, owned: Callable[[str], bool] | None = None,
                   after: float = ANSWER_WITHIN) -> dict[str, int]:
        """Negative mentions waiting longer than ``after`` s for an answer, per configured brand.

        Args:
            now: the event-time clock.
            owned: restricts to the brands this worker owns (default: all).
            after: seconds a mention may wait.
        """
        return {b: self.state(b).replies.unanswered(now, after) for b in self.book.brands
                if (owned is None or owned(b)) and (b in self.states or self.load(b))}

    def moved(self, st: BrandState) -> None:
        """A tick moved ``st``'s clock (a store-backed driver marks it to be written)."""

    def note(self, st: BrandState, out: list[Transition]) -> None:
        """Record why ``st`` is in its state, tell the hooks, keep the tick set right."""
        for t in out:
            if t.state != t.previous:
                st.meta["reason"], st.meta["test"] = t.reason, t.test
        if out:
            self.hooks.transitions(st, out)
        self.track(st)

    def track(self, st: BrandState) -> None:
        """Keep ``st``'s brand in the tick set exactly while it needs ticks."""
        if st.needs_ticks or pausing.pending(st):
            self.active.add(st.brand)
        else:
            self.active.discard(st.brand)

    def forget(self) -> None:
        """Drop every cached state (after a rebalance the store is the truth)."""
        self.states.clear()
        self.active.clear()
        self.dedupe.forget()
