"""The one place where Firebreak quiets a Faust log line, and why.

Faust's consumer thread checks every assigned partition every few seconds
(``verify_event_path`` in ``faust/transport/drivers/aiokafka.py``). Two of its
checks read ``app.monitor.stream_inbound_time``, which only Faust's ``Monitor``
sensor fills in. Firebreak removes that sensor from the worker (it records every
event, send and commit, for Faust's own ``/stats`` page only; see
``streams/worker/agents.py``), so those two checks can only ever answer "the
stream never took an event": once ``stream_processing_timeout`` (300 s) has
passed, any partition whose high-water mark is ahead of the fetch position at
that moment (a partition with a little lag, a busy brand's partition) logs

    ERROR ... Stream has not started processing TP(...) (started 5.00 minutes ago).

on a perfectly healthy worker. :class:`IdleStreamFilter` drops those two
messages (and only them). Stalls are still seen: by Firebreak's own consumer-lag
and processing-latency metrics and their alert rules (``FirebreakConsumerLagHigh``,
``FirebreakProcessingSlow`` in ``deploy/prometheus/firebreak-rules.yml``), and
by Faust's other checks of the same family (no fetch sent, fetches stopped, no
commit), which keep logging at ERROR.
"""

from __future__ import annotations

import logging

LOGGER = "faust.transport.drivers.aiokafka"  # AIOKafkaConsumerThread logs here
# the start of each message this filter drops (Faust's SLOW_PROCESSING_STREAM_IDLE*)
DROPPED = ("Stream has not started processing ", "Stream stopped processing, or is slow for ")


class IdleStreamFilter(logging.Filter):
    """Drops Faust's idle-stream errors, which need the Monitor sensor Firebreak removes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether to keep ``record``.

        Args:
            record: a record of Faust's aiokafka driver (its message is prefixed with
                the service name, e.g. ``[^---AIOKafkaConsumerThread]: ``).
        """
        msg = record.msg if isinstance(record.msg, str) else ""
        return not any(text in msg for text in DROPPED)


def quiet_idle_stream_errors() -> None:
    """Install :class:`IdleStreamFilter` on Faust's aiokafka driver logger (once)."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(f, IdleStreamFilter) for f in logger.filters):
        logger.addFilter(IdleStreamFilter())
