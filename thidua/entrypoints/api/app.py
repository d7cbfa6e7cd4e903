"""FastAPI application: authentication, request ids, problem details, the /v1 routes."""

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import Client

from thidua import __version__
from thidua.adapters.db.session import UnitOfWork
from thidua.app import nominations, rounds, webhooks
from thidua.app.events import EventPage, events_after
from thidua.app.lifecycle import (
    HoldRequest,
    Lifecycle,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.app.round_commands import (
    CouncilRequest,
    DecisionRequest,
    OpenRoundRequest,
    ProvinceAnswerRequest,
    RevokeRequest,
    Rounds,
)
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints.api.audit import audit_router
from thidua.entrypoints.api.bulk import bulk_router
from thidua.entrypoints.api.decisions import decisions_router
from thidua.entrypoints.api.idempotency import update_id_for
from thidua.entrypoints.api.middleware import RequestContextMiddleware
from thidua.entrypoints.api.openapi_errors import add_problem_responses
from thidua.entrypoints.api.problems import http_handler, refusal_handler, validation_handler
from thidua.entrypoints.api.rules import install_rules_routes
from thidua.entrypoints.api.security import Authenticator
from thidua.entrypoints.ratelimit import RateLimiter
from thidua.entrypoints.services import Services
from thidua.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class NominationPage(BaseModel):
    items: list[nominations.NominationView]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"n:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "n" or not value.isdigit():
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(RefusalCode.INVALID, "cursor: con trỏ trang không hợp lệ.") from None


_bearer = HTTPBearer(auto_error=False, description="API token (thd_...)")


def create_app(settings: Settings, uow: UnitOfWork, client: Client | None = None) -> FastAPI:
    """Build the app; the Temporal client is connected at startup unless one is given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from thidua.adapters.temporal.client import connect_client

        temporal = client or await connect_client(settings.temporal)
        app.state.lifecycle = Lifecycle(temporal, uow, settings)
        app.state.rounds = Rounds(temporal, uow, settings)
        services.lifecycle, services.rounds = app.state.lifecycle, app.state.rounds
        yield

    app = FastAPI(
        title="thidua API",
        version=__version__,
        description="Quy trình và bộ tiêu chí thi đua – khen thưởng. Mọi lỗi theo RFC 9457.",
        lifespan=lifespan,
    )
    services = Services(settings=settings, uow=uow)
    app.state.services = services
    add_problem_responses(app)
    app.add_exception_handler(Refusal, refusal_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)

    app.add_middleware(
        RequestContextMiddleware,
        uow=uow,
        max_body_bytes=settings.api.max_body_bytes,
        max_batch_body_bytes=settings.api.max_batch_body_bytes,
    )

    def lifecycle(request: Request) -> Lifecycle:
        lc: Lifecycle = request.app.state.lifecycle
        return lc

    async def in_session(fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a unit of work on a worker thread (the database API is synchronous)."""

        def _run() -> T:
            with uow() as session:
                return fn(session)

        return await run_in_threadpool(_run)

    current_actor = Authenticator(
        uow,
        failed_limit=RateLimiter(settings.api.failed_auth_per_minute, 60.0),
        token_limit=RateLimiter(settings.api.requests_per_minute, 60.0),
        jwt=settings.jwt,
    )

    def rounds_service(request: Request) -> Rounds:
        svc: Rounds = request.app.state.rounds
        return svc

    ActorDep = Annotated[Actor, Depends(current_actor)]
    LifecycleDep = Annotated[Lifecycle, Depends(lifecycle)]
    RoundsDep = Annotated[Rounds, Depends(rounds_service)]
    app.include_router(bulk_router(current_actor, lifecycle, uow))
    app.include_router(audit_router(current_actor, uow))
    app.include_router(decisions_router(current_actor, uow))
    install_rules_routes(app, current_actor, uow)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/me", tags=["auth"])
    async def me(actor: ActorDep) -> Actor:
        return actor

    @app.post("/v1/nominations", status_code=201, tags=["nominations"])
    async def submit(
        body: NominationSubmission, actor: ActorDep, lc: LifecycleDep
    ) -> nominations.NominationDetail:
        """Nộp một hồ sơ đề nghị (cá nhân hoặc tập thể) cho đơn vị của mình."""
        return await lc.submit(actor, body)

    @app.get("/v1/nominations", tags=["nominations"])
    async def list_(
        actor: ActorDep,
        stage: Stage | None = None,
        unit: str | None = Query(default=None, max_length=32),
        movement: str | None = Query(default=None, max_length=32),
        year: int | None = Query(default=None, ge=1945, le=2100),
        title: str | None = Query(default=None, max_length=32, description="LDTT, CSTDCS, ..."),
        status: str | None = Query(
            default=None,
            pattern="^(eligible|not_eligible|on_hold)$",
            description="Kết quả tiêu chí",
        ),
        limit: int = Query(default=100, ge=1, le=500, description="Cỡ trang (tối đa 500)"),
        cursor: str | None = Query(
            default=None, max_length=100, description="next_cursor của trang trước"
        ),
    ) -> NominationPage:
        """Danh sách hồ sơ theo thứ tự ổn định, phân trang bằng con trỏ."""
        after = decode_cursor(cursor) if cursor else None

        def _page() -> NominationPage:
            with uow() as session:
                items, next_id = nominations.page_nominations(
                    session,
                    actor,
                    stage=stage.value if stage else None,
                    unit=unit,
                    movement=movement,
                    year=year,
                    title=title,
                    status=status,
                    limit=limit,
                    after_id=after,
                )
            return NominationPage(
                items=items, next_cursor=encode_cursor(next_id) if next_id else None
            )

        return await run_in_threadpool(_page)

    @app.get("/v1/nominations/{nomination_id}", tags=["nominations"])
    async def show(
        nomination_id: str, actor: ActorDep, lc: LifecycleDep
    ) -> nominations.NominationDetail:
        return await run_in_threadpool(lc.read, actor, nomination_id)

    @app.get("/v1/nominations/{nomination_id}/workflow", tags=["nominations"])
    async def workflow_status(
        nomination_id: str, actor: ActorDep, lc: LifecycleDep
    ) -> NominationStatus:
        """Trạng thái trực tiếp từ quy trình Temporal (truy vấn workflow)."""
        return await lc.workflow_status(actor, nomination_id)

    @app.post("/v1/nominations/{nomination_id}/review", tags=["nominations"])
    async def review(
        nomination_id: str,
        body: ReviewRequest,
        actor: ActorDep,
        lc: LifecycleDep,
        request: Request,
    ) -> nominations.NominationDetail:
        """Xét hồ sơ ở bước hiện tại: approve (đồng ý), return (trả lại), reject (không đồng ý)."""
        return await lc.review(actor, nomination_id, body, update_id_for(request))

    @app.post("/v1/nominations/{nomination_id}/resubmit", tags=["nominations"])
    async def resubmit(
        nomination_id: str,
        body: ResubmitRequest,
        actor: ActorDep,
        lc: LifecycleDep,
        request: Request,
    ) -> nominations.NominationDetail:
        return await lc.resubmit(actor, nomination_id, body, update_id_for(request))

    @app.post("/v1/nominations/{nomination_id}/hold", tags=["nominations"])
    async def hold(
        nomination_id: str,
        body: HoldRequest,
        actor: ActorDep,
        lc: LifecycleDep,
        request: Request,
    ) -> nominations.NominationDetail:
        return await lc.hold(actor, nomination_id, body, update_id_for(request))

    @app.post("/v1/nominations/{nomination_id}/resume", tags=["nominations"])
    async def resume(
        nomination_id: str,
        body: ResumeRequest,
        actor: ActorDep,
        lc: LifecycleDep,
        request: Request,
    ) -> nominations.NominationDetail:
        return await lc.resume(actor, nomination_id, body, update_id_for(request))

    @app.get("/v1/events", tags=["events"])
    async def events(
        actor: ActorDep,
        after: int | None = Query(default=None, ge=0, description="next_cursor của lần trước"),
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> EventPage:
        """Dòng sự kiện (mỗi bước của hồ sơ) cho hệ thống tích hợp không nhận được webhook."""

        return await in_session(lambda session: events_after(session, actor, after, limit))

    @app.post("/v1/webhooks", status_code=201, tags=["events"])
    async def subscribe(
        body: webhooks.SubscriptionRequest, actor: ActorDep
    ) -> webhooks.SubscriptionView:
        """Đăng ký webhook; khóa ký HMAC (secret) chỉ trả về một lần."""

        return await in_session(lambda session: webhooks.create_subscription(session, actor, body))

    @app.get("/v1/webhooks", tags=["events"])
    async def subscriptions(actor: ActorDep) -> list[webhooks.SubscriptionView]:
        return await in_session(lambda session: webhooks.list_subscriptions(session, actor))

    @app.post("/v1/webhooks/{subscription_id}/deactivate", tags=["events"])
    async def unsubscribe(subscription_id: int, actor: ActorDep) -> webhooks.SubscriptionView:
        return await in_session(
            lambda session: webhooks.deactivate_subscription(session, actor, subscription_id)
        )

    @app.get("/v1/webhooks/{subscription_id}/deliveries", tags=["events"])
    async def deliveries(subscription_id: int, actor: ActorDep) -> list[webhooks.DeliveryView]:
        """Nhật ký gửi: mỗi sự kiện, số lần thử, mã trả lời cuối cùng."""

        return await in_session(
            lambda session: webhooks.delivery_log(session, actor, subscription_id)
        )

    # ---- the Office's consolidation rounds -------------------------------------------

    @app.post("/v1/rounds", status_code=201, tags=["rounds"])
    async def open_round(
        body: OpenRoundRequest, actor: ActorDep, svc: RoundsDep
    ) -> rounds.RoundView:
        """Văn phòng Sở mở đợt xét tổng hợp cho một phong trào và năm."""
        return await svc.open(actor, body)

    @app.get("/v1/rounds", tags=["rounds"])
    async def list_rounds(actor: ActorDep) -> list[dict[str, Any]]:
        return await in_session(lambda session: rounds.list_rounds(session, actor))

    @app.get("/v1/rounds/{round_key}", tags=["rounds"])
    async def show_round(round_key: str, actor: ActorDep, svc: RoundsDep) -> rounds.RoundView:
        """Danh sách tổng hợp theo danh hiệu và theo đơn vị, kèm giải thích từng quyết định."""
        return await run_in_threadpool(svc.read, actor, round_key)

    @app.post("/v1/rounds/{round_key}/close", tags=["rounds"])
    async def close_round(round_key: str, actor: ActorDep, svc: RoundsDep) -> rounds.RoundView:
        """Đóng đợt xét: thẩm định chéo các hồ sơ (đầy đủ, sáng kiến, tập thể, tạm dừng)."""
        return await svc.close(actor, round_key)

    @app.post("/v1/rounds/{round_key}/council", tags=["rounds"])
    async def record_council(
        round_key: str, body: CouncilRequest, actor: ActorDep, svc: RoundsDep
    ) -> rounds.RoundView:
        """Thư ký Hội đồng ghi kết quả họp và bỏ phiếu kín."""
        return await svc.council(actor, round_key, body)

    @app.post("/v1/rounds/{round_key}/decision", tags=["rounds"])
    async def decide_round(
        round_key: str, body: DecisionRequest, actor: ActorDep, svc: RoundsDep
    ) -> rounds.RoundView:
        """Giám đốc phê duyệt (toàn bộ hoặc trừ một số) hoặc trả lại danh sách cho Văn phòng."""
        return await svc.decide(actor, round_key, body)

    @app.get(
        "/v1/rounds/{round_key}/documents/{kind}",
        tags=["rounds"],
        response_class=FileResponse,
        responses={
            200: {
                "description": "Văn bản",
                "content": {
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                    "text/html": {},
                    "application/pdf": {},
                },
            }
        },
    )
    async def download_document(
        round_key: str,
        kind: str,
        actor: ActorDep,
        format: str = Query(default="docx", pattern="^(docx|html|pdf)$"),
    ) -> FileResponse:
        """Tải văn bản: report, minutes, decision, submission (docx, html hoặc pdf)."""

        path = await in_session(
            lambda session: rounds.document_file(session, actor, round_key, kind, format)
        )
        media = {
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "html": "text/html; charset=utf-8",
            "pdf": "application/pdf",
        }[format]
        return FileResponse(path, media_type=media, filename=f"{round_key}-{kind}.{format}")

    @app.post("/v1/nominations/{nomination_id}/awards/{code}/province", tags=["rounds"])
    async def province_answer(
        nomination_id: str, code: str, body: ProvinceAnswerRequest, actor: ActorDep
    ) -> rounds.AwardItemView:
        """Văn phòng Sở ghi nhận ý kiến của tỉnh: approved, rejected, returned (bổ sung)."""

        return await in_session(
            lambda session: rounds.record_province_answer(
                session, actor, nomination_id, code, body.answer, body.reason
            )
        )

    @app.post("/v1/nominations/{nomination_id}/awards/{code}/revoke", tags=["rounds"])
    async def revoke(
        nomination_id: str, code: str, body: RevokeRequest, actor: ActorDep
    ) -> rounds.AwardItemView:
        """Giám đốc thu hồi khen thưởng đã tặng (ví dụ khai man hồ sơ), ghi rõ lý do."""

        return await in_session(
            lambda session: rounds.revoke_award(session, actor, nomination_id, code, body.reason)
        )

    from thidua.entrypoints.web import mount_console

    mount_console(app)  # the web console under /console (not in the OpenAPI)
    return app
