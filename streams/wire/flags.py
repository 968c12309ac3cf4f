"""The promotion pause flag: the one typed model of ``promotion.control`` records.

Produced by the worker (:func:`streams.wire.messages.flag_message`), served by
``GET /api/v1/brands/{brand}/promotion`` (:class:`PromotionAnswer`, the same
fields plus ``known``) and read by :mod:`streams.client.pauseflag`. The record
is keyed by the brand slug on the compacted topic.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from detectors.crisis.model import State
from streams.wire.base import Timestamp, WireModel


class PauseFlag(WireModel):
    """Whether a brand's automated promotion is paused, and why."""

    brand: str = Field(description="the brand slug (also the record key)")
    paused: bool = Field(description="true: hold every automated post and ad of the brand")
    reason: str | None = Field(None, description="why it is paused (or why it resumed)")
    since: Timestamp | None = Field(None, description="when the flag last changed")
    updated_at: Timestamp = Field(description="when the flag was published; readers treat "
                                              "an old one as stale (paused)")
    state: State | None = Field(None, description="the brand's crisis state")
    crisis_id: str | None = Field(None, description="the current crisis, if any")
    until: Timestamp | None = Field(None, description="a timed pause: when it ends (the brand "
                                                      "resumes then if calm, else stays paused)")


class PromotionAnswer(PauseFlag):
    """The HTTP answer for a brand's flag: the flag, and whether any record exists."""

    known: bool = Field(description="false: no record, the brand was never seen (not paused)")

    @classmethod
    def unknown(cls, brand: str, now: datetime) -> PromotionAnswer:
        """The answer for a brand with no flag record.

        Args:
            brand: the brand slug.
            now: the time of the answer.
        """
        return cls(brand=brand, known=False, paused=False, reason="no record: brand never seen",
                   updated_at=now)

    @classmethod
    def of(cls, flag: PauseFlag) -> PromotionAnswer:
        """The answer for a brand whose flag record is ``flag``.

        Args:
            flag: the record read from the flag topic.
        """
        return cls(known=True, **dict(flag))
