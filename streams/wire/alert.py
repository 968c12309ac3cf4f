"""The alert event on the ``alerts`` topic, defined once.

The detector's act stage builds it from a transition (:meth:`AlertEvent.from_transition`),
the outbox stores and sends :meth:`AlertEvent.wire`, and the notifier reads it back
with :meth:`AlertEvent.from_wire`; the renderers take the typed event. The JSON keys
are those of :meth:`detectors.crisis.model.Transition.to_dict` plus ``kind``,
``fingerprint`` (the crisis id), ``cause_id`` and ``emitted_at``. Unknown keys are
kept (a newer producer's fields survive a round trip through an older reader), and
a key absent on the wire stays absent when the event is written again.

    event = AlertEvent.from_transition(transition, cause="m2", now=time.time())
    dumps(event.wire())                        # the value on the alerts topic
    AlertEvent.from_wire(raw_bytes).kind       # "crisis"; InvalidAlert when it is not an alert
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal, Self, get_args

from pydantic import ConfigDict, Field, ValidationError

from detectors.codec import dumps_str
from detectors.crisis.model import State, Transition
from streams.wire.base import Timestamp, WireModel

AlertKind = Literal["crisis", "reminder", "resolved", "elevated", "normal", "manual"]
ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)
Num = int | float  # a count stays an int on the wire, a share a float


class InvalidAlert(ValueError):
    """A value on the alerts topic that is not an alert event (the message names the field)."""


class _Open(WireModel):
    """Frozen, keeps the keys it does not name, and writes back only the keys it was given."""

    model_config = ConfigDict(frozen=True, extra="allow")

    def wire(self, exclude: set[str] | None = None) -> dict[str, Any]:
        """JSON-ready form with only the keys the producer wrote (and any it did not name).

        Args:
            exclude: keys to leave out.
        """
        return self.model_dump(mode="json", exclude_unset=True, exclude=exclude)


class Post(_Open):
    """One of the loudest negative posts of a crisis (``numbers.top_negative``)."""

    id: str | None = None
    text: str = ""
    url: str | None = None
    handle: str | None = None
    compound: float | None = None


class ShortWindow(_Open):
    """The last few minutes that fired a sudden-surge test (``numbers.sudden``)."""

    minutes: Num | None = None
    negative: int | None = None
    scored: int | None = None
    negative_authors: int | None = None
    neg_share: float | None = None


class AlertNumbers(_Open):
    """The numbers of the verdict behind a transition (the detector may add more keys)."""

    window_minutes: Num | None = None
    mentions: int | None = None
    scored: int | None = None
    negative: int | None = None
    negative_authors: int | None = None
    neg_share: Num | None = None
    usual_share: Num | None = None
    usual_for: str | None = Field(None, description="the hour the usual share is for, brand time")
    volume_ratio: Num | None = None
    p_value: Num | None = None
    baseline: str | None = None
    languages: dict[str, Num] = Field(default_factory=dict)
    top_negative: list[Post] = Field(default_factory=list)
    sudden: ShortWindow | None = None
    keywords: dict[str, Any] = Field(default_factory=dict)
    reopened: bool = False


class AlertEvent(_Open):
    """An alert event: a brand's state changed, a crisis lasts, or a person changed the flag.

    ``kind`` is ``crisis`` (entering crisis: page someone, unless ``numbers.reopened``:
    the same incident flaring up again), ``reminder`` (a crisis that lasts, re-stated),
    ``resolved`` (the incident is over: the brand is back to ``normal``),
    ``elevated``/``normal`` (other state changes) or ``manual`` (a person changed the
    flag). ``fingerprint`` is the stable crisis id, so receivers de-duplicate.
    """

    kind: AlertKind
    brand: str = Field(min_length=1)
    at: Timestamp
    fingerprint: str = Field(min_length=1)
    state: State = "normal"
    previous: State = "normal"
    paused: bool = False
    reason: str = ""
    test: str = ""
    numbers: AlertNumbers = Field(default_factory=AlertNumbers)
    crisis_id: str | None = None
    by: str | None = None
    cause_id: str | None = None
    emitted_at: Timestamp | None = None

    @classmethod
    def from_transition(cls, t: Transition, cause: str | None, now: float) -> AlertEvent:
        """The event for a transition.

        Args:
            t: the transition.
            cause: id of the mention that triggered it (``None`` for timers/overrides).
            now: emission time (wall clock, POSIX seconds).
        """
        if t.test == "manual" and t.state == t.previous:
            kind: AlertKind = "manual"
        elif t.test == "reminder":
            kind = "reminder"
        elif t.state == "crisis":
            kind = "crisis"
        elif t.state == "normal" and t.crisis_id is not None:
            kind = "resolved"
        else:
            kind = t.state
        return cls(
            kind=kind, brand=t.brand, at=_utc(t.at), state=t.state, previous=t.previous,
            paused=t.paused, reason=t.reason, test=t.test,
            numbers=AlertNumbers.model_validate(t.numbers), crisis_id=t.crisis_id, by=t.by,
            fingerprint=t.crisis_id or f"{t.brand}:none", cause_id=cause, emitted_at=_utc(now),
        )

    @classmethod
    def from_wire(cls, value: Mapping[str, Any] | bytes | str) -> Self:
        """Read an event from the topic (JSON bytes or text) or from a decoded object.

        Args:
            value: the message value.

        Raises:
            InvalidAlert: not JSON, or a field missing or of the wrong type (named).
        """
        try:
            if isinstance(value, (bytes, str)):
                return cls.model_validate_json(value)
            return cls.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "$"
            raise InvalidAlert(f"alert event {where}: {err['msg']}") from None

    def to_json(self) -> str:
        """:meth:`wire` as compact JSON text."""
        return dumps_str(self.wire())

    @property
    def at_ts(self) -> float:
        """``at`` as POSIX seconds."""
        return self.at.timestamp()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)
