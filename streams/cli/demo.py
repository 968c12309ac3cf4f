"""``firebreak demo``: broker, worker and a simulated crisis, in one command.

Starts the embedded Tansu broker on a free loopback port, one worker (HTTP API
and ``/metrics`` on localhost), and the re-timed ``demo`` scenario
(:mod:`streams.dev.demofeed`): a few quiet hours of history, then a crisis for
``acme`` within about a minute. The terminal shows each brand's state and pause
flag as they change. ``--duration N`` stops by itself and prints a summary
(``--summary-json FILE`` writes it); Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from detectors.codec import dumps, dumps_str
from streams.dev.broker import EmbeddedBroker, free_port
from streams.dev.console import LiveView
from streams.dev.demofeed import Timing, feed
from streams.dev.procs import WorkerProcess
from streams.wire.admin import ensure_topics
from streams.wire.topics import TopicNames

log = logging.getLogger(__name__)
DEMO_BRANDS = ("acme", "globex", "initech", "umbrella", "nordair", "hooli")
PARTITIONS = 4


def add_parser(subparsers: Any) -> None:
    """Register ``demo`` on the CLI.

    Args:
        subparsers: the ``firebreak`` sub-command set.
    """
    p = subparsers.add_parser(
        "demo", help="run broker + worker + a simulated crisis on this machine",
        description="Embedded broker, one worker and a simulated stream that turns into a "
                    "crisis. Everything listens on 127.0.0.1 only.")
    p.add_argument("--duration", type=float, default=None,
                   help="stop after N seconds and print a summary (default: until Ctrl-C)")
    p.add_argument("--summary-json", type=Path, default=None, help="write the summary here")
    p.add_argument("--port", type=int, default=6066,
                   help="HTTP port of the worker (a free one if taken; default 6066)")
    p.add_argument("--speed", type=float, default=10.0,
                   help="how much faster than real time the run-up to the crisis plays")
    p.add_argument("--token", default=None,
                   help="API token for the write endpoints (default: writes disabled)")
    p.set_defaults(func=run)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _port(preferred: int) -> int:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return free_port()


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit code.

    Args:
        args: parsed CLI arguments.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    tmp = tempfile.TemporaryDirectory(prefix="firebreak-demo-")
    work = Path(tmp.name)
    brands = work / "brands.yaml"
    brands.write_text("brands:\n" + "".join(f"  {b}: {{}}\n" for b in DEMO_BRANDS))
    broker = EmbeddedBroker(log_file=work / "broker.log")
    worker: WorkerProcess | None = None
    started = time.time()
    view: LiveView | None = None
    try:
        broker.start()
        names = TopicNames("")
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        env = {"FIREBREAK_APP_ID": "firebreak-demo", "FIREBREAK_PARTITIONS": str(PARTITIONS),
               "FIREBREAK_BRANDS_FILE": str(brands), "FIREBREAK_WATERMARK": "event",
               "FIREBREAK_SESSION_TIMEOUT": "6", "FIREBREAK_FLAG_REFRESH_SECONDS": "30",
               # the demo's broker is new each run: no flag data to settle after
               "FIREBREAK_FLAG_SETTLE_SECONDS": "0"}
        if args.token:
            env["FIREBREAK_API_TOKEN"] = args.token
        worker = WorkerProcess(broker.url, port=_port(args.port), env=env,
                               log_file=work / "worker.log")
        worker.start()
        print(f"broker   {broker.bootstrap} (embedded Tansu)\nworker   {worker.url}  "
              f"(API {worker.url}/api/v1/brands, metrics {worker.url}/metrics)", flush=True)
        if not worker.wait_ready(90):
            print("worker did not become ready; log: " + str(worker.log_file), file=sys.stderr)
            return 1
        view = LiveView(worker.url, started=started)
        _play(broker.bootstrap, names, view, args, started)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        summary = view.summary(time.time() - started) if view is not None else None
        log.info("stopping worker")
        if worker is not None:
            worker.stop()
        log.info("stopping broker")
        broker.stop()
        log.info("stopped")
        tmp.cleanup()
    if summary is not None:
        _report(summary, args.summary_json)
    return 0


def _play(bootstrap: str, names: TopicNames, view: LiveView, args: argparse.Namespace,
          started: float) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    deadline = started + args.duration if args.duration else None
    timing = Timing(start=time.time(), speed=args.speed)
    next_poll = 0.0
    try:
        for emit_at, m in feed(timing):
            while True:
                now = time.time()
                if deadline is not None and now >= deadline:
                    return
                if now >= next_poll:
                    view.poll()
                    next_poll = now + 1.0
                wait = min(emit_at, next_poll) - now
                if wait <= 0:
                    break
                time.sleep(min(wait, 0.2))
            # keyed by brand: the history arrives in one burst, and one partition per
            # brand keeps its mentions in event-time order (keyed by id they interleave
            # across partitions, and hours-old history would count as late)
            producer.send(names.mentions, key=m["brand"].encode(), value=dumps(m))
        while deadline is None or time.time() < deadline:  # stream over: keep showing
            view.poll()
            time.sleep(1.0)
    finally:
        producer.close(timeout=2)


def _report(summary: dict[str, Any], path: Path | None) -> None:
    print("\nsummary: " + ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in summary.items() if k != "brands"), flush=True)
    if path is not None:
        path.write_text(dumps_str(summary, indent=2) + "\n", encoding="utf-8")
        print(f"summary written to {path}", flush=True)
