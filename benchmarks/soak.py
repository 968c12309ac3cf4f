"""Soak: steady load on two workers with a ``kill -9`` every so often; RSS flat, nothing lost.

    nice -n 5 .venv/bin/python benchmarks/soak.py --minutes 10 --rate 150 --kill-every 60

An embedded broker and two workers (one app id, 4 partitions). A producer sends
``--rate`` mentions a second, spread over ``--brands`` brands (half of them in the
brands file, half invented), with created_at = now. Every ``--kill-every`` seconds
one worker gets SIGKILL and a new one is started in its place, so the survivor
takes over, recovers from the changelog and hands partitions back.

At the end the load stops and, once the workers have caught up, every brand's
``mentions`` (``GET /api/v1/brands/{brand}``) must equal what was produced for it:
nothing lost, nothing counted twice. Reported: mentions produced and counted,
kills, worker RSS (the longest-lived worker's RSS after ``--warmup``: median of the
first and of the second half; every brand's detector window is ``--window-minutes``,
because a worker keeps each mention of the window in memory by design),
CPU-seconds per mention of all workers (from /proc, killed ones included up to
their kill), and how long each takeover took until the brands'
counts moved again. Exit code 1 when a count differs or RSS grew by more than
``--max-rss-growth`` MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kafka import KafkaProducer  # noqa: E402

from detectors.events import format_time  # noqa: E402
from streams.client.http import http_json  # noqa: E402
from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.dev.procs import WorkerProcess  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.topics import TopicNames  # noqa: E402

PARTITIONS = 4


class Fleet:
    """Two worker slots; a killed worker is replaced at once."""

    def __init__(self, broker: EmbeddedBroker, env: dict[str, str], logs: Path) -> None:
        self.broker, self.env, self.logs = broker, env, logs
        self.workers: list[WorkerProcess] = []
        self.cpu_of_dead = 0.0
        self.started = 0

    def start(self) -> WorkerProcess:
        w = WorkerProcess(self.broker.url, env=self.env,
                          log_file=self.logs / f"worker{self.started}.log")
        self.started += 1
        w.start(loglevel="warning")
        self.workers.append(w)
        return w

    def kill_oldest(self) -> None:
        victim = self.workers.pop(0)
        self.cpu_of_dead += victim.cpu_seconds() or 0.0
        victim.kill()

    def cpu(self) -> float:
        return self.cpu_of_dead + sum(w.cpu_seconds() or 0.0 for w in self.workers)


def mention(brand: str, i: int) -> bytes:
    text = (f"{brand} is terrible, the worst #{i}" if i % 7 == 0
            else f"bought something from {brand} today #{i}")
    return json.dumps({"id": f"soak-{brand}-{i}", "brand": brand, "text": text, "lang": "en",
                       "created_at": format_time(datetime.now(timezone.utc)), "source": "x",
                       "author": {"id": f"a{i % 5000}"}}).encode()


def counts(url: str, brands: list[str]) -> dict[str, int]:
    return {b: int((http_json(f"{url}/api/v1/brands/{b}", timeout=5)[1] or {}).get("mentions", 0)
                   or 0) for b in brands}


def main(argv: list[str] | None = None) -> int:
    """Run the soak; returns 0 when nothing was lost and RSS stayed flat."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=5.0, help="load duration")
    p.add_argument("--rate", type=float, default=200.0, help="mentions per second")
    p.add_argument("--brands", type=int, default=40, help="brands (half configured)")
    p.add_argument("--kill-every", type=float, default=60.0, help="seconds between kill -9")
    p.add_argument("--max-rss-growth", type=float, default=50.0,
                   help="MB the RSS may grow from the first to the second half after warm-up")
    p.add_argument("--window-minutes", type=int, default=5, help="detector window (>= 5)")
    p.add_argument("--warmup", type=float, default=330.0,
                   help="seconds before RSS counts (the window fills, takeovers settle)")
    p.add_argument("--out", type=Path, default=Path("out/bench/soak"))
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    configured = [f"soak{i}" for i in range(args.brands // 2)]
    brands = configured + [f"inv{i}" for i in range(args.brands - len(configured))]
    # a short detector window: a worker keeps every mention of the window in memory
    # (by design), so RSS can only be flat once the window is full
    (args.out / "brands.yaml").write_text(
        f"defaults:\n  warmup_minutes: 0\n  window_minutes: {args.window_minutes}\nbrands:\n"
        + "".join(f"  {b}: {{}}\n" for b in configured))
    names = TopicNames(f"soak{int(time.time())}.")
    env = {"FIREBREAK_APP_ID": f"fb-{names.prefix.strip('.')}",
           "FIREBREAK_TOPIC_PREFIX": names.prefix, "FIREBREAK_PARTITIONS": str(PARTITIONS),
           "FIREBREAK_BRANDS_FILE": str(args.out / "brands.yaml"),
           "FIREBREAK_SESSION_TIMEOUT": "6"}
    sent: Counter[str] = Counter()
    rss: list[tuple[float, int]] = []
    takeovers: list[float] = []
    crashed: list[str] = []
    with EmbeddedBroker(log_file=args.out / "tansu.log") as broker:
        ensure_topics([broker.bootstrap], names, PARTITIONS)
        fleet = Fleet(broker, env, args.out)
        first = fleet.start()
        fleet.start()
        for w in fleet.workers:
            if not w.wait_ready(120):
                print(f"soak: a worker did not get ready; see {w.log_file}", file=sys.stderr)
                return 1
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=20, acks=1)
        stop = threading.Event()

        def load() -> None:
            i, t0 = 0, time.monotonic()
            while not stop.is_set():
                brand = brands[i % len(brands)]
                producer.send(names.mentions, key=f"{brand}-{i}".encode(), value=mention(brand, i))
                sent[brand] += 1
                i += 1
                ahead = i / args.rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
            producer.flush()

        cpu0, t_start = fleet.cpu(), time.monotonic()
        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        end = t_start + args.minutes * 60
        next_kill = t_start + args.kill_every
        while time.monotonic() < end:
            time.sleep(5)
            for w in list(fleet.workers):
                if not w.alive():  # it exited on its own: a crash
                    crashed.append(f"{w.log_file}")
                    fleet.workers.remove(w)
                    fleet.start()
            if first.alive():
                rss.append((time.monotonic() - t_start, first.rss_bytes() or 0))
            if time.monotonic() >= next_kill and len(fleet.workers) == 2:
                # never the longest-lived worker: its RSS is the flat line we watch
                victim = 1 if fleet.workers[0] is first else 0
                fleet.workers.insert(0, fleet.workers.pop(victim))
                fleet.kill_oldest()
                t_kill = time.monotonic()
                fleet.start()
                before = sum(counts(first.url, brands).values())
                while time.monotonic() - t_kill < 120:
                    time.sleep(1)
                    if sum(counts(first.url, brands).values()) > before + args.rate:
                        break
                takeovers.append(time.monotonic() - t_kill)
                next_kill = time.monotonic() + args.kill_every
        stop.set()
        thread.join()
        produced = sum(sent.values())
        deadline = time.monotonic() + 180
        got: dict[str, int] = {}
        while time.monotonic() < deadline:
            got = counts(first.url, brands)
            if sum(got.values()) >= produced:
                break
            time.sleep(2)
        time.sleep(5)  # anything counted twice shows now
        got = counts(first.url, brands)
        cpu = fleet.cpu() - cpu0
        kills = fleet.started - 2 - len(crashed)
        for w in fleet.workers:
            w.stop()
    wrong = {b: (sent[b], got.get(b, 0)) for b in brands if sent[b] != got.get(b, 0)}
    steady = [v for t, v in rss if t >= args.warmup] or [v for _, v in rss] or [0]
    half = max(1, len(steady) // 2)
    early = sorted(steady[:half])[len(steady[:half]) // 2] / 2**20
    late = sorted(steady[-half:])[len(steady[-half:]) // 2] / 2**20
    result: dict[str, Any] = {
        "minutes": args.minutes, "rate": args.rate, "brands": len(brands), "kills": kills,
        "produced": produced, "counted": sum(got.values()), "wrong_brands": len(wrong),
        "window_minutes": args.window_minutes, "warmup_seconds": args.warmup,
        "rss_mb_first_half": round(early, 1), "rss_mb_second_half": round(late, 1),
        "rss_mb_max": round(max((v for _, v in rss), default=0) / 2**20, 1),
        "worker_cpu_us_per_mention": round(cpu / max(produced, 1) * 1e6, 1),
        "takeover_seconds": [round(t, 1) for t in takeovers],
        "crashed": crashed,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    ok = not wrong and not crashed and late - early <= args.max_rss_growth
    if wrong:
        print(f"soak: counts differ for {len(wrong)} brand(s): {dict(list(wrong.items())[:5])}",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
