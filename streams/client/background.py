"""Run the compacted-topic view (:class:`streams.wire.views.TopicView`) in a background thread.

The worker runs the view on its own event loop; a synchronous program (a
scheduler asking "may I publish?") runs the same view here, on a private event
loop in a daemon thread. The view keeps its consumer between questions and only
reads new records, so asking is a dictionary look-up.
"""

from __future__ import annotations

import asyncio
import threading
import time

from streams.wire.views import TopicView


class BackgroundView:
    """A :class:`TopicView` followed in a daemon thread until :meth:`close`.

    Args:
        view: the view to run (not yet running).
    """

    def __init__(self, view: TopicView) -> None:
        self.view = view
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()

    def start(self) -> BackgroundView:
        """Start following (once; later calls do nothing)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._main, name="firebreak-topic-view",
                                                daemon=True)
                self._thread.start()
        self._started.wait(5.0)
        return self

    def wait_caught_up(self, timeout: float) -> bool:
        """Start if needed; wait at most ``timeout`` s for the view to reach the topics' end.

        Args:
            timeout: seconds at most.

        Returns:
            Whether the view has caught up.
        """
        self.start()
        deadline = time.monotonic() + timeout
        while not self.view.caught_up.is_set():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop following and close the consumer.

        Args:
            timeout: seconds to wait for the thread.
        """
        with self._lock:
            thread, loop, task = self._thread, self._loop, self._task
            self._thread = None
        if thread is None:
            return
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._task = loop.create_task(self.view.run())
            self._started.set()
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()
