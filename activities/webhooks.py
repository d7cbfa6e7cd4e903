"""Activities of webhook delivery: plan deliveries from new events, send one signed delivery,
give one up. Each is one call of ``thidua.app.webhooks.WebhookDeliveries``."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from thidua.app.webhooks import WebhookDeliveries
from thidua.domain.webhooks import Delivery
from thidua.logging import get_logger

log = get_logger(__name__)


class WebhookActivities:
    def __init__(self, deliveries: WebhookDeliveries) -> None:
        self._deliveries = deliveries

    @activity.defn
    async def plan_webhook_deliveries(self) -> list[Delivery]:
        return await self._deliveries.plan()

    @activity.defn
    async def deliver_webhook(self, delivery: Delivery) -> bool:
        """POST the event, signed; a non-2xx answer or a network error is retried by Temporal."""
        attempt = await self._deliveries.deliver(delivery)
        if not attempt.sent:
            return False  # already delivered (a retried activity) or the subscription is off
        if attempt.refused:
            raise ApplicationError(
                "destination refused by address policy",
                type="webhook_destination_refused",
                non_retryable=True,
            )
        if not attempt.accepted:
            log.info(
                "webhook delivery failed, will retry",
                delivery=delivery.delivery_id,
                status=attempt.status_code,
            )
            raise ApplicationError(
                f"receiver answered {attempt.status_code or attempt.error}",
                type="webhook_not_accepted",
            )
        return True

    @activity.defn
    async def give_up_webhook(self, delivery_id: int) -> None:
        await self._deliveries.give_up(delivery_id)
