"""The webhooks store over SQLAlchemy: subscriptions, the delivery log and the planning cursor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    UserRow,
    WebhookCursorRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from thidua.app.ports.webhooks import DeliveryTarget, DeliveryView, PlannedDelivery, Subscription
from thidua.domain.roles import Actor


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        owner=row.owner,
        url=row.url,
        secret=row.secret,
        event_types=tuple(row.event_types),
        active=row.active,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
    )


class SqlWebhookStore:
    """Implements ``thidua.app.ports.webhooks.WebhookStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- subscriptions -------------------------------------------------------------------

    def add_subscription(
        self, actor: Actor, url: str, secret: str, event_types: list[str]
    ) -> Subscription:
        row = WebhookSubscriptionRow(
            owner=actor.username,
            url=url,
            secret=secret,
            event_types=event_types,
            active=True,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        audit.record(
            self.session,
            action="webhook.subscription_created",
            object_type="webhook",
            object_id=str(row.id),
            actor=actor.username,
            actor_role=actor.role.value,
            after={"url": row.url, "events": row.event_types},  # never the secret
        )
        return _subscription(row)

    def subscription(self, subscription_id: int) -> Subscription | None:
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        return None if row is None else _subscription(row)

    def subscriptions(self, owner: str) -> list[Subscription]:
        rows = self.session.scalars(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.owner == owner)
            .order_by(WebhookSubscriptionRow.id)
        )
        return [_subscription(r) for r in rows]

    def active_subscriptions(self) -> list[Subscription]:
        rows = self.session.scalars(
            select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active.is_(True))
        )
        return [_subscription(r) for r in rows]

    def count_active_subscriptions(self, owner: str) -> int:
        # The owner's user row locked (PostgreSQL; SQLite serializes writers anyway): concurrent
        # subscriptions of one account count one after the other.
        self.session.execute(select(UserRow.id).where(UserRow.username == owner).with_for_update())
        return (
            self.session.scalar(
                select(func.count())
                .select_from(WebhookSubscriptionRow)
                .where(
                    WebhookSubscriptionRow.owner == owner, WebhookSubscriptionRow.active.is_(True)
                )
            )
            or 0
        )

    def deactivate_subscription(self, subscription_id: int, actor: Actor) -> Subscription:
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        assert row is not None
        row.active = False
        self.session.flush()
        audit.record(
            self.session,
            action="webhook.subscription_deactivated",
            object_type="webhook",
            object_id=str(row.id),
            actor=actor.username,
            actor_role=actor.role.value,
            before={"active": True},
            after={"active": False},
        )
        return _subscription(row)

    def deliveries(self, subscription_id: int, limit: int) -> list[DeliveryView]:
        rows = self.session.scalars(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit)
        )
        return [
            DeliveryView(
                id=d.id,
                event_id=d.event_id,
                event_type=d.event_type,
                status=d.status,
                attempts=d.attempts,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                delivered_at=d.delivered_at,
            )
            for d in rows
        ]

    # ---- planning and sending ------------------------------------------------------------

    def _cursor_row(self) -> WebhookCursorRow:
        cursor = self.session.get(WebhookCursorRow, 1)
        if cursor is None:
            cursor = WebhookCursorRow(id=1, last_event_id=0)
            self.session.add(cursor)
            self.session.flush()
        return cursor

    def cursor(self) -> int:
        return self._cursor_row().last_event_id

    def set_cursor(self, last_event_id: int) -> None:
        self._cursor_row().last_event_id = last_event_id

    def delivery(self, subscription_id: int, event_id: int) -> PlannedDelivery | None:
        row = self.session.scalars(
            select(WebhookDeliveryRow).where(
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.event_id == event_id,
            )
        ).first()
        return None if row is None else PlannedDelivery(row.id, row.status)

    def add_delivery(
        self, subscription_id: int, event_id: int, event_type: str, payload: Mapping[str, Any]
    ) -> PlannedDelivery:
        row = WebhookDeliveryRow(
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=event_type,
            payload=dict(payload),
            status="pending",
            attempts=0,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return PlannedDelivery(row.id, row.status)

    def delivery_target(self, delivery_id: int) -> DeliveryTarget | None:
        delivery = self.session.get(WebhookDeliveryRow, delivery_id)
        if delivery is None:
            return None
        sub = self.session.get(WebhookSubscriptionRow, delivery.subscription_id)
        return DeliveryTarget(
            status=delivery.status,
            secret=sub.secret if sub else "",
            subscription_active=bool(sub and sub.active),
        )

    def record_attempt(
        self, delivery_id: int, *, status_code: int | None, error: str | None, delivered: bool
    ) -> None:
        delivery = self.session.get(WebhookDeliveryRow, delivery_id)
        if delivery is None or delivery.status == "delivered":
            return
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error[:1000] if error else None
        if delivered:
            delivery.status = "delivered"
            delivery.delivered_at = datetime.now(UTC)

    def mark_failed(self, delivery_id: int) -> None:
        delivery = self.session.get(WebhookDeliveryRow, delivery_id)
        if delivery is not None and delivery.status == "pending":
            delivery.status = "failed"
