"""Sustained end-to-end throughput, scaling, latency at half load and RSS, in one command.

    .venv/bin/python benchmarks/stream_throughput.py [--mentions 40000] [--brands 1000]

1. raw VADER (``polarity_scores``) on the very texts of the run, one core: rate
   and CPU-µs per text (``time.process_time``); and Firebreak's scorer alone on
   the same mentions (``scorer_alone``), the worker's floor;
2. one worker on a backlog of ``--mentions`` mentions over ``--brands`` brands,
   produced before the worker starts: the sustained rate and the CPU-µs per
   mention of the worker and of the broker (``/proc/<pid>/stat``) from 5 % of the mentions scored
   (the workers' ``firebreak_scored_mentions_total``; for workers without it, the
   ``mentions.scored`` end offsets: one record per mention) to the last decided
   (``rate_per_second``, ``worker_cpu_us_per_mention``; mentions decided are
   ``firebreak_mentions_processed_total`` plus ``firebreak_untracked_mentions_total``;
   between 10 % and 90 % decided, when the score hop has mostly run ahead:
   ``detect_rate_per_second_10_90``, ``worker_cpu_us_per_mention_10_90``), both
   also as ratios to raw VADER;
   unpinned, and pinned to its own core (``taskset``);
3. the same with two workers, and with one worker and ten times the brands (RSS);
4. p50/p99 latency at half the one-worker rate: a paced stream, latency from the
   mention entering ``mentions`` to its state decision (worker histogram); and the
   decisive mention -> pause flag latency of crises with half the one-worker rate
   of background traffic (``stream_latency.run_decisive``), with the CPU-µs per
   mention of the load generator, the worker and the broker over that run;
5. RSS of each worker once it holds the state of all brands (the cap of unconfigured
   brands is raised to the run's brand count, so all are tracked);
6. in every run, how often the worker logged "Timer ... woke up too late" or
   "producer buffer full".

``--repeat N`` runs each backlog measurement N times and reports the medians
(every run is kept under ``runs``): the machine is shared, so CPU-seconds from
``/proc`` are the measure, not wall-clock rates.

Each run uses a fresh embedded broker (Tansu never frees memory).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors.events import format_time  # noqa: E402
from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.dev.console import metric_totals  # noqa: E402
from streams.dev.procs import WorkerProcess, cpu_seconds, http_json  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.topics import TopicNames  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_latency import log_warnings, run_decisive  # noqa: E402

WORDS = {"neg": ["terrible", "awful", "broken", "refund", "worst", "angry", "late", "rude"],
         "pos": ["great", "love", "amazing", "thanks", "excellent", "happy", "fast", "kind"],
         "neu": ["order", "store", "phone", "today", "delivery", "update", "price", "app"]}
PARTITIONS = 4


def make_mentions(n: int, brands: int, seed: int = 3) -> list[dict[str, Any]]:
    """``n`` unique mentions spread over ``brands`` brands, timed around now.

    Texts are real posts of the eight languages (the simulator's half of the
    labelled data) when that data is present, else synthetic English.
    """
    rng = random.Random(seed)
    bank = _bank()
    langs = bank.langs if bank else ("en",)
    now = time.time()
    out = []
    for i in range(n):
        mood = rng.choice(["neg", "neu", "neu", "pos"])
        brand = f"b{rng.randrange(brands)}"
        lang = rng.choice(langs)
        if bank is not None and bank.count(lang, mood):
            body = bank.pick(rng, lang, mood)
        else:
            words = rng.sample(WORDS[mood], 3) + rng.sample(WORDS["neu"], 3)
            rng.shuffle(words)
            body = " ".join(words) + " " + "really " * rng.randrange(0, 20)
        at = datetime.fromtimestamp(now - 600 + 600 * i / n, tz=timezone.utc)
        out.append({"id": f"t{i}", "brand": brand, "text": f"@{brand} {body} #{i}".strip(),
                    "created_at": format_time(at), "source": "x",
                    "author": {"id": f"a{rng.randrange(50_000)}", "followers": 10}})
    return out


def _bank() -> Any:
    from detectors.sim.realtext import TextDataMissing, load_bank

    try:
        return load_bank()
    except TextDataMissing:
        return None


def raw_vader(texts: list[str]) -> dict[str, float]:
    """Bare VADER on one core: texts per second and CPU-µs per text (``process_time``)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        sia.polarity_scores(t)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"per_second": round(len(texts) / wall, 1),
            "cpu_us_per_text": round(cpu / len(texts) * 1e6, 1)}


def scorer_cost(mentions: list[dict[str, Any]]) -> dict[str, float]:
    """Firebreak's scorer alone (validation, brand masking, language, model) on one core.

    The worker's floor: it scores every mention once. CPU-µs per mention
    (``time.process_time``), on a fresh scorer (its cache starts empty; the
    run's texts are unique).
    """
    from detectors.config import BrandBook
    from detectors.engine import score_mentions, to_observation
    from detectors.events import mention_from_json
    from detectors.sentiment.scorer import Scorer
    from streams.worker.scoring import CHUNK

    scorer, book = Scorer(), BrandBook({})
    for m in mentions[:300]:  # loads what it loads on first use (language ID, models)
        scorer.score("warm-up " + m["text"])
    raw = [json.dumps(m).encode() for m in mentions]
    c0 = time.process_time()
    for i in range(0, len(raw), CHUNK):  # in the score loop's chunks, scored together
        pairs = [(m, book.get(m.brand)) for m in map(mention_from_json, raw[i:i + CHUNK])]
        for (m, cfg), score in zip(pairs, score_mentions(pairs, scorer), strict=True):
            to_observation(m, cfg, scorer, score)
    return {"cpu_us_per_mention": round((time.process_time() - c0) / len(raw) * 1e6, 1)}


def produce(bootstrap: str, topic: str, mentions: list[dict[str, Any]]) -> float:
    """Produce all mentions keyed by id, wait for delivery; the producer's CPU-µs per mention."""
    c0 = time.process_time()
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=256_000)
    for m in mentions:
        p.send(topic, key=m["id"].encode(), value=json.dumps(m).encode())
    p.flush()
    p.close()
    return (time.process_time() - c0) / len(mentions) * 1e6


def processed(workers: list[WorkerProcess]) -> int:
    """Mentions decided, summed over workers: observed, or counted past the unconfigured-brand cap."""
    return progress(workers)[0]


def progress(workers: list[WorkerProcess]) -> tuple[int, int]:
    """Mentions decided (see :func:`processed`) and mentions scored, summed over workers.

    Scored is ``firebreak_scored_mentions_total``: a worker that packs observations
    into few ``mentions.scored`` records counts them there (0 for workers without it).
    """
    decided = scored = 0
    for w in workers:
        status, text = http_json(f"{w.url}/metrics", timeout=5)
        if status == 200:
            totals = metric_totals(text)
            decided += int(totals.get("firebreak_mentions_processed_total", 0)
                           + totals.get("firebreak_untracked_mentions_total", 0))
            scored += int(totals.get("firebreak_scored_mentions_total", 0))
    return decided, scored


def run_backlog(n_workers: int, mentions: list[dict[str, Any]], tmp: Path,
                cpus: list[str | None] | None = None, label: str = "",
                root: Path | None = None, barrier: Any = None) -> dict[str, Any]:
    """Rate and CPU cost of ``n_workers`` workers on a backlog produced before they start.

    Between 10 % and 90 % of the backlog done, it samples the mentions processed
    and the CPU seconds (``/proc``) of every worker and of the broker. ``root``: the
    checkout the workers run (default: this one); ``barrier``: a ``threading.Barrier``
    waited on between producing the backlog and starting the workers (A/B pairs).
    """
    tag = label or f"w{n_workers}"
    names = TopicNames(f"tp{tag}.")
    with EmbeddedBroker(log_file=tmp / f"broker-{tag}.log") as broker:
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        producer_us = produce(broker.bootstrap, names.mentions, mentions)
        # every brand of the run tracked (the default cap of unconfigured brands is 5,000)
        env = {**_env(names, tmp), "FIREBREAK_UNCONFIGURED_BRAND_CAP": str(_brands(mentions))}
        ws = [WorkerProcess(broker.url, env=env, log_file=tmp / f"{tag}-{i}.log", root=root)
              for i in range(n_workers)]
        if barrier is not None:
            barrier.wait()
        n = len(mentions)
        series: list[tuple[float, int, list[float | None], float | None, int]] = []
        scored = ScoredCount(broker.bootstrap, names.scored)
        try:
            for i, w in enumerate(ws):
                # INFO: Faust logs "Timer ... woke up too late" at INFO, and the run counts them
                w.start(loglevel="info", cpus=(cpus or [None] * n_workers)[i])
            deadline = time.time() + 600
            while time.time() < deadline:
                c, counted = progress(ws)  # scored: the workers' count, else the topic's end
                series.append((time.time(), c, [w.cpu_seconds() for w in ws],
                               cpu_seconds(broker.proc.pid if broker.proc else None),
                               counted or scored.count()))
                if c >= n:
                    break
                time.sleep(0.5)
            rss = [w.rss_bytes() for w in ws]
            owned = [len(_owned(w)) for w in ws]
        finally:
            scored.close()
            for w in ws:
                w.stop()
    lo = next((x for x in series if x[1] >= 0.1 * n), None)
    hi = next((x for x in series if x[1] >= 0.9 * n), None)
    out: dict[str, Any] = {"workers": n_workers, "mentions": n, "brands": _brands(mentions),
                           "pinned": cpus, "processed": series[-1][1] if series else 0,
                           "owned_partitions": owned, "producer_cpu_us_per_mention":
                           round(producer_us, 1),
                           "rss_mb": [round(r / 2**20, 1) if r else None for r in rss],
                           "warnings": _warnings(tmp, tag, n_workers)}
    if lo and hi and hi[1] > lo[1]:
        done = hi[1] - lo[1]
        out.update(detect_rate_per_second_10_90=round(done / (hi[0] - lo[0]), 1),
                   worker_cpu_us_per_mention_10_90=round(_cpu(lo, hi) / done * 1e6, 1))
    # CPU from the first sample with 5 % of the backlog scored (on the broker) to
    # the last mention decided, per mention scored meanwhile: the score hop runs
    # ahead of the detect hop (10-90 % of decided mentions misses part of the
    # scoring); start-up and the scorer's first-use loading are left out
    first = next((x for x in series if x[4] >= 0.05 * n), None)
    if first and series[-1][1] >= n > first[4]:
        last, done = series[-1], n - first[4]
        out.update(rate_per_second=round(done / (last[0] - first[0]), 1),
                   worker_cpu_us_per_mention=round(_cpu(first, last) / done * 1e6, 1),
                   broker_cpu_us_per_mention=round(((last[3] or 0) - (first[3] or 0))
                                                   / done * 1e6, 1))
    return out


class ScoredCount:
    """Records on ``mentions.scored`` (its end offsets), read by a group-less consumer."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self.c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        self.tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]

    def count(self) -> int:
        """Scored records so far (Tansu may report a partition's end a batch short)."""
        try:
            return sum(self.c.end_offsets(self.tps).values())
        except Exception:  # noqa: BLE001 - a benchmark sample, not a failure
            return 0

    def close(self) -> None:
        """Close the consumer."""
        self.c.close()


def _cpu(a: tuple[Any, ...], b: tuple[Any, ...]) -> float:
    """CPU-seconds of every worker between two samples."""
    return sum((y or 0) - (x or 0) for x, y in zip(a[2], b[2], strict=True))


def _warnings(tmp: Path, tag: str, n_workers: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(n_workers):
        for k, v in log_warnings(tmp / f"{tag}-{i}.log").items():
            out[k] = out.get(k, 0) + v
    return out


def repeated(n: int, run: Any) -> dict[str, Any]:
    """``run()`` ``n`` times; the median of each number, and every run under ``runs``."""
    runs = [run(i) for i in range(n)]
    if n == 1:
        return runs[0]
    out = dict(runs[0])
    for key in ("rate_per_second", "worker_cpu_us_per_mention", "worker_cpu_us_per_mention_10_90",
                "detect_rate_per_second_10_90",
                "broker_cpu_us_per_mention", "producer_cpu_us_per_mention"):
        vals = [r[key] for r in runs if r.get(key) is not None]
        if vals:
            out[key] = round(statistics.median(vals), 1)
    out["runs"] = [{k: r.get(k) for k in ("rate_per_second", "worker_cpu_us_per_mention",
                                          "broker_cpu_us_per_mention", "rss_mb", "warnings")}
                   for r in runs]
    return out


def _brands(mentions: list[dict[str, Any]]) -> int:
    return len({m["brand"] for m in mentions})


def _owned(w: WorkerProcess) -> list[int]:
    status, body = w.health()
    return body.get("owned_partitions", []) if status == 200 and body else []


def run_paced(rate: float, seconds: float, mentions: list[dict[str, Any]],
              tmp: Path) -> dict[str, Any]:
    """Latency histogram at a paced load with one worker."""
    names = TopicNames("lat.")
    with EmbeddedBroker(log_file=tmp / "broker-lat.log") as broker:
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        w = WorkerProcess(broker.url, env=_env(names, tmp),
                          log_file=tmp / "w-lat.log").start(loglevel="info")
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
    ap.add_argument("--only", choices=["one", "scaling", "all"], default="all",
                    help="one: only the unpinned one-worker run; scaling: one and two workers")
    ap.add_argument("--repeat", type=int, default=1, help="runs per backlog measurement (medians)")
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fb-tput-"))
    (tmp / "brands.yaml").write_text("brands:\n" + "".join(f"  b{i}: {{}}\n" for i in range(20)))
    mentions = make_mentions(args.mentions, args.brands)
    vader = raw_vader([m["text"] for m in mentions])
    scoring = scorer_cost(mentions)
    scoring["vs_raw_vader"] = round(scoring["cpu_us_per_mention"] / vader["cpu_us_per_text"], 2)
    rep = args.repeat
    runs: dict[str, Any] = {"one_worker": repeated(
        rep, lambda i: run_backlog(1, mentions, tmp, label=f"one{i}"))}
    if args.only == "all":
        pinned = "1" if (os.cpu_count() or 1) > 1 else "0"
        runs["one_worker_pinned"] = repeated(
            rep, lambda i: run_backlog(1, mentions, tmp, cpus=[pinned], label=f"pin{i}"))
    if args.only in ("scaling", "all"):
        runs["two_workers"] = repeated(rep, lambda i: run_backlog(2, mentions, tmp, label=f"two{i}"))
    if args.only == "all":
        many = make_mentions(args.mentions, args.brands * 10, seed=4)
        runs["one_worker_10x_brands"] = repeated(
            rep, lambda i: run_backlog(1, many, tmp, label=f"many{i}"))
    result: dict[str, Any] = {"raw_vader": vader, "scorer_alone": scoring, **runs}
    for run in runs.values():
        if run.get("rate_per_second"):
            run["rate_vs_raw_vader"] = round(run["rate_per_second"] / vader["per_second"], 3)
            for who in ("worker", "broker", "producer"):
                run[f"{who}_cpu_vs_raw_vader"] = round(run[f"{who}_cpu_us_per_mention"]
                                                       / vader["cpu_us_per_text"], 2)
            if run.get("worker_cpu_us_per_mention"):  # what streaming adds to the scoring
                run["worker_minus_scorer_us_per_mention"] = round(
                    run["worker_cpu_us_per_mention"] - scoring["cpu_us_per_mention"], 1)
    one, two = runs["one_worker"], runs.get("two_workers")
    if two and two.get("worker_cpu_us_per_mention") and one.get("worker_cpu_us_per_mention"):
        result["two_vs_one_cpu_per_mention"] = round(
            two["worker_cpu_us_per_mention"] / one["worker_cpu_us_per_mention"], 2)
        result["two_vs_one_rate"] = round(two["rate_per_second"] / one["rate_per_second"], 2)
    if args.only == "all":
        half = (one.get("rate_per_second") or 100) / 2
        result["latency_at_half_load"] = run_paced(half, args.paced_seconds, mentions, tmp)
        (tmp / "decisive").mkdir()
        result["decisive_to_pause_flag_at_half_load"] = run_decisive(20, half, tmp / "decisive")
    result.update(cpu_cores=os.cpu_count(), logs=str(tmp))
    return emit(result, args.json)


def emit(result: dict[str, Any], path: Path | None) -> int:
    """Print ``result`` as JSON, and write it to ``path`` when given; the exit code (0)."""
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        path.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
