"""Assemble a worker: the runtime, its agents and its HTTP views."""

from __future__ import annotations

from functools import partial

from prometheus_client import CollectorRegistry

from streams.api import routes as web
from streams.settings import Settings
from streams.worker import agents, brokerwatch, carryover, shutdown
from streams.worker.lognoise import quiet_idle_stream_errors
from streams.worker.runtime import Runtime


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
