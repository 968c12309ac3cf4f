"""Alertmanager API v2: one alert per crisis, kept alive, resolved, silenced on acknowledgement.

The label set (:func:`am_labels`) is the alert's identity: the first send, every
re-send and the resolution carry the same labels, so Alertmanager holds one alert
per crisis. Settings: ``alertmanager_urls`` (every member of an HA cluster gets
every alert), ``alertmanager_username`` / ``alertmanager_password``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from detectors.codec import dumps_str
from streams.alerting.render import (
    ALERTNAME,
    Crisis,
    languages_text,
    posts_text,
    render_text,
    rfc3339,
    summary,
)
from streams.alerting.sinks.base import Delivery, Notice, Sink

if TYPE_CHECKING:
    from streams.settings import Settings

ALERTS, SILENCES = "/api/v2/alerts", "/api/v2/silences"


class AlertmanagerTarget(BaseModel):
    """One Alertmanager (list every member of an HA cluster: each gets every alert)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("alertmanager", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    url: str = Field(description="base URL, e.g. http://alertmanager:9093")
    username: str | None = None
    password: SecretStr | None = None
    bearer_token: SecretStr | None = None
    silence_on_ack: bool = True
    silence_hours: float = Field(12.0, gt=0)


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
    annotations = {
        "summary": summary(c),
        "description": render_text(c),
        "reason": c.reason,
        "numbers": dumps_str(c.numbers.wire(exclude={"top_negative"}), sort_keys=True),
        "languages": languages_text(c.numbers),
        "top_negative": posts_text(c.numbers),
        "promotion_paused": "true" if c.paused else "false",
        "started_at": rfc3339(c.started_at),
        "runbook_url": c.runbook_url,
    }
    if c.dashboard_url:
        annotations["dashboard_url"] = c.dashboard_url
    if c.brand_url:
        annotations["brand_url"] = c.brand_url
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


def am_silence(c: Crisis, by: str, at: float, hours: float) -> dict[str, Any]:
    """A silence of the crisis (its ``crisis_id``) created by the person who acknowledged it.

    Args:
        c: the crisis.
        by: who acknowledged.
        at: when (POSIX seconds).
        hours: how long the silence lasts.
    """
    return {
        "matchers": [{"name": "crisis_id", "value": c.crisis_id, "isRegex": False, "isEqual": True}],
        "startsAt": rfc3339(at),
        "endsAt": rfc3339(at + hours * 3600),
        "createdBy": by,
        "comment": f"Firebreak: {c.brand} crisis acknowledged by {by}",
    }


class AlertmanagerSink(Sink):
    """Alertmanager API v2 (``/api/v2/alerts``, ``/api/v2/silences``), built from an
    :class:`AlertmanagerTarget` (where, and how to authenticate)."""

    kind = "alertmanager"
    accepts = frozenset({"firing", "resend", "update", "resolved", "silence"})
    target: AlertmanagerTarget

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 5.0) -> list[Sink]:
        """One sink per ``alertmanager_urls`` entry, named ``alertmanager-<i>``.

        Args:
            settings: the worker settings.
            timeout: seconds per request.
        """
        return [cls(AlertmanagerTarget(name=f"alertmanager-{i}", url=u,
                                       username=settings.alertmanager_username,
                                       password=settings.alertmanager_password), timeout)
                for i, u in enumerate(settings.alertmanager_urls)]

    def url(self) -> str:
        """The base URL without a trailing slash."""
        return self.target.url.rstrip("/")

    def auth(self) -> aiohttp.BasicAuth | None:
        """Basic authentication, if configured."""
        if self.target.username is None:
            return None
        pw = self.target.password.get_secret_value() if self.target.password else ""
        return aiohttp.BasicAuth(self.target.username, pw)

    def deliveries(self, c: Crisis, notice: Notice) -> list[Delivery]:
        """The alert's current copy (one key per crisis, so queued copies coalesce), and a
        silence when a person acknowledged it.

        Args:
            c: the crisis.
            notice: what happened.
        """
        key = f"{c.fingerprint}:alert"
        if notice.event == "resolved":
            return [Delivery(key, "resolved", [am_alert(c, resolved_at=notice.at)], path=ALERTS)]
        event = notice.event if notice.event in ("firing", "resend") else "update"
        out = [Delivery(key, event, [am_alert(c, ends_at=notice.ends_at)], path=ALERTS)]
        if notice.event == "acknowledged" and c.acknowledged_by and self.target.silence_on_ack:
            at = c.acknowledged_at if c.acknowledged_at is not None else notice.at
            out.append(Delivery(f"{c.fingerprint}:silence", "silence",
                                am_silence(c, c.acknowledged_by, at, self.target.silence_hours),
                                path=SILENCES))
        return out
