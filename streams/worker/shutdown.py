"""Clean shutdown: a final checkpoint before Faust stops the consumer and the producer.

On SIGTERM Faust's worker stops the app: it revokes the partitions, waits for the
streams, flushes and stops the producer. Left to itself, the 1 s housekeeping timer
kept running into a stopped producer (``NotReady('Producer service not yet
started')``), and waiting for events that only a checkpoint acknowledges took
until the process was killed. So :func:`final_checkpoint` runs first (the app's
``before_stop`` hook, see :class:`streams.worker.runtime.FirebreakApp`):

1. ``rt.stopping`` is set: housekeeping does nothing more;
2. under the detect lock, every dirty brand state is written straight to the
   table's changelog (:func:`streams.worker.publishing.checkpoint`, as every
   checkpoint does), then the position markers, and the events they reflect are
   acknowledged;
3. the producer is flushed, so the changelog holds them before the worker exits.

Events read after that are not acknowledged (the app does not wait for them,
``stream_wait_empty=False``): the next owner reads them again and the per-brand
offsets in the states skip what was already counted.
"""

from __future__ import annotations

import logging
import time

from streams.worker.publishing import checkpoint
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


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
        # every dirty state straight to the changelog, the position markers, the acknowledgements
        dirty = await checkpoint(rt)
        await rt.app.producer.flush()
    log.warning("stopping: final checkpoint wrote %d brand state(s) in %.2f s (%.2f CPU-s)",
                dirty, time.monotonic() - t0, time.process_time() - c0)
