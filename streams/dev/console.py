"""The demo's live terminal view and its summary (reads the worker's HTTP API).

On a terminal the brand table is redrawn in place every second; otherwise
(piped, CI) only changes are printed, one line each. This module prints on
purpose: it *is* the user interface of ``firebreak demo``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from prometheus_client.parser import text_string_to_metric_families

from streams.client.http import http_json

COLOURS = {"normal": "\x1b[32m", "elevated": "\x1b[33m", "crisis": "\x1b[1;31m"}
RESET = "\x1b[0m"


def metric_totals(text: str) -> dict[str, float]:
    """Sum every sample of each metric in a Prometheus text exposition.

    Args:
        text: the ``/metrics`` body.
    """
    out: dict[str, float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[s.name] = out.get(s.name, 0.0) + float(s.value)
    return out


def transitions_to(text: str, state: str) -> float:
    """How many transitions into ``state`` a ``/metrics`` body reports.

    Args:
        text: the ``/metrics`` body.
        state: target state.
    """
    total = 0.0
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == "firebreak_transitions_total" and s.labels.get("to_state") == state:
                total += float(s.value)
    return total


@dataclass
class LiveView:
    """Polls the API and shows brand states and pause flags as they change.

    Args:
        base_url: the worker's HTTP base URL.
        out: where to print.
    """

    base_url: str
    out: TextIO = sys.stdout
    started: float = field(default_factory=time.time)
    last: dict[str, tuple[str, bool]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    first_crisis: float | None = None
    first_pause: float | None = None

    @property
    def tty(self) -> bool:
        """Whether we draw in place."""
        return bool(getattr(self.out, "isatty", lambda: False)())

    def poll(self) -> None:
        """Read every brand's state and print what changed."""
        status, body = http_json(f"{self.base_url}/api/v1/brands", timeout=2.0)
        if status != 200 or not body:
            return
        now = time.time() - self.started
        for b in body["brands"]:
            key = (b.get("state") or "normal", bool(b.get("paused")))
            prev = self.last.get(b["brand"])
            self.last[b["brand"]] = key
            if prev is None or prev == key:
                continue
            if key[0] == "crisis" and self.first_crisis is None:
                self.first_crisis = now
            if key[1] and not prev[1] and self.first_pause is None:
                self.first_pause = now
            flag = "PAUSED" if key[1] else "promotion on"
            line = f"[{now:6.1f}s] {b['brand']:<10} {prev[0]} -> {key[0]}, {flag}"
            self.events.append(line)
            if not self.tty:
                print(line, file=self.out, flush=True)
        if self.tty:
            self.draw(now)

    def draw(self, now: float) -> None:
        """Redraw the brand table (terminal only).

        Args:
            now: seconds since start.
        """
        lines = ["\x1b[2J\x1b[H", f"Firebreak demo  t={now:5.1f}s   {self.base_url}", "",
                 f"{'brand':<12}{'state':<12}promotion"]
        for brand, (state, paused) in sorted(self.last.items()):
            colour = COLOURS.get(state, "")
            lines.append(f"{brand:<12}{colour}{state:<12}{RESET}"
                         f"{'PAUSED' if paused else 'on'}")
        lines += ["", "recent changes:"] + self.events[-8:] + ["", "Ctrl-C to stop"]
        print("\n".join(lines), file=self.out, flush=True)

    def summary(self, duration: float) -> dict[str, Any]:
        """The run's summary from the worker's metrics and API.

        Args:
            duration: seconds the demo ran.
        """
        status, text = http_json(f"{self.base_url}/metrics", timeout=5.0)
        totals = metric_totals(text) if status == 200 and isinstance(text, str) else {}
        crises = transitions_to(text, "crisis") if status == 200 else 0.0
        return {
            "duration_seconds": round(duration, 1),
            "mentions_processed": int(totals.get("firebreak_mentions_processed_total", 0)),
            "transitions": int(totals.get("firebreak_transitions_total", 0)),
            "crises": int(crises),
            "pause_flips": int(totals.get("firebreak_pause_flips_total", 0)),
            "alerts_emitted": int(totals.get("firebreak_alerts_emitted_total", 0)),
            "dead_letters": int(totals.get("firebreak_dlq_messages_total", 0)),
            "first_crisis_after_seconds": _round(self.first_crisis),
            "first_pause_after_seconds": _round(self.first_pause),
            "brands": {b: {"state": s, "paused": p} for b, (s, p) in sorted(self.last.items())},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
