"""What the crisis model consumes and emits: a scored mention and a change of state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from detectors.events import iso

State = Literal["normal", "elevated", "crisis"]


@dataclass(slots=True)
class Observation:
    """A scored mention, as the detector needs it.

    Treated as immutable; not ``frozen`` because a frozen dataclass takes six times
    as long to build, and replay builds two per mention.
    """

    brand: str
    ts: float
    mention_id: str
    author: str
    label: str
    compound: float | None = None
    lang: str | None = None
    reach: float = 0.0
    keywords: tuple[str, ...] = ()
    text: str = ""
    url: str | None = None
    handle: str | None = None
    in_reply_to: str | None = None

    def __reduce__(self) -> tuple[type[Observation], tuple[Any, ...]]:
        # positional args: pickles in half the time of the frozen-dataclass default
        # (replay ships every scored mention from its scoring processes)
        return (Observation, (self.brand, self.ts, self.mention_id, self.author, self.label,
                              self.compound, self.lang, self.reach, self.keywords, self.text,
                              self.url, self.handle, self.in_reply_to))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``mentions.scored`` wire format)."""
        return {
            "brand": self.brand, "ts": self.ts, "id": self.mention_id, "author": self.author,
            "label": self.label, "compound": self.compound, "lang": self.lang,
            "reach": self.reach, "keywords": list(self.keywords), "text": self.text,
            "url": self.url, "handle": self.handle, "in_reply_to": self.in_reply_to,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Observation:
        """Inverse of :meth:`to_dict`."""
        return cls(
            brand=d["brand"], ts=float(d["ts"]), mention_id=d["id"], author=d["author"],
            label=d["label"], compound=d.get("compound"), lang=d.get("lang"),
            reach=float(d.get("reach") or 0.0), keywords=tuple(d.get("keywords") or ()),
            text=d.get("text") or "", url=d.get("url"), handle=d.get("handle"),
            in_reply_to=d.get("in_reply_to"),
        )


@dataclass(slots=True)
class Transition:
    """A change of state, with why."""

    brand: str
    at: float
    state: State
    previous: State
    paused: bool
    test: str
    reason: str
    numbers: dict[str, Any]
    crisis_id: str | None
    by: str | None = None
    onset: float | None = None  # entering crisis: when the escalation began (not serialised)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``at`` as RFC 3339 UTC."""
        return {
            "brand": self.brand, "at": iso(self.at), "state": self.state,
            "previous": self.previous, "paused": self.paused, "reason": self.reason,
            "test": self.test, "numbers": self.numbers, "crisis_id": self.crisis_id,
            "by": self.by,
        }
