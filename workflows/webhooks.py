"""Webhook delivery: a dispatcher reads new events, one workflow per delivery retries until accepted."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import WebhookActivities
    from thidua.app.webhooks import Delivery

DISPATCHER_ID = "webhook-dispatcher"
POLL_EVERY = timedelta(seconds=1)
ITERATIONS_PER_RUN = 500
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
    """Singleton: every second, plans deliveries for new events and starts their workflows."""

    @workflow.run
    async def run(self) -> None:
        for _ in range(ITERATIONS_PER_RUN):
            deliveries = await workflow.execute_activity_method(
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
                        parent_close_policy=ParentClosePolicy.ABANDON,
                    )
            await workflow.sleep(POLL_EVERY)
        workflow.continue_as_new()
