"""Sustained end-to-end throughput, scaling, latency at half load and RSS, in one command.

    .venv/bin/python benchmarks/stream_throughput.py [--mentions 40000] [--brands 1000]

1. raw VADER (``polarity_scores``) on the very texts of the run, one core;
2. one worker: once it is ready, a backlog of ``--mentions`` mentions over
   ``--brands`` brands is produced at once; the sustained rate is measured from
   the ``firebreak_mentions_processed_total`` counter between 10 % and 90 % done;
3. the same with two workers (backlog produced once both own partitions);
4. p99 latency at half the one-worker maximum: a paced stream, latency from the
   mention entering ``mentions`` to its state decision (worker histogram);
5. RSS of each worker once it holds the state of all brands.

Each run uses a fresh embedded broker (Tansu never frees memory).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors.events import format_time  # noqa: E402
from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.dev.console import metric_totals  # noqa: E402
from streams.dev.procs import WorkerProcess, http_json  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.topics import TopicNames  # noqa: E402

WORDS = {"neg": ["terrible", "awful", "broken", "refund", "worst", "angry", "late", "rude"],
         "pos": ["great", "love", "amazing", "thanks", "excellent", "happy", "fast", "kind"],
         "neu": ["order", "store", "phone", "today", "delivery", "update", "price", "app"]}
PARTITIONS = 4


def make_mentions(n: int, brands: int, seed: int = 3) -> list[dict[str, Any]]:
    """``n`` unique English mentions spread over ``brands`` brands, timed around now."""
    rng = random.Random(seed)
    now = time.time()
    out = []
    for i in range(n):
        mood = rng.choice(["neg", "neu", "neu", "pos"])
        words = rng.sample(WORDS[mood], 3) + rng.sample(WORDS["neu"], 3)
        rng.shuffle(words)
        brand = f"b{rng.randrange(brands)}"
        text = f"@{brand} " + " ".join(words) + f" #{i} " + "really " * rng.randrange(0, 20)
        at = format_time(__import__("datetime").datetime.fromtimestamp(
            now - 600 + 600 * i / n, tz=__import__("datetime").timezone.utc))
        out.append({"id": f"t{i}", "brand": brand, "text": text.strip(), "lang": "en",
                    "created_at": at, "source": "x",
                    "author": {"id": f"a{rng.randrange(50_000)}", "followers": 10}})
    return out


def raw_vader(texts: list[str]) -> float:
    """Texts per second of bare VADER on one core."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    for t in texts:
        sia.polarity_scores(t)
    return len(texts) / (time.perf_counter() - t0)


def produce(bootstrap: str, topic: str, mentions: list[dict[str, Any]]) -> None:
    """Produce all mentions keyed by id and wait for delivery."""
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=256_000)
    for m in mentions:
        p.send(topic, key=m["id"].encode(), value=json.dumps(m).encode())
    p.flush()
    p.close()


def processed(workers: list[WorkerProcess]) -> int:
    """Mentions processed, summed over workers."""
    total = 0
    for w in workers:
        status, text = http_json(f"{w.url}/metrics", timeout=5)
        if status == 200:
            total += int(metric_totals(text).get("firebreak_mentions_processed_total", 0))
    return total


def run_backlog(n_workers: int, mentions: list[dict[str, Any]], tmp: Path) -> dict[str, Any]:
    """Throughput of ``n_workers`` workers on a pre-produced backlog."""
    names = TopicNames(f"tp{n_workers}.")
    with EmbeddedBroker(log_file=tmp / f"broker{n_workers}.log") as broker:
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        ws = [WorkerProcess(broker.url, env=_env(names, tmp), log_file=tmp / f"w{n_workers}{i}.log")
              for i in range(n_workers)]
        try:
            for w in ws:
                w.start()
            deadline = time.time() + 120
            while time.time() < deadline and sum(len(_owned(w)) for w in ws) != PARTITIONS:
                time.sleep(0.5)
            assert all(_owned(w) for w in ws), "partitions not shared by every worker"
            produce(broker.bootstrap, names.mentions, mentions)
            both_ready = time.time()
            n = len(mentions)
            series: list[tuple[float, int]] = []
            deadline = time.time() + 600
            while time.time() < deadline:
                c = processed(ws)
                series.append((time.time(), c))
                if c >= n:
                    break
                time.sleep(0.5)
            rss = [w.rss_bytes() for w in ws]
        finally:
            for w in ws:
                w.stop()
    lo = [(t, c) for t, c in series if c >= 0.1 * n and t >= both_ready]
    hi = [(t, c) for t, c in series if c >= 0.9 * n]
    rate = (hi[0][1] - lo[0][1]) / (hi[0][0] - lo[0][0]) if lo and hi and hi[0][0] > lo[0][0] \
        else None
    return {"workers": n_workers, "mentions": n, "processed": series[-1][1] if series else 0,
            "rate_per_second": round(rate, 1) if rate else None,
            "rss_mb": [round(r / 2**20, 1) if r else None for r in rss]}


def _owned(w: WorkerProcess) -> list[int]:
    status, body = w.health()
    return body.get("owned_partitions", []) if status == 200 and body else []


def run_paced(rate: float, seconds: float, mentions: list[dict[str, Any]],
              tmp: Path) -> dict[str, Any]:
    """Latency histogram at a paced load with one worker."""
    names = TopicNames("lat.")
    with EmbeddedBroker(log_file=tmp / "broker-lat.log") as broker:
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        w = WorkerProcess(broker.url, env=_env(names, tmp), log_file=tmp / "w-lat.log").start()
        try:
            assert w.wait_ready(120)
            p = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
            total = int(rate * seconds)
            t0 = time.time()
            for i, m in enumerate(mentions[:total]):
                delay = t0 + i / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
                m = dict(m, id=f"p{i}")
                p.send(names.mentions, key=m["id"].encode(), value=json.dumps(m).encode())
            p.flush()
            p.close()
            deadline = time.time() + 60
            while processed([w]) < total and time.time() < deadline:
                time.sleep(0.5)
            status, text = http_json(f"{w.url}/metrics")
        finally:
            w.stop()
    return {"rate_per_second": rate, "seconds": seconds,
            **histogram_quantiles(text, "firebreak_processing_latency_seconds", (0.5, 0.99))}


def histogram_quantiles(text: str, name: str, qs: tuple[float, ...]) -> dict[str, Any]:
    """Quantiles from a Prometheus histogram (linear within buckets)."""
    from prometheus_client.parser import text_string_to_metric_families

    buckets: list[tuple[float, float]] = []
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == f"{name}_bucket":
                buckets.append((float(s.labels["le"]), float(s.value)))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    out: dict[str, Any] = {"observations": int(total)}
    for q in qs:
        target, prev_le, prev_c = q * total, 0.0, 0.0
        for le, c in buckets:
            if c >= target:
                frac = (target - prev_c) / (c - prev_c) if c > prev_c else 1.0
                out[f"p{int(q * 100)}_seconds"] = round(prev_le + (le - prev_le) * frac, 4) \
                    if le != float("inf") else f">{prev_le}"
                break
            prev_le, prev_c = le, c
    return out


def _env(names: TopicNames, tmp: Path) -> dict[str, str]:
    return {"FIREBREAK_PARTITIONS": str(PARTITIONS), "FIREBREAK_TOPIC_PREFIX": names.prefix,
            "FIREBREAK_APP_ID": f"bench-{names.prefix.strip('.')}",
            "FIREBREAK_SESSION_TIMEOUT": "6", "FIREBREAK_BRANDS_FILE": str(tmp / "brands.yaml")}


def main() -> int:
    """Run everything and print one JSON result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentions", type=int, default=30_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--paced-seconds", type=float, default=20.0)
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fb-tput-"))
    (tmp / "brands.yaml").write_text("brands:\n" + "".join(f"  b{i}: {{}}\n" for i in range(20)))
    mentions = make_mentions(args.mentions, args.brands)
    vader = raw_vader([m["text"] for m in mentions])
    one = run_backlog(1, mentions, tmp)
    two = run_backlog(2, mentions, tmp)
    half = (one["rate_per_second"] or 100) / 2
    paced = run_paced(half, args.paced_seconds, mentions, tmp)
    result = {
        "raw_vader_per_second": round(vader, 1),
        "one_worker": one, "two_workers": two,
        "worker_vs_raw_vader": round((one["rate_per_second"] or 0) / vader, 3),
        "two_vs_one": round((two["rate_per_second"] or 0) / (one["rate_per_second"] or 1), 2),
        "latency_at_half_load": paced,
        "cpu_cores": __import__("os").cpu_count(),
        "logs": str(tmp),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
