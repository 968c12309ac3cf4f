"""Microsoft Teams through a Workflows webhook: an Adaptive Card 1.4 in a ``message``.

Teams retired Office 365 connectors; a channel takes alerts through a Workflows
flow ("Post to a channel when a webhook request is received"), whose body is::

    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                         "contentUrl": null, "content": <AdaptiveCard 1.4>}]}

The card has the content of the Slack page (:func:`streams.alerting.render.page`):
a coloured header with what fired, the reason, the numbers as a FactSet, the
loudest negative posts (as plain text runs, so a post's markup stays text; each
opens the post), a context line and ``Action.OpenUrl`` buttons to the dashboard,
runbook and brand page. Setting: ``teams_webhook_urls`` (secret).
"""

from __future__ import annotations

from typing import Any

from streams.alerting.render import Crisis, Event, Page, page, safe_url, who
from streams.alerting.sinks.base import ChatSink
from streams.wire.alert import Post

CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _post(i: int, post: Post) -> dict[str, Any]:
    score = f" ({post.compound:+.2f})" if post.compound is not None else ""
    runs = [{"type": "TextRun", "text": f"{i}. {who(post)}", "weight": "Bolder"},
            {"type": "TextRun", "text": f"{score}: {post.text}"}]
    item: dict[str, Any] = {"type": "Container", "spacing": "Small",
                            "items": [{"type": "RichTextBlock", "inlines": runs}]}
    url = safe_url(post.url)
    if url:
        item["selectAction"] = {"type": "Action.OpenUrl", "title": "Open the post", "url": url}
    return item


def card(p: Page) -> dict[str, Any]:
    """The Adaptive Card (version 1.4) of a page.

    Args:
        p: the page.
    """
    body: list[dict[str, Any]] = [
        {"type": "Container", "style": p.tone, "bleed": True, "items": [
            _text(p.title, size="Large", weight="Bolder"),
            _text(p.headline, spacing="Small"),
        ]},
    ]
    if p.why:
        body.append(_text(f"**Why:** {p.why}"))
    body.append({"type": "FactSet", "facts": [{"title": name, "value": value}
                                              for name, value in p.facts]})
    if p.posts:
        body.append(_text("Loudest negative posts", weight="Bolder", spacing="Medium"))
        body += [_post(i, post) for i, post in enumerate(p.posts, 1)]
    body.append(_text(p.footer, isSubtle=True, size="Small", spacing="Medium"))
    actions = [{"type": "Action.OpenUrl", "title": name, "url": url}
               for name, url in ((n, safe_url(u)) for n, u in p.links) if url]
    out: dict[str, Any] = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": VERSION,
                           "msteams": {"width": "Full"}, "fallbackText": p.text, "body": body}
    if actions:
        out["actions"] = actions
    return out


def teams_payload(c: Crisis, event: Event, resolved_at: float | None = None) -> dict[str, Any]:
    """The Workflows webhook body: a ``message`` with one Adaptive Card attachment.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        resolved_at: when it ended (for ``resolved``).
    """
    return {"type": "message", "attachments": [
        {"contentType": CARD, "contentUrl": None, "content": card(page(c, event, resolved_at))}]}


class TeamsSink(ChatSink):
    """A Microsoft Teams channel through a Workflows webhook (Adaptive Card)."""

    kind = "teams"
    url_setting = "teams_webhook_urls"

    payload = staticmethod(teams_payload)
