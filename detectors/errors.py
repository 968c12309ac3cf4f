"""One exception tree for everything Firebreak rejects."""

from __future__ import annotations


class FirebreakError(Exception):
    """Base of every error Firebreak raises on purpose."""


class InvalidMention(FirebreakError, ValueError):
    """A mention that cannot be used; `field` names what is wrong, `code` says how.

    Args:
        field: the offending field (``$`` for the message as a whole).
        reason: a short, human-readable explanation.
        code: a low-cardinality reason code (a dead-letter record field and a metric
            label), one of :data:`REASON_CODES`.
    """

    def __init__(self, field: str, reason: str, code: str = "invalid_value") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code

    def __reduce__(self) -> tuple[type[InvalidMention], tuple[str, str, str]]:
        # picklable across processes (replay scores in a process pool)
        return (type(self), (self.field, self.reason, self.code))


REASON_CODES = ("empty_value", "invalid_utf8", "invalid_json", "too_large", "not_object",
                "missing_field", "wrong_type", "far_future", "invalid_value", "processing_error")


class ConfigError(FirebreakError, ValueError):
    """Configuration that cannot be loaded; the message names the field."""
