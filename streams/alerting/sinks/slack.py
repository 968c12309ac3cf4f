"""Slack incoming webhooks, in Block Kit: header, section, fields, context and actions blocks.

The body is ``{"text": <the page's first line, for notifications and old clients>, "blocks":
[...]}`` with the content of :func:`streams.alerting.render.page`: what fired and
why, the numbers as fields, the loudest negative posts with links, a context line
and buttons to the dashboard, runbook and brand page. Texts are cut to Block Kit's
limits (header 150 characters, section 3,000, a field 2,000, ten fields per
section, button 75) and posts' text is escaped, so a post cannot mention
``@channel`` or forge a link. Settings: ``slack_webhook_urls`` (secret), or
``webhook_urls`` with ``webhook_style: slack``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.alerting.render import Crisis, Event, Page, clip, page, safe_url, who
from streams.alerting.sinks.base import ChatSink, Sink, WebhookTarget

if TYPE_CHECKING:
    from streams.settings import Settings

HEADER_CHARS, SECTION_CHARS, FIELD_CHARS, FIELDS, BUTTON_CHARS, TEXT_CHARS = (
    150, 3000, 2000, 10, 75, 3000)
ICONS = {"attention": ":rotating_light:", "warning": ":hourglass_flowing_sand:",
         "good": ":white_check_mark:"}


def esc(text: str) -> str:
    """Text for ``mrkdwn``: ``&``, ``<`` and ``>`` escaped as Slack asks.

    Args:
        text: plain text.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = SECTION_CHARS) -> dict[str, str]:
    """A ``mrkdwn`` text object cut to ``limit`` characters.

    Args:
        text: already escaped markup.
        limit: Block Kit's limit for where it goes.
    """
    return {"type": "mrkdwn", "text": clip(text, limit)}


def blocks(p: Page) -> list[dict[str, Any]]:
    """The Block Kit blocks of a page.

    Args:
        p: the page.
    """
    head = f"*{esc(p.headline)}*" + (f"\n*Why:* {esc(p.why)}" if p.why else "")
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": clip(f"{ICONS[p.tone]} {p.title}", HEADER_CHARS)}},
        {"type": "section", "text": mrkdwn(head)},
    ]
    for i in range(0, len(p.facts), FIELDS):
        out.append({"type": "section", "fields": [mrkdwn(f"*{esc(name)}*\n{esc(value)}", FIELD_CHARS)
                                                  for name, value in p.facts[i:i + FIELDS]]})
    if p.posts:
        lines = ["*Loudest negative posts*"]
        for i, post in enumerate(p.posts, 1):
            url = safe_url(post.url)
            author = f"<{url}|{esc(who(post))}>" if url else esc(who(post))
            score = f" ({post.compound:+.2f})" if post.compound is not None else ""
            lines.append(f"{i}. {author}{score}: {esc(post.text)}")
        out.append({"type": "section", "text": mrkdwn("\n".join(lines))})
    out.append({"type": "context", "elements": [mrkdwn(esc(p.footer))]})
    buttons = [{"type": "button", "action_id": f"open-{i}", "url": url,
                "text": {"type": "plain_text", "text": clip(name, BUTTON_CHARS)},
                **({"style": "primary"} if i == 0 else {})}
               for i, (name, url) in enumerate((n, safe_url(u)) for n, u in p.links) if url]
    if buttons:
        out.append({"type": "actions", "elements": buttons})
    return out


def slack_payload(c: Crisis, event: Event, resolved_at: float | None = None) -> dict[str, Any]:
    """The Slack webhook body: ``text`` (the page's first line: notifications and fallback)
    and Block Kit ``blocks``.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        resolved_at: when it ended (for ``resolved``).
    """
    p = page(c, event, resolved_at)
    return {"text": clip(esc(p.text.splitlines()[0]), TEXT_CHARS), "blocks": blocks(p)}


class SlackSink(ChatSink):
    """A Slack incoming webhook (Block Kit)."""

    kind = "slack"
    url_setting = "slack_webhook_urls"

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 5.0) -> list[Sink]:
        """One sink per ``slack_webhook_urls`` entry, and per ``webhook_urls`` entry when
        ``webhook_style`` is ``slack`` (named ``webhook-<i>``, as before).

        Args:
            settings: the worker settings.
            timeout: seconds per request.
        """
        out = super().from_settings(settings, timeout)
        if settings.webhook_style == cls.kind:
            out += [cls(WebhookTarget(name=f"webhook-{i}", url=u, style=cls.kind), timeout)
                    for i, u in enumerate(settings.webhook_urls)]
        return out

    payload = staticmethod(slack_payload)
