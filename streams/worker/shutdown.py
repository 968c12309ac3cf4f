"""Clean shutdown: a final checkpoint before Faust stops the consumer and the producer.

On SIGTERM Faust's worker stops the app: it revokes the partitions, waits for the
streams, flushes and stops the producer. Left to itself, the 1 s housekeeping timer
kept running into a stopped producer (``NotReady('Producer service not yet
started')``), and waiting for events that only a checkpoint acknowledges took
until the process was killed. So :func:`final_checkpoint` runs first (the app's
``before_stop`` hook, see :class:`streams.worker.runtime.FirebreakApp`):

1. ``rt.stopping`` is set: housekeeping does nothing more;
2. under the detect lock, every dirty brand state is written straight to the
   table's changelog (:func:`write_dirty`), then the position markers, and the
   events they reflect are acknowledged;
3. the producer is flushed, so the changelog holds them before the worker exits.

Events read after that are not acknowledged (the app does not wait for them,
``stream_wait_empty=False``): the next owner reads them again and the per-brand
offsets in the states skip what was already counted.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from detectors.codec import dumps
from streams.wire.topics import scored_key
from streams.worker.publishing import checkpoint
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


async def write_dirty(rt: Runtime) -> int:
    """Write every dirty brand state to the table's changelog in bulk; returns how many.

    Straight to the producer with the bytes Faust's table writes (JSON key and value
    through the one encoder, the default partitioner on the key) instead of a table
    write's FutureMessage, buffer and sensor calls, so 10,000 states fit the 10 s a
    SIGTERM allows. The table's own copy is updated too.

    Args:
        rt: the worker runtime (caller holds the lock).
    """
    states: list[tuple[str, dict[str, Any]]] = []
    rt.core.checkpoint(lambda brand, value: states.append((brand, value)))
    topic = rt.table.changelog_topic.get_topic_name()
    send = rt.app.producer.send
    for brand, value in states:
        rt.table.data[brand] = value
        await send(topic, scored_key(brand), dumps(value),
                   None, None, None)
    return len(states)


async def final_checkpoint(rt: Runtime) -> None:
    """Stop housekeeping, write every dirty state and the markers, flush the producer.

    Args:
        rt: the worker runtime.
    """
    if rt.stopping:
        return
    rt.stopping = True
    t0, c0 = time.monotonic(), time.process_time()
    async with rt.lock:
        dirty = await write_dirty(rt)
        if rt.detect_stream is not None:
            await checkpoint(rt)  # the position markers, then the acknowledgements
        await rt.app.producer.flush()
    log.warning("stopping: final checkpoint wrote %d brand state(s) in %.2f s (%.2f CPU-s)",
                dirty, time.monotonic() - t0, time.process_time() - c0)
