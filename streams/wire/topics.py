"""Topic names, their Kafka settings, and the partition of a brand.

Every topic carries JSON values and (except ``mentions``) the brand slug as key.
Names share a configurable prefix, e.g. ``prod.`` gives ``prod.mentions``.

| topic               | key            | value                                 | cleanup |
|---------------------|----------------|---------------------------------------|---------|
| mentions            | any            | mention JSON (DESIGN.md)              | delete  |
| mentions.scored     | brand (JSON)   | Observation JSON, or a command        | delete  |
| mentions.dlq        | original key   | reason + origin + excerpt             | delete  |
| brand.state         | brand          | public brand state                    | compact |
| promotion.control   | brand          | pause flag                            | compact |
| alerts              | brand          | alert event with crisis fingerprint   | delete  |
| audit               | brand          | who did what, why, when (AuditRecord) | delete, kept forever |

``mentions.scored`` is the repartition topic (produced keyed by brand) and also
carries the human override commands, so the owner of a brand applies
observations and overrides in one order.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.partitioner import murmur2

from detectors.codec import dumps

COMPACTED = {"cleanup.policy": "compact"}
KEPT = {"cleanup.policy": "delete", "retention.ms": "-1"}  # no time limit


@dataclass(frozen=True, slots=True)
class TopicNames:
    """The names of Firebreak's topics under one prefix.

    Args:
        prefix: prepended to every name (``""`` for none).
    """

    prefix: str = ""

    @property
    def mentions(self) -> str:
        """Raw mentions, any key."""
        return f"{self.prefix}mentions"

    @property
    def scored(self) -> str:
        """Scored observations and override commands, keyed by brand."""
        return f"{self.prefix}mentions.scored"

    @property
    def dlq(self) -> str:
        """Rejected input with the reason and origin."""
        return f"{self.prefix}mentions.dlq"

    @property
    def state(self) -> str:
        """Public brand state (compacted)."""
        return f"{self.prefix}brand.state"

    @property
    def control(self) -> str:
        """Promotion pause flag per brand (compacted)."""
        return f"{self.prefix}promotion.control"

    @property
    def alerts(self) -> str:
        """Alert events."""
        return f"{self.prefix}alerts"

    @property
    def audit(self) -> str:
        """Every override, acknowledgement and timer decision (kept without a time limit)."""
        return f"{self.prefix}audit"

    def all(self) -> list[str]:
        """Every topic name."""
        return [self.mentions, self.scored, self.dlq, self.state, self.control, self.alerts,
                self.audit]

    def configs(self, topic: str) -> dict[str, str]:
        """The topic configuration a new topic gets.

        Args:
            topic: one of :meth:`all`.
        """
        if topic in (self.state, self.control):
            return dict(COMPACTED)
        return dict(KEPT) if topic == self.audit else {}


def scored_key(brand: str) -> bytes:
    """The key of a brand on ``mentions.scored``: the JSON string, as Faust's table keys.

    Args:
        brand: the brand slug.
    """
    return dumps(brand)  # a slug is ASCII: the same bytes as Faust's own JSON key


def partition_of(brand: str, partitions: int) -> int:
    """The partition of ``brand`` on ``mentions.scored`` and the state changelog.

    Kafka's default partitioner (murmur2, as the Java client, aiokafka and
    kafka-python) over :func:`scored_key`, so both agree on a brand's partition.

    Args:
        brand: the brand slug.
        partitions: the topic's partition count.
    """
    return (murmur2(scored_key(brand)) & 0x7FFFFFFF) % partitions
