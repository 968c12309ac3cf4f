"""Draw the page on-call receives for a detected crisis, as a PNG (README picture).

    python -m dashboards.render_page [--out docs/img/page.png] [--seed 1]

Nothing here is written by hand: the simulated ``demo`` stream is replayed
through the detector, the first crisis becomes the alert event the worker
would produce (:meth:`streams.wire.alert.AlertEvent.from_transition`), and the notifier's own
renderer (:func:`streams.alerting.render.render_text`) writes the text that goes
to Alertmanager's ``description`` and to a Slack webhook.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from detectors.config import BrandBook
from detectors.sim.scenarios import demo
from detectors.sim.simulate import generate
from streams.alerting.render import Crisis, render_text
from streams.replay.run import replay_rows
from streams.wire.alert import AlertEvent

DASHBOARD = "https://grafana.example.com/d/firebreak-brand-health/brand-health?var-brand={brand}"
WIDTH = 96


def page_text(seed: int) -> str:
    """The rendered page of the first crisis in the demo stream."""
    result = replay_rows(enumerate(generate(demo(seed)), start=1), BrandBook(), config_path=None,
                         jobs=1)
    crisis = next((t for t in result.transitions if t.state == "crisis"), None)
    if crisis is None:
        raise SystemExit("render_page: the demo stream produced no crisis")
    event = AlertEvent.from_transition(crisis, None, crisis.at)
    return render_text(Crisis.from_alert(event, dashboard_url=DASHBOARD))


def draw(text: str, out: Path) -> None:
    """Draw ``text`` as a chat message card."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Rectangle

    lines: list[str] = []
    # the monospace font has no emoji: leave them out of the picture (not of the page)
    text = "".join(ch for ch in text if ord(ch) < 0x1F000)
    for raw in text.splitlines():
        lines.extend(textwrap.wrap(raw, WIDTH, subsequent_indent="    ") or [""])
    height = 1.1 + 0.24 * len(lines)
    fig = plt.figure(figsize=(11, height), dpi=110)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 11)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((0.2, 0.15), 10.6, height - 0.3, boxstyle="round,pad=0.02",
                                facecolor="#f8f8fa", edgecolor="#d0d0d8"))
    ax.add_patch(Rectangle((0.22, 0.2), 0.08, height - 0.4, color="#d62728"))
    ax.text(0.5, height - 0.45, "Firebreak  →  #comms-oncall   (Slack webhook / Alertmanager)",
            fontsize=11, weight="bold", color="#333344", va="center")
    for i, line in enumerate(lines):
        first = i == 0
        ax.text(0.5, height - 0.85 - 0.24 * i, line, family="monospace", fontsize=9.2,
                weight="bold" if first else "normal", color="#b31b1b" if first else "#111111",
                va="center")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Render the page and write the PNG."""
    p = argparse.ArgumentParser(prog="python -m dashboards.render_page", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("docs/img/page.png"))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    text = page_text(args.seed)
    draw(text, args.out)
    print(text)
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
