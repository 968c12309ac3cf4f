"""Pause-flag client for marketing tooling: "may I publish for this brand now?"

Two ways to read the flag, one fail-safe rule::

    from streams.client.pauseflag import KafkaFlagReader, HttpFlagReader, may_publish

    with KafkaFlagReader(["kafka1:9092"], topic="promotion.control") as flags:
        if may_publish(flags.get("acme")):
            publish()

**Fail-safe rule.** A brand is *effectively paused* when

1. its flag says ``paused: true``; or
2. the flag data is stale or lost: no worker heartbeat newer than ``max_age``
   (default 120 s; workers publish one every 5 s on the flag topic), or the topic
   was reset (the broker lost it) and no worker has published since, or the
   heartbeat says the flag data was rebuilt from nothing and is still settling
   and the brand's flag has not changed since (:func:`streams.wire.flags.settling`); or
3. the flag could not be read (broker or API unreachable, timeout, bad answer,
   a record that does not fit the model).

A brand with no record while the data is healthy (never mentioned, never in
crisis) is *not* paused.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from detectors.events import format_time
from streams.client.background import BackgroundView
from streams.client.http import JsonClient
from streams.wire.flags import (
    DEFAULT_HEARTBEAT_MAX_AGE,
    HEARTBEAT_KEY,
    PauseFlag,
    PromotionAnswer,
    data_problem,
    decode_control,
    flag_problem,
    heartbeat_at,
    settling,
)
from streams.wire.views import TopicView

DEFAULT_MAX_AGE = DEFAULT_HEARTBEAT_MAX_AGE  # of the flag data: the newest worker heartbeat
FLAG_MAX_AGE = 300.0  # of one record, for evaluate() callers without a heartbeat


@dataclass(frozen=True)
class Flag:
    """The pause flag of a brand as read (``record``), with the fail-safe verdict.

    Args:
        brand: the brand slug.
        record: the published flag, or ``None`` (no record, or none could be read).
        effective_paused: the verdict: true means hold promotion.
        why: the verdict in words (``paused``, ``stale flag …``, ``flag source unreachable …``).
    """

    brand: str
    record: PauseFlag | None
    effective_paused: bool
    why: str

    @property
    def paused(self) -> bool:
        """What the record says (with no record: the verdict)."""
        return self.record.paused if self.record is not None else self.effective_paused

    @property
    def reason(self) -> str | None:
        """Why the brand is paused (or resumed), as published."""
        return self.record.reason if self.record is not None else None

    @property
    def since(self) -> datetime | None:
        """When the flag last changed."""
        return self.record.since if self.record is not None else None

    @property
    def updated_at(self) -> datetime | None:
        """When the flag was published."""
        return self.record.updated_at if self.record is not None else None


def evaluate(brand: str, record: PauseFlag | Mapping[str, Any] | None, *, source_ok: bool = True,
             problem: str | None = None, max_age: float | None = FLAG_MAX_AGE,
             now: float | None = None) -> Flag:
    """Apply the fail-safe rule to one record.

    Args:
        brand: the brand slug.
        record: the flag as published (a model or its wire dict; ``None`` when there is
            no record). A dict that does not fit the model counts as unreadable.
        source_ok: whether the source could be read at all.
        problem: why the flag data cannot be trusted (:func:`streams.wire.flags.data_problem`).
        max_age: seconds after which one record is stale (``None``: the records' own age
            does not matter, a fresh heartbeat vouches for them).
        now: wall-clock time (POSIX seconds), ``time.time()`` by default.
    """
    now = time.time() if now is None else now
    if not source_ok:
        return Flag(brand, None, True, "flag source unreachable or stale")
    if record is not None and not isinstance(record, PauseFlag):
        try:
            record = PauseFlag.from_wire(record)
        except ValidationError:
            return Flag(brand, None, True, "unreadable flag record")
    if problem is not None:
        return Flag(brand, record, True, problem)
    if record is None:
        return Flag(brand, None, False, "no record: brand never paused")
    if max_age is not None and now - record.updated_at.timestamp() > max_age:
        return Flag(brand, record, True, f"stale flag (updated_at={format_time(record.updated_at)})")
    return Flag(brand, record, record.paused, "paused" if record.paused else "not paused")


def may_publish(flag: Flag) -> bool:
    """True when automated promotion may go out for the brand.

    Args:
        flag: a flag from a reader.
    """
    return not flag.effective_paused


class KafkaFlagReader:
    """Reads ``promotion.control`` directly and keeps following it.

    The first question starts a background view of the topic (every partition
    assigned, no consumer group) and waits up to ``timeout`` for it to reach the
    topic's end (later questions do not wait: until the view has read the topic
    they answer "unreachable", paused); after that the view only reads new records
    and each question is answered from memory. Call :meth:`close` (or use ``with``)
    to stop it.

    Args:
        bootstrap: ``host:port`` list (or one comma-separated string).
        topic: the control topic (mind the prefix).
        max_age: seconds after which the newest worker heartbeat is stale.
        timeout: seconds the first question waits for the topic to be read.
    """

    def __init__(self, bootstrap: list[str] | str, topic: str = "promotion.control",
                 max_age: float = DEFAULT_MAX_AGE, timeout: float = 10.0) -> None:
        servers = bootstrap.split(",") if isinstance(bootstrap, str) else list(bootstrap)
        self.topic, self.max_age, self.timeout = topic, max_age, timeout
        self.view = TopicView(servers, {topic: decode_control})
        self._background = BackgroundView(self.view)
        self._waited = False

    def __enter__(self) -> KafkaFlagReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop following the topic."""
        self._background.close()

    def _ready(self) -> bool:
        """Whether the view has read the topic; only the first question waits for it."""
        timeout = 0.0 if self._waited else self.timeout
        self._waited = True
        return self._background.wait_caught_up(timeout)

    def get_all(self) -> dict[str, Flag]:
        """Every brand's flag (empty when the topic could not be read)."""
        if not self._ready():
            return {}
        now = time.time()
        records = self.view.values(self.topic)
        beat = records.get(HEARTBEAT_KEY)
        # the same for every brand: worked out once (flag_problem's first half)
        stale = data_problem(heartbeat_at(beat), self.view.reset_at, now, self.max_age)
        out = {b: evaluate(b, r, problem=stale or settling(beat, r, now), max_age=None, now=now)
               for b, r in records.items() if isinstance(r, PauseFlag)}
        out.update({b: Flag(b, None, True, "unreadable flag record")
                    for b in list(self.view.unreadable[self.topic])})
        return out

    def get(self, brand: str) -> Flag:
        """The flag of one brand, fail-safe.

        Args:
            brand: the brand slug.
        """
        if not self._ready():
            return evaluate(brand, None, source_ok=False)
        if brand in self.view.unreadable[self.topic]:
            return Flag(brand, None, True, "unreadable flag record")
        now = time.time()
        record = self.view.get(self.topic, brand)
        record = record if isinstance(record, PauseFlag) else None
        problem = flag_problem(self.view.get(self.topic, HEARTBEAT_KEY), self.view.reset_at,
                               record, now, self.max_age)
        return evaluate(brand, record, problem=problem, max_age=None, now=now)


class HttpFlagReader:
    """Reads ``GET /api/v1/brands/{brand}/promotion`` from any worker.

    One kept-alive connection; an unreachable worker or a 429/5xx answer is retried
    with exponential backoff (bounded), then the flag fails safe (paused).

    Args:
        base_url: e.g. ``http://firebreak:6066``.
        max_age: seconds after which the answering worker's newest heartbeat is stale.
        timeout: seconds for one attempt.
        token: bearer token (a ``read`` token, when the API requires one).
        retries: extra attempts after the first.
        backoff: first wait between attempts, seconds (doubling, at most 2 s).
    """

    def __init__(self, base_url: str, max_age: float = DEFAULT_MAX_AGE, timeout: float = 3.0,
                 *, token: str | None = None, retries: int = 2, backoff: float = 0.2) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_age, self.timeout = max_age, timeout
        self.client = JsonClient(self.base_url, token=token, timeout=timeout, retries=retries,
                                 backoff=backoff)

    def __enter__(self) -> HttpFlagReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept-alive connection."""
        self.client.close()

    def get(self, brand: str) -> Flag:
        """The flag of one brand, fail-safe.

        Args:
            brand: the brand slug.
        """
        status, body = self.client.get(f"/api/v1/brands/{urllib.parse.quote(brand)}/promotion")
        if status != 200 or not isinstance(body, dict):
            return evaluate(brand, None, source_ok=False)
        try:
            answer = PromotionAnswer.from_wire(body)
        except ValidationError:
            return evaluate(brand, None, source_ok=False)
        now = time.time()
        problem = data_problem(answer.heartbeat_at, None, now, self.max_age)
        if problem is None and answer.paused and (answer.held or not answer.known):
            problem = answer.reason or "held by the worker"  # the worker's flag data is stale/settling
        return evaluate(brand, answer if answer.known else None, problem=problem, max_age=None,
                        now=now)
