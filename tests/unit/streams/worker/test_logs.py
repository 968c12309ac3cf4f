"""Worker logs as one JSON object per line (``--log-format json``)."""

from __future__ import annotations

import json
import logging
import sys

from streams.worker.logs import JsonFormatter, logging_config


class TestJsonLogs:
    def test_a_record_is_one_json_line(self):
        """A record is one JSON object: UTC RFC 3339 time, level, logger, message."""
        rec = logging.LogRecord("streams.x", logging.WARNING, __file__, 1, "lag %d", (5,), None)
        line = JsonFormatter().format(rec)
        d = json.loads(line)
        assert "\n" not in line and d["message"] == "lag 5" and d["level"] == "warning"
        assert d["logger"] == "streams.x" and d["ts"].endswith("Z")

    def test_an_exception_is_kept(self):
        """An attached exception is in ``exc``, traceback included."""
        try:
            raise ValueError("boom")
        except ValueError:
            rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
        assert "ValueError: boom" in json.loads(JsonFormatter().format(rec))["exc"]

    def test_text_format_keeps_fausts_logging(self):
        """``text`` leaves Faust's logging setup alone; ``json`` sets the root handler."""
        assert logging_config("text", "warning") is None
        cfg = logging_config("json", "info")
        assert cfg is not None and cfg["root"]["level"] == "INFO"
