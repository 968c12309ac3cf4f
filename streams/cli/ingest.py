"""``firebreak ingest FILE``: produce mentions from a file to the ``mentions`` topic.

The file is read by the same reader registry as ``replay``
(:data:`streams.sources.files.READERS`: JSON lines, CSV/TSV exports with
``--map``), and every mention is checked as the stream's score loop checks a
message, the far-future check included (``FIREBREAK_MAX_FUTURE`` against the
clock now). Valid ones are produced keyed by mention id (so scoring spreads over
all partitions) in the wire schema; bad lines are counted and reported with their
line number and reason. A progress bar shows on a terminal.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from detectors.errors import ConfigError, InvalidMention
from detectors.events import MAX_MESSAGE_BYTES
from streams.cli.brokers import kafka_errors, require_brokers
from streams.cli.inputs import add_input_options, read_options
from streams.settings import load_settings
from streams.sources.base import RawRow, all_bad_hint, duplicate_warning
from streams.sources.files import dump_json, read_raw, validate

log = logging.getLogger(__name__)
SHOW_ERRORS = 20


@dataclass
class IngestResult:
    """Counts of one ingest run."""

    read: int = 0
    produced: int = 0
    bad: int = 0
    duplicates: int = 0  # ids seen before in this file (the worker drops them)
    errors: list[tuple[int, str]] = field(default_factory=list)


def ingest(rows: Iterable[RawRow], send: Callable[[bytes, bytes], None], progress: Any = None,
           *, now: datetime | None = None, max_future: timedelta = timedelta(minutes=15)
           ) -> IngestResult:
    """Validate and send every row.

    Args:
        rows: reader output (:func:`streams.sources.files.read_raw`).
        send: produces one ``(key, value)``.
        progress: a tqdm-like object (``update(1)``) or ``None``.
        now: the clock for the far-future check, as the stream applies it.
        max_future: how far ahead of ``now`` a ``created_at`` may be.
    """
    res = IngestResult()
    seen: set[int] = set()
    for line, raw in rows:
        res.read += 1
        if progress is not None:
            progress.update(1)
        try:
            m = validate(raw, now=now, max_future=max_future)
            value = dump_json(m.to_dict()).encode("utf-8")
            if len(value) > MAX_MESSAGE_BYTES:
                raise InvalidMention("$", f"message larger than {MAX_MESSAGE_BYTES} bytes",
                                     code="too_large")
        except InvalidMention as exc:
            res.bad += 1
            if len(res.errors) < SHOW_ERRORS:
                res.errors.append((line, str(exc)))
            continue
        key = hash(m.id)
        if key in seen:
            res.duplicates += 1
        seen.add(key)
        send(m.id.encode("utf-8"), value)
        res.produced += 1
    return res


def add_parser(subparsers: Any) -> None:
    """Register ``ingest`` on the CLI.

    Args:
        subparsers: the ``firebreak`` sub-command set.
    """
    p = subparsers.add_parser("ingest", help="produce mentions from a file to Kafka",
                              description="Validate mentions from FILE (JSONL, or CSV with --map) "
                                          "as the stream does and produce them to the mentions "
                                          "topic. Bad lines are reported, not sent.")
    p.add_argument("file", help="input file: .jsonl, or .csv/.tsv (- for stdin JSONL)")
    p.add_argument("--brokers", help="comma-separated host:port (default FIREBREAK_BROKERS)")
    p.add_argument("--topic-prefix", help="topic prefix (default FIREBREAK_TOPIC_PREFIX)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_input_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Ingest a file; returns 0, or 1 when some lines were bad.

    Args:
        args: parsed CLI arguments.
    """
    from kafka import KafkaProducer
    from tqdm import tqdm

    settings = load_settings(None, brokers=args.brokers, topic_prefix=args.topic_prefix)
    options, notes = read_options(args, args.file)
    rows = read_raw(args.file, options, notes)
    topic = settings.topics.mentions
    wait = settings.broker_wait_seconds
    require_brokers(settings.bootstrap, wait)
    # kafka-python logs every failed bootstrap attempt at ERROR; the outcome is said below
    kafka_log = logging.getLogger("kafka")
    level = kafka_log.level
    if not getattr(args, "verbose", 0):
        kafka_log.setLevel(logging.CRITICAL)
    try:
        with kafka_errors(settings.bootstrap):
            producer = KafkaProducer(bootstrap_servers=settings.bootstrap, linger_ms=20,
                                     max_request_size=settings.max_message_bytes,
                                     max_block_ms=int(wait * 1000))
    finally:
        kafka_log.setLevel(level)
    bar = tqdm(unit=" mentions", disable=args.no_progress or None, file=sys.stderr)
    with kafka_errors(settings.bootstrap):
        try:
            res = ingest(rows, lambda k, v: producer.send(topic, key=k, value=v), bar,
                         now=datetime.now(timezone.utc),
                         max_future=timedelta(seconds=settings.max_future))
            producer.flush(timeout=wait * 4)
        finally:
            bar.close()
            producer.close(timeout=10)
    print(f"{args.file}: {res.read} read, {res.produced} produced to {topic}, {res.bad} bad")
    for line, reason in res.errors:
        print(f"  line {line}: {reason}")
    if res.bad > len(res.errors):
        print(f"  … and {res.bad - len(res.errors)} more bad lines")
    for note in notes.lines():
        print(f"firebreak ingest: {note}", file=sys.stderr)
    dup = duplicate_warning(res.duplicates, res.produced, "dropped by the worker")
    if dup:
        print(f"firebreak ingest: {dup}", file=sys.stderr)
    if res.bad and not res.produced:
        raise ConfigError(all_bad_hint(str(args.file), res.bad, res.errors[0][1]))
    return 1 if res.bad else 0
