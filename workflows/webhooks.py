"""Webhook delivery: a dispatcher plans deliveries of new events, one workflow per delivery sends it.

The dispatcher is a singleton. The worker signals it (``events_recorded``) when steps, the events,
are committed, so it plans at once; a slow safety poll covers a signal that never came (a worker
that died between the commit and the signal, the server briefly unreachable).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import WebhookActivities
    from thidua.domain.webhook_destinations import delivery_task_queue
    from thidua.domain.webhooks import Delivery, WebhookDispatchInput

DISPATCHER_ID = "webhook-dispatcher"
# The loop of runs started before WAKE_ON_EVENTS: plan every second.
POLL_EVERY = timedelta(seconds=1)
ITERATIONS_PER_RUN = 500
# workflow.patched id (asked once per run): plan when signalled, else at the safety poll.
WAKE_ON_EVENTS = "webhook-dispatcher-wakes-on-events"
# workflow.patched id: delivery workflows start on their own task queue (``<queue>-webhooks``),
# served by their own worker; before it they ran on the dispatcher's queue.
DELIVERIES_OWN_QUEUE = "webhook-deliveries-own-queue"
# Retries with backoff for about a day, then the delivery is marked failed in the log.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=60,
)


@workflow.defn
class WebhookDeliveryWorkflow:
    """Sends one event to one subscriber, at least once, until the receiver accepts it."""

    @workflow.run
    async def run(self, delivery: Delivery) -> bool:
        try:
            return await workflow.execute_activity_method(
                WebhookActivities.deliver_webhook,
                delivery,
                start_to_close_timeout=timedelta(seconds=30),
                schedule_to_close_timeout=timedelta(days=1),
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError:
            await workflow.execute_activity_method(
                WebhookActivities.give_up_webhook,
                delivery.delivery_id,
                start_to_close_timeout=timedelta(seconds=30),
            )
            return False


@workflow.defn
class WebhookDispatchWorkflow:
    """Singleton: plans deliveries for new events and starts their workflows.

    Plans when signalled that events were recorded, again at once while a plan finds deliveries
    (a plan reads at most a page of events per subscription), and otherwise every
    ``input.safety_poll``. Continues as new (with the same input) after ``ITERATIONS_PER_RUN``
    plans or when the server suggests it.
    """

    def __init__(self) -> None:
        self._events_recorded = False
        self._delivery_queue: str | None = None  # None: the dispatcher's own queue

    @workflow.signal
    def events_recorded(self) -> None:
        """New events were committed: plan now."""
        self._events_recorded = True

    @workflow.run
    async def run(self, input: WebhookDispatchInput | None = None) -> None:
        if workflow.patched(WAKE_ON_EVENTS):
            # Asked once per run, at its start (the SDK memoizes it per run).
            if workflow.patched(DELIVERIES_OWN_QUEUE):
                self._delivery_queue = delivery_task_queue(workflow.info().task_queue)
            await self._plan_when_told(input or WebhookDispatchInput())
            workflow.continue_as_new(args=[input] if input else [])
        else:
            await self._plan_every_second()
            workflow.continue_as_new()

    async def _plan_when_told(self, input: WebhookDispatchInput) -> None:
        for _ in range(ITERATIONS_PER_RUN):
            self._events_recorded = False  # a signal during the plan means: plan again
            found = await self._plan()
            if workflow.info().is_continue_as_new_suggested():
                return
            if found:
                continue
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._events_recorded, timeout=input.safety_poll
                )

    async def _plan_every_second(self) -> None:
        """The loop of runs started before WAKE_ON_EVENTS (kept so they replay)."""
        for _ in range(ITERATIONS_PER_RUN):
            await self._plan()
            await workflow.sleep(POLL_EVERY)

    async def _plan(self) -> int:
        """Plan the deliveries of new events and start their workflows; how many were planned."""
        # Annotated: inferred from the method alone, mypy (2.4) mis-caches the no-argument
        # method protocol and later infers Never for `get_workflow_handle_for(X.run)` elsewhere.
        deliveries: list[Delivery] = await workflow.execute_activity_method(
            WebhookActivities.plan_webhook_deliveries,
            start_to_close_timeout=timedelta(seconds=60),
        )
        for delivery in deliveries:
            # Planned again before it finished: the running one will deliver it.
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await workflow.start_child_workflow(
                    WebhookDeliveryWorkflow.run,
                    delivery,
                    id=f"{workflow.info().workflow_id}-delivery-{delivery.delivery_id}",
                    task_queue=self._delivery_queue,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
        return len(deliveries)
