"""The notifier: alert events in, pages out (Alertmanager, webhooks), once per crisis.

    metrics = create_metrics(registry)
    notifier = Notifier.from_targets([AlertmanagerTarget(url="http://am:9093")], [], metrics)
    await notifier.handle(alert_event)       # from the ``alerts`` topic; never waits on a sink
    await notifier.handle_state(state_msg)   # from ``brand.state``: acks, adoption after rebalance
    await notifier.tick(time.time())         # re-send active crises before Alertmanager expires them
    await notifier.close()

Rules:

* a ``crisis`` event pages every sink once per fingerprint (the crisis id);
  a re-delivered event updates Alertmanager (same label set) but pages no webhook;
* active crises are re-sent to Alertmanager every ``resend_seconds`` with
  ``endsAt = now + expire_seconds``, so a dead worker's alerts expire by themselves;
* ``resolved`` (the brand is back to normal) sets ``endsAt`` and tells the webhooks;
* ``reminder`` (a crisis that lasts) re-states it to the webhooks and Alertmanager;
* a ``crisis`` event marked ``reopened`` (the same incident flaring up again within
  the brand's merge window) shows the crisis again in Alertmanager and pages no webhook;
* an acknowledgement (``acknowledged_by`` in ``brand.state``, or
  :meth:`Notifier.acknowledge`) adds annotations and, per target, a silence on the
  ``crisis_id`` so Alertmanager stops repeating the page.

Sinks and their queues live in :mod:`streams.alerting.sinks`; texts in
:mod:`streams.alerting.render`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from streams.alerting.render import (
    RUNBOOK_URL,
    Crisis,
    am_alert,
    parse_time,
    rfc3339,
    runbook_link,
    webhook_payload,
)
from streams.alerting.sinks import (
    AlertmanagerSink,
    AlertmanagerTarget,
    Delivery,
    DeliveryQueue,
    NotifyMetrics,
    Sink,
    WebhookSink,
    WebhookTarget,
    create_metrics,
)

log = logging.getLogger(__name__)
REMEMBER = 10_000

__all__ = ["AlertmanagerTarget", "Notifier", "WebhookTarget", "create_metrics", "register"]


class _Lru:
    """A bounded set of recent fingerprints."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self.items[key] = None
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)

    def discard(self, key: str) -> None:
        self.items.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self.items


class Notifier:
    """Turns alert events into deliveries on bounded per-sink queues.

    Args:
        sinks: where to deliver (each gets its own queue and background task).
        metrics: counters (:func:`~streams.alerting.sinks.create_metrics`).
        severity: the ``severity`` label of a crisis.
        dashboard_url: link in every page; ``{brand}`` is replaced by the brand.
        runbook_url: the runbook page (absolute); alerts link to its ``#brandcrisis`` section.
        resend_seconds: how often an active crisis is re-sent to Alertmanager.
        expire_seconds: ``endsAt`` of a firing alert is this far ahead of the last send.
        queue_size: deliveries kept per sink (drop-oldest beyond).
        backoff: first retry delay in seconds.
        backoff_max: longest retry delay in seconds.
        max_age: seconds after which an undelivered notification is given up.
        clock: wall clock (POSIX seconds); tests pass their own.
    """

    def __init__(self, sinks: Sequence[Sink], metrics: NotifyMetrics, *,
                 severity: str = "critical", dashboard_url: str | None = None,
                 runbook_url: str = RUNBOOK_URL,
                 resend_seconds: float = 60.0, expire_seconds: float = 300.0,
                 queue_size: int = 1000, backoff: float = 0.5, backoff_max: float = 30.0,
                 max_age: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        if expire_seconds <= resend_seconds:
            raise ValueError("expire_seconds must exceed resend_seconds, or alerts flap")
        names = [s.name for s in sinks]
        if len(set(names)) != len(names):
            raise ValueError(f"sink names must be unique: {names}")
        self.m = metrics
        self.queues = [DeliveryQueue(s, metrics, queue_size, backoff, backoff_max, max_age)
                       for s in sinks]
        runbook_link(runbook_url)  # an invalid page fails here, not at the first crisis
        self.severity, self.dashboard_url, self.runbook_url = severity, dashboard_url, runbook_url
        self.resend_seconds, self.expire_seconds = resend_seconds, expire_seconds
        self.clock = clock
        self.active: dict[str, Crisis] = {}
        self.last_sent: dict[str, float] = {}
        self.paged = _Lru(REMEMBER)
        self.done = _Lru(REMEMBER)

    @classmethod
    def from_targets(cls, alertmanagers: Sequence[AlertmanagerTarget],
                     webhooks: Sequence[WebhookTarget], metrics: NotifyMetrics,
                     timeout: float = 5.0, **options: Any) -> Notifier:
        """Build sinks from targets.

        Args:
            alertmanagers: Alertmanager instances (every one gets every alert).
            webhooks: webhooks.
            metrics: counters.
            timeout: seconds per HTTP request.
            options: passed to :class:`Notifier`.
        """
        sinks: list[Sink] = [AlertmanagerSink(t, timeout) for t in alertmanagers]
        sinks += [WebhookSink(t, timeout) for t in webhooks]
        return cls(sinks, metrics, **options)

    # -- input -------------------------------------------------------------------------

    async def handle(self, event: dict[str, Any] | bytes | str) -> None:
        """Take one alert event (:func:`streams.wire.messages.alert_message`); returns at once.

        Args:
            event: the event, decoded or as JSON bytes.
        """
        ev = _decode(event)
        if ev is None or not isinstance(ev.get("brand"), str) or not isinstance(ev.get("kind"), str):
            self.m.invalid.inc()
            log.warning("ignored an alert event that is not a JSON object with brand and kind")
            return
        kind = ev["kind"]
        if kind == "crisis":
            self._fire(ev)
        elif kind == "resolved":
            self._resolve(ev, parse_time(ev.get("at")) or self.clock())
        elif kind == "reminder":
            self._remind(ev)
        elif kind == "manual":
            self._manual(ev)
        self.m.active.set(len(self.active))

    async def handle_state(self, message: dict[str, Any] | bytes | str | None) -> None:
        """Take a ``brand.state`` message: adopt, acknowledge or (as a safety net) resolve.

        Args:
            message: :func:`streams.wire.messages.state_message`, decoded or as JSON bytes;
                ``None`` is a tombstone (an idle brand was forgotten): nothing to do.
        """
        if message is None:
            return
        st = _decode(message)
        if st is None or not isinstance(st.get("brand"), str):
            self.m.invalid.inc()
            return
        cid = st.get("crisis_id")
        if st.get("state") == "crisis" and isinstance(cid, str):
            c = self.active.get(cid)
            if c is None and cid not in self.done:
                # owned by us now (e.g. after a rebalance): keep Alertmanager's copy alive
                c = Crisis.from_event(st, self.severity, self.dashboard_url, self.runbook_url)
                self.active[cid] = c
                self._send_alert(c, "resend")
                log.info("adopted active crisis %s from brand.state", cid)
            if c is not None and st.get("acknowledged_by") and not c.acknowledged_by:
                self.acknowledge(cid, str(st["acknowledged_by"]),
                                 parse_time(st.get("acknowledged_at")) or self.clock())
        elif st.get("state") == "normal":
            since = parse_time(st.get("since"))
            for fp, c in list(self.active.items()):
                if c.brand == st["brand"] and since is not None and since > c.started_at:
                    self._resolve({"fingerprint": fp, "brand": c.brand}, since)
        self.m.active.set(len(self.active))

    def acknowledge(self, fingerprint: str, by: str, at: float | None = None) -> bool:
        """Record that a person took the crisis: annotations, and a silence per Alertmanager.

        Args:
            fingerprint: the crisis id.
            by: who (shown to others; never a secret).
            at: when (POSIX seconds; now when ``None``).

        Returns:
            whether the crisis is active here.
        """
        c = self.active.get(fingerprint)
        if c is None:
            return False
        c.acknowledged_by, c.acknowledged_at = by, at if at is not None else self.clock()
        self._send_alert(c, "update")
        for q in self.queues:
            sink = q.sink
            if isinstance(sink, AlertmanagerSink) and sink.target.silence_on_ack:
                q.put(Delivery(f"{fingerprint}:silence", "silence",
                               _silence(c, by, c.acknowledged_at, sink.target.silence_hours),
                               path="/api/v2/silences"))
        log.info("crisis %s acknowledged by %s", fingerprint, by)
        return True

    async def tick(self, now: float | None = None) -> None:
        """Re-send active crises whose last send is ``resend_seconds`` old.

        Args:
            now: wall clock (POSIX seconds).
        """
        now = self.clock() if now is None else now
        for fp, c in list(self.active.items()):
            if now - self.last_sent.get(fp, 0.0) >= self.resend_seconds:
                self._send_alert(c, "resend", now)

    async def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued within ``timeout`` seconds, then stop every task.

        Args:
            timeout: seconds to keep trying per sink.
        """
        for q in self.queues:
            await q.close(timeout)

    # -- internals ---------------------------------------------------------------------

    def _fire(self, ev: dict[str, Any]) -> None:
        fp = str(ev.get("fingerprint") or ev.get("crisis_id") or "")
        reopened = bool((ev.get("numbers") or {}).get("reopened"))
        if fp and fp in self.done and reopened:
            # the same incident flared up again within the merge window: show it again
            # in Alertmanager, page nobody
            self.done.discard(fp)
            self.paged.add(fp)
            log.warning("crisis %s (%s) re-opened", fp, ev.get("brand"))
        if not fp or fp in self.done:
            return  # a late re-delivery of a crisis that is already over
        fresh = Crisis.from_event(ev, self.severity, self.dashboard_url, self.runbook_url)
        c = self.active.get(fp)
        if c is None:
            c = self.active[fp] = fresh
        elif fresh.numbers:
            c.numbers, c.reason, c.test, c.paused = fresh.numbers, fresh.reason, fresh.test, fresh.paused
        if fp in self.paged:
            self._send_alert(c, "update")
            return
        self.paged.add(fp)
        log.warning("paging for crisis %s (%s)", fp, c.brand)
        self._send_alert(c, "firing")
        for q in self.queues:
            if isinstance(q.sink, WebhookSink):
                q.put(Delivery(f"{fp}:firing", "firing",
                               webhook_payload(c, "firing", q.sink.target.style)))

    def _remind(self, ev: dict[str, Any]) -> None:
        fp = str(ev.get("fingerprint") or ev.get("crisis_id") or "")
        if not fp or fp in self.done:
            return
        fresh = Crisis.from_event(ev, self.severity, self.dashboard_url)
        c = self.active.get(fp)
        if c is None:
            c = self.active[fp] = fresh
        else:
            c.numbers, c.reason, c.paused = fresh.numbers or c.numbers, fresh.reason, fresh.paused
        self.paged.add(fp)
        log.warning("crisis %s (%s) still active: reminding on-call", fp, c.brand)
        self._send_alert(c, "update")
        at = parse_time(ev.get("at")) or self.clock()
        for q in self.queues:
            if isinstance(q.sink, WebhookSink):
                q.put(Delivery(f"{fp}:reminder:{int(at)}", "reminder",
                               webhook_payload(c, "reminder", q.sink.target.style)))

    def _resolve(self, ev: dict[str, Any], at: float) -> None:
        fp = str(ev.get("fingerprint") or ev.get("crisis_id") or "")
        if not fp or fp in self.done:
            return
        c = self.active.pop(fp, None)
        self.last_sent.pop(fp, None)
        if c is None:
            c = Crisis.from_event({**ev, "numbers": {}}, self.severity, self.dashboard_url,
                                  self.runbook_url)
        if "paused" in ev:
            c.paused = bool(ev["paused"])
        self.done.add(fp)
        log.warning("crisis %s (%s) resolved", fp, c.brand)
        for q in self.queues:
            if isinstance(q.sink, AlertmanagerSink):
                q.put(Delivery(f"{fp}:alert", "resolved", [am_alert(c, resolved_at=at)],
                               path="/api/v2/alerts"))
            elif isinstance(q.sink, WebhookSink):
                q.put(Delivery(f"{fp}:resolved", "resolved",
                               webhook_payload(c, "resolved", q.sink.target.style, resolved_at=at)))

    def _manual(self, ev: dict[str, Any]) -> None:
        c = self.active.get(str(ev.get("fingerprint") or ev.get("crisis_id") or ""))
        if c is None:
            return
        c.paused = bool(ev.get("paused"))
        c.notes.append(f"{ev.get('at', '')}: {ev.get('reason', '')}".strip(": "))
        self._send_alert(c, "update")

    def _send_alert(self, c: Crisis, event: str, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        self.last_sent[c.fingerprint] = now
        body = [am_alert(c, ends_at=now + self.expire_seconds)]
        for q in self.queues:
            if isinstance(q.sink, AlertmanagerSink):
                q.put(Delivery(f"{c.fingerprint}:alert", event, body, path="/api/v2/alerts"))


def _silence(c: Crisis, by: str, at: float, hours: float) -> dict[str, Any]:
    return {
        "matchers": [{"name": "crisis_id", "value": c.crisis_id, "isRegex": False, "isEqual": True}],
        "startsAt": rfc3339(at),
        "endsAt": rfc3339(at + hours * 3600),
        "createdBy": by,
        "comment": f"Firebreak: {c.brand} crisis acknowledged by {by}",
    }


def _decode(value: dict[str, Any] | bytes | str) -> dict[str, Any] | None:
    if isinstance(value, (bytes, str)):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def register(app: Any, notifier: Notifier, alerts_topic: Any, state_topic: Any | None = None,
             tick_seconds: float = 15.0, name: str = "firebreak.notify") -> None:
    """Attach the notifier to a Faust app: agents on ``alerts`` (and ``brand.state``), a timer.

    Both topics are keyed by brand with the same partition count, so Faust assigns a
    brand's alerts and state partitions to the same worker.

    Args:
        app: the ``faust.App``.
        notifier: the notifier (closed when the app stops).
        alerts_topic: the ``alerts`` topic (raw JSON values).
        state_topic: the ``brand.state`` topic, for acknowledgements and adoption.
        tick_seconds: how often :meth:`Notifier.tick` runs.
        name: agent name prefix.
    """
    import mode

    @app.agent(alerts_topic, name=f"{name}.alerts")
    async def notify_alerts(stream: Any) -> None:
        async for value in stream:
            await notifier.handle(value)

    if state_topic is not None:
        @app.agent(state_topic, name=f"{name}.state")
        async def notify_state(stream: Any) -> None:
            async for value in stream:
                await notifier.handle_state(value)

    @app.timer(tick_seconds, name=f"{name}.tick")
    async def notify_tick() -> None:
        await notifier.tick()

    @app.service
    class NotifierService(mode.Service):
        """Closes the notifier (flushing queued pages) when the worker stops."""

        async def on_stop(self) -> None:
            await notifier.close()
