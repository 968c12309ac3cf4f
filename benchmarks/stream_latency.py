"""Decisive-mention-to-pause-flag latency, end to end on the embedded broker.

    .venv/bin/python benchmarks/stream_latency.py [--brands 40] [--background 200]

One worker; for each of ``--brands`` brands in turn: a little neutral history,
then negative posts every 50 ms until the brand's pause flag flips. The
*decisive* mention is the one the crisis alert names as its cause; latency is
from just before it was produced to the moment the flag arrived on
``promotion.control`` (read by an independent consumer). Meanwhile
``--background`` neutral mentions/s flow for other brands. Prints p50/p99/max.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.dev.procs import WorkerProcess, cpu_seconds  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.topics import TopicNames  # noqa: E402
from tests.integration.kafkautil import background, mention  # noqa: E402

BRANDS_YAML = "defaults:\n  baseline_rate: 2.0\n  warmup_minutes: 0\n"


class Watcher(threading.Thread):
    """Records when flags and crisis alerts arrive."""

    def __init__(self, bootstrap: str, names: TopicNames, partitions: int) -> None:
        super().__init__(daemon=True)
        self.c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                               enable_auto_commit=False, fetch_max_wait_ms=10)
        tps = [TopicPartition(t, p) for t in (names.control, names.alerts)
               for p in range(partitions)]
        self.c.assign(tps)
        self.c.seek_to_end(*tps)
        for tp in tps:
            self.c.position(tp)
        self.names = names
        self.paused_at: dict[str, float] = {}
        self.cause: dict[str, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for tp, recs in self.c.poll(timeout_ms=50).items():
                now = time.time()
                for r in recs:
                    v = json.loads(r.value)
                    if tp.topic == self.names.control and v.get("paused"):
                        self.paused_at.setdefault(v["brand"], now)
                    elif tp.topic == self.names.alerts and v.get("kind") == "crisis":
                        self.cause.setdefault(v["brand"], v.get("cause_id"))
        self.c.close()


def main() -> int:
    """Run the benchmark and print the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brands", type=int, default=40)
    ap.add_argument("--background", type=float, default=200.0, help="neutral mentions/s")
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    result = run_decisive(args.brands, args.background, Path(tempfile.mkdtemp(prefix="fb-lat-")))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def run_decisive(brands: int, background_rate: float, tmp: Path, root: Path | None = None,
                 barrier: Any = None) -> dict:
    """One worker on a fresh broker; decisive mention -> pause flag latency of ``brands`` crises.

    Args:
        brands: crises to time, one brand each.
        background_rate: neutral mentions per second for other brands meanwhile.
        tmp: where logs go.
        root: the checkout the worker runs (default: this one).
        barrier: a ``threading.Barrier`` waited on once the worker is ready (A/B pairs
            start their crises together).
    """
    (tmp / "brands.yaml").write_text(BRANDS_YAML)
    names, partitions = TopicNames("lat."), 4
    with EmbeddedBroker(log_file=tmp / "broker.log") as broker:
        ensure_topics([broker.bootstrap], names, partitions)
        w = WorkerProcess(broker.url, env={
            "FIREBREAK_PARTITIONS": str(partitions), "FIREBREAK_TOPIC_PREFIX": names.prefix,
            "FIREBREAK_BRANDS_FILE": str(tmp / "brands.yaml"), "FIREBREAK_SESSION_TIMEOUT": "6",
        }, log_file=tmp / "worker.log", root=root).start(loglevel="info")  # "too late" is INFO
        try:
            assert w.wait_ready(90), "worker not ready"
            if barrier is not None:
                barrier.wait()
            args = argparse.Namespace(brands=brands, background=background_rate)
            pid = broker.proc.pid if broker.proc else None
            c0 = (time.process_time(), w.cpu_seconds(), cpu_seconds(pid))
            result = _run(broker.bootstrap, names, partitions, args)
            c1 = (time.process_time(), w.cpu_seconds(), cpu_seconds(pid))
            rss = round((w.rss_bytes() or 0) / 2**20, 1)
        finally:
            w.stop()
    n = max(1, result["sent"])
    cpu = {name: round(((b or 0.0) - (a or 0.0)) / n * 1e6, 1)
           for name, a, b in zip(("load_generator", "worker", "broker"), c0, c1, strict=True)}
    return {**result, "cpu_us_per_mention": cpu, "warnings": log_warnings(tmp / "worker.log"),
            "worker_rss_mb": rss}


def log_warnings(path: Path) -> dict[str, int]:
    """How often a worker log says a timer woke up too late or overlapped, or the producer
    buffer was full."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return {"timer_woke_up_too_late": text.count("woke up too late"),
            "timer_overlapping": text.count("is overlapping"),
            "producer_buffer_full": text.count("producer buffer full")}


def _run(bootstrap: str, names: TopicNames, partitions: int, args: argparse.Namespace) -> dict:
    watcher = Watcher(bootstrap, names, partitions)
    watcher.start()
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    stop = threading.Event()

    def load() -> None:
        bp = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        i = 0
        while not stop.is_set():
            t0 = time.time()
            n = max(1, int(args.background / 20))
            for _ in range(n):
                m = mention(f"bg{i % 50}", i, neg=False, prefix="load")
                bp.send(names.mentions, key=m["id"].encode(), value=json.dumps(m).encode())
                i += 1
                sent[0] += 1
            time.sleep(max(0.0, 0.05 - (time.time() - t0)))
        bp.close()

    sent = [0]
    loader = threading.Thread(target=load, daemon=True)
    if args.background > 0:
        loader.start()
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    missed = 0
    for b in range(args.brands):
        brand = f"lat{b}"
        sent[0] += 20
        for m in background(brand, n=20, prefix="h"):
            p.send(names.mentions, key=m["id"].encode(), value=json.dumps(m).encode())
        p.flush()
        for i in range(60):
            if brand in watcher.paused_at:
                break
            m = mention(brand, i, neg=True, prefix="n")
            sent[0] += 1
            sent_at[m["id"]] = time.time()
            p.send(names.mentions, key=m["id"].encode(), value=json.dumps(m).encode())
            p.flush()
            time.sleep(0.05)
        deadline = time.time() + 10
        while (brand not in watcher.paused_at or brand not in watcher.cause) \
                and time.time() < deadline:
            time.sleep(0.01)
        cause = watcher.cause.get(brand)
        if brand in watcher.paused_at and cause in sent_at:
            latencies.append(watcher.paused_at[brand] - sent_at[cause])
        else:
            missed += 1
    stop.set()
    watcher.stop.set()
    p.close()
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else lat * 99
    return {
        "benchmark": "decisive mention -> pause flag on promotion.control",
        "crises": len(lat), "missed": missed, "background_mentions_per_second": args.background,
        "sent": sent[0],
        "p50_seconds": round(statistics.median(lat), 4) if lat else None,
        "p99_seconds": round(q[98], 4) if lat else None,
        "max_seconds": round(lat[-1], 4) if lat else None,
    }


if __name__ == "__main__":
    sys.exit(main())
