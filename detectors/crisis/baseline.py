"""What a brand's traffic usually looks like, hour by hour.

The baseline learns, per UTC hour of day, how many mentions a minute a brand
gets (an EWMA across days, shrunk towards the brand's overall level while a slot
has few observations), plus the brand's usual negative share. It learns only
from hours the detector marks as clean (no elevated state), and clips what it
learns so a crisis cannot teach it that crises are normal.
"""

from __future__ import annotations

from typing import Any

HOURS = 24
SLOT_ALPHA = 0.35  # per day
LEVEL_ALPHA = 1 / 24  # per hour
SHARE_ALPHA_MAX = 0.1
CLIP = 3.0
FLOOR_OF_LEVEL = 0.1
ABS_FLOOR = 1e-3
SHARE_MIN, SHARE_MAX = 0.02, 0.45


class RhythmBaseline:
    """Per-hour-of-day expected rate (mentions/minute) and usual negative share.

    Args:
        share: prior negative share.
        rate: prior mentions/minute (``None``: learn from traffic).
    """

    __slots__ = ("slots", "slot_n", "level", "share", "hours_learned", "hour", "h_total",
                 "h_scored", "h_neg", "h_clean", "last_rate")

    def __init__(self, share: float = 0.15, rate: float | None = None) -> None:
        self.slots: list[float] = [0.0] * HOURS
        self.slot_n: list[int] = [0] * HOURS
        self.level: float | None = rate
        self.share = share
        self.hours_learned = 0
        self.hour: int | None = None  # hour index (epoch hours) being accumulated
        self.h_total = 0
        self.h_scored = 0
        self.h_neg = 0
        self.h_clean = True
        self.last_rate = 0.0  # rate of the last clean hour: the guess for unseen slots

    def expected_rate(self, hour: int) -> float | None:
        """Expected mentions/minute during epoch-hour ``hour`` (``None`` if unknown)."""
        level = self.level
        if level is None:
            return None
        slot = hour % HOURS
        n = self.slot_n[slot]
        if n:
            rate = (n * self.slots[slot] + level) / (n + 1)
        else:
            rate = max(level, self.last_rate)
        return max(rate, level * FLOOR_OF_LEVEL, ABS_FLOOR)

    def count(self, hour: int, scored: bool, negative: bool) -> None:
        """Count one mention in epoch-hour ``hour`` (late ones for past hours are ignored)."""
        if self.hour is None:
            self.hour = hour
        if hour != self.hour:
            if hour < self.hour:
                return
            self.roll(hour)
        self.h_total += 1
        if scored:
            self.h_scored += 1
            if negative:
                self.h_neg += 1

    def taint(self) -> None:
        """Mark the current hour as not normal: it will not be learned from."""
        self.h_clean = False

    def roll(self, hour: int) -> None:
        """Close every hour before ``hour`` (empty hours teach a zero rate)."""
        if self.hour is None:
            self.hour = hour
            return
        steps = 0
        while self.hour < hour and steps < 24 * 14:
            self._learn()
            self.hour += 1
            self.h_total = self.h_scored = self.h_neg = 0
            steps += 1
        self.hour = hour

    def _learn(self) -> None:
        if not self.h_clean:
            self.h_clean = True
            return
        assert self.hour is not None
        rate = self.h_total / 60.0
        slot = self.hour % HOURS
        expected = self.expected_rate(self.hour)
        if expected is not None:
            rate = min(rate, expected * CLIP)
        n = self.slot_n[slot]
        self.slots[slot] = rate if n == 0 else self.slots[slot] + SLOT_ALPHA * (rate - self.slots[slot])
        self.slot_n[slot] = min(n + 1, 1000)
        if self.level is None:
            self.level = rate
        else:
            alpha = max(LEVEL_ALPHA, 1.0 / (self.hours_learned + 1))
            self.level += alpha * (rate - self.level)
        self.hours_learned += 1
        self.last_rate = rate
        if self.h_scored >= 5:
            alpha = min(SHARE_ALPHA_MAX, self.h_scored / 400)
            observed = self.h_neg / self.h_scored
            self.share = min(SHARE_MAX, max(SHARE_MIN, self.share + alpha * (observed - self.share)))

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-ready values."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RhythmBaseline:
        """Rebuild from :meth:`to_dict` output."""
        obj = cls()
        for name in cls.__slots__:
            value = data[name]
            setattr(obj, name, list(value) if isinstance(value, list) else value)
        return obj
