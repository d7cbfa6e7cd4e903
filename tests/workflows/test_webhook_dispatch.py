"""The webhook dispatcher on the real server: idle when nothing happens, prompt when a step is recorded."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from tests.support.harness import Harness
from tests.support.waits import poll
from thidua.adapters.db.models import WebhookDeliveryRow
from thidua.adapters.temporal.dispatcher_notifier import DispatcherNotifier
from thidua.app import webhooks
from thidua.app.ports.webhooks import SubscriptionRequest
from thidua.domain.webhooks import WebhookDispatchInput
from worker import dispatcher_id, start_webhook_dispatcher
from workflows.webhooks import WebhookDispatchWorkflow

SAFETY_POLL = WebhookDispatchInput().safety_poll


class Receiver:
    """Accepts every delivery on 127.0.0.1 and remembers when each event arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrived.setdefault(self.headers["X-Thidua-Event-Id"], time.monotonic())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def count(history: WorkflowHistory, event_type: EventType.ValueType) -> int:
    return sum(1 for e in history.events if e.event_type == event_type)


def plans(history: WorkflowHistory) -> int:
    return sum(
        1
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name
        == "plan_webhook_deliveries"
    )


async def dispatcher_history(h: Harness) -> WorkflowHistory:
    return await h.client.get_workflow_handle(dispatcher_id(h.settings)).fetch_history()


async def idle_dispatcher(h: Harness) -> None:
    """Start the dispatcher and wait until its first plan is done (it then waits)."""
    await start_webhook_dispatcher(h.client, h.settings)

    async def first_plan_done() -> bool:
        history = await dispatcher_history(h)
        return count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) >= 1

    await poll(first_plan_done, bool)


class TestDispatcherWakesOnEvents:
    """The dispatcher plans when told of new steps, and otherwise only at the safety poll."""

    async def test_an_idle_dispatcher_does_not_poll_every_second(self, h: Harness) -> None:
        """Five idle seconds: the dispatcher planned once or twice, not once per second."""
        await idle_dispatcher(h)
        await asyncio.sleep(5)

        history = await dispatcher_history(h)
        assert 1 <= plans(history) <= 2
        assert SAFETY_POLL.total_seconds() >= 30

    async def test_a_recorded_step_is_delivered_well_before_the_safety_poll(
        self, h: Harness, receiver: Receiver
    ) -> None:
        """Submitting signals the dispatcher: the steps reach the receiver within seconds."""
        with h.db.uow() as tx:
            webhooks.create_subscription(
                tx,
                h.actor("pipeline.ldvl"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        await idle_dispatcher(h)

        started = time.monotonic()
        await h.submit("NV018")

        def delivered() -> list[int]:
            with h.db.uow.session() as session:
                return list(
                    session.scalars(
                        select(WebhookDeliveryRow.event_id).where(
                            WebhookDeliveryRow.status == "delivered"
                        )
                    )
                )

        await poll(delivered, lambda ids: len(ids) == 2, within=10)
        assert len(receiver.arrived) == 2
        assert max(receiver.arrived.values()) - started < SAFETY_POLL.total_seconds() / 6
        history = await dispatcher_history(h)
        assert count(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) >= 1
        assert count(history, EventType.EVENT_TYPE_TIMER_FIRED) == 0  # no safety poll was due

    async def test_a_dispatcher_nobody_signals_still_delivers_at_its_safety_poll(
        self, h: Harness, receiver: Receiver
    ) -> None:
        """A dispatcher the worker does not signal (another id) plans at its safety poll."""
        with h.db.uow() as tx:
            webhooks.create_subscription(
                tx,
                h.actor("pipeline.ldvl"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        handle = await h.client.start_workflow(
            WebhookDispatchWorkflow.run,
            WebhookDispatchInput(safety_poll=timedelta(seconds=2)),
            id=f"{h.settings.temporal.workflow_id_prefix}unsignalled-dispatcher",
            task_queue=h.settings.temporal.task_queue,
        )

        async def waiting_for_its_poll() -> bool:
            # Its first plan (at start) is done and found nothing: the steps come after it.
            history = await handle.fetch_history()
            return count(history, EventType.EVENT_TYPE_TIMER_STARTED) >= 1

        await poll(waiting_for_its_poll, bool)
        await h.submit("NV018")

        await poll(lambda: len(receiver.arrived), lambda n: n == 2, within=15)
        history = await handle.fetch_history()
        await handle.terminate("test done")
        assert count(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) == 0
        assert count(history, EventType.EVENT_TYPE_TIMER_FIRED) >= 1


class TestDispatcherNotifier:
    """Notices from many threads become few signals; a missing dispatcher is no error."""

    async def test_a_burst_of_notices_from_threads_sends_a_few_signals(self, h: Harness) -> None:
        """2,000 notices from four threads within ~1 s: a handful of signals, the last after them."""
        await idle_dispatcher(h)
        notifier = DispatcherNotifier(h.client, dispatcher_id(h.settings), interval=0.3)

        def burst() -> None:
            for _ in range(500):
                notifier.notify()
                time.sleep(0.002)

        async with notifier.running():
            threads = [threading.Thread(target=burst) for _ in range(4)]
            for t in threads:
                t.start()
            await asyncio.to_thread(lambda: [t.join() for t in threads])
            await asyncio.sleep(0.6)  # the coalesced tail signal

        history = await dispatcher_history(h)
        signals = count(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        assert 2 <= signals <= 10, signals

    async def test_notices_before_the_dispatcher_exists_do_not_stop_the_notifier(
        self, h: Harness
    ) -> None:
        """No dispatcher yet: "not found" is ignored and later notices still signal it."""
        notifier = DispatcherNotifier(h.client, dispatcher_id(h.settings), interval=0.05)
        async with notifier.running():
            for _ in range(3):
                notifier.notify()
                await asyncio.sleep(0.1)
            await idle_dispatcher(h)
            notifier.notify()

            async def signalled() -> int:
                history = await dispatcher_history(h)
                return count(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)

            await poll(signalled, lambda n: n == 1, within=5)
        notifier.notify()  # stopped: a no-op, no error
