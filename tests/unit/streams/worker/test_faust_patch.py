"""The delivery patch: Faust's consumer ``wait_first`` runs a delivery inline when it can."""

from __future__ import annotations

import asyncio
from typing import Any

from faust.transport.consumer import Consumer
from mode import Service
from mode.utils.locks import Event

from streams.worker.faust_patch import deliver_without_tasks


class Fetching(Service):
    """A started service with a ``suspend_flow`` event, as Faust's consumer has."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = Event()


async def _tasks_made(coro: Any) -> tuple[Any, int]:
    """Await ``coro``; its result and how many tasks were created meanwhile."""
    loop = asyncio.get_running_loop()
    made = [0]

    def factory(loop: Any, c: Any) -> asyncio.Task[Any]:
        made[0] += 1
        return asyncio.Task(c, loop=loop)

    loop.set_task_factory(factory)
    try:
        return await coro, made[0]
    finally:
        loop.set_task_factory(None)


def test_a_delivery_that_does_not_block_runs_inline_without_tasks() -> None:
    deliver_without_tasks()
    deliver_without_tasks()  # idempotent: still one wrapper around Faust's own

    async def main() -> None:
        svc = Fetching()
        got: list[int] = []

        async def deliver(n: int) -> int:
            got.append(n)
            return n * 2

        res = await Consumer.wait_first(svc, deliver(21), svc.suspend_flow.wait())
        assert res.results == [42] and not res.stopped and got == [21]
        res, made = await _tasks_made(
            Consumer.wait_first(svc, deliver(1), svc.suspend_flow.wait()))
        assert res.results == [2] and made == 0
        svc.suspend_flow.set()  # flow suspended (a rebalance): Faust's own way, with its tasks
        res, made = await _tasks_made(
            Consumer.wait_first(svc, deliver(2), svc.suspend_flow.wait()))
        assert made >= 4 and not res.stopped

    asyncio.run(main())


def test_a_blocked_delivery_finishes_once_unblocked() -> None:
    deliver_without_tasks()

    async def main() -> None:
        svc = Fetching()
        room = asyncio.Event()
        steps: list[str] = []

        async def deliver() -> str:
            steps.append("started")
            await room.wait()  # a full stream buffer
            await asyncio.sleep(0)
            steps.append("put")
            return "delivered"

        waiting = asyncio.ensure_future(
            Consumer.wait_first(svc, deliver(), svc.suspend_flow.wait()))
        await asyncio.sleep(0.01)
        assert steps == ["started"] and not waiting.done()
        room.set()
        res = await waiting
        assert res.results == ["delivered"] and steps == ["started", "put"]

    asyncio.run(main())


def test_a_rebalance_interrupts_a_blocked_delivery() -> None:
    """Suspending flow ends the wait, and the blocked delivery is cancelled, as in Faust."""
    deliver_without_tasks()

    async def main() -> None:
        svc = Fetching()
        cancelled = asyncio.Event()

        async def deliver() -> None:
            try:
                await asyncio.Event().wait()  # never has room
            except asyncio.CancelledError:
                cancelled.set()
                raise

        waiting = asyncio.ensure_future(
            Consumer.wait_first(svc, deliver(), svc.suspend_flow.wait()))
        await asyncio.sleep(0.01)
        svc.suspend_flow.set()
        res = await asyncio.wait_for(waiting, 1)
        assert res.results == [True]  # suspend_flow.wait() won
        await asyncio.wait_for(cancelled.wait(), 1)

    asyncio.run(main())


def test_a_delivery_error_propagates() -> None:
    deliver_without_tasks()

    async def main() -> None:
        svc = Fetching()

        async def deliver() -> None:
            raise ValueError("bad message")

        try:
            await Consumer.wait_first(svc, deliver(), svc.suspend_flow.wait())
        except ValueError as exc:
            assert str(exc) == "bad message"
        else:
            raise AssertionError("the error was swallowed")

    asyncio.run(main())
