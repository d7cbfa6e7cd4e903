"""The events feed (every step of every visible nomination) and webhook subscriptions."""

from fastapi import APIRouter, Query

from thidua.app import webhooks
from thidua.app.events import feed
from thidua.app.ports.nominations import EventPage
from thidua.app.ports.webhooks import DeliveryView, SubscriptionRequest, SubscriptionView
from thidua.entrypoints.api.deps import ActorDep, UowDep, WebhookSubscriptionsDep

router = APIRouter(tags=["events"])


@router.get("/v1/events")
async def events(
    actor: ActorDep,
    uow: UowDep,
    after: int | None = Query(default=None, ge=0, description="next_cursor của lần trước"),
    limit: int = Query(default=100, ge=1, le=1000),
) -> EventPage:
    """Dòng sự kiện (mỗi bước của hồ sơ) cho hệ thống tích hợp không nhận được webhook."""
    return await uow.run(lambda tx: feed(tx, actor, after, limit))


@router.post("/v1/webhooks", status_code=201)
async def subscribe(
    body: SubscriptionRequest, actor: ActorDep, subscriptions: WebhookSubscriptionsDep
) -> SubscriptionView:
    """Đăng ký webhook; khóa ký HMAC (secret) chỉ trả về một lần. Đích phải là https (mặc
    định), không phải địa chỉ nội bộ; mỗi tài khoản có số đăng ký đang hoạt động giới hạn."""
    return await subscriptions.subscribe(actor, body)


@router.get("/v1/webhooks")
async def subscriptions(actor: ActorDep, uow: UowDep) -> list[SubscriptionView]:
    return await uow.run(lambda tx: webhooks.list_subscriptions(tx, actor))


@router.post("/v1/webhooks/{subscription_id}/deactivate")
async def unsubscribe(subscription_id: int, actor: ActorDep, uow: UowDep) -> SubscriptionView:
    return await uow.run(lambda tx: webhooks.deactivate_subscription(tx, actor, subscription_id))


@router.get("/v1/webhooks/{subscription_id}/deliveries")
async def deliveries(subscription_id: int, actor: ActorDep, uow: UowDep) -> list[DeliveryView]:
    """Nhật ký gửi: mỗi sự kiện, số lần thử, mã trả lời cuối cùng."""
    return await uow.run(lambda tx: webhooks.delivery_log(tx, actor, subscription_id))
