"""Assemble a worker: the runtime, its agents and its HTTP views."""

from __future__ import annotations

import gc
from functools import partial

from prometheus_client import CollectorRegistry

from streams.api import routes as web
from streams.settings import Settings
from streams.worker import agents, brokerwatch, carryover, shutdown
from streams.worker.lognoise import quiet_idle_stream_errors
from streams.worker.runtime import Runtime

# the cyclic collector's generation thresholds (Python's are 700, 10, 10): a detect chunk keeps
# thousands of decoded items alive for a moment, they outlived the young generations and a
# full collection, which walks every window entry and author count of every brand, ran 22
# times in a 100,000-mention backlog, up to 1.2 s each (the "woke up too late" lines)
GC_THRESHOLDS = (20_000, 20, 20)


def tune_gc() -> None:
    """Collect, move what start-up built out of the collector's way, and collect less often.

    The worker command calls it once, after :func:`build` (app, tables, scorer and its
    models) and just before the worker runs; it changes the whole process, so ``build``
    itself (tests build many runtimes) does not.
    """
    gc.collect()
    gc.freeze()  # modules, Faust, settings: not walked by every later full collection
    gc.set_threshold(*GC_THRESHOLDS)


def build(settings: Settings, registry: CollectorRegistry | None = None) -> Runtime:
    """Build a worker: app, topics, table, agents, timers and HTTP views.

    Args:
        settings: validated settings.
        registry: metrics registry (``exposition.worker_registry()`` when ``None``).
    """
    quiet_idle_stream_errors()
    rt = Runtime(settings, registry)
    rt.carry = rt.core.carried = carryover.Carry(rt)
    agents.register(rt)
    rt.app.before_stop = partial(shutdown.final_checkpoint, rt)
    brokerwatch.register(rt)
    if settings.web_enabled:
        web.register(rt)
    return rt
