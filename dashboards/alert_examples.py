"""Write what each alert sink sends for one crisis, and draw the Slack and Teams messages.

    python -m dashboards.alert_examples [--json-dir docs/examples] [--img-dir docs/img]

Nothing is written by hand: one crisis transition (a multilingual sudden surge, the
kind the ``nordic`` simulation produces) becomes the alert event the worker would
emit (:class:`streams.wire.alert.AlertEvent`), every sink configured from the
settings renders it with its own code, and each body is written as
``<json-dir>/<sink kind>.json``. The two pictures are drawn from the Slack Block Kit
and Teams Adaptive Card bodies themselves. ``tests/test_alert_examples.py`` checks
that the committed files equal what the code renders now.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from detectors.crisis.model import Transition
from streams.alerting.render import Crisis
from streams.alerting.sinks import sinks_from_settings
from streams.alerting.sinks.base import Notice
from streams.settings import Settings
from streams.wire.alert import AlertEvent

T0 = 1_772_812_800.0  # 2026-03-06T16:00:00Z, Friday 18:00 in Helsinki
CRISIS_ID = f"nordair:{int(T0)}"
DASHBOARD = "https://grafana.example.com/d/firebreak-brand-health/brand-health?var-brand={brand}"
BRAND_PAGE = "https://firebreak.example.com/api/v1/brands/{brand}"
POSTS = [
    ("fi", "matkustaja_82", -0.91, "Nordair peruutti lennon taas ilman ilmoitusta, kolmas kerta "
     "tässä kuussa. Ei hyvitystä, ei vastausta asiakaspalvelusta."),
    ("sv", "annika_s", -0.84, "Två timmar i kö på Arlanda och nu är flyget inställt. Nordair, "
     "det här är under all kritik."),
    ("en", "j_travels", -0.78, "@nordair cancelled my flight to Oulu with 20 minutes notice and "
     "the app still says on time. Nobody answers the phone."),
]
NUMBERS: dict[str, Any] = {
    "window_minutes": 20, "mentions": 41, "scored": 40, "negative": 14, "negative_authors": 14,
    "neg_share": 0.352, "usual_share": 0.118, "usual_for": "Friday 18:00",
    "expected_mentions": 14.2, "volume_ratio": 2.89, "expected_negative": 1.67,
    "negative_ratio": 8.38, "p_value": 3.1e-09,
    "sudden": {"minutes": 5, "negative": 11, "scored": 15, "negative_authors": 11,
               "neg_share": 0.62, "expected_negative": 1.2, "p_value": 2.4e-10},
    "languages": {"fi": 22, "sv": 8, "en": 2},
    "top_negative": [{"id": f"{lang}-{i}", "text": text, "url": f"https://social.example/{who}/{i}",
                      "handle": who, "compound": score}
                     for i, (lang, who, score, text) in enumerate(POSTS, 1)],
}
REASON = ("sudden surge: 11 negative of 15 scored mentions in the last 5 min from 11 authors "
          "(9x expected); 14 negative of 40 scored mentions in 20 min (share 0.35 vs its usual "
          "0.12 for Friday 18:00), 14 negative authors, 8.4x the expected negatives, volume 2.9x "
          "baseline")


def example_event() -> AlertEvent:
    """The alert event of the example crisis, as the worker emits it."""
    t = Transition("nordair", T0, "crisis", "elevated", True, "sudden_surge", REASON, NUMBERS,
                   CRISIS_ID)
    return AlertEvent.from_transition(t, "fi-1", T0 + 0.8)


def example_settings() -> Settings:
    """Settings with one sink of every kind (placeholder URLs)."""
    return Settings(alertmanager_urls=("http://alertmanager:9093",),
                    webhook_urls=("https://hooks.example.com/firebreak",),
                    slack_webhook_urls=("https://hooks.slack.com/services/T000/B000/XXXX",),
                    teams_webhook_urls=("https://example.logic.azure.com/workflows/XXXX",),
                    dashboard_url=DASHBOARD, brand_url=BRAND_PAGE)


def payloads() -> dict[str, Any]:
    """The first-page body of every sink kind, by kind (a list when a sink sends several)."""
    s = example_settings()
    c = Crisis.from_alert(example_event(), dashboard_url=s.dashboard_url,
                          runbook_url=s.runbook_url, brand_url=s.brand_url)
    notice = Notice("firing", T0 + 1, ends_at=T0 + 301)
    out: dict[str, Any] = {}
    for sink in sinks_from_settings(s):
        bodies = [d.body for d in sink.deliveries(c, notice)]
        out[sink.kind] = bodies[0] if len(bodies) == 1 else bodies
    return out


def write_json(out_dir: Path) -> list[Path]:
    """Write ``<kind>.json`` for every sink kind.

    Args:
        out_dir: the folder (created if missing).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, body in payloads().items():
        path = out_dir / f"{kind}.json"
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


# -- pictures ---------------------------------------------------------------------------------

Row = tuple[str, str, dict[str, Any]]  # (kind, text, style): kind text/fields/buttons/gap


def _plain(mrkdwn: str) -> str:
    """Slack mrkdwn as the reader sees it: links as their label, no markers, entities decoded."""
    text = re.sub(r"<([^|>]+)\|([^>]+)>", r"\2", mrkdwn)
    text = text.replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_rows(body: dict[str, Any]) -> list[Row]:
    """The lines of a Block Kit message, top to bottom.

    Args:
        body: the Slack webhook body.
    """
    rows: list[Row] = [("text", "Firebreak  APP", {"weight": "bold", "color": "#1d1c1d"})]
    for b in body["blocks"]:
        if b["type"] == "header":
            rows.append(("text", re.sub(r":[a-z_]+: ", "", b["text"]["text"]),
                         {"size": 14, "weight": "bold"}))
        elif b["type"] == "section" and "fields" in b:
            rows.append(("fields", "", {"pairs": [_plain(f["text"]).split("\n", 1)
                                                  for f in b["fields"]]}))
        elif b["type"] == "section":
            for i, line in enumerate(b["text"]["text"].split("\n")):
                bold = i == 0 and line.startswith("*")
                rows.append(("text", _plain(line), {"weight": "bold" if bold else "normal"}))
        elif b["type"] == "context":
            rows.append(("text", _plain(b["elements"][0]["text"]),
                         {"size": 8.5, "color": "#616061"}))
        elif b["type"] == "actions":
            rows.append(("buttons", "", {"labels": [e["text"]["text"] for e in b["elements"]],
                                         "primary": "#007a5a"}))
        rows.append(("gap", "", {}))
    return rows


def teams_rows(body: dict[str, Any]) -> list[Row]:
    """The lines of an Adaptive Card, top to bottom.

    Args:
        body: the Teams Workflows webhook body.
    """
    card = body["attachments"][0]["content"]
    rows: list[Row] = [("text", "Workflows  (Firebreak)", {"weight": "bold", "color": "#424242"})]

    def items(elements: list[dict[str, Any]], band: str | None) -> None:
        for e in elements:
            style: dict[str, Any] = {"band": band} if band else {}
            if e["type"] == "Container":
                tone = {"attention": "#fde7e9", "warning": "#fff4ce", "good": "#dff6dd"}
                items(e["items"], tone.get(e.get("style", ""), band))
            elif e["type"] == "TextBlock":
                size = {"Large": 14, "Small": 8.5}.get(e.get("size", ""), 10)
                rows.append(("text", e["text"].replace("**", ""), {
                    **style, "size": size, "weight": "bold" if e.get("weight") == "Bolder"
                    else "normal", "color": "#616161" if e.get("isSubtle") else "#242424"}))
            elif e["type"] == "FactSet":
                rows.append(("facts", "", {"pairs": [(f["title"], f["value"]) for f in e["facts"]]}))
            elif e["type"] == "RichTextBlock":
                rows.append(("text", "".join(r["text"] for r in e["inlines"]), {"color": "#242424"}))
    items(card["body"], None)
    rows.append(("gap", "", {}))
    rows.append(("buttons", "", {"labels": [a["title"] for a in card.get("actions", [])],
                                 "primary": "#5b5fc7"}))
    return rows


def draw(rows: list[Row], out: Path, title: str, accent: str) -> None:
    """Draw ``rows`` as a chat message card and save a PNG.

    Args:
        rows: from :func:`slack_rows` or :func:`teams_rows`.
        out: the PNG path.
        title: the caption above the card.
        accent: the colour of the card's left edge.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Rectangle

    width, line = 10.0, 0.22
    laid: list[tuple[str, list[str], dict[str, Any]]] = []
    for kind, text, style in rows:
        if kind == "text":
            chars = int(118 * 10 / style.get("size", 10))
            laid.append((kind, textwrap.wrap(text, chars) or [""], style))
        elif kind in ("fields", "facts"):
            pairs = style["pairs"]
            lines = [f"{p[0]}\t{p[1]}" for p in pairs]
            laid.append((kind, lines, style))
        else:
            laid.append((kind, [""], style))
    heights = []
    for kind, lines, style in laid:
        if kind == "fields":
            heights.append(line * 2.1 * ((len(lines) + 1) // 2))
        elif kind == "gap":
            heights.append(line * 0.5)
        elif kind == "buttons":
            heights.append(line * 1.8)
        else:
            heights.append(line * len(lines) * max(1.0, style.get("size", 10) / 10))
    height = sum(heights) + 1.0
    fig = plt.figure(figsize=(width + 0.6, height), dpi=110)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width + 0.6)
    ax.set_ylim(0, height)
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((0.2, 0.15), width, height - 0.55, boxstyle="round,pad=0.02",
                                facecolor="white", edgecolor="#d0d0d8"))
    ax.add_patch(Rectangle((0.22, 0.2), 0.06, height - 0.65, color=accent))
    ax.text(0.25, height - 0.2, title, fontsize=9, color="#555566", va="center")
    y = height - 0.65
    for (kind, lines, style), h in zip(laid, heights, strict=True):
        x = 0.5
        if style.get("band"):
            ax.add_patch(Rectangle((0.28, y - h), width - 0.1, h, color=style["band"], lw=0))
        if kind == "text":
            step = h / len(lines)
            for i, text in enumerate(lines):
                ax.text(x, y - step * (i + 0.5), text, fontsize=style.get("size", 10) * 0.9,
                        weight=style.get("weight", "normal"), color=style.get("color", "#1d1c1d"),
                        va="center")
        elif kind == "fields":
            for i, (name, value) in enumerate(style["pairs"]):
                fx, fy = x + (i % 2) * width / 2, y - (i // 2) * line * 2.1
                ax.text(fx, fy - line * 0.5, name, fontsize=9, weight="bold", va="center")
                ax.text(fx, fy - line * 1.4, textwrap.shorten(value, 62), fontsize=9, va="center")
        elif kind == "facts":
            for i, (name, value) in enumerate(style["pairs"]):
                ax.text(x, y - line * (i + 0.5), name, fontsize=9, weight="bold", va="center")
                ax.text(x + 1.6, y - line * (i + 0.5), textwrap.shorten(value, 100), fontsize=9,
                        va="center")
        elif kind == "buttons":
            bx = x
            for i, label in enumerate(style["labels"]):
                w = 0.25 + 0.09 * len(label)
                primary = i == 0
                ax.add_patch(FancyBboxPatch((bx, y - h + 0.08), w, h - 0.2,
                                            boxstyle="round,pad=0.02", linewidth=1,
                                            facecolor=style["primary"] if primary else "white",
                                            edgecolor=style["primary"] if primary else "#bbbbbb"))
                ax.text(bx + w / 2, y - h / 2 - 0.02, label, fontsize=9, ha="center", va="center",
                        weight="bold", color="white" if primary else "#1d1c1d")
                bx += w + 0.2
        y -= h
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def write_pictures(img_dir: Path, bodies: dict[str, Any] | None = None) -> list[Path]:
    """Draw ``alert-slack.png`` and ``alert-teams.png`` from the sinks' bodies.

    Args:
        img_dir: the folder.
        bodies: the bodies by sink kind (:func:`payloads` when ``None``).
    """
    bodies = bodies or payloads()
    slack, teams = img_dir / "alert-slack.png", img_dir / "alert-teams.png"
    draw(slack_rows(bodies["slack"]), slack, "Slack: #comms-oncall (incoming webhook, Block Kit)",
         "#e01e5a")
    draw(teams_rows(bodies["teams"]), teams,
         "Microsoft Teams: Comms on call (Workflows webhook, Adaptive Card 1.4)", "#5b5fc7")
    return [slack, teams]


def main(argv: list[str] | None = None) -> int:
    """Write the example bodies and the pictures."""
    p = argparse.ArgumentParser(prog="python -m dashboards.alert_examples", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json-dir", type=Path, default=Path("docs/examples"))
    p.add_argument("--img-dir", type=Path, default=Path("docs/img"))
    args = p.parse_args(argv)
    for path in [*write_json(args.json_dir), *write_pictures(args.img_dir)]:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
