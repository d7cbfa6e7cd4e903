"""Webhook subscriptions and their delivery log.

Events are the nomination steps of the polling feed (``thidua.app.events``). The dispatcher
turns each new event into one delivery row per matching subscription (unique per subscription
and event, so a retried dispatch never doubles a delivery); a Temporal workflow per delivery then
sends it, signed, until the receiver accepts it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    UserRow,
    WebhookCursorRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from thidua.app.auth import actor_for_user
from thidua.app.events import events_after
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.webhooks import Delivery

EVENT_TYPES = ("nomination.stage_changed", "nomination.decided", "nomination.updated")
SIGNATURE_HEADER = "X-Thidua-Signature"
SUBSCRIBERS = frozenset(
    {Role.PIPELINE, Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.OFFICE, Role.DIRECTOR, Role.AUDITOR}
)


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, description="http(s) URL nhận sự kiện")
    events: list[str] = Field(
        default_factory=lambda: list(EVENT_TYPES), min_length=1, max_length=10
    )


class SubscriptionView(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    secret: str | None = Field(default=None, description="Chỉ trả về một lần, khi tạo")


class DeliveryView(BaseModel):
    id: int
    event_id: int
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _view(row: WebhookSubscriptionRow, secret: str | None = None) -> SubscriptionView:
    return SubscriptionView(
        id=row.id,
        url=row.url,
        events=list(row.event_types),
        active=row.active,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
        secret=secret,
    )


def create_subscription(
    session: Session, actor: Actor, body: SubscriptionRequest
) -> SubscriptionView:
    if actor.role not in SUBSCRIBERS:
        raise Refusal(RefusalCode.FORBIDDEN, "Vai trò này không đăng ký webhook.")
    parsed = urlparse(body.url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Refusal(RefusalCode.INVALID, "url: phải là địa chỉ http:// hoặc https:// đầy đủ.")
    unknown = sorted(set(body.events) - set(EVENT_TYPES))
    if unknown:
        raise Refusal(
            RefusalCode.INVALID,
            f"events: không có loại sự kiện {', '.join(unknown)}; các loại: {', '.join(EVENT_TYPES)}.",
        )
    secret = secrets.token_urlsafe(32)
    row = WebhookSubscriptionRow(
        owner=actor.username,
        url=body.url,
        secret=secret,
        event_types=sorted(set(body.events)),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="webhook.subscription_created",
        object_type="webhook",
        object_id=str(row.id),
        actor=actor.username,
        actor_role=actor.role.value,
        after={"url": row.url, "events": row.event_types},  # never the secret
    )
    return _view(row, secret)


def _own(session: Session, actor: Actor, subscription_id: int) -> WebhookSubscriptionRow:
    row = session.get(WebhookSubscriptionRow, subscription_id)
    if row is None or row.owner != actor.username:
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy đăng ký webhook.")
    return row


def list_subscriptions(session: Session, actor: Actor) -> list[SubscriptionView]:
    rows = session.scalars(
        select(WebhookSubscriptionRow)
        .where(WebhookSubscriptionRow.owner == actor.username)
        .order_by(WebhookSubscriptionRow.id)
    )
    return [_view(r) for r in rows]


def deactivate_subscription(
    session: Session, actor: Actor, subscription_id: int
) -> SubscriptionView:
    row = _own(session, actor, subscription_id)
    if row.active:
        row.active = False
        session.flush()
        audit.record(
            session,
            action="webhook.subscription_deactivated",
            object_type="webhook",
            object_id=str(row.id),
            actor=actor.username,
            actor_role=actor.role.value,
            before={"active": True},
            after={"active": False},
        )
    return _view(row)


def delivery_log(
    session: Session, actor: Actor, subscription_id: int, limit: int = 200
) -> list[DeliveryView]:
    row = _own(session, actor, subscription_id)
    deliveries = session.scalars(
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.subscription_id == row.id)
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
        for d in deliveries
    ]


# ---- dispatching and delivering (called by activities) -----------------------------------


def plan_deliveries(session: Session, limit: int = 200) -> list[Delivery]:
    """Turn events after the cursor into delivery rows (one per matching subscription)."""
    cursor = session.get(WebhookCursorRow, 1)
    if cursor is None:
        cursor = WebhookCursorRow(id=1, last_event_id=0)
        session.add(cursor)
        session.flush()
    subscriptions = session.scalars(
        select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active.is_(True))
    ).all()
    planned: list[Delivery] = []
    last = cursor.last_event_id
    owners: dict[str, Actor] = {}
    for sub in subscriptions:
        if sub.owner not in owners:
            user = session.scalars(
                select(UserRow).where(UserRow.username == sub.owner)
            ).one_or_none()
            if user is None or not user.active:
                continue
            owners[sub.owner] = actor_for_user(session, user)
    newest = last
    full_page_ends: list[int] = []
    for sub in subscriptions:
        actor = owners.get(sub.owner)
        if actor is None:
            continue
        page = events_after(session, actor, last, limit)
        if len(page.items) == limit:
            full_page_ends.append(page.items[-1].id)  # more to read next time
        for event in page.items:
            newest = max(newest, event.id)
            if event.type not in sub.event_types:
                continue
            exists = session.scalars(
                select(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.subscription_id == sub.id,
                    WebhookDeliveryRow.event_id == event.id,
                )
            ).first()
            payload = event.model_dump(mode="json")
            if exists is None:
                exists = WebhookDeliveryRow(
                    subscription_id=sub.id,
                    event_id=event.id,
                    event_type=event.type,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    created_at=datetime.now(UTC),
                )
                session.add(exists)
                session.flush()
            if exists.status == "pending":
                planned.append(
                    Delivery(
                        delivery_id=exists.id,
                        url=sub.url,
                        event_id=event.id,
                        body=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                    )
                )
    if not subscriptions:
        # Nothing to deliver to: move the cursor to the newest event, so a new subscription
        # receives events from its creation on.
        page = events_after(session, Actor(username="-", role=Role.AUDITOR), last, limit)
        newest = page.items[-1].id if page.items else last
    # Never move past an event some subscription has not read yet (its page was full).
    cursor.last_event_id = min([newest, *full_page_ends])
    return planned


def secret_for(session: Session, delivery_id: int) -> tuple[str, bool]:
    """The subscription's signing secret and whether the delivery is still pending."""
    delivery = session.get(WebhookDeliveryRow, delivery_id)
    if delivery is None:
        return "", False
    sub = session.get(WebhookSubscriptionRow, delivery.subscription_id)
    return (sub.secret if sub else ""), delivery.status == "pending" and bool(sub and sub.active)


def record_attempt(
    session: Session,
    delivery_id: int,
    *,
    status_code: int | None,
    error: str | None,
    delivered: bool,
) -> None:
    delivery = session.get(WebhookDeliveryRow, delivery_id)
    if delivery is None or delivery.status == "delivered":
        return
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:1000] if error else None
    if delivered:
        delivery.status = "delivered"
        delivery.delivered_at = datetime.now(UTC)


def mark_failed(session: Session, delivery_id: int) -> None:
    delivery = session.get(WebhookDeliveryRow, delivery_id)
    if delivery is not None and delivery.status == "pending":
        delivery.status = "failed"


def payload_headers(delivery: Delivery, secret: str) -> dict[str, Any]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Thidua-Event-Id": str(delivery.event_id),
        "X-Thidua-Delivery-Id": str(delivery.delivery_id),
        SIGNATURE_HEADER: sign(secret, delivery.body.encode("utf-8")),
    }
