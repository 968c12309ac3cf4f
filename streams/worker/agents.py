"""The agents: *score* (stateless, spreads), *detect* (keyed by brand), and *act*.

* **score** is not an agent but a batch loop run as a Faust service
  (:mod:`streams.worker.scoring`): it reads ``mentions`` (any key), validates
  against the wall clock, scores, and produces an Observation keyed by brand to
  ``mentions.scored``: that is the repartition (no ``group_by``). Bad input goes
  to ``mentions.dlq``. The brand's own posts are not scored; those replying to a
  mention go on as ``kind="own"`` (they answer it).
* **detect** reads ``mentions.scored`` in batches (``noack_take``); events are
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

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from detectors.sentiment.scorer import get_scorer
from streams.wire.messages import dumps
from streams.worker import bounds, brokerwatch
from streams.worker.detect import Decision
from streams.worker.metrics import drop_brands, init_series, set_lag, set_unanswered
from streams.worker.positions import Verdict
from streams.worker.publishing import act, checkpoint, publish, send_outboxes
from streams.worker.runtime import Runtime
from streams.worker.scoring import PACKED, ScoreLoop, reject

log = logging.getLogger(__name__)
RESCAN_SECONDS = 10.0
GAUGE_SECONDS = 5.0
GAP_SECONDS = 30.0  # give up on a gap when the broker returns nothing for this long


def register(rt: Runtime) -> None:
    """Register agents, timers, tasks and rebalance hooks on ``rt.app``.

    Args:
        rt: the worker runtime.
    """
    app, s = rt.app, rt.settings
    scorer = get_scorer()
    _register_notifier(rt)
    init_series(rt.metrics, rt.book.brands)

    @app.service
    class Score(ScoreLoop):
        """The score hop (its own consumer group), started and stopped with the app."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(s, rt.metrics, scorer, **kwargs)
            rt.score_loop = self

    @app.agent(rt.t_scored, name="firebreak.detect")
    async def detect(stream: Any) -> None:
        rt.detect_stream = stream
        # decide nothing before the flag topic is read: a fresh state must see a pause carried
        # over a broker reset before it is checkpointed or flagged (nothing taken, nothing to ack)
        await rt.view.caught_up.wait()
        async for events in stream.noack_take(s.batch_size, within=s.batch_seconds):
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


async def dead_letter(rt: Runtime, ev: Any, exc: Exception) -> None:
    """Route a rejected message to ``mentions.dlq`` with its reason and origin.

    Args:
        rt: the worker runtime.
        ev: the Faust event.
        exc: why it was rejected.
    """
    msg = ev.message
    raw = ev.value if isinstance(ev.value, (bytes, bytearray)) else msg.value
    await rt.t_dlq.send(key=msg.key, value=reject(rt.metrics, exc, raw, msg.topic, msg.partition,
                                                  msg.offset))


async def detect_batch(rt: Runtime, events: list[Any]) -> None:
    """Apply one batch of scored messages; act on transitions; checkpoint when due.

    Args:
        rt: the worker runtime.
        events: Faust events of ``mentions.scored``.
    """
    if rt.stopping:
        return  # stopping (a reset, SIGTERM): write nothing more; the events stay unacknowledged
    decisions: list[Decision] = []
    now = time.time()
    async with rt.lock:
        cur = rt.cursor
        for ev in events:
            msg = ev.message
            rt.pending.append(ev)
            p = msg.partition
            if not cur.started(p):
                cur.start(p, rt.marker(p))
            if cur.admit(p, msg.offset) is Verdict.FILL:
                await fill_gap(rt, msg, decisions, now)
            await decide(rt, ev, decisions, now)
        rt.core.flush_metrics()
        rt.metrics.batch_size.observe(len(events))
        if decisions:
            await act(rt, decisions)
        elif time.monotonic() - rt.last_checkpoint >= rt.settings.checkpoint_seconds:
            await checkpoint(rt)


async def decide(rt: Runtime, ev: Any, decisions: list[Decision], now: float) -> None:
    """Apply one scored message (caller holds the lock); collect its decision.

    Args:
        rt: the worker runtime.
        ev: a Faust event, or a :class:`ShapedEvent`.
        decisions: where to add its decision.
        now: wall-clock time of the batch.
    """
    msg = ev.message
    try:
        data = orjson.loads(ev.value)  # strict JSON, a third of json.loads' time
        items = data["items"] if data.get("kind") == PACKED else None
        if items is None:
            decision = rt.core.apply(data, msg.partition, msg.offset)
    except Exception as exc:  # noqa: BLE001
        await dead_letter(rt, ev, exc)
        return
    if items is not None:
        await decide_items(rt, msg, items, decisions, now)
        return
    in_ts = data.get("in_ts")
    if isinstance(in_ts, (int, float)) and in_ts > 0:
        rt.metrics.latency.observe(max(0.0, now - in_ts))
    if decision is not None:
        decisions.append(decision)


async def decide_items(rt: Runtime, msg: Any, items: list[Any], decisions: list[Decision],
                       now: float) -> None:
    """Apply the items of one packed record (:func:`streams.worker.scoring.pack`) in order.

    A bad item is a dead letter (with the record's origin); the others go on.

    Args:
        rt: the worker runtime (caller holds the lock).
        msg: the record's message (its partition and offset).
        items: the decoded observations.
        decisions: where to add decisions.
        now: wall-clock time of the batch.
    """
    moved: set[str] = set()
    apply, observe, p, off = rt.core.apply, rt.metrics.latency.observe, msg.partition, msg.offset
    for data in items:
        try:
            decision = apply(data, p, off, moved)
        except Exception as exc:  # noqa: BLE001
            await dead_letter(rt, ShapedEvent(dumps(data), msg), exc)
            continue
        in_ts = data.get("in_ts")
        if isinstance(in_ts, (int, float)) and in_ts > 0:
            observe(max(0.0, now - in_ts))
        if decision is not None:
            decisions.append(decision)
    await asyncio.sleep(0)  # hundreds of items: let timers and heartbeats run (lock held)


@dataclass
class GapMessage:
    """A ``mentions.scored`` record read directly to fill a gap (shaped as a Faust message)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: float


@dataclass
class ShapedEvent:
    """A value and its message shaped as a Faust event: a :class:`GapMessage`, or one item of
    a packed record (for its dead letter)."""

    value: bytes | None
    message: Any


async def fill_gap(rt: Runtime, msg: Any, decisions: list[Decision], now: float) -> None:
    """Read and apply the offsets of ``msg``'s partition between the cursor and ``msg``.

    They are read with a separate, group-less consumer: seeking the Faust consumer
    back does not work reliably (it drops re-fetched offsets below the last one it
    delivered). Caller holds the lock.

    Args:
        rt: the worker runtime.
        msg: the Faust message that arrived past the cursor.
        decisions: where to add decisions.
        now: wall-clock time of the batch.
    """
    p, end = msg.partition, msg.offset
    start = rt.cursor.next[p]
    log.info("scored partition %d: reading %d..%d again (states' position), before %d",
             p, start, end - 1, end)
    rt.metrics.rewinds.inc()
    tp = TopicPartition(msg.topic, p)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=rt.settings.bootstrap, enable_auto_commit=False, group_id=None,
        auto_offset_reset="earliest", max_partition_fetch_bytes=rt.settings.max_message_bytes,
        fetch_max_bytes=max(rt.settings.max_message_bytes, 52_428_800),
    )
    await consumer.start()
    n, deadline = 0, time.monotonic() + GAP_SECONDS
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        while await consumer.position(tp) < end:
            if time.monotonic() > deadline:
                log.error("scored partition %d: gap %d..%d stalled for %.0f s (read %d)",
                          p, start, end - 1, GAP_SECONDS, n)
                break
            batch = await consumer.getmany(tp, timeout_ms=200, max_records=5000)
            if batch.get(tp):
                deadline = time.monotonic() + GAP_SECONDS
            for rec in batch.get(tp, ()):
                if start <= rec.offset < end:
                    n += 1
                    gm = GapMessage(msg.topic, p, rec.offset, rec.key, rec.value,
                                    rec.timestamp / 1000.0)
                    await decide(rt, ShapedEvent(rec.value, gm), decisions, now)
    finally:
        await consumer.stop()
    rt.cursor.filled(p, end + 1)
    log.info("scored partition %d: read %d message(s) of the gap", p, n)


async def tick(rt: Runtime) -> None:
    """The 1 s housekeeping: rescan, advance, checkpoint, publish, refresh flags.

    Args:
        rt: the worker runtime.
    """
    s = rt.settings
    now = time.time()
    async with rt.lock:
        parts = rt.owned_partitions()
        rescan = rt.rescan_due or now - rt.last_rescan >= RESCAN_SECONDS
        if rescan:
            rt.rescan_due = False
            rt.last_rescan = now
            unsent = rt.core.rescan(rt.owned_items())
            if unsent:
                log.info("re-sending the outbox of %d brand(s) after recovery", len(unsent))
                await send_outboxes(rt, unsent)
        watermark = event_clock(rt, now)
        if watermark:
            decisions = rt.core.tick(watermark, lambda b: rt.owned(b, parts))
            if decisions:
                await act(rt, decisions)
        if rt.core.dirty and time.monotonic() - rt.last_checkpoint >= s.checkpoint_seconds:
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
