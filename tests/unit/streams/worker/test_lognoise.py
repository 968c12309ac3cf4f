"""Faust's idle-stream errors, which need the Monitor sensor the worker removes, are
dropped; Faust's other consumer checks still log at ERROR."""

from __future__ import annotations

import logging

import pytest
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from mode.utils.logging import CompositeLogger

from streams.worker.lognoise import LOGGER, IdleStreamFilter, quiet_idle_stream_errors


@pytest.fixture()
def thread_log() -> CompositeLogger:
    """Logs as Faust's consumer thread does: its own logger, its service-name prefix."""
    logger = driver.AIOKafkaConsumerThread.logger
    assert logger.name == LOGGER
    quiet_idle_stream_errors()
    yield CompositeLogger(logger, formatter=lambda severity, msg, *a, **kw:
                          f"[^---AIOKafkaConsumerThread]: {msg}")
    for f in [f for f in logger.filters if isinstance(f, IdleStreamFilter)]:
        logger.removeFilter(f)


@pytest.mark.parametrize(("template", "kept"), [
    (driver.SLOW_PROCESSING_STREAM_IDLE_SINCE_START, False),
    (driver.SLOW_PROCESSING_STREAM_IDLE, False),
    (driver.SLOW_PROCESSING_NO_FETCH_SINCE_START, True),
    (driver.SLOW_PROCESSING_NO_RECENT_FETCH, True),
    (driver.SLOW_PROCESSING_NO_COMMIT_SINCE_START, True),
    (driver.SLOW_PROCESSING_NO_HIGHWATER_SINCE_START, True),
])
def test_only_the_idle_stream_checks_are_dropped(thread_log: CompositeLogger, template: str,
                                                 kept: bool, caplog: pytest.LogCaptureFixture
                                                 ) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    thread_log.error(template + "\n\nThere are multiple possible explanations",
                     TP("t.mentions", 3), "5.00 minutes ago")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == (1 if kept else 0)


def test_installing_twice_adds_one_filter() -> None:
    logger = logging.getLogger(LOGGER)
    before = len(logger.filters)
    quiet_idle_stream_errors()
    quiet_idle_stream_errors()
    try:
        assert len(logger.filters) == before + 1
    finally:
        for f in [f for f in logger.filters if isinstance(f, IdleStreamFilter)]:
            logger.removeFilter(f)
