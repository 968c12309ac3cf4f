"""Broker reachability for the CLI: one line and a non-zero exit instead of a traceback.

``worker`` and ``ingest`` first check that a broker accepts connections
(:func:`require_brokers`, bounded by ``timeout``), and turn any Kafka client error
that still escapes into a :class:`BrokerUnreachable` naming the brokers
(:func:`kafka_errors`). The CLI prints it as ``firebreak <command>: <message>``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from detectors.errors import FirebreakError

WAIT_SECONDS = 15.0


class BrokerUnreachable(FirebreakError):
    """No broker answered (the message names them and for how long)."""


def require_brokers(bootstrap: list[str], timeout: float = WAIT_SECONDS) -> None:
    """Wait until one of ``bootstrap`` accepts a TCP connection.

    Args:
        bootstrap: ``host:port`` list.
        timeout: seconds to keep trying.

    Raises:
        BrokerUnreachable: none did within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        for hostport in bootstrap:
            host, _, port = hostport.rpartition(":")
            try:
                with socket.create_connection((host, int(port)), timeout=2.0):
                    return
            except (OSError, ValueError) as exc:
                last = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if time.monotonic() >= deadline:
            raise BrokerUnreachable(f"cannot reach the Kafka broker(s) at {', '.join(bootstrap)} "
                                    f"for {timeout:.0f} s ({last})")
        time.sleep(0.5)


@contextmanager
def kafka_errors(bootstrap: list[str]) -> Iterator[None]:
    """Re-raise Kafka client errors as :class:`BrokerUnreachable` (one line, no traceback).

    Args:
        bootstrap: ``host:port`` list, named in the message.
    """
    from kafka.errors import KafkaError

    try:
        yield
    except KafkaError as exc:
        raise BrokerUnreachable(f"Kafka at {', '.join(bootstrap)}: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else 'no answer'}"
                                ) from None
