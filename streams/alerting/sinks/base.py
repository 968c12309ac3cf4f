"""The sink interface: what a destination sends for a notice, and how one request goes out.

A :class:`Sink` turns a :class:`Notice` about a crisis (``firing``, ``reminder``,
``resolved``, ``update``, ``resend``, ``acknowledged``) into zero or more
:class:`Delivery` requests, and sends one request with :meth:`Sink.send`. The
:class:`~streams.alerting.sinks.queue.DeliveryQueue` in front of each sink retries
with backoff; a ``429``/``503`` answer's ``Retry-After`` (delta-seconds or an
HTTP-date, capped at ``retry_after_max``) replaces the backoff for that retry.

A subclass with a ``kind`` registers itself (:attr:`Sink.registry`), and builds its
instances from the settings (:meth:`Sink.from_settings`): adding a destination is
one module in this package. :class:`ChatSink` is the base of chat webhooks, which
page once per crisis, re-state a lasting one and say when it is over.

Secrets (webhook URLs with tokens, basic-auth passwords, bearer tokens) are
:class:`~pydantic.SecretStr`; logs and metrics name the sink, never its URL.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from streams.alerting.render import Crisis, Event

if TYPE_CHECKING:
    from streams.settings import Settings

log = logging.getLogger(__name__)
RETRY_AFTER_MAX = 120.0
"""Longest wait a ``Retry-After`` can ask for (a page later than that is worth less than a retry)."""
NOTICES = ("firing", "reminder", "resolved", "update", "resend", "acknowledged")
_DELTA = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True, slots=True)
class Notice:
    """What happened to a crisis; each sink decides what, if anything, to send for it.

    ``event`` is one of :data:`NOTICES`: ``firing`` (page: the crisis began),
    ``reminder`` (a lasting crisis re-stated), ``resolved`` (over, at ``at``),
    ``update`` (its details changed: no page), ``resend`` (keep Alertmanager's copy
    alive), ``acknowledged`` (a person took it). ``at`` is when (POSIX seconds);
    ``ends_at`` is when a still-active alert may expire without another send.
    """

    event: str
    at: float
    ends_at: float | None = None


class DeliveryError(Exception):
    """A failed attempt.

    Args:
        reason: a metric label (:data:`~streams.alerting.metrics.FAILURE_REASONS`).
        retry: whether to try again.
        retry_after: seconds the receiver asked us to wait (``Retry-After``), if it did.
    """

    def __init__(self, reason: str, retry: bool = True, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.retry_after = reason, retry, retry_after


@dataclass
class Delivery:
    """One HTTP request to make (``path`` is appended to the sink's base URL)."""

    key: str
    event: str
    body: Any
    path: str = ""
    queued_at: float = field(default_factory=time.monotonic)
    attempts: int = 0


def retry_after(value: str | None, now: float, cap: float = RETRY_AFTER_MAX) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, at most ``cap``; ``None`` when absent or unreadable.

    Args:
        value: ``"120"`` (delta-seconds) or ``"Wed, 21 Oct 2015 07:28:00 GMT"`` (an HTTP-date).
        now: the wall clock (POSIX seconds), for an HTTP-date.
        cap: the longest wait honoured.
    """
    if value is None:
        return None
    text = value.strip()
    if _DELTA.fullmatch(text):
        seconds = float(text)
    else:
        try:
            at = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:  # "-0000": an HTTP-date is always GMT
            at = at.replace(tzinfo=timezone.utc)
        seconds = at.timestamp() - now
    return min(max(seconds, 0.0), cap)


class Target(Protocol):
    """Where a sink sends: its ``name`` (metric label and log name, never the URL) and token."""

    @property
    def name(self) -> str: ...

    @property
    def bearer_token(self) -> SecretStr | None: ...


class Sink:
    """An HTTP destination; subclasses set the URL, headers and what each notice sends.

    Args:
        target: the destination's settings (a name, and an optional bearer token sent as
            ``Authorization: Bearer …``).
        timeout: seconds per request.
        retry_after_max: longest ``Retry-After`` honoured (seconds).
        clock: wall clock, to read an HTTP-date ``Retry-After``.
    """

    kind: ClassVar[str] = ""
    """Registry key (``alertmanager``, ``slack``, ...); empty for a base class."""
    accepts: ClassVar[frozenset[str]] = frozenset()
    """The delivery events (metric ``event`` labels) this sink sends."""
    registry: ClassVar[dict[str, type[Sink]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind:
            known = Sink.registry.get(kind)
            if known is not None and known.__qualname__ != cls.__qualname__:
                raise TypeError(f"two sinks of kind {kind!r}: {known.__qualname__}, {cls.__qualname__}")
            Sink.registry[kind] = cls

    def __init__(self, target: Target, timeout: float = 5.0,
                 retry_after_max: float = RETRY_AFTER_MAX,
                 clock: Callable[[], float] = time.time) -> None:
        self.target = target
        self.name = target.name
        self.timeout = timeout
        self.retry_after_max = retry_after_max
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 5.0) -> list[Sink]:
        """The sinks of this kind the settings configure (none by default).

        Args:
            settings: the worker settings.
            timeout: seconds per request.
        """
        return []

    def url(self) -> str:
        """The base URL (may contain a secret: never log it)."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Request headers: the bearer token, if configured."""
        tok = self.target.bearer_token
        return {"Authorization": f"Bearer {tok.get_secret_value()}"} if tok else {}

    def auth(self) -> aiohttp.BasicAuth | None:
        """Basic authentication, if any."""
        return None

    def deliveries(self, c: Crisis, notice: Notice) -> list[Delivery]:
        """What to send for ``notice`` (empty when this sink does not care).

        Args:
            c: the crisis as it is now.
            notice: what happened.
        """
        raise NotImplementedError

    async def send(self, session: aiohttp.ClientSession, d: Delivery) -> Any:
        """POST one delivery; returns the decoded JSON answer (or ``None``).

        Args:
            session: the HTTP session.
            d: the delivery.

        Raises:
            DeliveryError: with a low-cardinality reason (and the ``Retry-After`` asked for).
        """
        try:
            async with session.post(self.url() + d.path, json=d.body, headers=self.headers(),
                                    auth=self.auth(),
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                text = await resp.text()
                if resp.status >= 300:
                    raise self._refused(resp.status, resp.headers.get("Retry-After"), text)
                if resp.content_type == "application/json" and text:
                    return await resp.json()
                return None
        except TimeoutError:
            raise DeliveryError("timeout") from None
        except aiohttp.ClientConnectionError:
            raise DeliveryError("connect") from None
        except aiohttp.ClientError:
            raise DeliveryError("client_error") from None

    def _refused(self, status: int, header: str | None, text: str) -> DeliveryError:
        wait = retry_after(header, self.clock(), self.retry_after_max) if status in (429, 503) \
            else None
        asked = f" (Retry-After: {wait:.0f} s)" if wait is not None else ""
        log.warning("sink %s answered %d%s: %s", self.name, status, asked, text[:200])
        reason = "http_429" if status == 429 else f"http_{status // 100}xx"
        return DeliveryError(reason, retry=status >= 500 or status in (408, 429), retry_after=wait)


class WebhookTarget(BaseModel):
    """A chat or generic webhook; ``style`` is the kind of sink that lays out its messages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("webhook", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    url: SecretStr
    style: str = Field("generic", pattern=r"^[a-z][a-z0-9_-]{0,30}$",
                       description="a chat sink kind: generic, slack, teams")
    bearer_token: SecretStr | None = None


class ChatSink(Sink):
    """A chat webhook: pages once per crisis, re-states a lasting one and says when it is over.

    Subclasses set ``kind``, ``url_setting`` (the settings field listing their URLs)
    and lay out :meth:`payload`.
    """

    accepts = frozenset({"firing", "reminder", "resolved"})
    url_setting: ClassVar[str] = ""
    target: WebhookTarget

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 5.0) -> list[Sink]:
        """One sink per URL in the settings field ``url_setting``, named ``<kind>-<i>``.

        Args:
            settings: the worker settings.
            timeout: seconds per request.
        """
        urls: tuple[SecretStr, ...] = getattr(settings, cls.url_setting) if cls.url_setting else ()
        return [cls(WebhookTarget(name=f"{cls.kind}-{i}", url=u, style=cls.kind), timeout)
                for i, u in enumerate(urls)]

    def url(self) -> str:
        """The webhook URL (secret)."""
        return self.target.url.get_secret_value()

    def deliveries(self, c: Crisis, notice: Notice) -> list[Delivery]:
        """One message for ``firing``, ``reminder`` (each one) and ``resolved``; nothing else.

        Args:
            c: the crisis.
            notice: what happened.
        """
        event = notice.event
        if event == "firing":
            return [Delivery(f"{c.fingerprint}:firing", event, self.payload(c, "firing"))]
        if event == "reminder":
            return [Delivery(f"{c.fingerprint}:reminder:{int(notice.at)}", event,
                             self.payload(c, "reminder"))]
        if event == "resolved":
            return [Delivery(f"{c.fingerprint}:resolved", event,
                             self.payload(c, "resolved", resolved_at=notice.at))]
        return []

    @staticmethod
    def payload(c: Crisis, event: Event, resolved_at: float | None = None) -> dict[str, Any]:
        """The JSON body of one message (a subclass sets it to its pure render function).

        Args:
            c: the crisis.
            event: ``firing``, ``reminder`` or ``resolved``.
            resolved_at: when it ended (for ``resolved``).
        """
        raise NotImplementedError
