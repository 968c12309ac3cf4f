"""The dashboards' queries against a real Prometheus, and key panels drawn to a PNG.

    python -m dashboards.render --prometheus http://127.0.0.1:9090 --minutes 10 \\
        --out docs/img/dashboards.png

No Grafana is needed: the panel queries are read from the committed dashboard
JSON, Grafana's variables are replaced (:func:`expand`), and the series come
from Prometheus' HTTP API. ``tests/integration/test_dashboard_queries.py`` uses
the same functions to check that every panel query returns data from a worker.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
DASHBOARDS = ("brand-health.json", "pipeline-health.json")
# Grafana's variables, with values that suit a short run; ``$brand``'s "All" is ``.*``
VARIABLES = {"brand": ".*", "job": "firebreak", "instance": ".*", "__rate_interval": "1m",
             "__interval": "1m", "__range": "5m"}
# (dashboard, panel type, title) of the panels in the picture, in reading order
PICTURE = (
    ("brand-health.json", "timeseries", "Mentions per minute"),
    ("brand-health.json", "state-timeline", "Crisis state"),
    ("brand-health.json", "timeseries", "Negative share"),
    ("brand-health.json", "timeseries", "Negative mentions unanswered > 1 h"),
    ("pipeline-health.json", "timeseries", "Throughput by worker"),
    ("pipeline-health.json", "timeseries", "Processing latency (mentions topic → decision)"),
    ("pipeline-health.json", "timeseries", "Time to detect (first warning → crisis, event time)"),
    ("pipeline-health.json", "timeseries", "Consumer lag by topic"),
    ("pipeline-health.json", "timeseries", "Dead letters by reason (per minute)"),
    ("pipeline-health.json", "timeseries", "Deliveries by sink"),
)


@dataclass(frozen=True)
class Target:
    """One query of one panel."""

    dashboard: str
    title: str
    panel_type: str
    ref: str
    expr: str
    legend: str

    def __str__(self) -> str:
        return f"{self.dashboard} / {self.title!r} / {self.ref}: {self.expr}"


def targets(names: tuple[str, ...] = DASHBOARDS, folder: Path = HERE) -> Iterator[Target]:
    """Every panel query of the committed dashboards.

    Args:
        names: dashboard files.
        folder: where they are.
    """
    for name in names:
        model = json.loads((folder / name).read_text(encoding="utf-8"))
        for panel in model["panels"]:
            for t in panel.get("targets", []):
                if t.get("expr"):
                    yield Target(name, panel["title"], panel["type"], t["refId"], t["expr"],
                                 t.get("legendFormat", ""))


def annotation_targets(names: tuple[str, ...] = DASHBOARDS, folder: Path = HERE) -> Iterator[Target]:
    """Every Prometheus annotation query of the committed dashboards (panel type ``annotation``).

    Args:
        names: dashboard files.
        folder: where they are.
    """
    for name in names:
        model = json.loads((folder / name).read_text(encoding="utf-8"))
        for a in model.get("annotations", {}).get("list", []):
            if a.get("expr"):
                yield Target(name, a["name"], "annotation", "annotation", a["expr"],
                             a.get("textFormat", ""))


def expand(expr: str, variables: dict[str, str] | None = None) -> str:
    """Replace Grafana's ``$name`` / ``${name}`` variables.

    Args:
        expr: PromQL with variables.
        variables: values (default :data:`VARIABLES`).

    Raises:
        ValueError: a variable without a value.
    """
    values = VARIABLES if variables is None else variables

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in values:
            raise ValueError(f"no value for ${name} in {expr}")
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, expr)


def api(prometheus: str, path: str, timeout: float = 10.0, **params: Any) -> Any:
    """GET a Prometheus API path and return its ``data``.

    Args:
        prometheus: base URL, e.g. ``http://127.0.0.1:9090``.
        path: e.g. ``/api/v1/query``.
        timeout: seconds.
        params: query parameters.

    Raises:
        RuntimeError: Prometheus answered with an error.
    """
    url = f"{prometheus}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    if body.get("status") != "success":
        raise RuntimeError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
    return body["data"]


def legend(fmt: str, labels: dict[str, str]) -> str:
    """A Grafana legend format (``{{brand}} negative``) filled from a series' labels.

    Args:
        fmt: the legend format (empty: the labels as text).
        labels: the series' labels.
    """
    if not fmt:
        return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__") or "value"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)


def render(prometheus: str, out: Path, start: float, end: float, step: float = 2.0,
           panels: tuple[tuple[str, str, str], ...] = PICTURE) -> int:
    """Draw ``panels`` from ``query_range`` over ``[start, end]`` to a PNG.

    Series that stay at zero are left out of a panel that has others (a sink's
    events that never happened, say), so the picture shows what moved.

    Args:
        prometheus: base URL of Prometheus.
        out: the PNG to write.
        start: POSIX seconds.
        end: POSIX seconds.
        step: resolution in seconds.
        panels: ``(dashboard, panel type, title)`` to draw.

    Returns:
        How many series were drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    by_key: dict[tuple[str, str, str], list[Target]] = {}
    for t in targets(tuple(dict.fromkeys(p[0] for p in panels))):
        by_key.setdefault((t.dashboard, t.panel_type, t.title), []).append(t)
    rows = math.ceil(len(panels) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(13, 2.6 * rows), squeeze=False)
    drawn = 0
    span = [datetime.fromtimestamp(x, tz=timezone.utc) for x in (start, end)]
    for ax, key in zip(axes.flat, panels, strict=False):
        name = "Brand health" if key[0].startswith("brand") else "Pipeline health"
        ax.set_title(f"{name}: {key[2]}", fontsize=9, loc="left")
        lines = []
        for t in by_key.get(key, []):
            data = api(prometheus, "/api/v1/query_range", query=expand(t.expr), start=start,
                       end=end, step=step)
            for series in data["result"]:
                points = [(float(x), float(v)) for x, v in series["values"] if v != "NaN"]
                if points:
                    lines.append((legend(t.legend, series["metric"]), points))
        if any(v for _, points in lines for _, v in points):
            lines = [line for line in lines if any(v for _, v in line[1])]
        for label, points in lines:
            xs = [datetime.fromtimestamp(x, tz=timezone.utc) for x, _ in points]
            ax.plot(xs, [v for _, v in points], lw=1.2, label=label,
                    drawstyle="steps-post" if key[1] == "state-timeline" else "default")
            drawn += 1
        ax.set_xlim(*span)
        if key[1] == "state-timeline":
            ax.set_yticks([0, 1, 2], ["normal", "elevated", "CRISIS"])
            ax.set_ylim(-0.2, 2.2)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=6, loc="upper left", ncol=2)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("Firebreak dashboards, series from a real Prometheus scraping a worker (UTC)",
                 fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return drawn


def main(argv: list[str] | None = None) -> int:
    """Render the picture from a running Prometheus; returns the exit code.

    Args:
        argv: command-line arguments.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prometheus", default="http://127.0.0.1:9090", help="Prometheus base URL")
    ap.add_argument("--minutes", type=float, default=10.0, help="how far back to draw")
    ap.add_argument("--step", type=float, default=2.0, help="resolution in seconds")
    ap.add_argument("--out", type=Path, default=Path("dashboards.png"), help="PNG to write")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    end = time.time()
    n = render(args.prometheus, args.out, end - args.minutes * 60, end, args.step)
    log.info("wrote %s (%d series)", args.out, n)
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
