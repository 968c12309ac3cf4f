"""What an on-call person reads: alert events rendered as text, Alertmanager alerts and webhooks.

Pure functions over the alert events of :func:`streams.wire.messages.alert_message` (plus
the acknowledgement a notifier remembers); no I/O, no clock. The same
one-line summary is the Alertmanager ``summary`` annotation, the first line of
the Slack text and the ``summary`` field of the generic webhook.

    crisis = Crisis.from_event(event, severity="critical", dashboard_url=url)
    am_alert(crisis, resolved_at=None)      # one element of POST /api/v2/alerts
    render_text(crisis)                     # the multi-line page
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from typing import Any
from urllib.parse import quote

from detectors.codec import dumps_str
from detectors.crisis.state import crisis_began
from detectors.errors import InvalidMention
from detectors.events import iso, read_time

ALERTNAME = "BrandCrisis"
RUNBOOK_URL = "https://firebreak.example.com/docs/runbook.md"
"""Default runbook page (docs/runbook.md); every alert links to ``<page>#<alertname lower-cased>``."""
TOP_POSTS = 3
POST_CHARS = 160


def parse_time(value: Any) -> float | None:
    """POSIX seconds from an RFC 3339 string (or a number); ``None`` when absent or invalid.

    Args:
        value: ``"2024-05-01T12:00:00Z"``, a number, or ``None``.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        dt = read_time(str(value))
    except InvalidMention:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def rfc3339(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, as Alertmanager expects.

    Args:
        ts: POSIX seconds.
    """
    return iso(ts, milliseconds=True)


crisis_start = crisis_began  # when a crisis started: the seconds its id (brand:<ts>) carries


@dataclass(slots=True)
class Crisis:
    """One crisis as the notifier knows it (from the ``crisis`` event, updated by later events)."""

    fingerprint: str
    brand: str
    crisis_id: str
    started_at: float
    severity: str
    reason: str
    test: str
    numbers: dict[str, Any]
    paused: bool
    dashboard_url: str | None = None
    runbook_url: str = field(default_factory=lambda: runbook_link(RUNBOOK_URL))
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_event(cls, event: dict[str, Any], severity: str = "critical",
                   dashboard_url: str | None = None, runbook_url: str = RUNBOOK_URL) -> Crisis:
        """Build from an alert event (``kind`` ``crisis``) or a ``brand.state`` message.

        Args:
            event: the JSON object.
            severity: the ``severity`` label.
            dashboard_url: link to the brand's dashboard (``{brand}`` is substituted).
            runbook_url: the runbook page; the alert links to its ``#brandcrisis`` section.
        """
        brand = str(event["brand"])
        crisis_id = str(event.get("crisis_id") or event.get("fingerprint") or f"{brand}:none")
        at = parse_time(event.get("at") or event.get("since")) or 0.0
        return cls(
            fingerprint=str(event.get("fingerprint") or crisis_id),
            brand=brand,
            crisis_id=crisis_id,
            started_at=crisis_start(crisis_id, at),
            severity=severity,
            reason=str(event.get("reason") or ""),
            test=str(event.get("test") or ""),
            numbers=dict(event.get("numbers") or {}),
            paused=bool(event.get("paused")),
            dashboard_url=(dashboard_url.replace("{brand}", quote(brand, safe=""))
                           if dashboard_url else None),
            runbook_url=runbook_link(runbook_url),
        )


def languages_text(numbers: dict[str, Any]) -> str:
    """``"fi 20, en 12"`` from ``numbers["languages"]`` (``"-"`` when unknown).

    Args:
        numbers: the numbers of the transition.
    """
    langs = numbers.get("languages") or {}
    if not isinstance(langs, dict) or not langs:
        return "-"
    return ", ".join(f"{k} {v}" for k, v in langs.items())


def summary(c: Crisis) -> str:
    """One line: brand, what fired and the key numbers.

    Args:
        c: the crisis.
    """
    n = c.numbers
    parts = [f"Crisis for {c.brand}"]
    sudden = n.get("sudden")
    share = n.get("neg_share")
    if c.test == "sudden_surge" and isinstance(sudden, dict) and "negative" in sudden:
        # what fired: the last few minutes (the longer window still dilutes them)
        parts.append(f"{sudden['negative']} negative of {sudden.get('scored', '?')} mentions in "
                     f"the last {sudden.get('minutes', '?')} min from "
                     f"{sudden.get('negative_authors', '?')} authors")
        if sudden.get("scored"):
            share = sudden["negative"] / sudden["scored"]  # as counted, not smoothed
    elif "negative" in n and "scored" in n:
        parts.append(f"{n['negative']} negative of {n['scored']} mentions in "
                     f"{n.get('window_minutes', '?')} min")
    if share is not None:
        usual = n.get("usual_share")
        parts.append(f"negativity {float(share):.0%}"
                     + (f" (usual {float(usual):.0%})" if usual is not None else ""))
    if "volume_ratio" in n and c.test != "sudden_surge":  # the long window's, diluted
        parts.append(f"volume {n['volume_ratio']}x baseline")
    if c.test:
        parts.append(f"test {c.test}")
    return "; ".join(parts)


def top_posts(numbers: dict[str, Any], limit: int = TOP_POSTS) -> list[dict[str, Any]]:
    """The loudest negative posts (at most ``limit``), texts cut to a readable length.

    Args:
        numbers: the numbers of the transition (``top_negative``).
        limit: how many.
    """
    out = []
    for p in (numbers.get("top_negative") or [])[:limit]:
        if not isinstance(p, dict):
            continue
        text = " ".join(str(p.get("text") or "").split())
        if len(text) > POST_CHARS:
            text = text[: POST_CHARS - 1] + "…"
        out.append({"handle": p.get("handle"), "text": text, "url": p.get("url"),
                    "compound": p.get("compound")})
    return out


def posts_text(numbers: dict[str, Any]) -> str:
    """Numbered lines ``1. @handle (-0.82): text <url>``.

    Args:
        numbers: the numbers of the transition.
    """
    lines = []
    for i, p in enumerate(top_posts(numbers), 1):
        who = f"@{str(p['handle']).lstrip('@')}" if p["handle"] else "someone"
        score = f" ({p['compound']:+.2f})" if isinstance(p["compound"], (int, float)) else ""
        link = f" <{p['url']}>" if p["url"] else ""
        lines.append(f"{i}. {who}{score}: {p['text']}{link}")
    return "\n".join(lines) or "-"


def render_text(c: Crisis, resolved_at: float | None = None) -> str:
    """The page as plain text (Slack ``text``, Alertmanager ``description``).

    Args:
        c: the crisis.
        resolved_at: when it ended, for the resolved message.
    """
    if resolved_at is not None:
        minutes = max(0.0, resolved_at - c.started_at) / 60
        head = f"[RESOLVED] {c.brand}: crisis {c.crisis_id} ended after {minutes:.0f} min"
        tail = [f"Promotion: {'still paused - resume it when ready' if c.paused else 'running'}"]
        if c.dashboard_url:
            tail.append(f"Dashboard: {c.dashboard_url}")
        return "\n".join([head, *tail])
    lines = [f"[{c.severity.upper()}] {summary(c)}",
             f"Why: {c.reason}" if c.reason else "",
             f"Started: {rfc3339(c.started_at)}  Crisis id: {c.crisis_id}",
             f"Promotion: {'PAUSED' if c.paused else 'running'}",
             f"Languages: {languages_text(c.numbers)}",
             "Top negative posts:", posts_text(c.numbers)]
    if c.dashboard_url:
        lines.append(f"Dashboard: {c.dashboard_url}")
    if c.acknowledged_by:
        lines.append(f"Acknowledged by {c.acknowledged_by}"
                     + (f" at {rfc3339(c.acknowledged_at)}" if c.acknowledged_at else ""))
    lines.extend(c.notes[-3:])
    return "\n".join(line for line in lines if line)


def runbook_link(page: str, alertname: str = ALERTNAME) -> str:
    """The runbook section of an alert: ``<page>#<alertname lower-cased>``.

    Args:
        page: absolute URL of the runbook page (``RUNBOOK_URL`` by default in the settings).
        alertname: the alert's name; its section in docs/runbook.md is the name as a heading.
    """
    if not page.startswith(("http://", "https://")):
        raise ValueError(f"runbook URL must be absolute http(s): {page!r}")
    return f"{page.split('#', 1)[0]}#{alertname.lower()}"


def am_labels(c: Crisis) -> dict[str, str]:
    """The label set (identity in Alertmanager: the same for firing, re-sends and resolved).

    Args:
        c: the crisis.
    """
    return {"alertname": ALERTNAME, "brand": c.brand, "severity": c.severity,
            "crisis_id": c.crisis_id, "service": "firebreak", "team": "comms"}


def am_alert(c: Crisis, resolved_at: float | None = None,
             ends_at: float | None = None) -> dict[str, Any]:
    """One alert for Alertmanager's ``POST /api/v2/alerts``.

    Args:
        c: the crisis.
        resolved_at: set when the crisis ended (becomes ``endsAt``).
        ends_at: for a firing alert, when Alertmanager may expire it if no re-send comes.
    """
    numbers = {k: v for k, v in c.numbers.items() if k != "top_negative"}
    annotations = {
        "summary": summary(c),
        "description": render_text(c),
        "reason": c.reason,
        "numbers": dumps_str(numbers, sort_keys=True),
        "languages": languages_text(c.numbers),
        "top_negative": posts_text(c.numbers),
        "promotion_paused": "true" if c.paused else "false",
        "started_at": rfc3339(c.started_at),
        "runbook_url": c.runbook_url,
    }
    if c.dashboard_url:
        annotations["dashboard_url"] = c.dashboard_url
    if c.acknowledged_by:
        annotations["acknowledged_by"] = c.acknowledged_by
        if c.acknowledged_at:
            annotations["acknowledged_at"] = rfc3339(c.acknowledged_at)
    out: dict[str, Any] = {"labels": am_labels(c), "annotations": annotations,
                           "startsAt": rfc3339(c.started_at)}
    if c.dashboard_url:
        out["generatorURL"] = c.dashboard_url
    end = resolved_at if resolved_at is not None else ends_at
    if end is not None:
        out["endsAt"] = rfc3339(max(end, c.started_at + 0.001))
    return out


def webhook_payload(c: Crisis, event: str, style: str = "generic",
                    resolved_at: float | None = None) -> dict[str, Any]:
    """A Slack-compatible webhook body: ``text`` plus structured fields.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        style: ``generic`` (``text`` + ``firebreak`` object) or ``slack`` (``text`` + attachment).
        resolved_at: when it ended (for ``resolved``).
    """
    text = render_text(c, resolved_at=resolved_at)
    if event == "reminder":
        text = f"[REMINDER] {c.brand}: crisis {c.crisis_id} is still active\n{text}"
    if style == "slack":
        color = "good" if event == "resolved" else "danger"
        fields = [{"title": "Brand", "value": c.brand, "short": True},
                  {"title": "Severity", "value": c.severity, "short": True},
                  {"title": "Languages", "value": languages_text(c.numbers), "short": True},
                  {"title": "Crisis id", "value": c.crisis_id, "short": True}]
        return {"text": text, "attachments": [{"color": color, "fallback": summary(c),
                                               "fields": fields}]}
    return {
        "text": text,
        "firebreak": {
            "event": event, "brand": c.brand, "crisis_id": c.crisis_id,
            "fingerprint": c.fingerprint, "severity": c.severity, "summary": summary(c),
            "reason": c.reason, "test": c.test, "numbers": c.numbers,
            "languages": c.numbers.get("languages") or {}, "top_negative": top_posts(c.numbers),
            "promotion_paused": c.paused, "dashboard_url": c.dashboard_url,
            "started_at": rfc3339(c.started_at),
            "resolved_at": rfc3339(resolved_at) if resolved_at is not None else None,
            "acknowledged_by": c.acknowledged_by,
        },
    }
