"""A generic JSON webhook: the page as ``text`` plus every detail as structured fields.

Body: ``{"text": "...", "firebreak": {"event", "brand", "crisis_id", "fingerprint",
"severity", "summary", "reason", "test", "numbers", "languages", "top_negative",
"promotion_paused", "dashboard_url", "runbook_url", "brand_url", "started_at",
"resolved_at", "acknowledged_by"}}``. Receivers de-duplicate on ``fingerprint``.
Settings: ``webhook_urls`` with ``webhook_style: generic`` (the default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streams.alerting.render import Crisis, Event, event_text, rfc3339, summary, top_posts
from streams.alerting.sinks.base import ChatSink, Sink, WebhookTarget

if TYPE_CHECKING:
    from streams.settings import Settings


def webhook_payload(c: Crisis, event: Event, resolved_at: float | None = None) -> dict[str, Any]:
    """The generic webhook body.

    Args:
        c: the crisis.
        event: ``firing``, ``reminder`` or ``resolved``.
        resolved_at: when it ended (for ``resolved``).
    """
    return {
        "text": event_text(c, event, resolved_at),
        "firebreak": {
            "event": event, "brand": c.brand, "crisis_id": c.crisis_id,
            "fingerprint": c.fingerprint, "severity": c.severity, "summary": summary(c),
            "reason": c.reason, "test": c.test, "numbers": c.numbers.wire(),
            "languages": c.numbers.languages,
            "top_negative": [p.model_dump(mode="json", include={"handle", "text", "url", "compound"})
                             for p in top_posts(c.numbers)],
            "promotion_paused": c.paused, "dashboard_url": c.dashboard_url,
            "runbook_url": c.runbook_url, "brand_url": c.brand_url,
            "started_at": rfc3339(c.started_at),
            "resolved_at": rfc3339(resolved_at) if resolved_at is not None else None,
            "acknowledged_by": c.acknowledged_by,
        },
    }


class WebhookSink(ChatSink):
    """A generic JSON webhook (``text`` + a ``firebreak`` object)."""

    kind = "generic"

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 5.0) -> list[Sink]:
        """One sink per ``webhook_urls`` entry when ``webhook_style`` is ``generic``.

        Args:
            settings: the worker settings.
            timeout: seconds per request.
        """
        if settings.webhook_style != cls.kind:
            return []
        return [cls(WebhookTarget(name=f"webhook-{i}", url=u), timeout)
                for i, u in enumerate(settings.webhook_urls)]

    payload = staticmethod(webhook_payload)
