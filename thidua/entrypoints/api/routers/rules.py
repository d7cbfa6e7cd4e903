"""Rules governance routes: versions (upload, validate, test, diff, approve, publish, retire,
rollback) and the re-evaluation of in-flight nominations under a newer version.

Rules admins write; auditors read; every other role gets 403. Refusals are RFC 9457 problems whose
``type`` ends with a stable code (``rules_second_admin_required``, ``rules_golden_failed``,
``rules_invalid`` with ``errors[]`` giving field, line and column, ...): the refusal's ``problem``.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from thidua.app import rules_versions as rv
from thidua.entrypoints.api.deps import ActorDep, EngineDep, NominationWorkflowsDep, UowDep

router = APIRouter(prefix="/v1/rules", tags=["rules"])

RulesetId = Annotated[str, Path(max_length=64, description="Mã bộ tiêu chí, ví dụ ntm-2024")]
Version = Annotated[str, Path(max_length=32, description="Phiên bản, ví dụ 1")]


@router.get("/versions")
async def list_versions(
    actor: ActorDep,
    uow: UowDep,
    ruleset_id: str | None = Query(default=None, max_length=64),
    status: str | None = Query(default=None, pattern="^(draft|approved|published|retired)$"),
) -> list[rv.RulesVersionView]:
    """Các phiên bản bộ tiêu chí và trạng thái (nháp, đã duyệt, đã công bố, đã thu hồi)."""
    return await uow.run(lambda tx: rv.list_versions(tx, actor, ruleset_id, status))


@router.post("/versions", status_code=201)
async def upload(body: rv.UploadRequest, actor: ActorDep, uow: UowDep) -> rv.RulesVersionDetail:
    """Tải lên một phiên bản (YAML + ca kiểm thử): kiểm tra và lưu thành bản nháp."""
    return await uow.run(lambda tx: rv.upload(tx, actor, body))


@router.get("/versions/{ruleset_id}/{version}")
async def show(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep
) -> rv.RulesVersionDetail:
    """Nội dung, ca kiểm thử, mã băm và trạng thái của một phiên bản."""
    return await uow.run(lambda tx: rv.show_version(tx, actor, ruleset_id, version))


@router.put("/versions/{ruleset_id}/{version}")
async def replace(
    ruleset_id: RulesetId, version: Version, body: rv.UploadRequest, actor: ActorDep, uow: UowDep
) -> rv.RulesVersionDetail:
    """Sửa bản nháp (chỉ khi còn là bản nháp)."""
    return await uow.run(lambda tx: rv.replace_draft(tx, actor, ruleset_id, version, body))


@router.post("/versions/{ruleset_id}/{version}:validate")
async def validate(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep
) -> rv.ValidationReport:
    """Kiểm tra lại nội dung và ca kiểm thử (lỗi kèm dòng:cột)."""
    return await uow.run(lambda tx: rv.validate(tx, actor, ruleset_id, version))


@router.post("/versions/{ruleset_id}/{version}:test")
async def test(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep, engine: EngineDep
) -> rv.GoldenReport:
    """Chạy các ca kiểm thử (golden) bằng bộ máy tiêu chí thật."""
    return await uow.run(lambda tx: rv.run_tests(tx, actor, engine, ruleset_id, version))


@router.post("/versions/{ruleset_id}/{version}:diff")
async def diff(
    ruleset_id: RulesetId,
    version: Version,
    actor: ActorDep,
    uow: UowDep,
    against: str | None = Query(
        default=None, max_length=32, description="Mặc định: phiên bản đang công bố"
    ),
) -> rv.DiffReport:
    """So sánh với phiên bản đang công bố: quy tắc, tham số thêm/bỏ/sửa."""
    return await uow.run(lambda tx: rv.diff_version(tx, actor, ruleset_id, version, against))


@router.post("/versions/{ruleset_id}/{version}:approve")
async def approve(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep
) -> rv.RulesVersionView:
    """Quản trị tiêu chí thứ hai (khác người soạn) duyệt bản nháp."""
    return await uow.run(lambda tx: rv.approve(tx, actor, ruleset_id, version))


@router.post("/versions/{ruleset_id}/{version}:publish")
async def publish(
    ruleset_id: RulesetId,
    version: Version,
    body: rv.PublishRequest,
    actor: ActorDep,
    uow: UowDep,
    engine: EngineDep,
) -> rv.RulesVersionView:
    """Công bố phiên bản đã duyệt khi mọi ca kiểm thử đạt, từ ngày effective_from."""
    return await uow.run(lambda tx: rv.publish(tx, actor, engine, ruleset_id, version, body))


@router.post("/versions/{ruleset_id}/{version}:retire")
async def retire(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep
) -> rv.RulesVersionView:
    """Thu hồi bản nháp hoặc phiên bản đã duyệt chưa công bố."""
    return await uow.run(lambda tx: rv.retire(tx, actor, ruleset_id, version))


@router.post("/versions/{ruleset_id}/{version}:rollback")
async def rollback(
    ruleset_id: RulesetId, version: Version, actor: ActorDep, uow: UowDep
) -> rv.RulesVersionView:
    """Thu hồi phiên bản công bố mới nhất và mở lại hiệu lực của phiên bản trước."""
    return await uow.run(lambda tx: rv.rollback(tx, actor, ruleset_id, version))


@router.post("/reevaluations:preview")
async def reevaluation_preview(
    body: rv.ReevaluationRequest, actor: ActorDep, uow: UowDep, engine: EngineDep
) -> rv.ReevaluationPreview:
    """Xem trước: hồ sơ đang xử lý nào sẽ đổi kết quả theo phiên bản mới, vì quy tắc nào."""
    return await uow.run(lambda tx: rv.preview(tx, actor, engine, body))


@router.post("/reevaluations:apply")
async def reevaluation_apply(
    body: rv.ReevaluationRequest,
    actor: ActorDep,
    uow: UowDep,
    engine: EngineDep,
    workflows: NominationWorkflowsDep,
) -> rv.ReevaluationPreview:
    """Xét lại các hồ sơ đã chọn theo phiên bản mới (thao tác quản trị, có ghi nhật ký)."""
    return await rv.apply_reevaluation(uow, workflows, engine, actor, body)
