"""``firebreak ingest FILE``: produce mentions from a file to the ``mentions`` topic.

Reading is pluggable: a *reader* turns a file into ``(line, object-or-error)``
pairs; :data:`READERS` maps a format name to one (``jsonl`` built in; a CSV
reader can be added with :func:`register_reader`). Every object is validated
like the score agent does; valid ones are produced keyed by mention id (so
scoring spreads over all partitions), bad lines are counted and reported with
their line number and reason. A progress bar shows on a terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.errors import ConfigError, InvalidMention
from detectors.events import Mention, parse_mention
from streams.cli.brokers import kafka_errors, require_brokers
from streams.settings import load_settings

log = logging.getLogger(__name__)
Item = tuple[int, Any]  # (line number, decoded dict, Mention or InvalidMention)
Reader = Callable[[Path], Iterator[Item]]
READERS: dict[str, Reader] = {}
SHOW_ERRORS = 20


def register_reader(fmt: str, reader: Reader, *suffixes: str) -> None:
    """Make ``reader`` available as ``--format fmt`` (and for files ending in ``suffixes``).

    Args:
        fmt: format name.
        reader: the reader function.
        suffixes: file suffixes (``.csv``) that select it by default.
    """
    READERS[fmt] = reader
    for suffix in suffixes:
        _SUFFIXES[suffix] = fmt


_SUFFIXES: dict[str, str] = {}


def read_jsonl(path: Path) -> Iterator[Item]:
    """One JSON object per line; blank lines are skipped.

    Args:
        path: the file.
    """
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield n, json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield n, InvalidMention("$", f"not valid UTF-8 (byte {exc.start})", code="invalid_utf8")
            except ValueError as exc:
                yield n, InvalidMention("$", f"not valid JSON: {exc}", code="invalid_json")


register_reader("jsonl", read_jsonl, ".jsonl", ".ndjson", ".json")


def _register_csv() -> None:
    """Plug in the replay reader's CSV support (default column mapping) when present."""
    try:
        from streams.sources.files import read_mentions
    except ImportError:  # pragma: no cover - the replay reader is optional here
        return
    register_reader("csv", lambda path: read_mentions(path), ".csv")


_register_csv()


@dataclass
class IngestResult:
    """Counts of one ingest run."""

    read: int = 0
    produced: int = 0
    bad: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def ingest(items: Iterator[Item], send: Callable[[bytes, bytes], None],
           progress: Any = None) -> IngestResult:
    """Validate and send every item.

    Args:
        items: reader output.
        send: produces one ``(key, value)``.
        progress: a tqdm-like object (``update(1)``) or ``None``.
    """
    res = IngestResult()
    for line, obj in items:
        res.read += 1
        if progress is not None:
            progress.update(1)
        try:
            if isinstance(obj, InvalidMention):
                raise obj
            m = obj if isinstance(obj, Mention) else parse_mention(obj)
        except InvalidMention as exc:
            res.bad += 1
            if len(res.errors) < SHOW_ERRORS:
                res.errors.append((line, str(exc)))
            continue
        value = m.to_dict() if isinstance(obj, Mention) else obj
        send(m.id.encode("utf-8"), json.dumps(value, ensure_ascii=False).encode("utf-8"))
        res.produced += 1
    return res


def add_parser(subparsers: Any) -> None:
    """Register ``ingest`` on the CLI.

    Args:
        subparsers: the ``firebreak`` sub-command set.
    """
    p = subparsers.add_parser("ingest", help="produce mentions from a file to Kafka",
                              description="Validate mentions from FILE and produce them to the "
                                          "mentions topic. Bad lines are reported, not sent.")
    p.add_argument("file", type=Path, help="input file (JSONL)")
    p.add_argument("--format", choices=sorted(READERS), help="input format (default: by suffix)")
    p.add_argument("--brokers", help="comma-separated host:port (default FIREBREAK_BROKERS)")
    p.add_argument("--topic-prefix", help="topic prefix (default FIREBREAK_TOPIC_PREFIX)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Ingest a file; returns 0, or 1 when some lines were bad.

    Args:
        args: parsed CLI arguments.
    """
    from kafka import KafkaProducer
    from tqdm import tqdm

    settings = load_settings(None, brokers=args.brokers, topic_prefix=args.topic_prefix)
    path: Path = args.file
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    fmt = args.format or _SUFFIXES.get(path.suffix.lower(), "jsonl")
    reader = READERS[fmt]
    topic = settings.topics.mentions
    wait = settings.broker_wait_seconds
    require_brokers(settings.bootstrap, wait)
    with kafka_errors(settings.bootstrap):
        producer = KafkaProducer(bootstrap_servers=settings.bootstrap, linger_ms=20,
                                 max_request_size=settings.max_message_bytes,
                                 max_block_ms=int(wait * 1000))
        bar = tqdm(unit=" mentions", disable=args.no_progress or None, file=sys.stderr)
        try:
            res = ingest(reader(path), lambda k, v: producer.send(topic, key=k, value=v), bar)
            producer.flush(timeout=wait * 4)
        finally:
            bar.close()
            producer.close(timeout=10)
    print(f"{path}: {res.read} read, {res.produced} produced to {topic}, {res.bad} bad")
    for line, reason in res.errors:
        print(f"  line {line}: {reason}")
    if res.bad > len(res.errors):
        print(f"  … and {res.bad - len(res.errors)} more bad lines")
    return 1 if res.bad else 0
