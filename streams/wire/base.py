"""What every typed message shares: frozen pydantic models, RFC 3339 timestamps.

A message model is defined once here in ``streams.wire`` and used by whoever
produces it (the worker), serves it (the HTTP API) and reads it (the client).
On the wire it is compact JSON; timestamps are RFC 3339 in UTC with a ``Z``
(:func:`detectors.events.format_time`). Readers ignore fields they do not know,
so producers may add fields without breaking older readers; fields are never
renamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from detectors.events import format_time

Timestamp = Annotated[
    AwareDatetime,
    PlainSerializer(format_time, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def at(ts: float | None) -> datetime | None:
    """POSIX seconds as an aware UTC datetime (``None`` stays ``None``).

    Args:
        ts: seconds since the epoch, or ``None``.
    """
    return None if ts is None else datetime.fromtimestamp(ts, tz=timezone.utc)


class WireModel(BaseModel):
    """A frozen message model; unknown fields are ignored when reading."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict, as published and served."""
        return self.model_dump(mode="json")

    @classmethod
    def from_wire(cls, data: Mapping[str, Any] | bytes | str) -> Self:
        """Validate a decoded dict, or raw JSON bytes/text.

        Args:
            data: the message.

        Raises:
            pydantic.ValidationError: the message does not fit the model.
        """
        if isinstance(data, (bytes, str)):
            return cls.model_validate_json(data)
        return cls.model_validate(data)
