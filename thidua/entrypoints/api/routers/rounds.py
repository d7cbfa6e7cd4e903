"""The Office's consolidation rounds: open, read, close, council, decision; their documents; the
province's answers on each award and the Director's revocations."""

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from thidua.app import publication, rounds
from thidua.app.initiative_choices import InitiativeChoiceRequest, choose_initiative
from thidua.app.ports.publication import ObjectionView, PublicationView
from thidua.app.ports.rounds import AwardItemView, RoundView
from thidua.app.publication import FileObjectionRequest, ResolveObjectionRequest
from thidua.app.round_commands import (
    CouncilRequest,
    DecisionRequest,
    OpenRoundRequest,
    ProvinceAnswerRequest,
    RevokeRequest,
)
from thidua.entrypoints import awards
from thidua.entrypoints.api.deps import ActorDep, EngineDep, RoundsDep, UowDep
from thidua.entrypoints.services import services_of

router = APIRouter(tags=["rounds"])

_DOCUMENT_MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.post("/v1/rounds", status_code=201)
async def open_round(body: OpenRoundRequest, actor: ActorDep, svc: RoundsDep) -> RoundView:
    """Văn phòng Sở mở đợt xét tổng hợp cho một phong trào và năm."""
    return await svc.open(actor, body)


@router.get("/v1/rounds")
async def list_rounds(actor: ActorDep, uow: UowDep) -> list[dict[str, Any]]:
    listed = await uow.run(lambda tx: rounds.list_rounds(tx, actor))
    return [r.model_dump() for r in listed]


@router.get("/v1/rounds/{round_key}")
async def show_round(round_key: str, actor: ActorDep, uow: UowDep) -> RoundView:
    """Danh sách tổng hợp theo danh hiệu và theo đơn vị, kèm giải thích từng quyết định."""
    return await uow.run(lambda tx: rounds.get_round(tx, actor, round_key))


@router.post("/v1/rounds/{round_key}/close")
async def close_round(round_key: str, actor: ActorDep, svc: RoundsDep) -> RoundView:
    """Đóng đợt xét: thẩm định chéo các hồ sơ (đầy đủ, sáng kiến, tập thể, tạm dừng)."""
    return await svc.close(actor, round_key)


@router.post("/v1/rounds/{round_key}/initiative-choices")
async def choose_round_initiative(
    round_key: str,
    body: InitiativeChoiceRequest,
    actor: ActorDep,
    uow: UowDep,
    engine: EngineDep,
) -> RoundView:
    """Văn phòng Sở chọn danh hiệu, hình thức mà một sáng kiến làm căn cứ (một sáng kiến chỉ
    làm căn cứ cho một danh hiệu hoặc hình thức); đợt xét được thẩm định lại ngay."""
    return await uow.run(lambda tx: choose_initiative(tx, actor, round_key, body, engine))


@router.post("/v1/rounds/{round_key}/council")
async def record_council(
    round_key: str, body: CouncilRequest, actor: ActorDep, svc: RoundsDep
) -> RoundView:
    """Thư ký Hội đồng ghi kết quả họp và bỏ phiếu kín."""
    return await svc.council(actor, round_key, body)


@router.post("/v1/rounds/{round_key}/decision")
async def decide_round(
    round_key: str, body: DecisionRequest, actor: ActorDep, svc: RoundsDep
) -> RoundView:
    """Giám đốc phê duyệt (toàn bộ hoặc trừ một số) hoặc trả lại danh sách cho Văn phòng."""
    return await svc.decide(actor, round_key, body)


@router.get("/v1/rounds/{round_key}/publication")
async def show_publication(round_key: str, actor: ActorDep, uow: UowDep) -> PublicationView:
    """Danh sách tổng hợp công khai cho toàn thể cán bộ: thời gian công khai, danh sách (đang
    tạm dừng, đã rút), các phản ánh người xem được xem."""
    return await uow.run(lambda tx: publication.published_list(tx, actor, round_key))


@router.post("/v1/rounds/{round_key}/objections", status_code=201)
async def file_objection(
    round_key: str, body: FileObjectionRequest, actor: ActorDep, uow: UowDep
) -> ObjectionView:
    """Phản ánh về một người/tập thể (hoặc một danh hiệu) trong danh sách công khai: tạm dừng
    xét mục đó đến khi Văn phòng Sở giải quyết. Văn phòng Sở ghi nhận phản ánh bằng văn bản thay
    cho người phản ánh (``on_behalf_of``)."""
    return await uow.run(lambda tx: publication.file_objection(tx, actor, round_key, body))


@router.get("/v1/rounds/{round_key}/objections")
async def list_objections(round_key: str, actor: ActorDep, uow: UowDep) -> list[ObjectionView]:
    """Các phản ánh: Văn phòng, Giám đốc, Thư ký Hội đồng, kiểm toán xem tất cả; đơn vị xem
    phản ánh về hồ sơ của đơn vị; mỗi người xem phản ánh của mình."""
    return await uow.run(lambda tx: publication.list_objections(tx, actor, round_key))


@router.post("/v1/rounds/{round_key}/objections/{objection_id}/resolve")
async def resolve_objection(
    round_key: str,
    objection_id: int,
    body: ResolveObjectionRequest,
    actor: ActorDep,
    uow: UowDep,
) -> ObjectionView:
    """Văn phòng Sở giải quyết phản ánh: upheld (rút khỏi danh sách) hoặc dismissed (tiếp tục
    xét), ghi rõ lý do."""
    return await uow.run(
        lambda tx: publication.resolve_objection(tx, actor, round_key, objection_id, body)
    )


@router.get(
    "/v1/rounds/{round_key}/documents/{kind}",
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
    uow: UowDep,
    format: str = Query(default="docx", pattern="^(docx|html|pdf)$"),
) -> FileResponse:
    """Tải văn bản: report, minutes, vote_count (biên bản kiểm phiếu), decision (danh hiệu thi
    đua năm), decision_movement (khen thưởng phong trào thi đua theo chuyên đề), submission,
    revocation-<id> (quyết định thu hồi); docx, html hoặc pdf."""
    path = await uow.run(lambda tx: rounds.document_file(tx, actor, round_key, kind, format))
    return FileResponse(
        path, media_type=_DOCUMENT_MEDIA[format], filename=f"{round_key}-{kind}.{format}"
    )


@router.post("/v1/nominations/{nomination_id}/awards/{code}/province")
async def province_answer(
    nomination_id: str, code: str, body: ProvinceAnswerRequest, actor: ActorDep, uow: UowDep
) -> AwardItemView:
    """Văn phòng Sở ghi nhận ý kiến của tỉnh: approved, rejected, returned (bổ sung)."""
    return await uow.run(
        lambda tx: rounds.record_province_answer(
            tx, actor, nomination_id, code, body.answer, body.reason
        )
    )


@router.post("/v1/nominations/{nomination_id}/awards/{code}/revoke")
async def revoke(
    nomination_id: str,
    code: str,
    body: RevokeRequest,
    actor: ActorDep,
    uow: UowDep,
    request: Request,
) -> AwardItemView:
    """Giám đốc thu hồi khen thưởng đã tặng (ví dụ khai man hồ sơ), ghi rõ lý do; ban hành
    quyết định hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng (có số)."""
    services = services_of(request)
    return await uow.run(
        lambda tx: awards.revoke_award(
            tx,
            actor,
            nomination_id,
            code,
            body.reason,
            settings=services.settings,
            registry=services.engine.registry,
        )
    )


@router.get(
    "/v1/nominations/{nomination_id}/awards/{code}/revocation",
    response_class=FileResponse,
    responses={
        200: {
            "description": "Quyết định thu hồi",
            "content": {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                "text/html": {},
                "application/pdf": {},
            },
        }
    },
)
async def download_revocation(
    nomination_id: str,
    code: str,
    actor: ActorDep,
    uow: UowDep,
    format: str = Query(default="docx", pattern="^(docx|html|pdf)$"),
) -> FileResponse:
    """Tải quyết định hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng."""
    path = await uow.run(lambda tx: rounds.revocation_file(tx, actor, nomination_id, code, format))
    return FileResponse(
        path,
        media_type=_DOCUMENT_MEDIA[format],
        filename=f"{nomination_id}-{code}-thu-hoi.{format}",
    )
