"""``firebreak worker``: run a Faust worker against your own Kafka cluster.

Settings come from ``FIREBREAK_*`` environment variables and/or a YAML file
(``--config``); flags given here win. Everything is validated before
connecting, and errors name the setting (see ``docs/streaming.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from streams.cli.brokers import kafka_errors, require_brokers
from streams.settings import Settings, load_settings

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    """Register ``worker`` on the CLI.

    Args:
        subparsers: the ``firebreak`` sub-command set.
    """
    p = subparsers.add_parser(
        "worker", help="run a stream worker (Faust) on a Kafka cluster",
        description="Run a Firebreak stream worker. Settings: FIREBREAK_* env vars, "
                    "--config FILE, then these flags.")
    p.add_argument("--config", help="YAML settings file (also FIREBREAK_CONFIG)")
    p.add_argument("--brokers", help="comma-separated kafka://host:port URLs")
    p.add_argument("--app-id", help="Faust app id (consumer group)")
    p.add_argument("--topic-prefix", help="prefix of every topic name")
    p.add_argument("--partitions", type=int, help="partitions per topic")
    p.add_argument("--brands", dest="brands_file", help="brand configuration YAML")
    p.add_argument("--baselines", dest="baselines_file",
                   help="warm start: baselines saved by `firebreak replay --save-baselines`")
    p.add_argument("--web-host", help="HTTP bind address")
    p.add_argument("--web-port", type=int, help="HTTP port (API, /metrics, /healthz)")
    p.add_argument("--watermark", choices=("live", "event"), help="watermark mode")
    p.add_argument("--loglevel", default="warning", help="Faust log level")
    p.add_argument("--log-format", choices=("text", "json"),
                   help="text (default) or one JSON object per line (setting log_format)")
    p.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Validate settings from the environment, the file and the flags.

    Args:
        args: parsed CLI arguments.

    Raises:
        ConfigError: naming the bad setting.
    """
    return load_settings(
        args.config, brokers=args.brokers, app_id=args.app_id, topic_prefix=args.topic_prefix,
        partitions=args.partitions, brands_file=args.brands_file,
        baselines_file=args.baselines_file, web_host=args.web_host,
        web_port=args.web_port, watermark=args.watermark,
        log_format=getattr(args, "log_format", None),
    )


def run(args: argparse.Namespace) -> int:
    """Run the worker until SIGINT/SIGTERM; returns the exit code.

    Args:
        args: parsed CLI arguments.
    """
    settings = settings_from_args(args)
    return run_worker(settings, loglevel=args.loglevel)


def run_worker(settings: Settings, loglevel: str = "warning") -> int:
    """Build the app and run a Faust worker in this process; the process ends with it.

    Args:
        settings: validated settings.
        loglevel: Faust/root log level.
    """
    import faust

    from streams.wire.admin import ensure_topics
    from streams.worker.build import build, tune_gc
    from streams.worker.logs import logging_config

    require_brokers(settings.bootstrap, settings.broker_wait_seconds)
    with kafka_errors(settings.bootstrap):
        ensure_topics(settings.bootstrap, settings.topics, settings.partitions,
                      settings.replication)
    asyncio.set_event_loop(asyncio.new_event_loop())
    rt = build(settings)
    log.warning("worker %s: brokers=%s prefix=%r partitions=%d web=%s:%d writes=%s",
                settings.app_id, ",".join(settings.brokers), settings.topic_prefix,
                settings.partitions, settings.web_host, settings.web_port,
                "enabled" if settings.writes_enabled() else "disabled")
    worker = faust.Worker(rt.app, loglevel=loglevel, quiet=True, redirect_stdouts=False,
                          logging_config=logging_config(settings.log_format, loglevel))
    # The terminal spinner would set the root logger to DEBUG, building a LogRecord
    # for every debug call on the hot path (about 56 µs a mention, measured).
    worker.spinner = None
    tune_gc()  # everything above is built: the collector need not walk it again
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        rt.close()
    code = rt.exit_code or code
    # Faust has stopped every service and flushed the producer (after the final
    # checkpoint): leave now rather than wait for the interpreter to join client
    # threads and free every object (seconds with a large state, measured).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
