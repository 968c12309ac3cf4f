"""Worker log output: plain text (Faust's default) or one JSON object per line.

``firebreak worker --log-format json`` (setting ``log_format``) gives log
shippers one JSON object per record: ``ts`` (RFC 3339, UTC), ``level``,
``logger``, ``message``, and ``exc`` when an exception is attached.
"""

from __future__ import annotations

import logging
from typing import Any

from detectors.codec import dumps_str
from detectors.events import iso


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object (no newline).

        Args:
            record: the log record.
        """
        out: dict[str, Any] = {
            "ts": iso(record.created, milliseconds=True),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return dumps_str(out)


def logging_config(log_format: str, level: str) -> dict[str, Any] | None:
    """A ``logging.config.dictConfig`` for the worker, or ``None`` for Faust's own text logs.

    Args:
        log_format: ``text`` or ``json``.
        level: the root log level (``warning``, ``info``...).
    """
    if log_format != "json":
        return None
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "json",
                                 "level": lvl, "stream": "ext://sys.stderr"}},
        "root": {"level": lvl, "handlers": ["default"]},
    }
