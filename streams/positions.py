"""Where the detect stage resumes each ``mentions.scored`` partition (pure, no Faust).

The committed consumer offset is not a safe resume point: it can be ahead of
what the recovered brand states reflect (a ``kill -9`` between the commit and
the changelog write, a table recovery that stops short of the newest changelog
records because the broker under-reports the partition's end, or a takeover
that starts reading a partition somewhere else). Messages between the two
would then never be counted.

So every full checkpoint also writes, after the brand states and into the same
changelog partition, a *position marker*: "every message of scored partition
``p`` up to offset ``off`` is reflected in the states written before me". After
a rebalance the first message of a partition is compared with its marker, and
any gap is read again (:class:`Cursor`); per-brand replay skipping and id
de-duplication (:mod:`streams.detect`) make the re-read count nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from itertools import count

log = logging.getLogger(__name__)
MARKER_PREFIX = "~pos."  # "~" is not allowed in a brand slug


def marker_key(partition: int, partitions: int, partition_of: Callable[[str, int], int]) -> str:
    """The table key of ``partition``'s position marker: a key that lands in that partition.

    Args:
        partition: the ``mentions.scored`` partition.
        partitions: the partition count.
        partition_of: maps a table key to its partition (the table's partitioner).
    """
    if not 0 <= partition < partitions:
        raise ValueError(f"partition {partition} not in 0..{partitions - 1}")
    for i in count():
        key = f"{MARKER_PREFIX}{partition}.{i}"
        if partition_of(key, partitions) == partition:
            return key
    raise AssertionError("unreachable")  # pragma: no cover


def is_marker(key: str) -> bool:
    """Whether a table key is a position marker (not a brand).

    Args:
        key: a table key.
    """
    return key.startswith(MARKER_PREFIX)


class Verdict(Enum):
    """What to do with a message (see :meth:`Cursor.admit`)."""

    APPLY = "apply"  # next in line, or already reflected (the brand's state skips it)
    SEEK = "seek"  # a gap: seek the partition back to ``Cursor.next[p]``, drop this one
    DROP = "drop"  # past a gap already being re-read: it will come again


@dataclass
class Cursor:
    """The next offset each scored partition must deliver, so no message is skipped.

    Start a partition with :meth:`start` (from its position marker), then pass
    every message through :meth:`admit` in delivery order.
    """

    next: dict[int, int] = field(default_factory=dict)
    seeking: dict[int, int] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget every partition (after a rebalance)."""
        self.next.clear()
        self.seeking.clear()

    def started(self, partition: int) -> bool:
        """Whether ``partition`` has been started since the last reset.

        Args:
            partition: the partition.
        """
        return partition in self.next

    def start(self, partition: int, reflected: int | None, first: int) -> None:
        """Start a partition whose states reflect every offset up to ``reflected``.

        Args:
            partition: the partition.
            reflected: the offset of its position marker (``None``: no marker, trust
                where the consumer starts).
            first: the offset of the first message delivered.
        """
        self.next[partition] = first if reflected is None else reflected + 1
        self.seeking.pop(partition, None)

    def admit(self, partition: int, offset: int) -> Verdict:
        """Decide about the message at ``offset`` of a started ``partition``.

        Args:
            partition: its partition.
            offset: its offset.
        """
        expected = self.next[partition]
        if offset <= expected:
            self.next[partition] = max(expected, offset + 1)
            if offset == expected:
                self.seeking.pop(partition, None)
            return Verdict.APPLY
        if self.seeking.get(partition) == expected:
            return Verdict.DROP
        self.seeking[partition] = expected
        return Verdict.SEEK

    def skip_to(self, partition: int, offset: int) -> None:
        """Accept that nothing before ``offset`` can be read any more (retention).

        Args:
            partition: the partition.
            offset: the earliest offset still available.
        """
        if offset > self.next.get(partition, offset):
            log.warning("scored partition %d: offsets %d..%d are gone (retention), skipping",
                        partition, self.next[partition], offset - 1)
            self.next[partition] = offset
        self.seeking.pop(partition, None)
