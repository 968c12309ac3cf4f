"""The audit trail: one typed record per override, acknowledgement or timer decision.

Appended to ``<prefix>audit`` (keyed by brand, never compacted, kept without a
time limit) by the brand's owner when it applies the command, through the
brand's outbox, so a record is not lost when a worker dies in between (it may,
rarely, be written twice: ``command_id`` and ``at`` tell the copies apart). The
brand's state keeps only its last 20 overrides; this topic keeps them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from streams.wire.base import Timestamp, WireModel, at


class AuditRecord(WireModel):
    """Who did what to a brand's crisis state or pause flag, why and when."""

    brand: str
    action: str = Field(description="pause, resume, acknowledge, force or release")
    by: str = Field(description="the API token's name, or firebreak:timer for a timed pause's end")
    why: str = ""
    at: Timestamp = Field(description="when it was applied (event time of the command)")
    command_id: str | None = Field(None, description="the id the API returned, if any")
    recorded_at: Timestamp = Field(description="when the record was written")

    @classmethod
    def of(cls, brand: str, override: Mapping[str, Any], now: float) -> AuditRecord:
        """The record of one override as the state machine keeps it.

        Args:
            brand: the brand slug.
            override: ``{"action", "by", "why", "at", "command_id"?}`` (``at`` in POSIX seconds).
            now: the time of writing (wall clock).
        """
        return cls(brand=brand, action=override["action"], by=override["by"],
                   why=override.get("why") or "", at=at(float(override["at"])),
                   command_id=override.get("command_id"), recorded_at=at(now))
