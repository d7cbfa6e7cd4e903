"""Audit log routes: list the hash-chained entries (cursor-paginated) and verify the chain.

Readers: the auditor and the rules administrator list entries; only the auditor runs the
verification (it reads the whole table). Every other role gets 403: the log spans every unit, so
no unit-scoped view of it exists.
"""

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.orm import Session

from thidua.adapters.db.session import UnitOfWork
from thidua.app import audit
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

LIST_ROLES = frozenset({Role.AUDITOR, Role.RULES_ADMIN})
VERIFY_ROLES = frozenset({Role.AUDITOR})


class AuditPage(BaseModel):
    items: list[audit.AuditEntry]
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


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"a:{seq}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "a" or not value.isdigit():
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(RefusalCode.INVALID, "cursor: con trỏ trang không hợp lệ.") from None


def _utc(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return audit.as_utc(value)
    except (OverflowError, ValueError):
        raise Refusal(RefusalCode.INVALID, f"{field}: thời điểm nằm ngoài khoảng hợp lệ.") from None


def _require(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        raise Refusal(RefusalCode.FORBIDDEN, "Vai trò này không xem được nhật ký kiểm toán.")


def audit_router(get_actor_dep: Any, uow: UnitOfWork) -> APIRouter:
    """The audit routes, using the app's own authentication dependency."""
    router = APIRouter(tags=["audit"])
    actor_dep = Depends(get_actor_dep)

    async def in_session(fn: Any) -> Any:
        def _run() -> Any:
            with uow() as session:
                return fn(session)

        return await run_in_threadpool(_run)

    @router.get("/v1/audit")
    async def list_audit(
        caller: Annotated[Actor, actor_dep],
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
        _require(caller, LIST_ROLES)
        after = _decode(cursor) if cursor else None
        f = audit.AuditFilter(
            action=action,
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            since=_utc(since, "since"),
            until=_utc(until, "until"),
        )

        def _page(session: Session) -> AuditPage:
            items, next_seq = audit.page_entries(session, f, after, limit)
            return AuditPage(items=items, next_cursor=_encode(next_seq) if next_seq else None)

        page: AuditPage = await in_session(_page)
        return page

    @router.get("/v1/audit/verify")
    async def verify_audit(actor: Annotated[Actor, actor_dep]) -> AuditVerification:
        """Kiểm tra toàn bộ chuỗi băm; nêu mục đầu tiên bị sửa, xóa hoặc đổi thứ tự (kiểm toán viên)."""
        _require(actor, VERIFY_ROLES)

        def _verify(session: Session) -> AuditVerification:
            report = audit.verify(session)
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

        result: AuditVerification = await in_session(_verify)
        return result

    return router
