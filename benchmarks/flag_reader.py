"""CPU cost of asking the Kafka pause-flag reader, kept view versus a full re-read per question.

    python benchmarks/flag_reader.py [--brands 2000] [--gets 2000] [--rereads 10]

Starts the embedded broker, publishes one flag per brand on a compacted topic,
then measures with ``time.process_time`` (this process, every thread: the
reader's background consumer included):

* ``kept``: one :class:`KafkaFlagReader` answering ``--gets`` questions (what it does now);
* ``reread``: a new reader per question, reading the topic from the beginning
  each time (what ``get()`` did before it kept its view);
* ``idle``: the kept reader's background consumer doing nothing for 5 s;
* ``publish``: what the worker spends building one flag message, through the
  ``PauseFlag`` model, and as the plain dict it built before the model (same fields).

CPU-seconds per question, per idle second and per flag message, and the ratios,
all from one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaProducer  # noqa: E402

from detectors.config import BrandConfig  # noqa: E402
from detectors.crisis.state import BrandState, override  # noqa: E402
from detectors.events import iso  # noqa: E402
from streams.client.pauseflag import KafkaFlagReader  # noqa: E402
from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.base import at  # noqa: E402
from streams.wire.flags import HEARTBEAT_KEY, Heartbeat, PauseFlag  # noqa: E402
from streams.wire.messages import dumps, flag_message  # noqa: E402
from streams.wire.topics import TopicNames  # noqa: E402


def main() -> int:
    """Run the measurement and print one JSON object."""
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--brands", type=int, default=2000)
    p.add_argument("--gets", type=int, default=2000)
    p.add_argument("--rereads", type=int, default=10)
    args = p.parse_args()
    names = TopicNames("bench.")
    with tempfile.TemporaryDirectory() as tmp, \
            EmbeddedBroker(log_file=Path(tmp) / "broker.log") as broker:
        ensure_topics([broker.bootstrap], names, 4)
        prod = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
        now = at(time.time())
        for i in range(args.brands):
            flag = PauseFlag(brand=f"b{i}", paused=i % 10 == 0, updated_at=now, state="normal")
            prod.send(names.control, key=f"b{i}".encode(), value=dumps(flag.wire()))
        beat = Heartbeat(worker="bench:1", updated_at=now, started_at=now)
        prod.send(names.control, key=HEARTBEAT_KEY.encode(), value=dumps(beat.wire()))
        prod.flush()
        prod.close()
        with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=60) as reader:
            assert reader.get("b0").effective_paused  # first read: the whole topic
            c0 = time.process_time()
            for i in range(args.gets):
                reader.get(f"b{i % args.brands}")
            kept = (time.process_time() - c0) / args.gets
            c0 = time.process_time()
            time.sleep(5.0)
            idle = (time.process_time() - c0) / 5.0
        c0 = time.process_time()
        for i in range(args.rereads):
            with KafkaFlagReader(broker.bootstrap, topic=names.control, timeout=60) as fresh:
                fresh.get(f"b{i}")
        reread = (time.process_time() - c0) / args.rereads
    model, plain = publish_cost(20_000)
    out = {"brands": args.brands, "kept_cpu_s_per_get": kept, "reread_cpu_s_per_get": reread,
           "reread_over_kept": reread / kept if kept else None, "idle_cpu_s_per_s": idle,
           "publish_model_cpu_s_per_flag": model, "publish_dict_cpu_s_per_flag": plain,
           "model_over_dict": model / plain}
    print(json.dumps(out, indent=1))
    return 0


def publish_cost(n: int) -> tuple[float, float]:
    """CPU-seconds per flag message: through the model, and as the plain dict of before."""
    st = BrandState.new("acme", BrandConfig())
    override(st, "pause", 1_772_420_674.0, BrandConfig(), by="ops", why="bench")

    def as_dict() -> bytes:
        return dumps({"brand": st.brand, "paused": st.paused, "reason": st.pause_reason,
                      "since": iso(st.paused_since) if st.paused_since is not None else None,
                      "updated_at": iso(1.7e9), "state": st.state, "crisis_id": st.crisis_id})

    out = []
    for build in (lambda: dumps(flag_message(st, 1.7e9).wire()), as_dict):
        for _ in range(1000):
            build()
        c0 = time.process_time()
        for _ in range(n):
            build()
        out.append((time.process_time() - c0) / n)
    return out[0], out[1]


if __name__ == "__main__":
    raise SystemExit(main())
