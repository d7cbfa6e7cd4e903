"""Ports of the webhook use cases: the store of subscriptions and deliveries, the sender that
POSTs a delivery, and the views the API returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from thidua.domain.roles import Actor
from thidua.domain.webhook_destinations import CheckedDestination
from thidua.domain.webhooks import EVENT_TYPES


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


@dataclass(frozen=True)
class Subscription:
    id: int
    owner: str  # the subscriber's username
    url: str
    secret: str
    event_types: tuple[str, ...]
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class PlannedDelivery:
    """A delivery row: one event for one subscription (``pending``, ``delivered``, ``failed``)."""

    id: int
    status: str


@dataclass(frozen=True)
class DeliveryTarget:
    """What sending a delivery needs from the store: its state and its subscription's."""

    status: str
    secret: str
    subscription_active: bool


class WebhookStore(Protocol):
    """What the webhook use cases read and write in one transaction."""

    def add_subscription(
        self, actor: Actor, url: str, secret: str, event_types: list[str]
    ) -> Subscription:
        """A new active subscription owned by ``actor``; audited (never with the secret)."""
        ...

    def subscription(self, subscription_id: int) -> Subscription | None: ...

    def subscriptions(self, owner: str) -> list[Subscription]:
        """The subscriptions of ``owner``, by id."""
        ...

    def active_subscriptions(self) -> list[Subscription]: ...

    def count_active_subscriptions(self, owner: str) -> int:
        """How many active subscriptions ``owner`` has; serializes concurrent subscriptions of
        one owner until the transaction ends (so a cap on the count holds)."""
        ...

    def deactivate_subscription(self, subscription_id: int, actor: Actor) -> Subscription:
        """Deactivate an active subscription; audited."""
        ...

    def deliveries(self, subscription_id: int, limit: int) -> list[DeliveryView]:
        """The newest ``limit`` deliveries of a subscription, newest first."""
        ...

    # ---- planning and sending (the dispatcher's and delivery workflows' activities)
    def cursor(self) -> int:
        """The id of the last event planned (0 at first)."""
        ...

    def set_cursor(self, last_event_id: int) -> None: ...

    def delivery(self, subscription_id: int, event_id: int) -> PlannedDelivery | None: ...

    def add_delivery(
        self, subscription_id: int, event_id: int, event_type: str, payload: Mapping[str, Any]
    ) -> PlannedDelivery:
        """A new pending delivery of an event to a subscription."""
        ...

    def delivery_target(self, delivery_id: int) -> DeliveryTarget | None: ...

    def record_attempt(
        self, delivery_id: int, *, status_code: int | None, error: str | None, delivered: bool
    ) -> None:
        """Count an attempt of a delivery not yet delivered, with its outcome."""
        ...

    def mark_failed(self, delivery_id: int) -> None:
        """A pending delivery given up on."""
        ...


@dataclass(frozen=True)
class SendResult:
    """The receiver's answer (its HTTP status), or why there was none: one of ``SEND_ERRORS``
    (never an exception's text: the delivery log must not be a port scanner)."""

    status_code: int | None
    error: str | None


CONNECTION_FAILED = "connection failed"
TIMEOUT = "timeout"
REFUSED_BY_POLICY = "refused by address policy"
SEND_ERRORS = frozenset({CONNECTION_FAILED, TIMEOUT, REFUSED_BY_POLICY})


class WebhookSender(Protocol):
    """Sends one signed delivery over HTTP to the checked address only (no redirects followed):
    it connects to ``target.address``, with the URL's name as Host header and TLS server name."""

    async def send(
        self, target: CheckedDestination, body: bytes, headers: Mapping[str, str]
    ) -> SendResult: ...


class Resolver(Protocol):
    """Resolves a host name to its IP addresses (as text); ``[]`` if it does not resolve."""

    async def resolve(self, host: str) -> list[str]: ...
