"""The notifier: alert events in, notices to every sink out, once per crisis.

    metrics = create_metrics(registry)
    notifier = Notifier.from_settings(settings, metrics)     # None when no sink is configured
    await notifier.handle(alert_event)       # from the ``alerts`` topic; never waits on a sink
    await notifier.handle_state(state_msg)   # from ``brand.state``: acks, adoption after rebalance
    await notifier.tick(time.time())         # re-send active crises before Alertmanager expires them
    await notifier.close()

Rules (each sink decides what a notice means for it: :mod:`streams.alerting.sinks`):

* a ``crisis`` event pages every sink once per fingerprint (the crisis id);
  a re-delivered event updates Alertmanager (same label set) but pages no chat;
* active crises are re-sent to Alertmanager every ``resend_seconds`` with
  ``endsAt = now + expire_seconds``, so a dead worker's alerts expire by themselves;
* ``resolved`` (the brand is back to normal) sets ``endsAt`` and tells the chats;
* ``reminder`` (a crisis that lasts) re-states it to the chats and Alertmanager;
* a ``crisis`` event marked ``reopened`` (the same incident flaring up again within
  the brand's merge window) shows the crisis again in Alertmanager and pages no chat;
* an acknowledgement (``acknowledged_by`` in ``brand.state``, or
  :meth:`Notifier.acknowledge`) adds annotations and, per Alertmanager, a silence on
  the ``crisis_id`` so Alertmanager stops repeating the page.

Events are :class:`streams.wire.alert.AlertEvent`; texts come from
:mod:`streams.alerting.render`; sinks and their queues live in :mod:`streams.alerting.sinks`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from detectors.events import format_time
from streams.alerting.metrics import NotifyMetrics, create_metrics
from streams.alerting.render import RUNBOOK_URL, Crisis, runbook_link
from streams.alerting.sinks import chat_sink, sinks_from_settings
from streams.alerting.sinks.alertmanager import AlertmanagerSink, AlertmanagerTarget
from streams.alerting.sinks.base import Notice, Sink, WebhookTarget
from streams.alerting.sinks.queue import DeliveryQueue
from streams.wire.alert import AlertEvent, AlertNumbers, InvalidAlert
from streams.wire.states import BrandStateView

if TYPE_CHECKING:
    from streams.settings import Settings

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
    """Turns alert events into notices on bounded per-sink queues.

    Args:
        sinks: where to deliver (each gets its own queue and background task).
        metrics: counters (:func:`~streams.alerting.metrics.create_metrics`).
        severity: the ``severity`` label of a crisis.
        dashboard_url: link in every page; ``{brand}`` is replaced by the brand.
        runbook_url: the runbook page (absolute); alerts link to its ``#brandcrisis`` section.
        brand_url: link to the brand's page in every page; ``{brand}`` is replaced.
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
                 runbook_url: str = RUNBOOK_URL, brand_url: str | None = None,
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
        self.brand_url = brand_url
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
            webhooks: chat webhooks; each one's ``style`` names its sink (``generic``,
                ``slack``, ``teams``).
            metrics: counters.
            timeout: seconds per HTTP request.
            options: passed to :class:`Notifier`.
        """
        sinks: list[Sink] = [AlertmanagerSink(t, timeout) for t in alertmanagers]
        sinks += [chat_sink(t, timeout) for t in webhooks]
        return cls(sinks, metrics, **options)

    @classmethod
    def from_settings(cls, settings: Settings, metrics: NotifyMetrics,
                      timeout: float = 5.0, **options: Any) -> Notifier | None:
        """The notifier of every sink the settings configure; ``None`` when there is none.

        Args:
            settings: the worker settings.
            metrics: counters.
            timeout: seconds per HTTP request.
            options: passed to :class:`Notifier`.
        """
        sinks = sinks_from_settings(settings, timeout)
        if not sinks:
            return None
        log.info("alert sinks: %s", ", ".join(s.name for s in sinks))
        return cls(sinks, metrics, dashboard_url=settings.dashboard_url,
                   runbook_url=settings.runbook_url, brand_url=settings.brand_url, **options)

    # -- input -------------------------------------------------------------------------

    async def handle(self, event: AlertEvent | dict[str, Any] | bytes | str) -> None:
        """Take one alert event (:class:`~streams.wire.alert.AlertEvent`); returns at once.

        Args:
            event: the event, typed, decoded or as JSON bytes.
        """
        try:
            ev = event if isinstance(event, AlertEvent) else AlertEvent.from_wire(event)
        except InvalidAlert as exc:
            self.m.invalid.inc()
            log.warning("ignored an alert event: %s", exc)
            return
        if ev.kind == "crisis":
            self._fire(ev)
        elif ev.kind == "resolved":
            self._resolve(ev.fingerprint, ev.at_ts, ev)
        elif ev.kind == "reminder":
            self._remind(ev)
        elif ev.kind == "manual":
            self._manual(ev)
        self.m.active.set(len(self.active))

    async def handle_state(self, message: BrandStateView | dict[str, Any] | bytes | str) -> None:
        """Take a ``brand.state`` message: adopt, acknowledge or (as a safety net) resolve.

        Args:
            message: a :class:`~streams.wire.states.BrandStateView`, decoded or as JSON bytes.
        """
        try:
            st = message if isinstance(message, BrandStateView) else BrandStateView.from_wire(message)
        except ValidationError:
            self.m.invalid.inc()
            return
        cid = st.crisis_id
        if st.state == "crisis" and cid is not None:
            c = self.active.get(cid)
            if c is None and cid not in self.done:
                # owned by us now (e.g. after a rebalance): keep Alertmanager's copy alive
                try:
                    ev = _adopted(st, cid, self.clock())
                except ValidationError as exc:
                    self.m.invalid.inc()
                    log.warning("cannot adopt crisis %s from brand.state: %s", cid,
                                exc.errors()[0]["msg"])
                    return
                c = self.active[cid] = self._crisis(ev)
                self._notify(c, "resend")
                log.info("adopted active crisis %s from brand.state", cid)
            if c is not None and st.acknowledged_by and not c.acknowledged_by:
                acked = st.acknowledged_at.timestamp() if st.acknowledged_at else self.clock()
                self.acknowledge(cid, st.acknowledged_by, acked)
        elif st.state == "normal" and st.since is not None:
            since = st.since.timestamp()
            for fp, c in list(self.active.items()):
                if c.brand == st.brand and since > c.started_at:
                    self._resolve(fp, since)
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
        self._notify(c, "acknowledged", c.acknowledged_at)
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
                self._notify(c, "resend", now=now)

    async def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued within ``timeout`` seconds, then stop every task.

        Args:
            timeout: seconds to keep trying per sink.
        """
        for q in self.queues:
            await q.close(timeout)

    # -- internals ---------------------------------------------------------------------

    def _crisis(self, ev: AlertEvent) -> Crisis:
        return Crisis.from_alert(ev, self.severity, self.dashboard_url, self.runbook_url,
                                 self.brand_url)

    def _fire(self, ev: AlertEvent) -> None:
        fp = ev.fingerprint
        if fp in self.done and ev.numbers.reopened:
            # the same incident flared up again within the merge window: show it again
            # in Alertmanager, page nobody
            self.done.discard(fp)
            self.paged.add(fp)
            log.warning("crisis %s (%s) re-opened", fp, ev.brand)
        if fp in self.done:
            return  # a late re-delivery of a crisis that is already over
        c = self.active.get(fp)
        if c is None:
            c = self.active[fp] = self._crisis(ev)
        elif ev.numbers.wire():
            c.numbers, c.reason, c.test, c.paused = ev.numbers, ev.reason, ev.test, ev.paused
        if fp in self.paged:
            self._notify(c, "update")
            return
        self.paged.add(fp)
        log.warning("paging for crisis %s (%s)", fp, c.brand)
        self._notify(c, "firing")

    def _remind(self, ev: AlertEvent) -> None:
        fp = ev.fingerprint
        if fp in self.done:
            return
        c = self.active.get(fp)
        if c is None:
            c = self.active[fp] = self._crisis(ev)
        else:
            c.numbers = ev.numbers if ev.numbers.wire() else c.numbers
            c.reason, c.paused = ev.reason, ev.paused
        self.paged.add(fp)
        log.warning("crisis %s (%s) still active: reminding on-call", fp, c.brand)
        self._notify(c, "reminder", ev.at_ts)

    def _resolve(self, fp: str, at: float, ev: AlertEvent | None = None) -> None:
        if fp in self.done:
            return
        c = self.active.pop(fp, None)
        self.last_sent.pop(fp, None)
        if c is None:
            if ev is None:
                return
            c = self._crisis(ev.model_copy(update={"numbers": AlertNumbers()}))
        if ev is not None and "paused" in ev.model_fields_set:
            c.paused = ev.paused
        self.done.add(fp)
        log.warning("crisis %s (%s) resolved", fp, c.brand)
        self._notify(c, "resolved", at)

    def _manual(self, ev: AlertEvent) -> None:
        c = self.active.get(ev.fingerprint)
        if c is None:
            return
        c.paused = ev.paused
        c.notes.append(f"{format_time(ev.at)}: {ev.reason}".strip(": "))
        self._notify(c, "update")

    def _notify(self, c: Crisis, event: str, at: float | None = None,
                now: float | None = None) -> None:
        """Queue what each sink sends for ``event`` (a :class:`~.sinks.base.Notice`)."""
        now = self.clock() if now is None else now
        if event != "resolved":
            self.last_sent[c.fingerprint] = now
        notice = Notice(event, now if at is None else at, ends_at=now + self.expire_seconds)
        for q in self.queues:
            for d in q.sink.deliveries(c, notice):
                q.put(d)


def _adopted(st: BrandStateView, cid: str, now: float) -> AlertEvent:
    """The crisis event a ``brand.state`` message in ``crisis`` stands for (adoption)."""
    return AlertEvent(
        kind="crisis", brand=st.brand, state="crisis", fingerprint=cid, crisis_id=cid,
        at=st.since or datetime.fromtimestamp(now, tz=timezone.utc), reason=st.reason or "",
        test=st.test or "", numbers=AlertNumbers.model_validate(st.numbers), paused=st.paused,
    )


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
