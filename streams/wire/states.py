"""The public state of a brand: the one typed model of ``brand.state`` records.

Produced by the worker (:func:`streams.wire.messages.state_message`), served by
``GET /api/v1/brands/{brand}`` as is and, shortened to :class:`BrandSummary`,
by ``GET /api/v1/brands``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from detectors.crisis.model import State
from streams.wire.base import Timestamp, WireModel


class OverrideRecord(WireModel):
    """A person's decision as kept in the brand's state (the last 20)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    action: str = Field(description="pause, resume, acknowledge, force or release")
    by: str = Field(description="who: the API token's name")
    why: str = Field("", description="their reason")
    at: Timestamp = Field(description="when it was applied")
    command_id: str | None = Field(None, description="the id the API returned for it")


class BrandSummary(WireModel):
    """One line of ``GET /api/v1/brands``."""

    brand: str
    state: State
    since: Timestamp | None = None
    paused: bool
    updated_at: Timestamp


class BrandStateView(BrandSummary):
    """Everything public about a brand's state, with why it is in it."""

    reason: str | None = Field(None, description="why the brand is in its state")
    test: str | None = Field(None, description="the detector check that fired")
    numbers: dict[str, Any] = Field(default_factory=dict, description="that check's numbers")
    pause_reason: str | None = None
    paused_since: Timestamp | None = None
    paused_until: Timestamp | None = Field(None, description="when a timed pause ends")
    crisis_id: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: Timestamp | None = None
    mentions: int = Field(0, description="mentions taken into the state")
    late: int = Field(0, description="mentions that arrived behind the brand's clock")
    last_event_at: Timestamp | None = None
    overrides: list[OverrideRecord] = Field(default_factory=list)

    def summary(self) -> BrandSummary:
        """The short form listed by ``GET /api/v1/brands``."""
        return BrandSummary(brand=self.brand, state=self.state, since=self.since,
                            paused=self.paused, updated_at=self.updated_at)
