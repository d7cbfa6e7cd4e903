"""Sending one webhook delivery (``thidua.app.webhooks.WebhookDeliveries``) over fakes of its
ports: signed, logged per attempt, never sent again once delivered or unsubscribed."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from temporalio.exceptions import ApplicationError

from activities.webhooks import WebhookActivities
from thidua.app.ports.webhooks import DeliveryTarget, SendResult
from thidua.app.webhooks import DestinationGuard, WebhookDeliveries
from thidua.domain.webhook_destinations import CheckedDestination, DestinationPolicy
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
    """A spy: records every send (a connection attempt) and answers ``answer``."""

    answer: SendResult
    sent: list[tuple[CheckedDestination, bytes, dict[str, str]]] = field(default_factory=list)

    async def send(
        self, target: CheckedDestination, body: bytes, headers: Mapping[str, str]
    ) -> SendResult:
        self.sent.append((target, body, dict(headers)))
        return self.answer


@dataclass
class StubResolver:
    """Answers from a table, never from the network; records what was asked."""

    table: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def resolve(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.table.get(host, [])


# The unit tests' receivers are on loopback over http: allowed explicitly.
LOOPBACK = DestinationPolicy(
    require_https=False, allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
)


def _deliveries(
    target: DeliveryTarget | None,
    answer: SendResult,
    resolver: StubResolver | None = None,
    policy: DestinationPolicy = LOOPBACK,
) -> tuple[WebhookDeliveries, FakeWebhookStore, FakeSender]:
    store = FakeWebhookStore(target)
    sender = FakeSender(answer)
    guard = DestinationGuard(policy, resolver or StubResolver())
    return WebhookDeliveries(FakeUow(FakeTx(store)), sender, guard), store, sender  # type: ignore[arg-type]


PENDING = DeliveryTarget(status="pending", secret="bí-mật", subscription_active=True)


class TestDeliver:
    async def test_an_accepted_delivery_is_signed_and_logged_delivered(self) -> None:
        """2xx: accepted; the body is signed with the subscription's secret; one attempt logged."""
        deliveries, store, sender = _deliveries(PENDING, SendResult(204, None))
        attempt = await deliveries.deliver(DELIVERY)
        assert (attempt.sent, attempt.accepted, attempt.status_code) == (True, True, 204)
        ((target, body, headers),) = sender.sent
        assert target.destination.url == DELIVERY.url and target.address == "127.0.0.1"
        assert body == DELIVERY.body.encode("utf-8")
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

    async def test_a_network_error_is_logged_as_generic_text_never_the_exception(self) -> None:
        """No answer at all: not accepted; whatever text a sender gives, the log says only
        ``connection failed`` (or ``timeout``): the delivery log is no port scanner."""
        raw = "ConnectError: [Errno 111] Connection refused to 10.1.2.3:7233"
        deliveries, store, _ = _deliveries(PENDING, SendResult(None, raw))
        attempt = await deliveries.deliver(DELIVERY)
        assert (attempt.accepted, attempt.error) == (False, "connection failed")
        assert store.attempts[0]["error"] == "connection failed"
        deliveries, store, _ = _deliveries(PENDING, SendResult(None, "timeout"))
        await deliveries.deliver(DELIVERY)
        assert store.attempts[0]["error"] == "timeout"

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


HOOK = Delivery(delivery_id=7, url="https://hooks.example.test/h", event_id=42, body="{}")


class TestDeliveryTimeAddressCheck:
    """The destination is checked again at every delivery, its name resolved then."""

    async def test_a_name_now_resolving_to_a_private_address_is_never_connected_to(self) -> None:
        """DNS changed after the subscription: no connection attempted (the spy sender stays
        empty), ``refused by address policy`` logged, not retried."""
        for private in ("10.0.0.7", "127.0.0.1", "169.254.169.254", "::ffff:192.168.1.1"):
            # Even mixed with a public answer: any private address refuses the delivery.
            resolver = StubResolver({"hooks.example.test": ["93.184.216.34", private]})
            deliveries, store, sender = _deliveries(
                PENDING, SendResult(200, None), resolver, DestinationPolicy()
            )
            attempt = await deliveries.deliver(HOOK)
            assert sender.sent == []
            assert resolver.asked == ["hooks.example.test"]
            assert (attempt.accepted, attempt.refused) == (False, True)
            assert store.attempts == [
                {
                    "id": 7,
                    "status_code": None,
                    "error": "refused by address policy",
                    "delivered": False,
                }
            ]

    async def test_a_public_answer_is_pinned_to_the_checked_address(self) -> None:
        """The sender is given the address that was checked, with the name for Host and SNI."""
        resolver = StubResolver({"hooks.example.test": ["93.184.216.34"]})
        deliveries, _, sender = _deliveries(
            PENDING, SendResult(204, None), resolver, DestinationPolicy()
        )
        assert (await deliveries.deliver(HOOK)).accepted
        ((target, _, _),) = sender.sent
        assert target.address == "93.184.216.34"
        assert target.destination.host_header == "hooks.example.test"

    async def test_a_name_that_no_longer_resolves_is_retried_as_connection_failed(self) -> None:
        """No answer from DNS: nothing sent, ``connection failed`` logged, retried later."""
        deliveries, store, sender = _deliveries(
            PENDING, SendResult(200, None), StubResolver(), DestinationPolicy()
        )
        attempt = await deliveries.deliver(HOOK)
        assert sender.sent == [] and (attempt.refused, attempt.error) == (
            False,
            "connection failed",
        )
        assert store.attempts[0]["error"] == "connection failed"

    async def test_the_activity_gives_up_at_once_on_a_refused_destination(self) -> None:
        """``deliver_webhook`` raises a non-retryable error: the workflow marks it failed."""
        resolver = StubResolver({"hooks.example.test": ["10.0.0.7"]})
        deliveries, _, sender = _deliveries(
            PENDING, SendResult(200, None), resolver, DestinationPolicy()
        )
        with pytest.raises(ApplicationError) as err:
            await WebhookActivities(deliveries).deliver_webhook(HOOK)
        assert err.value.non_retryable and err.value.type == "webhook_destination_refused"
        assert sender.sent == []
