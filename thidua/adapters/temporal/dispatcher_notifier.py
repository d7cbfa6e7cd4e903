"""Tells the webhook dispatcher that events were recorded: many notices, few signals.

Activities call ``notify()`` (from any thread, it never blocks or raises) each time they commit a
step; while ``running()``, an asyncio task sends the dispatcher's ``events_recorded`` signal at
once, then at most once per ``interval`` however many notices came meanwhile. A missing
dispatcher (not started yet, or another namespace's) is not an error; a failed signal is logged
and left to the dispatcher's safety poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from thidua.logging import get_logger
from workflows.webhooks import WebhookDispatchWorkflow

log = get_logger(__name__)

# At most one signal per this many seconds: a burst of steps wakes the dispatcher once or twice.
SIGNAL_INTERVAL = 0.3


class DispatcherNotifier:
    """Coalesces "events recorded" notices into signals to the webhook dispatcher."""

    def __init__(self, client: Client, workflow_id: str, interval: float = SIGNAL_INTERVAL) -> None:
        self._client = client
        self._workflow_id = workflow_id
        self._interval = interval
        self._lock = threading.Lock()
        self._pending = False  # a notice not yet covered by a signal
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Ask for a signal soon. Thread-safe; cheap when a signal is already on its way."""
        with self._lock:
            if self._pending:
                return
            self._pending = True
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody to tell
                loop.call_soon_threadsafe(self._wake.set)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Send signals for the duration of the block (the worker's run), then stop cleanly."""
        with self._lock:
            self._loop = asyncio.get_running_loop()
            if self._pending:  # notified before the start
                self._wake.set()
        task = asyncio.create_task(self._run(), name="webhook-dispatcher-notifier")
        try:
            yield
        finally:
            with self._lock:
                self._loop = None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            with self._lock:
                self._pending = False
            await self._signal()
            await asyncio.sleep(self._interval)

    async def _signal(self) -> None:
        handle = self._client.get_workflow_handle(self._workflow_id)
        try:
            await handle.signal(WebhookDispatchWorkflow.events_recorded)
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                log.debug("no webhook dispatcher to signal", workflow_id=self._workflow_id)
            else:
                log.warning("webhook dispatcher not signalled", error=str(err))
            return
        except Exception as err:  # never let the notifier die: the safety poll still runs
            log.warning("webhook dispatcher not signalled", error=repr(err))
