"""Bulk routes: submit many nominations in one call, export nominations as a spreadsheet."""

import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from thidua.adapters.tabular import export_rows
from thidua.app import bulk, nominations
from thidua.app.ports.nominations import NominationFilter, NominationView
from thidua.domain.nominations import Stage
from thidua.entrypoints.api.deps import ActorDep, LifecycleDep, UowDep

router = APIRouter(tags=["nominations"])

MAX_BATCH = 1000

_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class BatchRequest(BaseModel):
    """Items are validated one by one, so one bad item does not refuse the whole batch."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Các hồ sơ {movement, unit, facts, dossier} (tối đa 1.000)",
    )


class BatchError(BaseModel):
    code: str
    detail: str
    field: str | None = None


class BatchResult(BaseModel):
    index: int
    status: Literal["created", "existing", "error"]
    id: str | None = None
    error: BatchError | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    accepted: int
    existing: int
    errors: int


@router.post("/v1/nominations:batch")
async def batch(body: BatchRequest, actor: ActorDep, lc: LifecycleDep) -> BatchResponse:
    """Nộp nhiều hồ sơ một lần (tối đa 1.000). Hồ sơ hợp lệ được nhận dù hồ sơ khác có lỗi;
    hồ sơ đã có (cùng người/tập thể, phong trào, năm) được báo là `existing`."""
    results: dict[int, BatchResult] = {}
    items: list[bulk.BulkItem] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(body.items):
        item, errors = bulk.validate_raw(index, raw, flat=False)
        if item is None:
            first = errors[0]
            detail = f"{first.column}: {first.message}"
            if len(errors) > 1:
                detail += f" (và {len(errors) - 1} lỗi khác)"
            results[index] = BatchResult(
                index=index,
                status="error",
                error=BatchError(code="invalid_request", detail=detail, field=first.column),
            )
        elif item.key in seen:
            results[index] = BatchResult(
                index=index,
                status="error",
                error=BatchError(
                    code="duplicate",
                    detail=f"trùng với mục {seen[item.key]} trong cùng lô",
                    field="facts.id",
                ),
            )
        else:
            seen[item.key] = index
            items.append(item)
    for o in await bulk.submit_items(lc, actor, items):
        if o.status == "error":
            results[o.row] = BatchResult(
                index=o.row,
                status="error",
                error=BatchError(code=o.code or "invalid", detail=o.detail or "", field=o.field),
            )
        else:
            results[o.row] = BatchResult(index=o.row, status=o.status, id=o.id)
    ordered = [results[i] for i in sorted(results)]
    return BatchResponse(
        results=ordered,
        accepted=sum(r.status == "created" for r in ordered),
        existing=sum(r.status == "existing" for r in ordered),
        errors=sum(r.status == "error" for r in ordered),
    )


@router.get("/v1/nominations:export", response_class=FileResponse)
async def export(
    actor: ActorDep,
    uow: UowDep,
    format: Literal["xlsx", "csv"] = Query(default="xlsx"),
    stage: Stage | None = None,
    unit: str | None = Query(default=None, max_length=32),
    movement: str | None = Query(default=None, max_length=32),
    year: int | None = Query(default=None, ge=1945, le=2100),
) -> FileResponse:
    """Tải danh sách hồ sơ (xlsx hoặc csv) — chỉ những hồ sơ người gọi được xem."""
    filters = NominationFilter(
        stage=stage.value if stage else None, unit=unit, movement=movement, year=year
    )
    views = await uow.run(
        lambda tx: nominations.list_nominations(tx, actor, filters, limit=1_000_000)
    )
    path = await run_in_threadpool(_write_export, views, format)
    return FileResponse(
        path,
        media_type=_MEDIA[format],
        filename=f"ho-so-de-nghi.{format}",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


def _write_export(views: list[NominationView], format: Literal["xlsx", "csv"]) -> Path:
    fd, name = tempfile.mkstemp(prefix="thidua-export-", suffix=f".{format}")
    os.close(fd)
    return export_rows(views, format, Path(name))
