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
any gap is read again (:class:`Cursor`); a partition without a marker is read
from its start. Per-brand replay skipping and id de-duplication
(:mod:`streams.worker.detect`) make the re-read count nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from itertools import count

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
    FILL = "fill"  # a gap: read ``Cursor.next[p]`` up to it directly first, then apply it


@dataclass
class Cursor:
    """The next offset each scored partition must deliver, so no message is skipped.

    Start a partition with :meth:`start` (from its position marker), then pass
    every message through :meth:`admit` in delivery order. A gap is read
    directly from the broker, not by seeking the Faust consumer back: Faust drops
    re-fetched messages below the offset it last delivered, and after a seek it
    still delivers the rest of the batch it had fetched, so a seek-back can
    silently skip the whole gap.
    """

    next: dict[int, int] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget every partition (after a rebalance)."""
        self.next.clear()

    def started(self, partition: int) -> bool:
        """Whether ``partition`` has been started since the last reset.

        Args:
            partition: the partition.
        """
        return partition in self.next

    def start(self, partition: int, reflected: int | None) -> None:
        """Start a partition whose states reflect every offset up to ``reflected``.

        Args:
            partition: the partition.
            reflected: the offset of its position marker; ``None`` (no marker
                recovered: never checkpointed, or the changelog recovery stopped
                short of it) reads the partition from its start -- per-brand
                offsets and id de-duplication drop what the states already reflect.
        """
        self.next[partition] = 0 if reflected is None else reflected + 1

    def admit(self, partition: int, offset: int) -> Verdict:
        """Decide about the message at ``offset`` of a started ``partition``.

        Args:
            partition: its partition.
            offset: its offset.
        """
        expected = self.next[partition]
        if offset <= expected:
            self.next[partition] = max(expected, offset + 1)
            return Verdict.APPLY
        return Verdict.FILL

    def filled(self, partition: int, offset: int) -> None:
        """Record that every offset before ``offset`` was read (or no longer exists).

        Args:
            partition: the partition.
            offset: the first offset not read yet.
        """
        self.next[partition] = max(self.next[partition], offset)
