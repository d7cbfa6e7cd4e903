"""Sending one webhook delivery (``thidua.app.webhooks.WebhookDeliveries``) over fakes of its
ports: signed, logged per attempt, never sent again once delivered or unsubscribed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from thidua.app.ports.webhooks import DeliveryTarget, SendResult
from thidua.app.webhooks import WebhookDeliveries
from thidua.domain.webhooks import SIGNATURE_HEADER, Delivery

T = TypeVar("T")
DELIVERY = Delivery(delivery_id=7, url="http://127.0.0.1:9/hook", event_id=42, body='{"a":"đ"}')


@dataclass
class FakeWebhookStore:
    target: DeliveryTarget | None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def delivery_target(self, delivery_id: int) -> DeliveryTarget | None:
        return self.target

    def record_attempt(self, delivery_id: int, **outcome: Any) -> None:
        self.attempts.append({"id": delivery_id, **outcome})

    def mark_failed(self, delivery_id: int) -> None:
        self.failed.append(delivery_id)


@dataclass
class FakeTx:
    webhooks: FakeWebhookStore


@dataclass
class FakeUow:
    tx: FakeTx
    transactions: int = 0

    async def run(self, fn: Callable[[Any], T]) -> T:
        self.transactions += 1
        return fn(self.tx)


@dataclass
class FakeSender:
    answer: SendResult
    sent: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        self.sent.append((url, body, dict(headers)))
        return self.answer


def _deliveries(
    target: DeliveryTarget | None, answer: SendResult
) -> tuple[WebhookDeliveries, FakeWebhookStore, FakeSender]:
    store = FakeWebhookStore(target)
    sender = FakeSender(answer)
    return WebhookDeliveries(FakeUow(FakeTx(store)), sender), store, sender  # type: ignore[arg-type]


PENDING = DeliveryTarget(status="pending", secret="bí-mật", subscription_active=True)


class TestDeliver:
    async def test_an_accepted_delivery_is_signed_and_logged_delivered(self) -> None:
        """2xx: accepted; the body is signed with the subscription's secret; one attempt logged."""
        deliveries, store, sender = _deliveries(PENDING, SendResult(204, None))
        attempt = await deliveries.deliver(DELIVERY)
        assert (attempt.sent, attempt.accepted, attempt.status_code) == (True, True, 204)
        ((url, body, headers),) = sender.sent
        assert url == DELIVERY.url and body == DELIVERY.body.encode("utf-8")
        mac = hmac.new("bí-mật".encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"sha256={mac}"
        assert (headers["X-Thidua-Event-Id"], headers["X-Thidua-Delivery-Id"]) == ("42", "7")
        assert store.attempts == [{"id": 7, "status_code": 204, "error": None, "delivered": True}]

    async def test_a_refused_delivery_is_logged_with_the_status(self) -> None:
        """A 500: not accepted (the activity lets Temporal retry); logged as ``HTTP 500``."""
        deliveries, store, _ = _deliveries(PENDING, SendResult(500, None))
        attempt = await deliveries.deliver(DELIVERY)
        assert (attempt.sent, attempt.accepted, attempt.status_code) == (True, False, 500)
        assert store.attempts == [
            {"id": 7, "status_code": 500, "error": "HTTP 500", "delivered": False}
        ]

    async def test_a_network_error_is_logged_with_its_text(self) -> None:
        """No answer at all: not accepted, the error recorded as the sender gave it."""
        deliveries, store, _ = _deliveries(PENDING, SendResult(None, "ConnectError: refused"))
        attempt = await deliveries.deliver(DELIVERY)
        assert (attempt.accepted, attempt.error) == (False, "ConnectError: refused")
        assert store.attempts[0]["error"] == "ConnectError: refused"

    async def test_nothing_is_sent_once_delivered_or_unsubscribed(self) -> None:
        """A retried activity after success, a deactivated subscription, a missing delivery."""
        for target in (
            DeliveryTarget(status="delivered", secret="s", subscription_active=True),
            DeliveryTarget(status="pending", secret="s", subscription_active=False),
            None,
        ):
            deliveries, store, sender = _deliveries(target, SendResult(200, None))
            assert (await deliveries.deliver(DELIVERY)).sent is False
            assert sender.sent == [] and store.attempts == []

    async def test_giving_up_marks_the_delivery_failed(self) -> None:
        """The delivery workflow's last step."""
        deliveries, store, _ = _deliveries(PENDING, SendResult(200, None))
        await deliveries.give_up(7)
        assert store.failed == [7]
