"""Activities of webhook delivery: plan deliveries from new events, send one signed delivery."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from thidua.app import webhooks
from thidua.domain.webhooks import Delivery
from thidua.logging import get_logger

if TYPE_CHECKING:
    from thidua.adapters.db.uow import SqlUnitOfWork

log = get_logger(__name__)
TIMEOUT = httpx.Timeout(10.0)


class WebhookActivities:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @activity.defn
    async def plan_webhook_deliveries(self) -> list[Delivery]:
        def _plan() -> list[Delivery]:
            with self._uow.session() as session:
                return webhooks.plan_deliveries(session)

        return await asyncio.to_thread(_plan)

    @activity.defn
    async def deliver_webhook(self, delivery: Delivery) -> bool:
        """POST the event, signed; a non-2xx answer or a network error is retried by Temporal."""

        def _secret() -> tuple[str, bool]:
            with self._uow.session() as session:
                return webhooks.secret_for(session, delivery.delivery_id)

        secret, pending = await asyncio.to_thread(_secret)
        if not pending:
            return False  # already delivered (a retried activity) or the subscription is off
        status: int | None = None
        error: str | None = None
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
                response = await client.post(
                    delivery.url,
                    content=delivery.body.encode("utf-8"),
                    headers=webhooks.payload_headers(delivery, secret),
                )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300

        def _record() -> None:
            with self._uow.session() as session:
                webhooks.record_attempt(
                    session,
                    delivery.delivery_id,
                    status_code=status,
                    error=error or (None if ok else f"HTTP {status}"),
                    delivered=ok,
                )

        await asyncio.to_thread(_record)
        if not ok:
            log.info(
                "webhook delivery failed, will retry", delivery=delivery.delivery_id, status=status
            )
            raise ApplicationError(
                f"receiver answered {status or error}", type="webhook_not_accepted"
            )
        return True

    @activity.defn
    async def give_up_webhook(self, delivery_id: int) -> None:
        def _fail() -> None:
            with self._uow.session() as session:
                webhooks.mark_failed(session, delivery_id)

        await asyncio.to_thread(_fail)
