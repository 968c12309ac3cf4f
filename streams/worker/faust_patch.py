"""The two patches Firebreak applies to Faust, at worker start-up.

* Faust's worker consumer hard-codes ``fetch_max_wait_ms=1500``. With the Tansu
  broker a multi-partition fetch is answered only when that wait expires, so the
  wait is the latency of every hop. :func:`tune_fetch_wait` replaces the factory
  of the consumer once per process (idempotent: it keeps the original).
* Faust delivers each fetched message through four new tasks and an
  ``asyncio.wait``; :func:`deliver_without_tasks` delivers it inline when it can.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import Any


def tune_fetch_wait(wait_ms: int) -> None:
    """Make Faust's worker consumer use ``fetch_max_wait_ms=wait_ms`` (Faust hard-codes 1500).

    The Tansu broker answers a multi-partition fetch only when the wait expires,
    so the wait is the latency of every hop. Patches the Faust driver class once
    per process.

    Args:
        wait_ms: the fetch wait in milliseconds.
    """
    from faust.transport.drivers import aiokafka as driver

    cls = driver.AIOKafkaConsumerThread
    original = getattr(cls, "_firebreak_original", cls._create_worker_consumer)

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = wait_ms
        return consumer

    setattr(cls, "_firebreak_original", original)  # noqa: B010 (a class attribute Faust does not declare)
    setattr(cls, "_create_worker_consumer", create)  # noqa: B010


def deliver_without_tasks() -> None:
    """Deliver each fetched message to the streams without four tasks per message.

    Faust's ``Consumer._drain_messages`` hands every message to the conductor with
    ``wait_first(callback(message), suspend_flow.wait())``: two tasks for the
    coroutines, two more for the stopped/crashed events and an ``asyncio.wait``,
    so that a rebalance can interrupt a delivery that blocks (a full stream
    buffer, flow control). Almost every delivery completes without blocking. The
    patched ``wait_first`` runs the delivery one step inline when flow is not
    suspended; if it finishes, that is the result; if it blocks, the started
    coroutine goes on in Faust's own ``wait_first`` with ``suspend_flow`` as
    before. Any other ``wait_first`` call is Faust's own. Idempotent.
    """
    from faust.transport.consumer import Consumer
    from mode.services import WaitResults

    original = getattr(Consumer, "_firebreak_wait_first", Consumer.wait_first)

    async def wait_first(self: Any, *coros: Any, timeout: Any = None) -> Any:
        flow = self.suspend_flow
        if (len(coros) != 2 or timeout is not None or not _is_wait_of(coros[1], flow)
                or not inspect.iscoroutine(coros[0]) or flow.is_set()
                or self._stopped.is_set() or self._crashed.is_set()):
            return await original(self, *coros, timeout=timeout)
        delivery, suspended = coros
        try:
            blocked_on = delivery.send(None)
        except StopIteration as done:
            suspended.close()
            return WaitResults([delivery], [done.value], False)
        except BaseException:
            suspended.close()
            raise
        return await original(self, _resume(delivery, blocked_on), suspended)

    setattr(Consumer, "_firebreak_wait_first", original)  # noqa: B010
    setattr(Consumer, "wait_first", wait_first)  # noqa: B010


def _is_wait_of(coro: Any, event: Any) -> bool:
    """Whether ``coro`` is an unstarted ``event.wait()``."""
    frame = getattr(coro, "cr_frame", None)
    return (frame is not None and coro.cr_code.co_name == "wait"
            and frame.f_locals.get("self") is event)


async def _resume(coro: Any, blocked_on: Any) -> Any:
    """Await the rest of ``coro``, already run up to the point where it yielded ``blocked_on``."""
    return await _Rest(coro, blocked_on)


class _Rest:
    """The rest of a started coroutine, as an awaitable (what a task does, one level down)."""

    def __init__(self, coro: Any, blocked_on: Any) -> None:
        self.coro, self.blocked_on = coro, blocked_on

    def __await__(self) -> Generator[Any, None, Any]:
        coro, pending = self.coro, self.blocked_on
        while True:
            try:
                yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - cancellation goes into the coroutine
                try:
                    pending = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    pending = coro.send(None)
                except StopIteration as done:
                    return done.value
