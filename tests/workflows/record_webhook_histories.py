"""Record WebhookDeliveryWorkflow and WebhookDispatchWorkflow histories, as replay fixtures.

Run from the project root: ``python -m tests.workflows.record_webhook_histories [path ...]``
(``make histories`` runs it with the other recorders). For each path it starts a worker with the
real activities over a fresh SQLite database on an in-memory embedded server, subscribes a local
receiver, submits a nomination and writes ``tests/workflows/histories/webhooks/<path>.json``:

- ``delivered``: the receiver accepts the first attempt;
- ``retried``: the receiver answers 500 twice, then 200 (the retries are one activity);
- ``given_up``: the delivery fails for good and is marked failed. Reaching that for real takes
  a day of retries, so this path runs the workflow on its own queue with a ``deliver_webhook``
  that fails non-retryably: the workflow's code path, and so its history, is the same;
- ``dispatcher``: the dispatcher after it planned the deliveries of a nomination's steps and
  started their workflows (a partial history of the running singleton, then terminated);
  recorded before ``webhook-dispatcher-wakes-on-events``, when it planned every second;
- ``dispatcher_woken``: the same since that patch: one idle safety poll (2 s here), then woken
  by the worker's signal when the nomination's steps are recorded;
- ``dispatcher_own_queue``: the same since ``webhook-deliveries-own-queue``: the delivery
  workflows started on ``<queue>-webhooks``.

``test_webhook_replay.py`` replays them against the current workflow code.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from tests.support.harness import Harness
from tests.support.waits import poll
from tests.workflows.record_histories import record_paths, run
from thidua.adapters.db.models import WebhookDeliveryRow
from thidua.app import webhooks
from thidua.app.ports.webhooks import SubscriptionRequest
from thidua.domain.webhooks import Delivery, WebhookDispatchInput
from worker import dispatcher_id, start_webhook_dispatcher
from workflows.webhooks import DISPATCHER_ID, WebhookDeliveryWorkflow, WebhookDispatchWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
PREFIX = "webhooks/"


class Receiver:
    """Answers 500 to the first ``failures`` attempts of each event, then 200."""

    def __init__(self, failures: int) -> None:
        self.attempts: Counter[str] = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                event = self.headers["X-Thidua-Event-Id"]
                receiver.attempts[event] += 1
                self.send_response(200 if receiver.attempts[event] > failures else 500)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _delivery_ids(h: Harness) -> list[int]:
    with h.db.uow.session() as session:
        return list(
            session.scalars(
                select(WebhookDeliveryRow.id)
                .where(WebhookDeliveryRow.status == "delivered")
                .order_by(WebhookDeliveryRow.id)
            )
        )


async def _deliver(h: Harness, failures: int) -> tuple[str, int]:
    """Subscribe, start the dispatcher, submit one nomination; wait until its steps are delivered."""
    receiver = Receiver(failures)
    try:
        with h.db.uow() as tx:
            webhooks.create_subscription(
                tx,
                h.actor("pipeline.ldvl"),
                SubscriptionRequest(url=receiver.url),
                rules=h.settings.webhooks.rules(),
            )
        await start_webhook_dispatcher(h.client, h.settings)
        await h.submit("NV018")
        delivered = await poll(lambda: _delivery_ids(h), lambda ids: len(ids) >= 2, within=60)
    finally:
        receiver.server.shutdown()
    dispatcher = h.settings.temporal.workflow_id_prefix + DISPATCHER_ID
    return dispatcher, delivered[0]


async def path_delivered(h: Harness) -> WorkflowHistory:
    dispatcher, delivery = await _deliver(h, failures=0)
    handle = h.client.get_workflow_handle(f"{dispatcher}-delivery-{delivery}")
    assert await handle.result() is True
    history = await handle.fetch_history()
    await h.client.get_workflow_handle(dispatcher).terminate("recorded")
    return history


async def path_retried(h: Harness) -> WorkflowHistory:
    dispatcher, delivery = await _deliver(h, failures=2)
    handle = h.client.get_workflow_handle(f"{dispatcher}-delivery-{delivery}")
    assert await handle.result() is True
    history = await handle.fetch_history()
    await h.client.get_workflow_handle(dispatcher).terminate("recorded")
    return history


async def path_dispatcher(h: Harness) -> WorkflowHistory:
    dispatcher, _ = await _deliver(h, failures=0)
    handle = h.client.get_workflow_handle(dispatcher)
    history = await handle.fetch_history()
    await handle.terminate("recorded")
    return history


async def path_dispatcher_woken(h: Harness) -> WorkflowHistory:
    """Since ``webhook-dispatcher-wakes-on-events``: idle until its safety poll, then signalled."""
    receiver = Receiver(failures=0)
    try:
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
            id=dispatcher_id(h.settings),
            task_queue=h.settings.temporal.task_queue,
        )

        async def polled_once_idle() -> bool:
            history = await handle.fetch_history()
            return any(e.event_type == EventType.EVENT_TYPE_TIMER_FIRED for e in history.events)

        await poll(polled_once_idle, bool, within=30)
        await h.submit("NV018")  # the worker signals the dispatcher as the steps are recorded
        await poll(lambda: _delivery_ids(h), lambda ids: len(ids) >= 2, within=60)
    finally:
        receiver.server.shutdown()
    history = await handle.fetch_history()
    await handle.terminate("recorded")
    return history


@activity.defn(name="deliver_webhook")
async def deliver_refused(delivery: Delivery) -> bool:
    raise ApplicationError("receiver answered 410", type="webhook_not_accepted", non_retryable=True)


@activity.defn(name="give_up_webhook")
async def give_up(delivery_id: int) -> None:
    return None


async def path_given_up(h: Harness) -> WorkflowHistory:
    queue = f"record-given-up-{uuid.uuid4().hex[:6]}"
    async with Worker(
        h.client,
        task_queue=queue,
        workflows=[WebhookDeliveryWorkflow],
        activities=[deliver_refused, give_up],
    ):
        handle = await h.client.start_workflow(
            WebhookDeliveryWorkflow.run,
            Delivery(delivery_id=1, url="http://127.0.0.1:9/hook", event_id=1, body="{}"),
            id=f"{queue}-delivery-1",
            task_queue=queue,
        )
        assert await handle.result() is False
        return await handle.fetch_history()


PATHS: dict[str, Callable[[Harness], Awaitable[WorkflowHistory]]] = {
    "delivered": path_delivered,
    "retried": path_retried,
    "given_up": path_given_up,
    "dispatcher": path_dispatcher,
    "dispatcher_woken": path_dispatcher_woken,
    "dispatcher_own_queue": path_dispatcher_woken,  # recorded since webhook-deliveries-own-queue
}


async def record(only: list[str]) -> list[Path]:
    (HISTORIES / PREFIX).mkdir(parents=True, exist_ok=True)

    async def history_of(name: str, h: Harness) -> WorkflowHistory:
        return await asyncio.wait_for(PATHS[name](h), 120)

    return await record_paths(list(PATHS), only, history_of, file_prefix=PREFIX)


if __name__ == "__main__":
    run(record)
