"""The demo's mention stream: the ``demo`` scenario re-timed for a live terminal.

The scenario's quiet hours become *history*: their event times lie in the past
and they are produced at once, so the baselines are warm. From
``live_from`` (two minutes before the crisis) the stream plays ``speed`` times
faster than real time, starting ``lead`` behind the wall clock, until it has
caught up; from then on it plays in real time. Event time therefore only moves
forward and never runs ahead of the wall clock (the far-future check holds),
and the crisis shows within about a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from detectors.events import format_time, parse_time
from detectors.sim.scenarios import demo
from detectors.sim.simulate import Scenario, generate


@dataclass(frozen=True)
class Timing:
    """How scenario minutes map to event time and emission time.

    Args:
        start: wall-clock time (POSIX seconds) at which the live part begins.
        live_from: scenario minute where the live part begins.
        speed: how much faster than real time the live part plays until caught up.
        lead: seconds the live part's event time starts behind the wall clock.
    """

    start: float
    live_from: float = 179.0
    speed: float = 10.0
    lead: float = 900.0

    def event_time(self, minute: float) -> float:
        """Event time (POSIX seconds) of scenario minute ``minute``.

        Args:
            minute: scenario minute (fractional).
        """
        return self.start - self.lead + (minute - self.live_from) * 60.0

    def emit_at(self, minute: float) -> float:
        """Wall-clock time at which the mention of scenario minute ``minute`` is produced.

        Args:
            minute: scenario minute (fractional).
        """
        if minute < self.live_from:
            return self.start
        fast = self.start + (minute - self.live_from) * 60.0 / self.speed
        return max(fast, self.event_time(minute))


def feed(timing: Timing, scenario: Scenario | None = None) -> Iterator[tuple[float, dict[str, Any]]]:
    """Yield ``(emit_at, mention)`` in order, with ``created_at`` re-timed.

    Args:
        timing: the re-timing.
        scenario: the scenario (the ``demo`` scenario by default).
    """
    sc = scenario or demo()
    origin = sc.start
    for m in generate(sc):
        at = parse_time(m["created_at"])
        minute = (at - origin).total_seconds() / 60.0
        ts = timing.event_time(minute)
        m["created_at"] = format_time(
            datetime.fromtimestamp(round(ts, 3), tz=timezone.utc))
        yield timing.emit_at(minute), m


def crisis_brands(scenario: Scenario | None = None) -> list[str]:
    """Brands that have a crisis episode in the scenario.

    Args:
        scenario: the scenario (the ``demo`` scenario by default).
    """
    sc = scenario or demo()
    return sorted({e.brand for e in sc.episodes if e.is_crisis})



