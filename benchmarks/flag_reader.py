"""CPU cost of asking the Kafka pause-flag reader, kept view versus a full re-read per question.

    python benchmarks/flag_reader.py [--brands 2000] [--gets 2000] [--rereads 10]

Starts the embedded broker, publishes one flag per brand on a compacted topic,
then measures with ``time.process_time`` (this process, every thread: the
reader's background consumer included):

* ``kept``: one :class:`KafkaFlagReader` answering ``--gets`` questions (what it does now);
* ``reread``: a new reader per question, reading the topic from the beginning
  each time (what ``get()`` did before it kept its view);
* ``idle``: the kept reader's background consumer doing nothing for 5 s.

CPU-seconds per question and per idle second, and their ratio, all from one run.
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

from streams.client.pauseflag import KafkaFlagReader  # noqa: E402
from streams.dev.broker import EmbeddedBroker  # noqa: E402
from streams.wire.admin import ensure_topics  # noqa: E402
from streams.wire.base import at  # noqa: E402
from streams.wire.flags import PauseFlag  # noqa: E402
from streams.wire.messages import dumps  # noqa: E402
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
    out = {"brands": args.brands, "kept_cpu_s_per_get": kept, "reread_cpu_s_per_get": reread,
           "reread_over_kept": reread / kept if kept else None, "idle_cpu_s_per_s": idle}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
