"""Is the broker there, and is it still the broker this worker has been reading?

A background task asks the brokers every :data:`INTERVAL` seconds for their
metadata and the end offsets of ``mentions.scored``:

* **unreachable** -- no answer within :data:`TIMEOUT` s: ``/healthz`` says not
  ready (``"broker": "unreachable"``) until an answer comes back, and
  ``firebreak_broker_reachable`` is 0. Faust itself keeps retrying.
* **reset** -- the broker answers but ``mentions.scored`` is gone, or a partition
  ends before an end offset it reported earlier (offsets never go back on a
  broker that kept its data; Faust's recovery would stop on a ``ConsistencyError``).
  The states in this worker's memory reflect offsets the new broker never had, so
  they cannot be trusted against it. First, within a bounded time, it writes
  every pause it holds to the new flag topic
  (:func:`streams.worker.carryover.republish`), where a restarted worker adopts
  them; then it says what happened in one line and stops with exit code
  :data:`EXIT_BROKER_RESET`, without a final checkpoint. Started again it begins
  from what the broker has; see docs/streaming.md, "Broker loss".
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.worker.carryover import republish
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)
INTERVAL = 2.0
TIMEOUT = 4.0
EXIT_BROKER_RESET = 3
REPUBLISH_SECONDS = 6.0  # of the 10 s a stop may take


class Offsets:
    """End offsets seen so far per partition; says when the broker went back (pure).

    Args:
        topic: the topic watched (for the message).
    """

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.seen: dict[int, int] = {}

    def check(self, ends: Mapping[int, int] | None, read: Mapping[int, int] | None = None
              ) -> str | None:
        """Record ``ends``; the reason the broker was reset, or ``None``.

        Reset: the topic is gone after it held messages, a partition ends before an
        end offset reported earlier, or a partition is empty although this worker has
        read messages from it. (Tansu reports a partition's end as its last batch's
        first offset + 1, so an end below what was read is normal; an empty one is not.)

        Args:
            ends: end offset per partition now (``None``: the topic does not exist).
            read: per partition, the next offset this worker would read (what it has seen).
        """
        read = read or {}
        if ends is None:
            had = max(sum(self.seen.values()), sum(read.values()))
            return (f"{self.topic} no longer exists (it held {had} messages)" if had
                    else None)
        for p, end in sorted(ends.items()):
            before = self.seen.get(p, 0)
            if end < before:
                return f"{self.topic}[{p}] ends at offset {end}, before {before} seen earlier"
            if end == 0 and read.get(p, 0) > 0:
                return f"{self.topic}[{p}] is empty, but this worker read {read[p]} messages of it"
        for p, end in ends.items():
            self.seen[p] = max(end, self.seen.get(p, 0))
        return None


class BrokerWatch:
    """Probes the brokers for a worker; feeds ``/healthz`` and the broker gauge.

    Args:
        rt: the worker runtime.
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.reachable = True
        self.down_since: float | None = None
        self.offsets = Offsets(rt.names.scored)
        self._consumer: AIOKafkaConsumer | None = None
        self._probing = asyncio.Lock()  # the loop and a rebalance may ask at once
        self.reset: str | None = None  # why the broker turned out to be reset, once it did
        self._stopping: asyncio.Task[None] | None = None

    async def _ends(self) -> dict[int, int] | None:
        if self._consumer is None:
            self._consumer = AIOKafkaConsumer(
                bootstrap_servers=self.rt.settings.bootstrap, group_id=None,
                enable_auto_commit=False, request_timeout_ms=int(TIMEOUT * 1000),
                metadata_max_age_ms=int(INTERVAL * 1000))
            await self._consumer.start()
        consumer = self._consumer
        cluster = await consumer._client.fetch_all_metadata()  # a fresh answer, not the cache
        parts = cluster.partitions_for_topic(self.offsets.topic)
        if not parts:
            return None
        tps = [TopicPartition(self.offsets.topic, p) for p in sorted(parts)]
        if set(consumer.assignment()) != set(tps):
            consumer.assign(tps)
            consumer.pause(*tps)  # end offsets only: fetch no records
        ends = await consumer.end_offsets(tps)
        return {tp.partition: int(off) for tp, off in ends.items()}

    async def probe(self) -> str | None:
        """Ask the brokers once; returns why the broker was reset, if it was."""
        async with self._probing:
            return await self._probe()

    async def _probe(self) -> str | None:
        try:
            ends = await asyncio.wait_for(self._ends(), TIMEOUT)
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - not reachable
            _still_running(exc)
            await self._drop()
            if self.reachable:
                log.warning("broker unreachable (%s): not ready until it answers",
                            type(exc).__name__)
            self.reachable = False
            self.down_since = self.down_since or time.time()
            self.rt.metrics.broker_up.set(0)
            return None
        if not self.reachable:
            log.warning("broker reachable again after %.0f s", time.time() - (self.down_since or 0))
        self.reachable, self.down_since = True, None
        self.rt.metrics.broker_up.set(1)
        self.reset = self.reset or self.offsets.check(ends, dict(self.rt.cursor.next))
        return self.reset

    async def _drop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                await asyncio.wait_for(consumer.stop(), TIMEOUT)
            except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - replaced
                _still_running(exc)

    async def run(self) -> None:
        """Probe until cancelled, or until the broker turns out to be reset (then stop)."""
        try:
            while not self.rt.stopping:
                reason = await self.probe()
                if reason is not None:
                    await stop_after_reset(self.rt, reason)
                    return
                await asyncio.sleep(INTERVAL)
        finally:
            await self._drop()


def _still_running(exc: BaseException) -> None:
    """Re-raise ``exc`` when this task itself is being cancelled (a client's own
    cancellation inside ``wait_for`` is just a failed probe)."""
    task = asyncio.current_task()
    if isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling():
        raise exc


def trusted(rt: Runtime) -> bool:
    """Whether the worker may write to the broker now: it answered the last probe, and was
    the same broker. While it is away nothing is queued for it (states, flags, heartbeats):
    it may come back empty, and writes queued for the old one would land in the new one.

    Args:
        rt: the worker runtime.
    """
    return rt.broker is None or (rt.broker.reachable and rt.broker.reset is None)


async def same_broker(rt: Runtime) -> bool:
    """Probe now (before a rebalance writes states): False when the broker is away or was
    reset (then the worker stops, :func:`stop_after_reset`).

    Args:
        rt: the worker runtime.
    """
    watch = rt.broker
    if watch is None:
        return True
    if rt.exit_code == EXIT_BROKER_RESET:
        return False
    reason = await watch.probe()
    if reason is not None:
        if watch._stopping is None:
            watch._stopping = asyncio.get_running_loop().create_task(stop_after_reset(rt, reason))
        return False
    return bool(watch.reachable)


async def stop_after_reset(rt: Runtime, reason: str, budget: float = REPUBLISH_SECONDS) -> None:
    """Re-publish the pauses this worker holds, say in one line that the broker was reset,
    and stop the worker with a non-zero code.

    Args:
        rt: the worker runtime.
        reason: what showed the reset.
        budget: seconds for re-publishing (within the 10 s a stop may take).
    """
    if rt.exit_code == EXIT_BROKER_RESET:
        return  # already stopping for it
    rt.exit_code = EXIT_BROKER_RESET
    rt.stopping = True  # no housekeeping, no final checkpoint: its offsets belong to the old broker
    t0, c0 = time.monotonic(), time.process_time()
    held = False
    try:  # wait for a housekeeping run in progress, then write under the lock
        held = await asyncio.wait_for(rt.lock.acquire(), budget / 2)
    except TimeoutError:
        pass  # a batch stuck on the broker: write what the states say now
    try:
        n, failed = await republish(rt, max(0.5, budget - (time.monotonic() - t0)))
    finally:
        if held:
            rt.lock.release()
    carried = (f"it could not re-publish its pause flags ({failed})" if failed is not None
               else f"it re-published its {n} pause flag(s) to the new topic first (in "
                    f"{time.monotonic() - t0:.2f} s, {time.process_time() - c0:.2f} CPU-s)")
    log.error("broker reset: %s; this worker's state reflects data the broker no longer has, "
              "so it stops (exit %d) without writing it; %s; start it again to begin from the "
              "broker's data", reason, EXIT_BROKER_RESET, carried)
    os.kill(os.getpid(), signal.SIGTERM)


def register(rt: Runtime) -> BrokerWatch:
    """Run a :class:`BrokerWatch` as a task of ``rt.app``; returns it.

    Args:
        rt: the worker runtime.
    """
    watch = BrokerWatch(rt)
    rt.broker = watch

    @rt.app.task
    async def watch_broker() -> None:
        await watch.run()

    return watch
