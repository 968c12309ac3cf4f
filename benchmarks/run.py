"""Every benchmark, one after the other (what ``make bench`` runs).

    python -m benchmarks.run [--only detection stream_latency ...]

Each benchmark runs in its own process (a clean interpreter, so one does not
warm the caches of the next) and prints its own table; the exit code is
non-zero when any of them fails or reports a missed goal. Results land in
``out/bench/``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

OUT = Path("out/bench")
BENCHMARKS: dict[str, list[str]] = {
    "detection": ["-m", "benchmarks.detection", "--out", str(OUT)],
    "realistic": ["-m", "benchmarks.realistic", "--out", str(OUT)],
    "sentiment_quality": ["-m", "benchmarks.sentiment_quality"],
    "langid_compare": ["-m", "benchmarks.langid_compare"],
    "stream_latency": ["benchmarks/stream_latency.py", "--json", str(OUT / "stream_latency.json")],
    "stream_throughput": ["benchmarks/stream_throughput.py", "--json",
                          str(OUT / "stream_throughput.json")],
    "soak": ["benchmarks/soak.py", "--minutes", "10", "--json", str(OUT / "soak.json")],
}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; return non-zero when one fails."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME",
                   help=f"run only these ({', '.join(BENCHMARKS)})")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    for name in args.only or list(BENCHMARKS):
        print(f"\n=== {name} ===", flush=True)
        t0 = time.time()
        rc = subprocess.call([sys.executable, *BENCHMARKS[name]])
        print(f"=== {name}: {'ok' if rc == 0 else f'exit {rc}'} ({time.time() - t0:.0f} s)",
              flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"\nfailed or missed a goal: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
