"""Pause flags across a broker reset, on the worker's side.

Three things keep a pause from being lost with the broker's data
(docs/streaming.md, "Broker loss"):

* **re-publish** (:func:`republish`): a worker that finds its broker reset writes
  every pause it holds to the new, empty flag topic before it stops;
* **adopt** (:class:`Carry`): a worker that starts without a brand's state but finds
  a paused flag for it keeps it (:mod:`detectors.crisis.carry`). The flag topic is
  read through the worker's topic view, so a state created before the view has
  read the topic is checked again once it has; until then nothing is published
  that could overwrite a carried flag (:func:`streams.worker.publishing.publish`);
* **settle** (:meth:`Carry.epoch`): the first heartbeat on a flag topic that had
  none marks the flag data as rebuilt (``rebuilt_at``); for ``flag_settle_seconds``
  readers hold every brand whose flag has not changed since
  (:func:`streams.wire.flags.settling`), since what was paused before is unknown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from detectors.crisis import carry
from detectors.crisis.carry import CarriedFlag
from detectors.crisis.state import BrandState
from detectors.events import format_time
from streams.wire.admin import ensure_topics
from streams.wire.flags import HEARTBEAT_KEY, Heartbeat, PauseFlag
from streams.wire.messages import dumps, flag_message, state_message
from streams.worker.rows import state_of
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


def carried_flag(value: object) -> CarriedFlag | None:
    """The pause a flag record carries, or ``None`` (not a flag, or not paused).

    Args:
        value: what the topic view holds for a brand on ``promotion.control``.
    """
    if not isinstance(value, PauseFlag) or not value.paused:
        return None
    return CarriedFlag(paused=True, reason=value.reason, since=_ts(value.since),
                       state=value.state, crisis_id=value.crisis_id, until=_ts(value.until))


def _ts(value: Any) -> float | None:
    return None if value is None else float(value.timestamp())


class Carry:
    """The detect core's look-up of carried pauses, and the flag data's epoch.

    Args:
        rt: the worker runtime.
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.unchecked: set[str] = set()  # fresh states made before the view had read the topic
        self.scanned = False
        self.rebuilt_at: float | None = None
        self.settle_until: float | None = None
        self._epoch_known = False

    def __call__(self, brand: str) -> CarriedFlag | None:
        """The paused flag of ``brand`` on ``promotion.control`` (``None``: none, or not read yet).

        Args:
            brand: the brand slug.
        """
        view = self.rt.view
        if not view.caught_up.is_set():
            self.unchecked.add(brand)
            return None
        return carried_flag(view.get(self.rt.names.control, brand))

    def adopt_pending(self, parts: set[int], scan: bool) -> list[str]:
        """Adopt paused flags that have no state behind them; returns the brands (caller
        holds the lock).

        Checks the states made before the view had read the flag topic, and with
        ``scan`` (and the first time) every paused flag of an owned brand that has no
        state here. Nothing happens until the view has read the topic.

        Args:
            parts: owned partitions.
            scan: look at every paused flag on the topic.
        """
        rt = self.rt
        if not rt.view.caught_up.is_set():
            return []
        todo, self.unchecked = self.unchecked, set()
        if scan or not self.scanned:
            self.scanned = True
            todo |= {b for b, v in rt.view.values(rt.names.control).items()
                     if carried_flag(v) is not None and b not in rt.core.states}
        adopted = []
        for brand in sorted(todo):
            if rt.owned(brand, parts) and self._adopt(brand):
                adopted.append(brand)
        if adopted:
            log.warning("kept the pause of %d brand(s) whose state was lost (%s): promotion stays "
                        "held until the rules or a person end it", len(adopted),
                        ", ".join(adopted[:10]) + (" …" if len(adopted) > 10 else ""))
        return adopted

    def _adopt(self, brand: str) -> bool:
        rt, core = self.rt, self.rt.core
        flag = self(brand)
        if flag is None:
            return False
        st = core.states.get(brand)
        if st is None:
            if rt.table.data.get(brand):
                return False  # it has a state: the state is the truth
            if core.admission is not None and not rt.book.is_configured(brand):
                core.admission.admit(brand, known=True)  # a pause is always tracked
            st = core.state(brand)  # fresh: adopts the flag
            adopted = "carried" in st.meta
        else:
            adopted = carry.adopt(st, flag)
            core.track(st)
        if adopted:
            core.dirty.add(brand)
            core.to_publish.add(brand)
        return adopted

    def epoch(self, now: float) -> tuple[float | None, float | None]:
        """``(rebuilt_at, settle_until)`` for this worker's heartbeats (call once the view has
        read the flag topic): carried over from the newest heartbeat there, or, on a topic
        with none, the flag data begins now and settles for ``flag_settle_seconds``; an
        earlier beginning in another worker's later heartbeat is taken over.

        Args:
            now: wall-clock time.
        """
        prev = self.rt.view.get(self.rt.names.control, HEARTBEAT_KEY)
        if self._epoch_known:
            # two workers that found the topic empty together each began the data at their
            # own start: the earliest is when it began, and taking it makes their heartbeats
            # agree (a resume between the two would otherwise flip held/trusted every beat)
            if (isinstance(prev, Heartbeat) and prev.rebuilt_at is not None
                    and self.rebuilt_at is not None
                    and prev.rebuilt_at.timestamp() < self.rebuilt_at):
                log.info("flag data began at %s by %s's heartbeat, earlier than here: taking it",
                         format_time(prev.rebuilt_at), prev.worker)
                self.rebuilt_at, self.settle_until = _ts(prev.rebuilt_at), _ts(prev.settle_until)
        else:
            self._epoch_known = True
            if isinstance(prev, Heartbeat):
                self.rebuilt_at, self.settle_until = _ts(prev.rebuilt_at), _ts(prev.settle_until)
            else:
                settle = self.rt.settings.flag_settle_seconds
                self.rebuilt_at, self.settle_until = now, (now + settle if settle > 0 else None)
                held = (f"readers hold promotion for {settle:.0f} s for every brand whose flag "
                        "does not change meanwhile" if settle > 0 else "flag_settle_seconds is 0: "
                        "readers hold nothing for it")
                log.warning("no earlier heartbeat on %s (a broker reset, or a first start): the "
                            "flag data begins now; %s", self.rt.names.control, held)
        return self.rebuilt_at, self.settle_until


async def republish(rt: Runtime, budget: float) -> tuple[int, str | None]:
    """Write every pause this worker holds to the (new, empty) flag topic, with its public
    state, within ``budget`` seconds; returns ``(flags written, why it failed or None)``.

    The topics are created first with the configured partitions (a topic the
    broker created on first use would get its own default). No heartbeat is
    written: readers keep holding every brand until a worker on the new data
    publishes one.

    Args:
        rt: the worker runtime.
        budget: seconds at most.
    """
    t0 = time.monotonic()
    paused = _paused_states(rt)
    try:
        await asyncio.wait_for(_write(rt, paused), budget)
    except (TimeoutError, Exception) as exc:  # noqa: BLE001 - stopping anyway
        return 0, f"{type(exc).__name__} after {time.monotonic() - t0:.1f} s"
    return len(paused), None


async def _write(rt: Runtime, paused: list[BrandState]) -> None:
    s = rt.settings
    await asyncio.to_thread(ensure_topics, list(s.bootstrap), rt.names, s.partitions,
                            s.replication, 4.0)
    now = time.time()
    send = rt.app.producer.send
    for st in paused:
        key = st.brand.encode("utf-8")
        await send(rt.names.control, key, dumps(flag_message(st, now).wire()), None, None, None)
        await send(rt.names.state, key, dumps(state_message(st, now).wire()), None, None, None)
    await rt.app.producer.flush()


def _paused_states(rt: Runtime) -> list[BrandState]:
    """The paused brand states this worker holds: cached objects, then the table's.

    The whole table, not only the owned partitions: the broker's loss may already
    have revoked them, and a standby copy that is paused is safer re-published
    (another worker may write the same record) than lost.
    """
    out = {b: st for b, st in rt.core.states.items() if st.paused}
    for brand, d in list(rt.table.data.items()):
        if isinstance(d, dict) and d.get("paused") and brand not in out and "window" in d:
            try:
                out[brand] = state_of(d)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("paused state of %s not carried over, unreadable row: %s", brand, exc)
    return [out[b] for b in sorted(out)]
