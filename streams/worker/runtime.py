"""The Faust app of a worker and the objects it owns.

:func:`build` returns a :class:`Runtime`: the ``faust.App``, its topics, the
changelog-backed table of ``BrandState`` dicts, the metrics registry, the
detect core and the topic view. Agents, timers and HTTP views are registered
from :mod:`streams.worker.agents` and :mod:`streams.api.routes`; nothing is module-level state.

The table uses Kafka's default partitioner on the brand key (``use_partitioner``;
JSON-encoded keys, exactly the bytes of :func:`~streams.wire.topics.scored_key` on
``mentions.scored``), so a brand's state lives in the
changelog partition with the number of its scored partition and Faust recovers it
on whichever worker owns that partition.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import faust
from prometheus_client import CollectorRegistry

from detectors.admission import Admission
from streams.settings import Settings
from streams.wire.flags import HEARTBEAT_KEY, Heartbeat, decode_control
from streams.wire.states import BrandStateView
from streams.wire.topics import partition_of
from streams.wire.views import TopicView
from streams.worker.detect import DetectCore
from streams.worker.exposition import worker_registry
from streams.worker.faust_patch import tune_fetch_wait
from streams.worker.metrics import Metrics, book_labeler, create
from streams.worker.positions import Cursor, is_marker, marker_key
from streams.worker.scoring import route

log = logging.getLogger(__name__)
TABLE = "brands"


class FirebreakApp(faust.App):
    """``faust.App`` with a hook that runs first when the app stops (the final checkpoint),
    and a companion service started with the app and stopped last (the score loop).

    ``before_stop`` is set by :func:`streams.worker.build.build`, ``companion`` by
    :func:`streams.worker.agents.register`. The companion starts when the app starts, so
    its consumer group joins beside Faust's (a join takes half the session timeout on
    Tansu), and stops once Faust's consumer and producer have stopped: leaving its group
    can wait for a join, and Faust's consumer must not take an assignment meanwhile.
    """

    before_stop: Callable[[], Awaitable[None]] | None = None
    companion: Any = None  # a mode.Service

    async def on_stop(self) -> None:
        """Run ``before_stop`` while consumer and producer still work, then stop as Faust does."""
        if self.before_stop is not None:
            try:
                await self.before_stop()
            except Exception:  # noqa: BLE001 - stopping must go on
                log.exception("final checkpoint failed")
        await super().on_stop()

    async def on_start(self) -> None:
        """Start as Faust does, then the companion (its group joins beside Faust's)."""
        await super().on_start()
        if self.companion is not None:
            await self.companion.start()

    async def on_shutdown(self) -> None:
        """Stop the companion once Faust's services (its consumer among them) have stopped."""
        await super().on_shutdown()
        if self.companion is not None:
            try:
                await self.companion.stop()
            except Exception:  # noqa: BLE001 - stopping must go on
                log.exception("stopping %s failed", type(self.companion).__name__)


class Runtime:
    """One worker: Faust app, topics, table, metrics, detect core and view.

    Args:
        settings: validated settings.
        registry: metrics registry (``exposition.worker_registry()`` when ``None``).
    """

    def __init__(self, settings: Settings, registry: CollectorRegistry | None = None) -> None:
        self.settings = settings
        self.names = settings.topics
        self.book = settings.brand_book()
        self.registry = registry if registry is not None else worker_registry()
        tune_fetch_wait(settings.fetch_max_wait_ms)
        self.metrics: Metrics = create(self.registry, brand_label=book_labeler(self.book))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if settings.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="firebreak-")
        datadir = str(settings.data_dir) if self._tmp is None else self._tmp.name
        self.app = FirebreakApp(
            settings.app_id,
            broker=list(settings.brokers),
            store="memory://",
            autodiscover=False,
            datadir=datadir,
            topic_partitions=settings.partitions,
            topic_replication_factor=settings.replication,
            broker_session_timeout=settings.session_timeout,
            broker_heartbeat_interval=min(1.0, settings.session_timeout / 4),
            producer_max_request_size=settings.max_message_bytes,
            # Faust's producer batch stays at its 16 KiB: aiokafka then waits a broker round
            # trip per checkpoint row over 16 KiB, but with larger batches (256 KiB, 1 MiB)
            # the embedded broker's changelog readers (Faust's recovery too) missed the tail
            # of a partition: tests/integration/test_fault_shutdown.py lost 68-85 states
            producer_linger=settings.producer_linger_ms / 1000.0,
            consumer_max_fetch_size=settings.max_message_bytes,
            web_enabled=settings.web_enabled,
            web_port=settings.web_port,
            web_bind=settings.web_host,
            web_host=settings.web_host,
            # Faust's /router and /table pages would show raw table state past the API's tokens
            web_router_enabled=False,
            web_tables_enabled=False,
            table_standby_replicas=1,
            stream_wait_empty=False,  # the final checkpoint acknowledges (worker.shutdown)
            # Tansu reports a partition's end as its last batch's first offset + 1, so
            # after a takeover Faust's check (offset read > end offset) fires on a healthy
            # broker and crashes the worker (seen in benchmarks/soak.py); a real reset is
            # caught by streams.worker.brokerwatch instead.
            recovery_consistency_check=False,
            key_serializer="raw",
            value_serializer="raw",
        )
        p = settings.partitions
        self.t_mentions = self._topic(self.names.mentions, p)
        self.t_scored = self._topic(self.names.scored, p)
        self.t_dlq = self._topic(self.names.dlq, p)
        self.t_alerts = self._topic(self.names.alerts, p)
        self.t_state = self._topic(self.names.state, p, compacting=True)
        self.t_control = self._topic(self.names.control, p, compacting=True)
        self.t_audit = self._topic(self.names.audit, p)
        self.table = self.app.Table(
            TABLE, partitions=p, use_partitioner=True, key_type=str,
        )
        self.core = DetectCore(self.book, self.metrics, load=self._load,
                               dedupe_per_brand=settings.dedupe_per_brand,
                               baselines=settings.baselines())
        self.core.admission = Admission(settings.unconfigured_brand_cap,
                                        settings.unconfigured_idle_seconds)
        self.view = TopicView(settings.bootstrap, {self.names.state: BrandStateView.from_wire,
                                                   self.names.control: decode_control},
                              p, settings.max_message_bytes)
        self.detect_stream: Any = None
        self.pending: list[Any] = []
        self.cursor = Cursor()
        self.marked: dict[int, int] = {}
        self._marker_keys = [marker_key(i, p, partition_of) for i in range(p)]
        self.lock = asyncio.Lock()
        self.generation = 0  # rebalances seen (a detect batch stops at the next one)
        self.last_checkpoint = time.monotonic()
        self.checkpoint_gap = settings.checkpoint_seconds  # longer after big checkpoints
        self.writing = 0  # checkpoints and actions in progress (publishing.writing)
        self.writes_done = asyncio.Event()  # set when none: the score loop waits for it
        self.writes_done.set()
        self.last_flag_refresh = 0.0
        self.last_heartbeat = 0.0
        self.published_at: dict[str, float] = {}
        self.last_beat: float | None = None  # housekeeping timing (streams.worker.bounds)
        self.last_sweep = 0.0
        self.rescan_due = True
        self.last_rescan = 0.0
        self.agents: tuple[Any, ...] = ()  # detect, housekeeping (set by register)
        self.score_loop: Any = None  # the score hop (streams.worker.scoring), once built
        self.notifier: Any = None  # the alert notifier, when any target is configured
        self.started_at = time.time()
        self.stopping = False  # set by the final checkpoint: housekeeping stops
        self.exit_code = 0  # non-zero when the worker stops itself (a broker reset)
        self.broker: Any = None  # the BrokerWatch (streams.worker.brokerwatch)
        self.carry: Any = None  # carried pauses and the flag epoch (streams.worker.carryover)

    def _topic(self, name: str, partitions: int, compacting: bool = False) -> Any:
        return self.app.topic(
            name, partitions=partitions, key_type=bytes, value_type=bytes,
            key_serializer="raw", value_serializer="raw",
            compacting=compacting or None,
        )

    def _load(self, brand: str) -> dict[str, Any] | None:
        return self.table.data.get(brand)

    def owned_partitions(self) -> set[int]:
        """Partitions of ``mentions.scored`` this worker owns now."""
        return {tp.partition for tp in self.app.consumer.assignment()
                if tp.topic == self.names.scored}

    def owned(self, brand: str, parts: set[int] | None = None) -> bool:
        """Whether this worker owns ``brand`` (its scored partition is assigned here).

        Args:
            brand: the brand slug.
            parts: owned partitions, if already computed.
        """
        parts = self.owned_partitions() if parts is None else parts
        return self.partition(brand) in parts

    def partition(self, brand: str) -> int:
        """The scored (and table) partition of ``brand``, cached: murmur2 in Python costs
        about 0.1 ms, and housekeeping asks for every owned brand.

        Args:
            brand: the brand slug (or a table key).
        """
        return route(brand, self.settings.partitions)

    def owned_items(self) -> list[tuple[str, dict[str, Any]]]:
        """``(brand, state dict)`` for every owned brand in the table."""
        parts = self.owned_partitions()
        return [(k, v) for k, v in list(self.table.data.items())
                if isinstance(v, dict) and not is_marker(k) and self.owned(k, parts)]

    def marker(self, partition: int) -> int | None:
        """The scored offset up to which ``partition``'s stored states are complete, if known.

        Args:
            partition: the ``mentions.scored`` partition.
        """
        value = self.table.data.get(self._marker_keys[partition])
        return int(value["off"]) if isinstance(value, dict) else None

    def markers_due(self) -> list[tuple[str, dict[str, Any]]]:
        """The position marker of every owned partition that moved, as table rows.

        Write them after the states they vouch for (same changelog partitions, in order).
        """
        parts = self.owned_partitions()
        rows: list[tuple[str, dict[str, Any]]] = []
        for partition, nxt in list(self.cursor.next.items()):
            if partition in parts and self.marked.get(partition) != nxt:
                rows.append((self._marker_keys[partition], {"p": partition, "off": nxt - 1}))
                self.marked[partition] = nxt
        return rows

    async def declare_topics(self) -> None:
        """Create every topic (idempotent)."""
        for topic in (self.t_mentions, self.t_scored, self.t_dlq, self.t_alerts, self.t_state,
                      self.t_control, self.t_audit):
            await topic.maybe_declare()

    def recovered(self) -> bool:
        """Whether table recovery has completed and no rebalance is running."""
        recovery = cast(Any, self.app.tables).recovery  # not on Faust's TableManagerT
        return (bool(recovery.completed.is_set()) and not self.app.rebalancing
                and not getattr(recovery, "in_recovery", False))

    async def lag(self) -> int:
        """Messages not yet read on this worker's assigned input partitions (-1: not known yet)."""
        lags = await self.lag_by_partition()
        return -1 if -1 in lags.values() else sum(lags.values())

    async def lag_by_partition(self) -> dict[tuple[str, int], int]:
        """``(topic, partition) -> end offset - position`` of the assigned input partitions.

        Partitions not fetched yet are left out (or ``-1`` when the position is
        not known yet); no assignment gives an empty dict.
        """
        consumer = self.app.consumer
        out: dict[tuple[str, int], int] = {}
        try:
            assigned = consumer.assignment()
        except Exception:  # noqa: BLE001 - the consumer is not started yet
            return out
        for tp in assigned:
            if tp.topic != self.names.scored:  # the score loop reports mentions' lag
                continue
            try:
                high = consumer.highwater(tp)
                pos = await consumer.position(tp)
            except Exception:  # noqa: BLE001 - not fetched yet
                out[(tp.topic, tp.partition)] = -1
                continue
            if high is not None and pos is not None:
                out[(tp.topic, tp.partition)] = max(0, high - pos)
        if self.score_loop is not None:  # ``mentions`` is read by the score loop's own consumer
            out.update(await self.score_loop.lag_by_partition())
        return out

    async def health(self) -> dict[str, Any]:
        """Readiness: broker reachable, recovered, view caught up, a worker heartbeat on the
        flag topic (the API's flag answers need one), input lag under the threshold; and
        whether the score loop has joined its group (``scoring``, not waited for: its lag
        counts once it has partitions; a crashed loop makes the worker not ready), and why
        its last batch failed (``score_failing``, ``None`` once a batch goes through)."""
        recovered = self.recovered()
        view = self.view.caught_up.is_set()
        loop = self.score_loop
        crashed = loop is not None and bool(loop.crashed)
        scoring = loop is None or (loop.joined.is_set() and not crashed)
        beat = isinstance(self.view.get(self.names.control, HEARTBEAT_KEY), Heartbeat)
        reachable = self.broker is None or self.broker.reachable
        lag = await self.lag() if recovered and reachable else -1
        ready = (reachable and recovered and view and beat and not crashed
                 and 0 <= lag <= self.settings.ready_max_lag)
        return {"ready": ready, "broker": "reachable" if reachable else "unreachable",
                "recovered": recovered, "view_caught_up": view, "heartbeat_seen": beat,
                "scoring": scoring,
                "score_failing": getattr(loop, "failing", None),
                "lag": lag,
                "owned_partitions": sorted(self.owned_partitions()) if recovered else [],
                "uptime_seconds": round(time.time() - self.started_at, 1)}

    def close(self) -> None:
        """Remove the temporary data directory."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
