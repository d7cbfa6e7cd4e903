"""Decision explorer and what-if routes: search, open and reproduce stored decisions; run a draft.

Reading decisions follows the nominations' rule: unit-scoped roles see their own units' decisions
only (404 for others), the other roles see all. What-if is for rules administrators, auditors and
the Director (it writes nothing).
"""

import base64
import os
import tempfile
import threading
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from rules.engine import RulesEngine
from rules.errors import RulesFileError
from rules.registry import RulesRegistry
from thidua.adapters.db.session import UnitOfWork
from thidua.app import decisions, whatif
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

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


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"d:{last_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "d" or not value.isdigit() or len(value) > 18:
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(RefusalCode.INVALID, "cursor: con trỏ trang không hợp lệ.") from None


class DecisionListPage(BaseModel):
    items: list[decisions.DecisionSummary]
    next_cursor: str | None


def _draft(session: Session, body: WhatIfRequest) -> whatif.Draft:
    stored = body.ruleset_id is not None or body.version is not None
    if (body.draft_yaml is None) == (not stored):
        raise Refusal(
            RefusalCode.INVALID,
            "draft_yaml: cho nội dung dự thảo, hoặc ruleset_id và version của phiên bản đã lưu "
            "(chỉ một trong hai).",
        )
    try:
        if body.draft_yaml is None:
            if not body.ruleset_id or not body.version:
                raise Refusal(RefusalCode.INVALID, "version: cần cả ruleset_id và version.")
            return whatif.draft_from_db(session, body.ruleset_id, body.version)
        return whatif.draft_from_text(body.draft_yaml, "draft_yaml")
    except RulesFileError as exc:
        shown = "; ".join(str(i) for i in exc.issues[:5])
        more = f" (và {len(exc.issues) - 5} lỗi khác)" if len(exc.issues) > 5 else ""
        raise Refusal(
            RefusalCode.INVALID, f"Tệp tiêu chí dự thảo không hợp lệ: {shown}{more}"
        ) from None


def decisions_router(get_actor_dep: Any, uow: UnitOfWork) -> APIRouter:
    """The decision explorer and what-if routes, with the app's authentication dependency."""
    router = APIRouter(tags=["decisions"])
    ActorDep = Annotated[Actor, Depends(get_actor_dep)]
    state: dict[str, Any] = {}
    lock = threading.Lock()

    def engine() -> RulesEngine:
        with lock:  # built on first use (no side effects at import or startup)
            if "engine" not in state:
                state["engine"] = RulesEngine()
            eng: RulesEngine = state["engine"]
            return eng

    def resolver() -> decisions.VersionResolver:
        # one per request: a draft version's content may be replaced between requests
        return decisions.VersionResolver(registry=registry())

    def registry() -> RulesRegistry:
        with lock:
            if "registry" not in state:
                state["registry"] = RulesRegistry.from_directory()
            reg: RulesRegistry = state["registry"]
            return reg

    @router.get("/v1/decisions")
    async def search(
        actor: ActorDep,
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
        after = _decode(cursor) if cursor else None

        def _page() -> DecisionListPage:
            with uow() as session:
                page = decisions.search_decisions(session, actor, f, limit=limit, after_id=after)
            nxt = _encode(page.next_cursor) if page.next_cursor else None
            return DecisionListPage(items=page.items, next_cursor=nxt)

        return await run_in_threadpool(_page)

    @router.get("/v1/decisions/{decision_id}")
    async def show(decision_id: DecisionId, actor: ActorDep) -> decisions.DecisionDetail:
        """Một quyết định: dữ liệu xét, từng quy tắc, từng điều kiện với giá trị thực tế."""

        def _show() -> decisions.DecisionDetail:
            with uow() as session:
                return decisions.get_decision(session, actor, decision_id, resolver())

        return await run_in_threadpool(_show)

    @router.get("/v1/decisions/{decision_id}/reproduce")
    async def reproduce(decision_id: DecisionId, actor: ActorDep) -> decisions.Reproduction:
        """Xét lại dữ liệu đã lưu bằng đúng phiên bản đã lưu; so sánh mã băm kết quả."""

        def _run() -> decisions.Reproduction:
            with uow() as session:
                return decisions.reproduce_decision(
                    session, actor, decision_id, engine(), resolver()
                )

        return await run_in_threadpool(_run)

    def _whatif(actor: Actor, body: WhatIfRequest) -> whatif.WhatIfReport:
        whatif.check_whatif(actor)
        with uow() as session:
            draft = _draft(session, body)
            return whatif.run_whatif(
                session, actor, draft, movement=body.movement, year=body.year, source=body.source
            )

    @router.post("/v1/whatif", tags=["rules"])
    async def run(body: WhatIfRequest, actor: ActorDep) -> whatif.WhatIfReport:
        """Chạy thử bộ tiêu chí dự thảo trên mọi hồ sơ đã lưu (của một phong trào): ai được
        thêm, ai mất danh hiệu nào, vì quy tắc nào. Không ghi gì vào cơ sở dữ liệu."""
        return await run_in_threadpool(_whatif, actor, body)

    @router.post(
        "/v1/whatif:xlsx",
        tags=["rules"],
        response_class=FileResponse,
        responses={200: {"description": "Bảng tính", "content": {_XLSX: {}}}},
    )
    async def run_xlsx(body: WhatIfRequest, actor: ActorDep) -> FileResponse:
        """Như /v1/whatif, kết quả là tệp .xlsx (trang «Thay đổi» và «Tổng hợp»)."""

        def _write() -> FsPath:
            report = _whatif(actor, body)
            fd, name = tempfile.mkstemp(prefix="thidua-whatif-", suffix=".xlsx")
            os.close(fd)
            whatif.write_xlsx(report, name)
            return FsPath(name)

        path = await run_in_threadpool(_write)
        return FileResponse(
            path,
            media_type=_XLSX,
            filename="chay-thu-tieu-chi.xlsx",
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    return router
