"""Decision explorer and what-if routes: search, open and reproduce stored decisions; run a draft.

Reading decisions follows the nominations' rule: unit-scoped roles see their own units' decisions
only (404 for others), the other roles see all. What-if is for rules administrators, auditors and
the Director (it writes nothing). Reproduction evaluates with the stored version itself, so the
process's one rules engine serves every version.
"""

import os
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from rules.errors import RulesFileError
from thidua.adapters.tabular.whatif_xlsx import write_xlsx
from thidua.app import decisions, whatif
from thidua.app.ports.uow import Tx
from thidua.domain.policy import check_whatif
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints.api import pagination
from thidua.entrypoints.api.deps import ActorDep, EngineDep, ResolverDep, UowDep

router = APIRouter(tags=["decisions"])

MAX_DRAFT_CHARS = 900_000
DecisionId = Annotated[int, Path(ge=1, le=2**62, description="Số quyết định (lần xét)")]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WhatIfRequest(BaseModel):
    """A draft ruleset (YAML text) to run over the stored facts snapshots."""

    model_config = ConfigDict(extra="forbid")

    draft_yaml: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_DRAFT_CHARS,
        description="Nội dung tệp tiêu chí dự thảo (YAML); hoặc dùng ruleset_id + version",
    )
    ruleset_id: str | None = Field(
        default=None, max_length=64, description="Phiên bản đã lưu: mã bộ tiêu chí"
    )
    version: str | None = Field(default=None, max_length=32, description="Phiên bản đã lưu")
    movement: str | None = Field(default=None, max_length=32, description="Mã phong trào")
    year: int | None = Field(default=None, ge=1945, le=2100)
    source: Literal["evaluations", "appraisal"] = Field(
        default="evaluations",
        description="evaluations: lần xét gần nhất của mỗi hồ sơ; appraisal: thẩm định của đợt xét",
    )


class DecisionListPage(BaseModel):
    items: list[decisions.DecisionSummary]
    next_cursor: str | None


@router.get("/v1/decisions")
async def search(
    actor: ActorDep,
    uow: UowDep,
    movement: str | None = Query(default=None, max_length=32),
    unit: str | None = Query(default=None, max_length=32),
    year: int | None = Query(default=None, ge=1945, le=2100),
    kind: str | None = Query(default=None, pattern="^(individual|collective)$"),
    title: str | None = Query(default=None, max_length=32, description="LDTT, CSTDCS, ..."),
    rule: str | None = Query(default=None, max_length=64, description="Mã quy tắc"),
    rule_outcome: str = Query(
        default="fired",
        pattern="^(fired|not_fired|skipped)$",
        description="Kết quả của quy tắc `rule`",
    ),
    outcome: str | None = Query(
        default=None, pattern="^(eligible|not_eligible|on_hold)$", description="Kết quả xét"
    ),
    ruleset: str | None = Query(default=None, max_length=64, description="Mã bộ tiêu chí"),
    version: str | None = Query(default=None, max_length=32, description="Phiên bản"),
    nomination: str | None = Query(default=None, max_length=200),
    phase: str | None = Query(default=None, max_length=32),
    limit: int = Query(default=100, ge=1, le=500),
    cursor: str | None = Query(default=None, max_length=100),
) -> DecisionListPage:
    """Tìm các lần xét tiêu chí đã lưu theo phong trào, đơn vị, danh hiệu, quy tắc, kết quả,
    phiên bản bộ tiêu chí."""
    f = decisions.DecisionFilter(
        movement=movement,
        unit=unit,
        year=year,
        kind=kind,
        title=title,
        rule=rule,
        rule_outcome=rule_outcome,
        outcome=outcome,
        ruleset_id=ruleset,
        version=version,
        nomination=nomination,
        phase=phase,
    )
    after = pagination.decode(pagination.DECISIONS, cursor)
    page = await uow.run(
        lambda tx: decisions.search_decisions(tx, actor, f, limit=limit, after_id=after)
    )
    return DecisionListPage(
        items=page.items, next_cursor=pagination.next_cursor(pagination.DECISIONS, page.next_cursor)
    )


@router.get("/v1/decisions/{decision_id}")
async def show(
    decision_id: DecisionId, actor: ActorDep, uow: UowDep, resolver: ResolverDep
) -> decisions.DecisionDetail:
    """Một quyết định: dữ liệu xét, từng quy tắc, từng điều kiện với giá trị thực tế."""
    return await uow.run(lambda tx: decisions.get_decision(tx, actor, decision_id, resolver))


@router.get("/v1/decisions/{decision_id}/reproduce")
async def reproduce(
    decision_id: DecisionId,
    actor: ActorDep,
    uow: UowDep,
    engine: EngineDep,
    resolver: ResolverDep,
) -> decisions.Reproduction:
    """Xét lại dữ liệu đã lưu bằng đúng phiên bản đã lưu; so sánh mã băm kết quả."""
    return await uow.run(
        lambda tx: decisions.reproduce_decision(tx, actor, decision_id, engine, resolver)
    )


@router.post("/v1/whatif", tags=["rules"])
async def run(body: WhatIfRequest, actor: ActorDep, uow: UowDep) -> whatif.WhatIfReport:
    """Chạy thử bộ tiêu chí dự thảo trên mọi hồ sơ đã lưu (của một phong trào): ai được
    thêm, ai mất danh hiệu nào, vì quy tắc nào. Không ghi gì vào cơ sở dữ liệu."""
    check_whatif(actor)  # before the draft is read: a refused role learns nothing of it
    return await uow.run(lambda tx: _whatif(tx, actor, body))


@router.post(
    "/v1/whatif:xlsx",
    tags=["rules"],
    response_class=FileResponse,
    responses={200: {"description": "Bảng tính", "content": {_XLSX: {}}}},
)
async def run_xlsx(body: WhatIfRequest, actor: ActorDep, uow: UowDep) -> FileResponse:
    """Như /v1/whatif, kết quả là tệp .xlsx (trang «Thay đổi» và «Tổng hợp»)."""
    check_whatif(actor)
    report = await uow.run(lambda tx: _whatif(tx, actor, body))
    path = await run_in_threadpool(_write_xlsx, report)
    return FileResponse(
        path,
        media_type=_XLSX,
        filename="chay-thu-tieu-chi.xlsx",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _whatif(tx: Tx, actor: Actor, body: WhatIfRequest) -> whatif.WhatIfReport:
    draft = _draft(tx, body)
    return whatif.run_whatif(
        tx, actor, draft, movement=body.movement, year=body.year, source=body.source
    )


def _draft(tx: Tx, body: WhatIfRequest) -> whatif.Draft:
    stored = body.ruleset_id is not None or body.version is not None
    if (body.draft_yaml is None) == (not stored):
        raise Refusal(
            RefusalCode.INVALID,
            "draft_yaml: cho nội dung dự thảo, hoặc ruleset_id và version của phiên bản đã lưu "
            "(chỉ một trong hai).",
            field="draft_yaml",
        )
    try:
        if body.draft_yaml is None:
            if not body.ruleset_id or not body.version:
                raise Refusal(
                    RefusalCode.INVALID, "version: cần cả ruleset_id và version.", field="version"
                )
            return whatif.draft_from_db(tx, body.ruleset_id, body.version)
        return whatif.draft_from_text(body.draft_yaml, "draft_yaml")
    except RulesFileError as exc:
        shown = "; ".join(str(i) for i in exc.issues[:5])
        more = f" (và {len(exc.issues) - 5} lỗi khác)" if len(exc.issues) > 5 else ""
        raise Refusal(
            RefusalCode.INVALID,
            f"Tệp tiêu chí dự thảo không hợp lệ: {shown}{more}",
            field="draft_yaml" if body.draft_yaml is not None else None,
        ) from None


def _write_xlsx(report: whatif.WhatIfReport) -> FsPath:
    fd, name = tempfile.mkstemp(prefix="thidua-whatif-", suffix=".xlsx")
    os.close(fd)
    write_xlsx(report, name)
    return FsPath(name)
