"""Nominations: submit, list (cursor-paginated), read, and the review steps of one nomination.

The steps go through the nomination's Temporal workflow (``Lifecycle``); a POST carrying an
``Idempotency-Key`` passes it on as the workflow update id, so a retry gets the first outcome.
"""

import anyio.to_thread
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from thidua.adapters.documents.achievement import achievement_docx, achievement_html
from thidua.app import nominations
from thidua.app.achievement import achievement_report
from thidua.app.lifecycle import (
    HoldRequest,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.app.ports.nominations import NominationDetail, NominationFilter, NominationView
from thidua.domain.nominations import NominationStatus, Stage
from thidua.entrypoints.api import pagination
from thidua.entrypoints.api.deps import ActorDep, EngineDep, LifecycleDep, UowDep, UpdateIdDep

router = APIRouter(tags=["nominations"])


class NominationPage(BaseModel):
    items: list[NominationView]
    next_cursor: str | None


@router.post("/v1/nominations", status_code=201)
async def submit(body: NominationSubmission, actor: ActorDep, lc: LifecycleDep) -> NominationDetail:
    """Nộp một hồ sơ đề nghị (cá nhân hoặc tập thể) cho đơn vị của mình."""
    return await lc.submit(actor, body)


@router.get("/v1/nominations")
async def list_(
    actor: ActorDep,
    uow: UowDep,
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
    after = pagination.decode(pagination.NOMINATIONS, cursor)
    filters = NominationFilter(
        stage=stage.value if stage else None,
        unit=unit,
        movement=movement,
        year=year,
        title=title,
        status=status,
    )
    items, next_id = await uow.run(
        lambda tx: nominations.page_nominations(tx, actor, filters, limit=limit, after_id=after)
    )
    return NominationPage(
        items=items, next_cursor=pagination.next_cursor(pagination.NOMINATIONS, next_id)
    )


@router.get("/v1/nominations/{nomination_id}")
async def show(nomination_id: str, actor: ActorDep, uow: UowDep) -> NominationDetail:
    return await uow.run(lambda tx: nominations.get_nomination(tx, actor, nomination_id))


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/v1/nominations/{nomination_id}/achievement-report",
    response_class=Response,
    responses={200: {"description": "Báo cáo thành tích", "content": {_DOCX: {}, "text/html": {}}}},
)
async def achievement_report_file(
    nomination_id: str,
    actor: ActorDep,
    uow: UowDep,
    engine: EngineDep,
    format: str = Query(default="docx", pattern="^(docx|html)$"),
) -> Response:
    """Báo cáo thành tích của người (tập thể) được đề nghị theo mẫu của Nghị định có hiệu lực
    vào ngày xét, điền sẵn những gì hệ thống biết; không đánh số (không phải văn bản của cơ quan)."""
    doc = await uow.run(
        lambda tx: achievement_report(tx, actor, nomination_id, registry=engine.registry)
    )
    if format == "html":
        html = await anyio.to_thread.run_sync(achievement_html, doc)
        return Response(html, media_type="text/html; charset=utf-8")
    data = await anyio.to_thread.run_sync(achievement_docx, doc)
    name = f"{nomination_id}-bao-cao-thanh-tich.docx"
    return Response(
        data, media_type=_DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/v1/nominations/{nomination_id}/workflow")
async def workflow_status(
    nomination_id: str, actor: ActorDep, lc: LifecycleDep
) -> NominationStatus:
    """Trạng thái trực tiếp từ quy trình Temporal (truy vấn workflow)."""
    return await lc.workflow_status(actor, nomination_id)


@router.post("/v1/nominations/{nomination_id}/review")
async def review(
    nomination_id: str,
    body: ReviewRequest,
    actor: ActorDep,
    lc: LifecycleDep,
    update_id: UpdateIdDep,
) -> NominationDetail:
    """Xét hồ sơ ở bước hiện tại: approve (đồng ý), return (trả lại), reject (không đồng ý)."""
    return await lc.review(actor, nomination_id, body, update_id)


@router.post("/v1/nominations/{nomination_id}/resubmit")
async def resubmit(
    nomination_id: str,
    body: ResubmitRequest,
    actor: ActorDep,
    lc: LifecycleDep,
    update_id: UpdateIdDep,
) -> NominationDetail:
    return await lc.resubmit(actor, nomination_id, body, update_id)


@router.post("/v1/nominations/{nomination_id}/hold")
async def hold(
    nomination_id: str,
    body: HoldRequest,
    actor: ActorDep,
    lc: LifecycleDep,
    update_id: UpdateIdDep,
) -> NominationDetail:
    return await lc.hold(actor, nomination_id, body, update_id)


@router.post("/v1/nominations/{nomination_id}/resume")
async def resume(
    nomination_id: str,
    body: ResumeRequest,
    actor: ActorDep,
    lc: LifecycleDep,
    update_id: UpdateIdDep,
) -> NominationDetail:
    return await lc.resume(actor, nomination_id, body, update_id)
