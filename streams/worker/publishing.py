"""The output side of the detect stage: checkpoints, outboxes and publishing states and flags.

A decision is persisted in its brand's outbox before anything is sent, so a crash
between the two re-sends it after recovery (see :mod:`streams.worker.outbox`).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from streams.wire.alert import AlertEvent
from streams.wire.base import at
from streams.wire.flags import HEARTBEAT_KEY, HEARTBEAT_SECONDS, Heartbeat
from streams.wire.messages import dumps, flag_message, state_message
from streams.wire.topics import scored_key
from streams.worker import outbox as actions
from streams.worker.bounds import flag_kept
from streams.worker.detect import Decision
from streams.worker.metrics import set_state
from streams.worker.rows import TABLE_CODEC
from streams.worker.runtime import Runtime

PUBLISH_PER_TICK = 300  # states per housekeeping run; configured brands first
YIELD_EVERY = 100  # rows written or states published between two yields to the event loop
# A checkpoint writes each changed brand's whole row, its window included, so the bytes
# grow with the windows (about 10 MB a checkpoint with 100 mentions in each of 1,000
# brands' windows): the next checkpoint waits until the changelog has had this many
# bytes a second, at most LONGEST_GAP seconds (transitions are written at once anyway;
# events are acknowledged at the checkpoint, so a crash re-reads at most that much)
CHANGELOG_BYTES_PER_SECOND = 2_097_152
LONGEST_GAP = 10.0


async def checkpoint(rt: Runtime) -> int:
    """Write every dirty brand once, then the position markers, then acknowledge the events.

    Args:
        rt: the worker runtime.

    Returns:
        How many brand states it wrote.
    """
    rows: list[tuple[str, dict[str, Any]]] = []
    n = rt.core.checkpoint(lambda brand, value: rows.append((brand, value)))
    rows.extend(rt.markers_due())
    with writing(rt):
        written = await write_rows(rt, rows)
    rt.last_checkpoint = time.monotonic()
    rt.checkpoint_gap = checkpoint_gap(written, rt.settings.checkpoint_seconds)
    pending, rt.pending = rt.pending, []
    stream = rt.detect_stream
    if stream is not None:
        for ev in pending:
            await stream.ack(ev)
    return n


@contextmanager
def writing(rt: Runtime) -> Iterator[None]:
    """Hold the score loop back while the detect stage writes (``rt.writes_done`` cleared).

    A checkpoint writes one changelog record per changed brand, and Faust's producer waits
    a broker round trip per batch of 16 KiB: during a backlog each round trip waited for
    the score loop's chunks, so a checkpoint held the detect lock for seconds.

    Args:
        rt: the worker runtime.
    """
    rt.writing += 1
    rt.writes_done.clear()
    try:
        yield
    finally:
        rt.writing -= 1
        if not rt.writing:
            rt.writes_done.set()


def checkpoint_gap(written: int, shortest: float) -> float:
    """Seconds until the next checkpoint after one that wrote ``written`` bytes.

    Args:
        written: bytes the checkpoint wrote to the changelog.
        shortest: ``checkpoint_seconds``.
    """
    return max(shortest, min(written / CHANGELOG_BYTES_PER_SECOND, LONGEST_GAP))


def checkpoint_due(rt: Runtime) -> bool:
    """Whether the next checkpoint is due (see :func:`checkpoint_gap`).

    Args:
        rt: the worker runtime.
    """
    return time.monotonic() - rt.last_checkpoint >= rt.checkpoint_gap


async def write_rows(rt: Runtime, rows: list[tuple[str, dict[str, Any]]]) -> int:
    """Write table rows, their changelog records straight to the producer, in order.

    The records are Faust's own (the table's JSON codec, which Faust also decodes
    them with, on the partition its default partitioner gives the key, cached):
    the bytes ``table[key] = value`` writes, without its FutureMessage, buffer hop
    and sensor calls per row, so a checkpoint of hundreds of states no longer
    fills Faust's producer buffer ("producer buffer full"). The codec is orjson
    (about 15 µs for a state of 120 mentions; the standard encoder took 100).
    Faust's buffer (tombstones of evicted brands) is drained first, so a key's
    records keep their order. Faust flushes the producer before it commits input
    offsets, and events are acknowledged only after this returns.

    Args:
        rt: the worker runtime (caller holds the lock).
        rows: ``(key, value)`` pairs: brand states, then position markers.

    Returns:
        The bytes of the values written.
    """
    if not rows:
        return 0
    producer = rt.app.producer
    await producer.buffer.flush()
    topic, data, send = rt.table.changelog_topic.get_topic_name(), rt.table.data, producer.send
    encode, written = TABLE_CODEC.dumps, 0
    for i, (key, value) in enumerate(rows, 1):
        data[key] = value
        body = encode(value)
        written += len(body)
        await send(topic, scored_key(key), body, rt.partition(key), None, None)
        if i % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a checkpoint of thousands of states: let timers run
    return written


async def write_brands(rt: Runtime, brands: list[str]) -> None:
    """Write the states of ``brands`` now (see :func:`write_rows`).

    Args:
        rt: the worker runtime (caller holds the lock).
        brands: brand slugs.
    """
    rows: list[tuple[str, dict[str, Any]]] = []
    rt.core.checkpoint(lambda brand, value: rows.append((brand, value)), brands)
    await write_rows(rt, rows)


async def act(rt: Runtime, decisions: list[Decision]) -> None:
    """Produce the messages of ``decisions`` through each brand's outbox (caller holds the lock).

    Args:
        rt: the worker runtime.
        decisions: transitions per brand.
    """
    now = time.time()
    brands = []
    for d in decisions:
        st = rt.core.state(d.brand)
        actions.add_to_outbox(st, actions.plan(st, d, now))
        rt.core.dirty.add(d.brand)
        brands.append(d.brand)
    with writing(rt):  # a transition: its flag and alert before more scoring
        await write_brands(rt, brands)  # persist the outboxes (acks wait for checkpoint)
        await rt.app.producer.flush()
        await send_outboxes(rt, brands)


async def send_outboxes(rt: Runtime, brands: list[str]) -> None:
    """Send and clear the outboxes of ``brands``, then persist the cleared state.

    Args:
        rt: the worker runtime.
        brands: brands whose outbox (may be empty) to send.
    """
    topics = {"alerts": rt.t_alerts, "control": rt.t_control, "state": rt.t_state,
              "audit": rt.t_audit}
    sent = []
    for brand in dict.fromkeys(brands):
        st = rt.core.state(brand)
        rt.published_at[brand] = time.time()
        for kind, key, value in actions.take_outbox(st):
            if kind == "control" and actions.flag_flipped(st, value):
                rt.metrics.pause_flips.labels(brand=rt.metrics.brand_label(brand),
                                              paused=str(st.meta["flag"]).lower()).inc()
            if kind == "alerts":
                rt.metrics.alerts.labels(brand=rt.metrics.brand_label(brand),
                                         kind=AlertEvent.from_wire(value).kind).inc()
            await topics[kind].send(key=key.encode("utf-8"), value=dumps(value))
        rt.core.dirty.add(brand)
        sent.append(brand)
    if sent:
        await rt.app.producer.flush()
        await write_brands(rt, sent)


async def publish(rt: Runtime, now: float, parts: set[int]) -> None:
    """Publish changed public states; refresh the owned pause flags that matter and the heartbeat.

    Nothing before the worker's view has read ``promotion.control``: a fresh state
    may yet adopt a pause found there (:mod:`streams.worker.carryover`), and the
    heartbeat says whether the flag data was rebuilt, which only that topic tells.

    Args:
        rt: the worker runtime.
        now: wall-clock time.
        parts: owned partitions.
    """
    if not rt.view.caught_up.is_set():
        return
    every = rt.settings.state_publish_seconds
    due = {b for b in rt.core.to_publish if now - rt.published_at.get(b, 0.0) >= every}
    rt.core.to_publish -= due
    refresh = now - rt.last_flag_refresh >= rt.settings.flag_refresh_seconds
    if refresh:  # flags that matter to a reader; idle unconfigured brands have none
        rt.last_flag_refresh = now
        due |= {b for b, d in rt.owned_items() if flag_kept(rt, b, d.get("meta") or {})}
    order = sorted(due, key=lambda b: (not rt.book.is_configured(b), b))
    rt.core.to_publish.update(order[PUBLISH_PER_TICK:])  # the rest next second: bounded work
    for i, brand in enumerate(order[:PUBLISH_PER_TICK], 1):
        if i % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let timers and heartbeats run (caller holds the lock)
        if not rt.owned(brand, parts):
            continue
        rt.published_at[brand] = now
        st = rt.core.state(brand)
        set_state(rt.metrics, brand, st.state, st.paused, st.last_verdict)
        key = brand.encode("utf-8")
        # straight to the producer: Topic.send costs a FutureMessage and sensor calls each
        await rt.app.producer.send(rt.names.state, key, dumps(state_message(st, now).wire()),
                                   None, None, None)
        first = "flag" not in st.meta and (rt.book.is_configured(brand) or st.paused)
        if (refresh and flag_kept(rt, brand, st.meta)) or first:
            flag = flag_message(st, now)
            if first:
                st.meta["flag"] = flag.paused
                rt.core.dirty.add(brand)
            await rt.t_control.send(key=key, value=dumps(flag.wire()))
    if now - rt.last_heartbeat >= HEARTBEAT_SECONDS:  # after the flags: they are current
        rt.last_heartbeat = now
        rebuilt, settle = rt.carry.epoch(now) if rt.carry is not None else (None, None)
        beat = Heartbeat(worker=f"{socket.gethostname()}:{rt.settings.web_port}",
                         updated_at=at(now), started_at=at(rt.started_at),
                         rebuilt_at=at(rebuilt), settle_until=at(settle))
        await rt.t_control.send(key=HEARTBEAT_KEY.encode(), value=dumps(beat.wire()))
