"""One exception tree for everything Firebreak rejects."""

from __future__ import annotations


class FirebreakError(Exception):
    """Base of every error Firebreak raises on purpose."""


class InvalidMention(FirebreakError, ValueError):
    """A mention that cannot be used; `field` names what is wrong.

    Args:
        field: the offending field (``$`` for the message as a whole).
        reason: a short, human-readable explanation.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[InvalidMention], tuple[str, str]]:
        # picklable across processes (replay scores in a process pool)
        return (type(self), (self.field, self.reason))


class ConfigError(FirebreakError, ValueError):
    """Configuration that cannot be loaded; the message names the field."""
