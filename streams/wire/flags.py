"""The promotion pause flag: the one typed model of ``promotion.control`` records.

Produced by the worker (:func:`streams.wire.messages.flag_message`), served by
``GET /api/v1/brands/{brand}/promotion`` (:class:`PromotionAnswer`, the same
fields plus ``known`` and ``heartbeat_at``) and read by
:mod:`streams.client.pauseflag`. The record is keyed by the brand slug on the
compacted topic.

The same topic carries the workers' :class:`Heartbeat` under the key
:data:`HEARTBEAT_KEY` (never a brand slug). Readers trust the flags only while
a heartbeat is fresh and the topic has not been reset since it
(:func:`data_problem`); otherwise every brand reads as paused. A heartbeat
whose flag data was rebuilt from nothing (a broker reset, or a first start)
carries ``rebuilt_at`` and ``settle_until``: until then a brand whose flag has
not changed since the rebuild reads as paused too (:func:`settling`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from detectors.crisis.model import State
from detectors.events import format_time
from streams.wire.base import Timestamp, WireModel

HEARTBEAT_KEY = "_heartbeat"  # brand slugs start with a-z or 0-9
HEARTBEAT_SECONDS = 5.0  # how often a worker publishes it
DEFAULT_HEARTBEAT_MAX_AGE = 120.0  # readers' default: older means the flag data is stale


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


class Heartbeat(WireModel):
    """A worker saying its flags are being published (on the flag topic, key ``_heartbeat``)."""

    kind: Literal["heartbeat"] = "heartbeat"
    worker: str = Field(description="host:port of the worker that published it")
    updated_at: Timestamp = Field(description="when it was published")
    started_at: Timestamp = Field(description="when that worker started")
    rebuilt_at: Timestamp | None = Field(
        None, description="when the flag data began afresh: the first heartbeat on a flag "
                          "topic that had none (a broker reset, or a first start)")
    settle_until: Timestamp | None = Field(
        None, description="until then readers hold promotion for every brand whose flag has "
                          "not changed since rebuilt_at (what was paused before is unknown)")


def decode_control(raw: bytes) -> PauseFlag | Heartbeat:
    """Decode a ``promotion.control`` value: a heartbeat or a pause flag.

    Args:
        raw: the JSON bytes.

    Raises:
        pydantic.ValidationError: neither.
    """
    if b'"heartbeat"' in raw:
        try:
            return Heartbeat.from_wire(raw)
        except ValueError:
            pass  # a flag whose reason mentions the word
    return PauseFlag.from_wire(raw)


def heartbeat_at(value: object) -> datetime | None:
    """``updated_at`` of a heartbeat record (``None`` for anything else, or nothing).

    Args:
        value: what a reader holds under :data:`HEARTBEAT_KEY`.
    """
    return value.updated_at if isinstance(value, Heartbeat) else None


def data_problem(heartbeat_at: datetime | None, reset_at: float | None, now: float,
                 max_age: float = DEFAULT_HEARTBEAT_MAX_AGE) -> str | None:
    """Why the flag data cannot be trusted (then every brand reads as paused), or ``None``.

    Args:
        heartbeat_at: ``updated_at`` of the newest heartbeat seen (``None``: none).
        reset_at: when the reader saw the topic reset (POSIX seconds), if ever.
        now: wall-clock time, POSIX seconds.
        max_age: seconds after which a heartbeat is stale.
    """
    if reset_at is not None and (heartbeat_at is None or heartbeat_at.timestamp() < reset_at):
        return "flag data stale/lost: the flag topic was reset and no worker has published since"
    if heartbeat_at is None:
        return "flag data stale/lost: no worker heartbeat on the flag topic"
    if now - heartbeat_at.timestamp() > max_age:
        return (f"flag data stale/lost: the last worker heartbeat was at "
                f"{format_time(heartbeat_at)}, more than {max_age:g} s ago")
    return None


def settling(beat: object, flag: PauseFlag | None, now: float) -> str | None:
    """Why ``flag`` cannot be trusted yet after the flag data was rebuilt, or ``None``.

    While ``beat`` (the newest heartbeat) says the data is settling, a brand is held
    unless its flag changed after the rebuild (a person's decision, or a crisis seen
    on the new data): a brand with no record, or with a flag from a fresh state, may
    have been paused before the data was lost.

    Args:
        beat: what a reader holds under :data:`HEARTBEAT_KEY`.
        flag: the brand's flag record, if any.
        now: wall-clock time, POSIX seconds.
    """
    if not isinstance(beat, Heartbeat) or beat.settle_until is None:
        return None
    if now >= beat.settle_until.timestamp() or (flag is not None and flag.paused):
        return None  # settled, or held by the flag itself
    rebuilt = beat.rebuilt_at
    if flag is not None and flag.since is not None and rebuilt is not None and flag.since >= rebuilt:
        return None
    began = format_time(rebuilt) if rebuilt is not None else "start-up"
    return (f"flag data rebuilt after a broker reset (or a first start) at {began}: promotion "
            f"held until {format_time(beat.settle_until)} unless the flag changes")


class PromotionAnswer(PauseFlag):
    """The HTTP answer for a brand's flag: the flag, and whether any record exists."""

    known: bool = Field(description="false: no record and nothing holds the brand: it was never "
                        "seen (not paused); true when a record or a hold (stale or settling flag "
                        "data) answers")
    heartbeat_at: Timestamp | None = Field(
        None, description="the newest worker heartbeat the answering worker has seen; "
                          "readers treat the answer as paused when it is too old")
    held: bool = Field(False, description="true: the answering worker holds promotion because it "
                       "cannot trust its flag data for this brand (no fresh heartbeat, the topic was "
                       "reset, the data is still settling after a rebuild, or the record is "
                       "unreadable); reason says which. Not a decision about the brand")

    @classmethod
    def unknown(cls, brand: str, now: datetime, heartbeat_at: datetime | None = None
                ) -> PromotionAnswer:
        """The answer for a brand with no flag record.

        Args:
            brand: the brand slug.
            now: the time of the answer.
            heartbeat_at: the newest heartbeat seen.
        """
        return cls(brand=brand, known=False, paused=False, reason="no record: brand never seen",
                   updated_at=now, heartbeat_at=heartbeat_at)

    @classmethod
    def of(cls, flag: PauseFlag, heartbeat_at: datetime | None = None) -> PromotionAnswer:
        """The answer for a brand whose flag record is ``flag``.

        Args:
            flag: the record read from the flag topic.
            heartbeat_at: the newest heartbeat seen.
        """
        return cls(known=True, heartbeat_at=heartbeat_at, **dict(flag))


def flag_problem(beat: object, reset_at: float | None, flag: PauseFlag | None, now: float,
                 max_age: float = DEFAULT_HEARTBEAT_MAX_AGE) -> str | None:
    """Why a reader of the flag topic must hold ``flag``'s brand, or ``None``: the flag
    data is stale or lost (:func:`data_problem`), or still settling (:func:`settling`).

    Args:
        beat: what the reader holds under :data:`HEARTBEAT_KEY`.
        reset_at: when the reader saw the topic reset (POSIX seconds), if ever.
        flag: the brand's flag record, if any.
        now: wall-clock time, POSIX seconds.
        max_age: seconds after which a heartbeat is stale.
    """
    return (data_problem(heartbeat_at(beat), reset_at, now, max_age)
            or settling(beat, flag, now))
