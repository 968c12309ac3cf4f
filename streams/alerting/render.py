"""What an on-call person reads: a crisis as text and as a page every chat sink lays out.

Pure functions over :class:`streams.wire.alert.AlertEvent` (plus the acknowledgement
a notifier remembers); no I/O, no clock. The same one-line summary is the
Alertmanager ``summary`` annotation, the first line of every chat message and the
``summary`` field of the generic webhook; :func:`page` is the one content the Slack
(Block Kit) and Teams (Adaptive Card) sinks lay out, each in its own format.

    crisis = Crisis.from_alert(event, severity="critical", dashboard_url=url)
    render_text(crisis)                     # the multi-line page as plain text
    page(crisis, "firing")                  # title, facts, posts, links
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from detectors.crisis.state import crisis_began
from detectors.events import iso
from streams.wire.alert import AlertEvent, AlertNumbers, Post

ALERTNAME = "BrandCrisis"
RUNBOOK_URL = "https://firebreak.example.com/docs/runbook.md"
"""Default runbook page (docs/runbook.md); every alert links to ``<page>#<alertname lower-cased>``."""
TOP_POSTS = 3
POST_CHARS = 160
Event = Literal["firing", "reminder", "resolved"]
Tone = Literal["attention", "warning", "good"]


def rfc3339(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, as Alertmanager expects.

    Args:
        ts: POSIX seconds.
    """
    return iso(ts, milliseconds=True)


def runbook_link(page: str, alertname: str = ALERTNAME) -> str:
    """The runbook section of an alert: ``<page>#<alertname lower-cased>``.

    Args:
        page: absolute URL of the runbook page (``RUNBOOK_URL`` by default in the settings).
        alertname: the alert's name; its section in docs/runbook.md is the name as a heading.
    """
    if not page.startswith(("http://", "https://")):
        raise ValueError(f"runbook URL must be absolute http(s): {page!r}")
    return f"{page.split('#', 1)[0]}#{alertname.lower()}"


def brand_link(template: str | None, brand: str) -> str | None:
    """``template`` with ``{brand}`` replaced by the URL-quoted brand (``None`` stays ``None``).

    Args:
        template: e.g. ``https://grafana.example.com/d/brand?var-brand={brand}``.
        brand: the brand slug.
    """
    return template.replace("{brand}", quote(brand, safe="")) if template else None


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain absolute http(s) link that no chat markup can break, else ``None``.

    Args:
        url: a link from a post (untrusted) or from the settings.
    """
    if not url or not url.startswith(("http://", "https://")) or len(url) > 2000:
        return None
    return None if any(ch.isspace() or ch in '<>|"' for ch in url) else url


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
    numbers: AlertNumbers
    paused: bool
    dashboard_url: str | None = None
    runbook_url: str = field(default_factory=lambda: runbook_link(RUNBOOK_URL))
    brand_url: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_alert(cls, event: AlertEvent, severity: str = "critical",
                   dashboard_url: str | None = None, runbook_url: str = RUNBOOK_URL,
                   brand_url: str | None = None) -> Crisis:
        """Build from an alert event (or the crisis part of a ``brand.state`` message).

        Args:
            event: the event.
            severity: the ``severity`` label.
            dashboard_url: link to the brand's dashboard (``{brand}`` is substituted).
            runbook_url: the runbook page; the alert links to its ``#brandcrisis`` section.
            brand_url: link to the brand's page (``{brand}`` is substituted).
        """
        crisis_id = event.crisis_id or event.fingerprint
        return cls(
            fingerprint=event.fingerprint, brand=event.brand, crisis_id=crisis_id,
            started_at=crisis_began(crisis_id, event.at_ts), severity=severity,
            reason=event.reason, test=event.test, numbers=event.numbers, paused=event.paused,
            dashboard_url=brand_link(dashboard_url, event.brand),
            runbook_url=runbook_link(runbook_url), brand_url=brand_link(brand_url, event.brand),
        )


def languages_text(numbers: AlertNumbers) -> str:
    """``"fi 20, en 12"`` (``"-"`` when unknown).

    Args:
        numbers: the numbers of the transition.
    """
    return ", ".join(f"{k} {v}" for k, v in numbers.languages.items()) or "-"


def counts_text(c: Crisis) -> str | None:
    """What fired, counted: ``"52 negative of 74 mentions in 30 min"`` (``None`` when unknown).

    Args:
        c: the crisis.
    """
    n, short = c.numbers, c.numbers.sudden
    if c.test == "sudden_surge" and short is not None and short.negative is not None:
        # what fired: the last few minutes (the longer window still dilutes them)
        return (f"{short.negative} negative of {_or(short.scored)} mentions in the last "
                f"{_or(short.minutes)} min from {_or(short.negative_authors)} authors")
    if n.negative is not None and n.scored is not None:
        return f"{n.negative} negative of {n.scored} mentions in {_or(n.window_minutes)} min"
    return None


def negativity_text(c: Crisis) -> str | None:
    """The negative share against the brand's own usual share, on the brand's clock.

    Args:
        c: the crisis.
    """
    n, short = c.numbers, c.numbers.sudden
    share = n.neg_share
    if c.test == "sudden_surge" and short is not None and short.negative is not None \
            and short.scored:
        share = short.negative / short.scored  # as counted, not smoothed
    if share is None:
        return None
    usual = ""
    if n.usual_share is not None:
        usual = f" (usual {float(n.usual_share):.0%}" + (
            f" for {n.usual_for}" if n.usual_for else "") + ")"
    return f"negativity {float(share):.0%}{usual}"


def summary(c: Crisis) -> str:
    """One line: brand, what fired and the key numbers.

    Args:
        c: the crisis.
    """
    parts = [f"Crisis for {c.brand}", counts_text(c), negativity_text(c)]
    if c.numbers.volume_ratio is not None and c.test != "sudden_surge":  # long window: diluted
        parts.append(f"volume {c.numbers.volume_ratio}x baseline")
    if c.test:
        parts.append(f"test {c.test}")
    return "; ".join(p for p in parts if p)


def top_posts(numbers: AlertNumbers, limit: int = TOP_POSTS) -> list[Post]:
    """The loudest negative posts (at most ``limit``), texts on one line cut to a readable length.

    Args:
        numbers: the numbers of the transition.
        limit: how many.
    """
    out = []
    for p in numbers.top_negative[:limit]:
        out.append(p.model_copy(update={"text": clip(" ".join(p.text.split()), POST_CHARS)}))
    return out


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when cut.

    Args:
        text: any text.
        limit: the most characters kept.
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def who(p: Post) -> str:
    """``@handle`` of a post's author (``someone`` when unknown).

    Args:
        p: the post.
    """
    return f"@{p.handle.lstrip('@')}" if p.handle else "someone"


def posts_text(numbers: AlertNumbers) -> str:
    """Numbered lines ``1. @handle (-0.82): text <url>``.

    Args:
        numbers: the numbers of the transition.
    """
    lines = []
    for i, p in enumerate(top_posts(numbers), 1):
        score = f" ({p.compound:+.2f})" if p.compound is not None else ""
        link = f" <{p.url}>" if p.url else ""
        lines.append(f"{i}. {who(p)}{score}: {p.text}{link}")
    return "\n".join(lines) or "-"


def ended(c: Crisis, at: float) -> str:
    """``"acme: crisis acme:1714564800 ended after 90 min"``.

    Args:
        c: the crisis.
        at: when it ended (POSIX seconds).
    """
    return f"{c.brand}: crisis {c.crisis_id} ended after {max(0.0, at - c.started_at) / 60:.0f} min"


def render_text(c: Crisis, resolved_at: float | None = None) -> str:
    """The page as plain text (chat fallback ``text``, Alertmanager ``description``).

    Args:
        c: the crisis.
        resolved_at: when it ended, for the resolved message.
    """
    if resolved_at is not None:
        head = f"[RESOLVED] {ended(c, resolved_at)}"
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


def event_text(c: Crisis, event: Event, resolved_at: float | None = None) -> str:
    """The plain text of one chat message: the page, a reminder of it, or the resolution.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        resolved_at: when it ended (for ``resolved``).
    """
    text = render_text(c, resolved_at=resolved_at)
    if event == "reminder":
        text = f"[REMINDER] {c.brand}: crisis {c.crisis_id} is still active\n{text}"
    return text


@dataclass(frozen=True, slots=True)
class Page:
    """One chat message's content, for sinks that lay it out (Block Kit, Adaptive Card).

    ``tone`` is ``attention`` (a crisis), ``warning`` (a reminder) or ``good`` (resolved).
    Texts are plain (no markup); each sink escapes and formats them itself.
    """

    event: Event
    title: str
    tone: Tone
    headline: str
    why: str
    facts: tuple[tuple[str, str], ...]
    posts: tuple[Post, ...]
    links: tuple[tuple[str, str], ...]
    footer: str
    text: str


def page(c: Crisis, event: Event, resolved_at: float | None = None) -> Page:
    """The content of a chat message about ``c``: what, why, the numbers, the posts, the links.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        resolved_at: when it ended (for ``resolved``).
    """
    facts: list[tuple[str, str]] = [("Brand", c.brand)]
    tone: Tone
    if event == "resolved":
        end = resolved_at if resolved_at is not None else c.started_at
        facts += [("State", f"resolved after {max(0.0, end - c.started_at) / 60:.0f} min"),
                  ("Promotion", "still paused: resume it when ready" if c.paused else "running"),
                  ("Started", rfc3339(c.started_at)), ("Ended", rfc3339(end))]
        title, tone, headline, why = f"Resolved: {c.brand}", "good", ended(c, end), ""
    else:
        facts += [("State", "CRISIS, still active" if event == "reminder" else "CRISIS"),
                  ("Promotion", "PAUSED" if c.paused else "running")]
        for name, value in (("Negative", counts_text(c)), ("Negativity", negativity_text(c))):
            if value:
                facts.append((name, value.removeprefix("negativity ")))
        if c.numbers.volume_ratio is not None and c.test != "sudden_surge":
            facts.append(("Volume", f"{c.numbers.volume_ratio}x baseline"))
        facts += [("Languages", languages_text(c.numbers)), ("Started", rfc3339(c.started_at))]
        if c.acknowledged_by:
            facts.append(("Acknowledged", c.acknowledged_by + (
                f" at {rfc3339(c.acknowledged_at)}" if c.acknowledged_at else "")))
        if c.notes:
            facts.append(("Latest change", c.notes[-1]))
        reminder = event == "reminder"
        title = f"{'Still in crisis' if reminder else 'Crisis'}: {c.brand}"
        tone, headline, why = ("warning" if reminder else "attention"), summary(c), c.reason
    links = tuple((name, url) for name, url in (("Dashboard", c.dashboard_url),
                                                ("Runbook", c.runbook_url),
                                                ("Brand page", c.brand_url)) if url)
    footer = f"Firebreak · {c.severity} · crisis id {c.crisis_id}" + (
        f" · test {c.test}" if c.test else "")
    return Page(event, title, tone, headline, why, tuple(facts),
                tuple(top_posts(c.numbers)) if event != "resolved" else (), links, footer,
                event_text(c, event, resolved_at))


def _or(value: object) -> str:
    return "?" if value is None else str(value)
