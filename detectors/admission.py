"""Which unconfigured brands a detection driver keeps state for (pure, no clock).

Anyone who can produce a mention can invent a brand name, so state for brands
nobody configured must stay bounded whatever names arrive:

* at most ``cap`` unconfigured brands are *tracked* (have a state); a mention of
  another one is counted (:attr:`Admission.refused`) and dropped -- configured
  brands, and commands a person sent, are always admitted;
* a tracked unconfigured brand that costs nothing to forget -- normal, not
  paused, not held until calm, nothing waiting to be sent, and quiet for
  ``idle_seconds`` of event time (:func:`is_idle`) -- may be evicted, which frees
  its place under the cap.

The driver asks :meth:`Admission.admit`; the stream's housekeeping finds idle
brands with :func:`is_idle` and evicts them (memory, table and published records).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_CAP = 5_000
DEFAULT_IDLE_SECONDS = 3600.0


class Admission:
    """The set of tracked unconfigured brands, bounded by ``cap``.

    Args:
        cap: how many unconfigured brands may have state at once (0: none).
        idle_seconds: event-time quiet after which an idle brand may be evicted.

    Raises:
        ValueError: a negative cap or a non-positive idle time.
    """

    def __init__(self, cap: int = DEFAULT_CAP, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        if cap < 0:
            raise ValueError(f"cap must be >= 0, got {cap}")
        if idle_seconds <= 0:
            raise ValueError(f"idle_seconds must be > 0, got {idle_seconds}")
        self.cap = cap
        self.idle_seconds = idle_seconds
        self.tracked: set[str] = set()
        self.refused = 0

    def admit(self, brand: str, known: bool) -> bool:
        """Whether ``brand`` (unconfigured) may have state; counts a refusal.

        Args:
            brand: the brand slug.
            known: it already has a state (cached or stored): always admitted.
        """
        if brand in self.tracked:
            return True
        if known or len(self.tracked) < self.cap:
            self.tracked.add(brand)
            return True
        self.refused += 1
        return False

    def retrack(self, brands: Iterable[str]) -> None:
        """Replace the tracked set (after a rebalance: the brands this worker now holds).

        Args:
            brands: unconfigured brands that have a state here.
        """
        self.tracked = set(brands)

    def drop(self, brand: str) -> None:
        """Forget ``brand`` (evicted): its place under the cap is free again.

        Args:
            brand: the brand slug.
        """
        self.tracked.discard(brand)


def last_activity(d: Mapping[str, Any]) -> float | None:
    """The newest event time a stored state shows activity at (mention, change, override).

    Args:
        d: a ``BrandState`` dict.
    """
    times = [d.get("last_ts"), d.get("since"), d.get("paused_since")]
    for o in (d.get("meta") or {}).get("overrides") or ():
        if isinstance(o, Mapping):
            times.append(o.get("at"))
    known = [float(t) for t in times if isinstance(t, (int, float))]
    return max(known) if known else None


def is_idle(d: Mapping[str, Any], watermark: float, idle_seconds: float) -> bool:
    """Whether a stored state costs nothing to forget at ``watermark``.

    Normal, not paused, not held until calm, an empty outbox, and no activity
    for ``idle_seconds`` (a state with no activity at all is idle).

    Args:
        d: a ``BrandState`` dict.
        watermark: event time, POSIX seconds.
        idle_seconds: quiet required.
    """
    meta = d.get("meta") or {}
    if d.get("state", "normal") != "normal" or d.get("paused") or d.get("hold_until_calm"):
        return False
    if meta.get("outbox"):
        return False
    last = last_activity(d)
    return last is None or watermark - last >= idle_seconds
