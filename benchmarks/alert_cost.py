"""CPU cost of the typed alert event and of each sink's rendering, per alert.

    nice -n 5 python -m benchmarks.alert_cost [--n 2000] [--repeat 5]

Alerts are rare (one per transition), so this only checks that typing the event
and laying out Block Kit / Adaptive Cards cost little next to the plain dict the
producer used to build. Every figure is CPU-µs per alert (``time.process_time``,
median of ``--repeat`` runs) for the example crisis of ``dashboards.alert_examples``,
with its ratio to the baseline measured in the same run: building the old wire
dict (``Transition.to_dict()`` plus four keys) and ``json.dumps`` of it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from dashboards.alert_examples import CRISIS_ID, NUMBERS, REASON, T0, example_settings
from detectors.crisis.model import Transition
from detectors.events import iso
from streams.alerting.render import Crisis
from streams.alerting.sinks.alertmanager import am_alert
from streams.alerting.sinks.slack import slack_payload
from streams.alerting.sinks.teams import teams_payload
from streams.alerting.sinks.webhook import webhook_payload
from streams.wire.alert import AlertEvent
from streams.wire.messages import dumps


def cpu_us(fn: Callable[[], Any], n: int, repeat: int) -> float:
    """Median CPU-µs per call of ``fn`` over ``repeat`` runs of ``n`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(n):
            fn()
        runs.append((time.process_time() - start) / n * 1e6)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    """Measure and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="calls per run")
    ap.add_argument("--repeat", type=int, default=5, help="runs (the median is reported)")
    args = ap.parse_args(argv)
    t = Transition("nordair", T0, "crisis", "elevated", True, "sudden_surge", REASON, NUMBERS, CRISIS_ID)
    ev = AlertEvent.from_transition(t, "fi-1", T0 + 1)
    wire = ev.wire()
    raw = dumps(wire)
    s = example_settings()
    c = Crisis.from_alert(ev, dashboard_url=s.dashboard_url, brand_url=s.brand_url)

    def legacy() -> bytes:
        out = t.to_dict()
        out.update(kind="crisis", fingerprint=CRISIS_ID, cause_id="fi-1", emitted_at=iso(T0 + 1))
        return dumps(out)

    cases: dict[str, Callable[[], Any]] = {
        "baseline: old wire dict + json (producer)": legacy,
        "AlertEvent.from_transition + wire + json (producer)": lambda: dumps(
            AlertEvent.from_transition(t, "fi-1", T0 + 1).wire()),
        "AlertEvent.from_wire(dict).kind (publishing's counter)": lambda: AlertEvent.from_wire(
            wire).kind,
        "AlertEvent.from_wire(bytes) (notifier)": lambda: AlertEvent.from_wire(raw),
        "Crisis.from_alert (notifier)": lambda: Crisis.from_alert(ev, dashboard_url=s.dashboard_url),
        "Alertmanager alert + json": lambda: json.dumps(am_alert(c, ends_at=T0 + 300)),
        "generic webhook body + json": lambda: json.dumps(webhook_payload(c, "firing")),
        "Slack Block Kit body + json": lambda: json.dumps(slack_payload(c, "firing")),
        "Teams Adaptive Card body + json": lambda: json.dumps(teams_payload(c, "firing")),
    }
    results = {name: cpu_us(fn, args.n, args.repeat) for name, fn in cases.items()}
    base = results["baseline: old wire dict + json (producer)"]
    print(f"{'CPU-µs per alert (median of ' + str(args.repeat) + ')':<58} {'µs':>8} {'x base':>7}")
    for name, us in results.items():
        print(f"{name:<58} {us:8.1f} {us / base:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
