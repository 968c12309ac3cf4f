"""The agents: *score* (stateless, spreads), *detect* (keyed by brand), and *act*.

* **score** is not an agent but a batch loop run as a Faust service
  (:mod:`streams.worker.scoring`): it reads ``mentions`` (any key), validates
  against the wall clock, scores, and produces an Observation keyed by brand to
  ``mentions.scored``: that is the repartition (no ``group_by``). Bad input goes
  to ``mentions.dlq``. The brand's own posts are not scored; those replying to a
  mention go on as ``kind="own"`` (they answer it). It packs each scored
  partition's observations of a batch into few records.
* **detect** reads ``mentions.scored`` in batches (``noack_take``) and applies
  them in chunks (:mod:`streams.worker.scored`); events are
  acknowledged only after the states that reflect them are checkpointed. Each
  full checkpoint ends with a position marker per partition; after a rebalance a
  partition that starts past its marker (or, without a marker, past offset 0)
  has the gap read directly from the broker (:mod:`streams.worker.positions`),
  whatever offset the consumer group had committed.
* **act** (:func:`act`) produces alerts, the pause flag and the public state
  through the brand's outbox (:mod:`streams.worker.outbox`).
* a 1 s timer advances non-normal brands to the watermark, checkpoints,
  publishes changed states and refreshes pause flags; a 5 s timer exports
  consumer lag and unanswered negative mentions.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from detectors.sentiment.scorer import Scorer
from streams.settings import Settings
from streams.worker import bounds, brokerwatch
from streams.worker.metrics import drop_brands, init_series, set_lag, set_unanswered
from streams.worker.publishing import (
    act,
    checkpoint,
    checkpoint_due,
    publish,
    send_outboxes,
    writing,
)
from streams.worker.runtime import Runtime
from streams.worker.scored import detect_batch, timed
from streams.worker.scoring import ScoreLoop

log = logging.getLogger(__name__)
RESCAN_SECONDS = 10.0
# distinct texts the worker's scorer remembers (a retweet arrives soon after its original);
# a remembered result costs about 1.6 KB, so the scorer's default of 65,536 grew a worker
# by about 100 MB after that many distinct mentions (measured with tracemalloc)
SCORE_CACHE = 8192
GAUGE_SECONDS = 5.0
# mentions.scored records are packs of hundreds of mentions: Faust's take waits for this
# many records or this long, whichever comes first (a count of 1,000 records was never
# reached, so every batch waited the whole 0.1 s before detection started)
DETECT_TAKE = 16
DETECT_WAIT = 0.02


def register(rt: Runtime) -> None:
    """Register agents, timers, tasks and rebalance hooks on ``rt.app``.

    Args:
        rt: the worker runtime.
    """
    app, s = rt.app, rt.settings
    scorer = Scorer(cache_size=SCORE_CACHE)  # the worker's one scorer (the score loop's)
    _register_notifier(rt)
    init_series(rt.metrics, rt.book.brands)

    # the score hop (its own consumer group): started with the app, stopped after Faust's
    # consumer (see FirebreakApp)
    app.companion = rt.score_loop = ScoreLoop(s, rt.metrics, scorer, book=rt.book,
                                              gate=rt.writes_done)

    @app.agent(rt.t_scored, name="firebreak.detect")
    async def detect(stream: Any) -> None:
        rt.detect_stream = stream
        # decide nothing before the flag topic is read: a fresh state must see a pause carried
        # over a broker reset before it is checkpointed or flagged (nothing taken, nothing to ack)
        await rt.view.caught_up.wait()
        async for events in stream.noack_take(min(s.batch_size, DETECT_TAKE),
                                              within=min(s.batch_seconds, DETECT_WAIT)):
            await detect_batch(rt, events)

    @app.timer(1.0)
    async def housekeeping() -> None:
        bounds.beat(rt)
        if rt.detect_stream is None or rt.stopping or not brokerwatch.trusted(rt):
            return
        if not rt.recovered():
            # a rebalance waits for every event to be acknowledged: checkpoint them
            if rt.pending:
                async with rt.lock:
                    await checkpoint(rt)
            return
        await tick(rt)

    @app.timer(GAUGE_SECONDS)
    async def gauges() -> None:
        await export_gauges(rt)

    @app.task
    async def start_view() -> None:
        await rt.declare_topics()
        await rt.view.run()

    @app.task
    async def drop_monitor() -> None:
        # Faust's Monitor sensor records every event, send and commit (its numbers
        # feed only Faust's own /stats page); Firebreak exports its own metrics.
        if app.monitor in set(app.sensors):
            app.sensors.remove(app.monitor)

    signals: Any = app  # Faust types signal receivers narrower than its own docs show

    @signals.on_partitions_revoked.connect
    async def on_revoked(app: Any, revoked: Any, **kwargs: Any) -> None:
        await rebalanced(rt)

    @signals.on_partitions_assigned.connect
    async def on_assigned(app: Any, assigned: Any, **kwargs: Any) -> None:
        await rebalanced(rt)  # the checkpoint is normally a no-op: revocation already wrote it

    rt.agents = (detect, housekeeping)


async def rebalanced(rt: Runtime) -> None:
    """Checkpoint, then drop the cached states: the recovered table is the truth.

    Nothing is written to a broker that is away or came back empty (a rejoin after a
    broker reset): the states stay for the re-publishing of pauses, and the markers
    not written make the next owner re-read what they would have covered.

    Args:
        rt: the worker runtime.
    """
    same = not rt.stopping and await brokerwatch.same_broker(rt)  # stopping: checkpoint done
    async with rt.lock:
        rt.generation += 1  # a detect batch taken before this ends at its next chunk
        if same:
            await checkpoint(rt)
        if rt.broker is None or rt.broker.reset is None:
            forget(rt)  # (after a reset the states stay for re-publishing the pauses)


def forget(rt: Runtime) -> None:
    """Drop cached states and read positions after a rebalance: the recovered table is the truth.

    Args:
        rt: the worker runtime.
    """
    rt.core.reset()
    rt.cursor.reset()
    rt.marked.clear()
    rt.rescan_due = True


async def tick(rt: Runtime) -> None:
    """The 1 s housekeeping: rescan, advance, checkpoint, publish, refresh flags.

    Args:
        rt: the worker runtime.
    """
    s = rt.settings
    now = time.time()
    async with rt.lock, timed("housekeeping"):
        await _tick(rt, s, now)


async def _tick(rt: Runtime, s: Settings, now: float) -> None:
    """The body of :func:`tick` (caller holds the lock)."""
    parts = rt.owned_partitions()
    rescan = rt.rescan_due or now - rt.last_rescan >= RESCAN_SECONDS
    if rescan:
        rt.rescan_due = False
        rt.last_rescan = now
        unsent = rt.core.rescan(rt.owned_items())
        if unsent:
            log.info("re-sending the outbox of %d brand(s) after recovery", len(unsent))
            with writing(rt):
                await send_outboxes(rt, unsent)
    watermark = event_clock(rt, now)
    if watermark:
        decisions = rt.core.tick(watermark, lambda b: rt.owned(b, parts))
        if decisions:
            await act(rt, decisions)
    if rt.core.dirty and checkpoint_due(rt):
        await checkpoint(rt)
    elif rt.pending and not rt.core.dirty:
        await checkpoint(rt)
    if rt.carry is not None:
        rt.carry.adopt_pending(parts, scan=rescan)  # pauses that outlived their state
    await publish(rt, now, parts)
    await bounds.housekeep(rt, now, parts, watermark)


def event_clock(rt: Runtime, now: float) -> float | None:
    """The watermark: the newest event time seen, or in ``live`` mode at least now - lateness.

    Args:
        rt: the worker runtime.
        now: wall-clock time.
    """
    watermark = rt.core.event_max
    if rt.settings.watermark == "live":
        watermark = max(watermark or 0.0, now - rt.settings.allowed_lateness)
    return watermark


async def export_gauges(rt: Runtime) -> None:
    """Refresh the consumer-lag and unanswered-negatives gauges (cheap; every few seconds).

    Args:
        rt: the worker runtime.
    """
    set_lag(rt.metrics, await rt.lag_by_partition())
    if rt.detect_stream is None or not rt.recovered():
        return
    async with rt.lock:
        watermark = event_clock(rt, time.time())
        if watermark:
            parts = rt.owned_partitions()
            set_unanswered(rt.metrics, rt.core.unanswered(
                watermark, owned=lambda b: rt.owned(b, parts)))
            drop_brands(rt.metrics, [b for b in rt.book.brands if not rt.owned(b, parts)])


def _register_notifier(rt: Runtime) -> None:
    """Deliver alerts to every sink the settings configure (found by streams.alerting.sinks)."""
    from streams.alerting.notifier import Notifier, create_metrics
    from streams.alerting.notifier import register as register_notify

    notifier = Notifier.from_settings(rt.settings, create_metrics(rt.registry))
    if notifier is None:
        return
    rt.notifier = notifier
    register_notify(rt.app, notifier, rt.t_alerts, rt.t_state)
