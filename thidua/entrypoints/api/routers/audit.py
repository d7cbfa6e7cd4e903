"""Audit log routes: list the hash-chained entries (cursor-paginated) and verify the chain.

Who may read and verify is decided in :mod:`thidua.domain.policy` (``check_audit_read``,
``check_audit_verify``), which the use cases apply.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from thidua.app import audit
from thidua.app.ports.audit import AuditEntry, AuditFilter
from thidua.domain.audit import ChainReport, as_utc
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.api import pagination
from thidua.entrypoints.api.deps import ActorDep, UowDep

router = APIRouter(tags=["audit"])


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


class AuditProblem(BaseModel):
    kind: str
    seq: int
    id: int | None
    message: str


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: AuditProblem | None
    message: str


def _utc(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return as_utc(value)
    except (OverflowError, ValueError):
        raise Refusal(
            RefusalCode.INVALID, f"{field}: thời điểm nằm ngoài khoảng hợp lệ.", field=field
        ) from None


@router.get("/v1/audit")
async def list_audit(
    caller: ActorDep,
    uow: UowDep,
    action: str | None = Query(
        default=None,
        max_length=64,
        description="Hành động (nomination.step), hoặc tiền tố kết thúc bằng '.'",
    ),
    object_type: str | None = Query(default=None, max_length=32),
    object_id: str | None = Query(default=None, max_length=220),
    actor: str | None = Query(default=None, max_length=64, description="Người thực hiện"),
    since: Annotated[
        datetime | None, Query(description="Từ thời điểm (ISO 8601; không múi giờ = UTC)")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Trước thời điểm (ISO 8601, không gồm)")
    ] = None,
    cursor: str | None = Query(
        default=None, max_length=100, description="next_cursor của trang trước"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> AuditPage:
    """Các mục nhật ký kiểm toán theo thứ tự chuỗi (kiểm toán viên, quản trị tiêu chí)."""
    after = pagination.decode(pagination.AUDIT, cursor)
    f = AuditFilter(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        since=_utc(since, "since"),
        until=_utc(until, "until"),
    )
    items, next_seq = await uow.run(lambda tx: audit.read_page(tx, caller, f, after, limit))
    return AuditPage(items=items, next_cursor=pagination.next_cursor(pagination.AUDIT, next_seq))


@router.get("/v1/audit/verify")
async def verify_audit(actor: ActorDep, uow: UowDep) -> AuditVerification:
    """Kiểm tra toàn bộ chuỗi băm; nêu mục đầu tiên bị sửa, xóa hoặc đổi thứ tự (kiểm toán viên)."""
    return _verification(await uow.run(lambda tx: audit.verify_as(tx, actor)))


def _verification(report: ChainReport) -> AuditVerification:
    p = report.problem
    return AuditVerification(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problem=None
        if p is None
        else AuditProblem(kind=p.kind, seq=p.seq, id=p.id, message=p.message()),
        message=(
            f"Chuỗi nhật ký kiểm toán toàn vẹn: {report.entries} mục, "
            f"mã băm cuối {report.head_hash}."
            if p is None
            else f"Chuỗi nhật ký kiểm toán KHÔNG toàn vẹn. {p.message()}"
        ),
    )
