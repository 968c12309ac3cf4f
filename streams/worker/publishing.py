"""The output side of the detect stage: checkpoints, outboxes and publishing states and flags.

A decision is persisted in its brand's outbox before anything is sent, so a crash
between the two re-sends it after recovery (see :mod:`streams.worker.outbox`).
"""

from __future__ import annotations

import socket
import time

from streams.wire.alert import AlertEvent
from streams.wire.base import at
from streams.wire.flags import HEARTBEAT_KEY, HEARTBEAT_SECONDS, Heartbeat
from streams.wire.messages import dumps, flag_message, state_message
from streams.worker import outbox as actions
from streams.worker.bounds import flag_kept
from streams.worker.detect import Decision
from streams.worker.metrics import set_state
from streams.worker.runtime import Runtime

PUBLISH_PER_TICK = 300  # states per housekeeping run; configured brands first


async def checkpoint(rt: Runtime) -> None:
    """Write every dirty brand once, then the position markers, then acknowledge the events.

    Args:
        rt: the worker runtime.
    """
    rt.core.checkpoint(rt.write_state)
    rt.write_markers()
    rt.last_checkpoint = time.monotonic()
    pending, rt.pending = rt.pending, []
    stream = rt.detect_stream
    for ev in pending:
        await stream.ack(ev)


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
    rt.core.checkpoint(rt.write_state, brands)  # persist the outboxes (acks wait for checkpoint)
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
        rt.core.checkpoint(rt.write_state, sent)


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
    for brand in order[:PUBLISH_PER_TICK]:
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
