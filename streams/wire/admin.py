"""Topic administration: create Firebreak's topics with the right partitions and configs.

Workers call :func:`ensure_topics` before Faust starts (Faust only creates its
own internal topics; a topic auto-created by a broker would get the broker's
default partition count and break the co-partitioning of ``mentions.scored``
and the state changelog).
"""

from __future__ import annotations

import logging

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from detectors.errors import ConfigError
from streams.wire.topics import TopicNames

log = logging.getLogger(__name__)


def ensure_topics(
    bootstrap: list[str], names: TopicNames, partitions: int, replication: int = 1,
    timeout: float = 30.0,
) -> None:
    """Create missing topics; check the partition count of existing ones.

    Args:
        bootstrap: ``host:port`` list.
        names: the topic names.
        partitions: partitions per topic.
        replication: replication factor of new topics.
        timeout: seconds for the admin requests.

    Raises:
        ConfigError: ``mentions.scored`` exists with another partition count.
    """
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000),
                             client_id="firebreak-admin")
    try:
        existing = set(admin.list_topics())
        new = [NewTopic(t, partitions, replication, topic_configs=names.configs(t))
               for t in names.all() if t not in existing]
        if new:
            try:
                admin.create_topics(new, timeout_ms=int(timeout * 1000))
            except TopicAlreadyExistsError:
                pass
            log.info("created topics: %s", ", ".join(t.name for t in new))
        if names.scored in existing:
            desc = admin.describe_topics([names.scored])[0]
            count = len(desc.get("partitions") or [])
            if count and count != partitions:
                raise ConfigError(
                    f"setting FIREBREAK_PARTITIONS (partitions): {partitions}, but topic "
                    f"{names.scored} has {count} partitions; use {count} or new topics")
    finally:
        admin.close()
