"""Bounded state and publishing: eviction of idle brands, timer lag.

Housekeeping (:func:`housekeep`, from the 1 s timer) keeps what a worker holds and
publishes independent of how many brand names arrive:

* **sweep** (every :data:`SWEEP_SECONDS`): rebuilds the set of tracked
  unconfigured brands from the table (after a rebalance the table is the truth),
  exports ``firebreak_tracked_brands``, and evicts unconfigured brands that
  cost nothing to forget (:func:`detectors.admission.is_idle`): dropped from the
  detect core's cache, tombstoned in the table (so in its changelog) and on
  ``brand.state`` and ``promotion.control`` (so every worker's view and the
  compacted topics forget them too). At most :data:`EVICT_PER_SWEEP` per sweep.
* **flags**: pause flags are published when they change, and refreshed only for
  brands that matter to a reader (:func:`flag_kept`); the worker heartbeat that tells
  readers the flags are live is one record for all brands
  (:mod:`streams.worker.publishing`, key ``_heartbeat``).
* **beat**: how late the timer ran, as ``firebreak_housekeeping_delay_seconds``; its
  first run moves the start-up objects out of the garbage collector's way (``gc.freeze``).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Mapping
from typing import Any

from detectors.admission import is_idle
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)
SWEEP_SECONDS = 10.0
EVICT_PER_SWEEP = 2000
TIMER_INTERVAL = 1.0


def beat(rt: Runtime) -> None:
    """Record how late the 1 s housekeeping timer ran (call first thing in the timer).

    Args:
        rt: the worker runtime.
    """
    now = time.monotonic()
    if rt.last_beat is None:
        # start-up objects (modules, Faust, the scorer's model) live as long as the
        # process: keep them out of every full collection (about 0.2 s each, measured)
        gc.freeze()
    else:
        rt.metrics.housekeeping_delay.observe(max(0.0, now - rt.last_beat - TIMER_INTERVAL))
    rt.last_beat = now


def flag_kept(rt: Runtime, brand: str, meta: Mapping[str, Any]) -> bool:
    """Whether the periodic flag refresh re-publishes ``brand``'s flag.

    Configured brands, and unconfigured ones that ever had a flag published
    (they were paused or left ``normal``); an unconfigured brand that only ever
    was normal has no flag record ("never paused") and costs nothing.

    Args:
        rt: the worker runtime.
        brand: the brand slug.
        meta: its state's ``meta``.
    """
    return rt.book.is_configured(brand) or meta.get("flag") is not None


async def housekeep(rt: Runtime, now: float, parts: set[int], watermark: float | None) -> None:
    """Sweep when due (caller holds the lock).

    Args:
        rt: the worker runtime.
        now: wall-clock time.
        parts: owned ``mentions.scored`` partitions.
        watermark: the event clock, if any.
    """
    if now - rt.last_sweep >= SWEEP_SECONDS:
        rt.last_sweep = now
        await sweep(rt, watermark)


async def sweep(rt: Runtime, watermark: float | None) -> list[str]:
    """Re-count the tracked brands and evict idle unconfigured ones; returns those evicted.

    Args:
        rt: the worker runtime.
        watermark: the event clock (nothing is evicted without one).
    """
    core, adm = rt.core, rt.core.admission
    items = rt.owned_items()
    configured = sum(1 for brand, _ in items if rt.book.is_configured(brand))
    if adm is None:
        return []
    unconf = [(brand, d) for brand, d in items if not rt.book.is_configured(brand)]
    cached = {brand for brand in core.states if not rt.book.is_configured(brand)}
    adm.retrack({brand for brand, _ in unconf} | cached)
    victims: list[str] = []
    if watermark is not None:
        victims = [brand for brand, d in unconf
                   if brand not in core.dirty and is_idle(d, watermark, adm.idle_seconds)
                   ][:EVICT_PER_SWEEP]
    for brand in victims:
        await evict(rt, brand)
    rt.metrics.tracked_brands.labels(kind="configured").set(configured)
    rt.metrics.tracked_brands.labels(kind="unconfigured").set(len(adm.tracked))
    if victims:
        await rt.app.producer.flush()
        log.info("evicted %d idle unconfigured brand(s); %d tracked", len(victims),
                 len(adm.tracked))
    return victims


async def evict(rt: Runtime, brand: str) -> None:
    """Forget ``brand`` everywhere this worker keeps or published it.

    Args:
        rt: the worker runtime.
        brand: the brand slug (unconfigured, idle).
    """
    rt.core.evict(brand)
    rt.core.to_publish.discard(brand)
    rt.published_at.pop(brand, None)
    if brand in rt.table.data:
        del rt.table[brand]  # a tombstone on the changelog
    key = brand.encode("utf-8")
    send = rt.app.producer.send
    await send(rt.names.state, key, None, None, None, None)
    await send(rt.names.control, key, None, None, None, None)
    rt.metrics.evicted.inc()
