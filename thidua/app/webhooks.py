"""Webhook subscriptions, their delivery log, and delivering events to them.

Events are the nomination steps of the polling feed. The dispatcher's plan turns each new event
into one delivery per matching subscription (unique per subscription and event, so a retried
plan never doubles a delivery); a Temporal workflow per delivery then sends it, signed, until
the receiver accepts it (``WebhookDeliveries``, through the ``WebhookSender`` port). Each
subscriber receives only the events it may read (``policy.visible_units`` of its account), and
who may subscribe is ``policy.check_subscribe``.

Against SSRF, a destination is checked (``thidua.domain.webhook_destinations``) when subscribing
and again before every delivery, which is then pinned to the checked address; the delivery log
only ever holds generic errors. An account has at most ``max_active_per_account`` active
subscriptions.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.app.ports.webhooks import (
    CONNECTION_FAILED,
    REFUSED_BY_POLICY,
    SEND_ERRORS,
    DeliveryView,
    Resolver,
    Subscription,
    SubscriptionRequest,
    SubscriptionView,
    WebhookSender,
)
from thidua.domain import policy
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.webhook_destinations import (
    CheckedDestination,
    DestinationPolicy,
    DestinationRefused,
    RefusedBecause,
    SubscriptionRules,
    check_addresses,
    parse_destination,
)
from thidua.domain.webhooks import EVENT_TYPES, Delivery, delivery_headers

PLAN_LIMIT = 200  # events read per subscription and plan


def _view(sub: Subscription, secret: str | None = None) -> SubscriptionView:
    return SubscriptionView(
        id=sub.id,
        url=sub.url,
        events=list(sub.event_types),
        active=sub.active,
        created_at=sub.created_at,
        secret=secret,
    )


# ---- subscriptions (the API) -----------------------------------------------------------------


def url_refusal(refused: DestinationRefused) -> Refusal:
    """The refusal a subscriber sees: which rule, never what a name resolved to."""
    if refused.because is RefusedBecause.URL:
        message = "url: phải là địa chỉ http:// hoặc https:// đầy đủ."
        problem = None
    elif refused.because is RefusedBecause.HTTPS_REQUIRED:
        message = "url: phải là địa chỉ https://."
        problem = "webhook_https_required"
    else:
        message = (
            "url: đích không được phép (địa chỉ nội bộ, dành riêng hoặc dịch vụ metadata), "
            "hoặc tên không phân giải được."
        )
        problem = "webhook_destination_refused"
    return Refusal(RefusalCode.INVALID, message, field="url", problem=problem)


def check_request(actor: Actor, body: SubscriptionRequest, rules: SubscriptionRules) -> None:
    """What needs no database nor lookup: the role, the URL (literal addresses included), the
    event types."""
    policy.check_subscribe(actor)
    try:
        parse_destination(body.url, rules.policy)
    except DestinationRefused as refused:
        raise url_refusal(refused) from None
    unknown = sorted(set(body.events) - set(EVENT_TYPES))
    if unknown:
        raise Refusal(
            RefusalCode.INVALID,
            f"events: không có loại sự kiện {', '.join(unknown)}; các loại: {', '.join(EVENT_TYPES)}.",
            field="events",
        )


def create_subscription(
    tx: Tx, actor: Actor, body: SubscriptionRequest, *, rules: SubscriptionRules
) -> SubscriptionView:
    """Subscribe ``actor``; the signing secret is in the answer, this once only.

    Checks everything but name resolution (``WebhookSubscriptions.subscribe`` resolves the name
    first): an IP literal outside the policy, or one subscription more than the cap, is refused.
    """
    check_request(actor, body, rules)
    active = tx.webhooks.count_active_subscriptions(actor.username)
    if active >= rules.max_active_per_account:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"url: tài khoản đã có {active} đăng ký webhook đang hoạt động, tối đa "
            f"{rules.max_active_per_account}; hãy tắt một đăng ký trước khi thêm.",
            field="url",
            problem="webhook_subscription_limit",
        )
    secret = secrets.token_urlsafe(32)
    sub = tx.webhooks.add_subscription(actor, body.url, secret, sorted(set(body.events)))
    return _view(sub, secret)


def _own(tx: Tx, actor: Actor, subscription_id: int) -> Subscription:
    sub = tx.webhooks.subscription(subscription_id)
    if sub is None or sub.owner != actor.username:
        raise Refusal(RefusalCode.NOT_FOUND, "Không tìm thấy đăng ký webhook.")
    return sub


def list_subscriptions(tx: Tx, actor: Actor) -> list[SubscriptionView]:
    return [_view(s) for s in tx.webhooks.subscriptions(actor.username)]


def deactivate_subscription(tx: Tx, actor: Actor, subscription_id: int) -> SubscriptionView:
    sub = _own(tx, actor, subscription_id)
    if sub.active:
        sub = tx.webhooks.deactivate_subscription(sub.id, actor)
    return _view(sub)


def delivery_log(
    tx: Tx, actor: Actor, subscription_id: int, limit: int = 200
) -> list[DeliveryView]:
    """A subscription's deliveries, newest first: each event, its attempts, the last answer."""
    return tx.webhooks.deliveries(_own(tx, actor, subscription_id).id, limit)


class DestinationGuard:
    """Checks a webhook URL against the address policy, resolving its name (``Resolver``)."""

    def __init__(self, policy: DestinationPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self._resolver = resolver

    async def check(self, url: str) -> CheckedDestination:
        """The destination pinned to a checked address; ``DestinationRefused`` otherwise."""
        destination = parse_destination(url, self.policy)
        if destination.address is not None:
            return CheckedDestination(destination, str(destination.address))
        addresses = await self._resolver.resolve(destination.host)
        return check_addresses(destination, addresses, self.policy)


class WebhookSubscriptions:
    """Subscribing through the API: the URL's name resolved and checked, then the transaction."""

    def __init__(self, uow: UnitOfWork, guard: DestinationGuard, rules: SubscriptionRules) -> None:
        self._uow = uow
        self._guard = guard
        self._rules = rules

    async def subscribe(self, actor: Actor, body: SubscriptionRequest) -> SubscriptionView:
        check_request(
            actor, body, self._rules
        )  # before any lookup: a refused role resolves nothing
        try:
            await self._guard.check(body.url)
        except DestinationRefused as refused:
            raise url_refusal(refused) from None
        return await self._uow.run(
            lambda tx: create_subscription(tx, actor, body, rules=self._rules)
        )


# ---- planning deliveries (the dispatcher) ----------------------------------------------------


def plan_deliveries(tx: Tx, limit: int = PLAN_LIMIT) -> list[Delivery]:
    """Turn events after the cursor into deliveries (one per matching subscription); return
    every pending delivery of those events."""
    last = tx.webhooks.cursor()
    subscriptions = tx.webhooks.active_subscriptions()
    owners: dict[str, Actor] = {}
    for sub in subscriptions:
        if sub.owner not in owners:
            account = tx.accounts.account(sub.owner)
            if account is None or not account.active:
                continue
            owners[sub.owner] = account.actor()
    planned: list[Delivery] = []
    newest = last
    full_page_ends: list[int] = []
    for sub in subscriptions:
        actor = owners.get(sub.owner)
        if actor is None:
            continue
        page = tx.nominations.events_after(policy.visible_units(actor), last, limit)
        if len(page.items) == limit:
            full_page_ends.append(page.items[-1].id)  # more to read next time
        for event in page.items:
            newest = max(newest, event.id)
            if event.type not in sub.event_types:
                continue
            payload = event.model_dump(mode="json")
            delivery = tx.webhooks.delivery(sub.id, event.id) or tx.webhooks.add_delivery(
                sub.id, event.id, event.type, payload
            )
            if delivery.status == "pending":
                planned.append(
                    Delivery(
                        delivery_id=delivery.id,
                        url=sub.url,
                        event_id=event.id,
                        body=json.dumps(payload, ensure_ascii=False, sort_keys=True),
                    )
                )
    if not subscriptions:
        # Nothing to deliver to: move the cursor to the newest event, so a new subscription
        # receives events from its creation on.
        page = tx.nominations.events_after(None, last, limit)
        newest = page.items[-1].id if page.items else last
    # Never move past an event some subscription has not read yet (its page was full).
    tx.webhooks.set_cursor(min([newest, *full_page_ends]))
    return planned


# ---- sending (the delivery workflows) --------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One attempt at a delivery: ``sent`` False when there was nothing to send (already
    delivered, or the subscription is off); else whether the receiver accepted it (2xx)."""

    sent: bool
    accepted: bool = False
    status_code: int | None = None
    error: str | None = None
    refused: bool = False  # the destination is refused by the address policy: not retried


class WebhookDeliveries:
    """Plans deliveries and sends them, one transaction per step (called by the activities)."""

    def __init__(self, uow: UnitOfWork, sender: WebhookSender, guard: DestinationGuard) -> None:
        self._uow = uow
        self._sender = sender
        self._guard = guard

    async def plan(self) -> list[Delivery]:
        return await self._uow.run(plan_deliveries)

    async def _log(self, delivery_id: int, status: int | None, error: str | None, ok: bool) -> None:
        await self._uow.run(
            lambda tx: tx.webhooks.record_attempt(
                delivery_id, status_code=status, error=error, delivered=ok
            )
        )

    async def deliver(self, delivery: Delivery) -> Attempt:
        """POST the event, signed, unless it is no longer pending; the attempt is logged.

        The URL is checked again (its name resolved now, as a DNS answer may have changed since
        the subscription) and the POST goes to the checked address only. The log holds the
        receiver's HTTP status, or a generic error (``SEND_ERRORS``), never an exception's text.
        """
        target = await self._uow.run(lambda tx: tx.webhooks.delivery_target(delivery.delivery_id))
        if target is None or target.status != "pending" or not target.subscription_active:
            return Attempt(sent=False)
        try:
            checked = await self._guard.check(delivery.url)
        except DestinationRefused as refused:
            if (
                refused.because is RefusedBecause.NAME_NOT_RESOLVED
                and self._guard.policy.resolve_names
            ):
                # Perhaps a passing DNS failure: retried, as a connection that failed.
                await self._log(delivery.delivery_id, None, CONNECTION_FAILED, False)
                return Attempt(sent=True, error=CONNECTION_FAILED)
            await self._log(delivery.delivery_id, None, REFUSED_BY_POLICY, False)
            return Attempt(sent=True, error=REFUSED_BY_POLICY, refused=True)
        result = await self._sender.send(
            checked, delivery.body.encode("utf-8"), delivery_headers(delivery, target.secret)
        )
        status = result.status_code
        ok = status is not None and 200 <= status < 300
        error = None if status is not None else result.error
        if status is None and error not in SEND_ERRORS:
            error = CONNECTION_FAILED
        await self._log(
            delivery.delivery_id, status, error or (None if ok else f"HTTP {status}"), ok
        )
        return Attempt(sent=True, accepted=ok, status_code=status, error=error)

    async def give_up(self, delivery_id: int) -> None:
        """Mark a delivery failed once its workflow stops retrying."""
        await self._uow.run(lambda tx: tx.webhooks.mark_failed(delivery_id))
