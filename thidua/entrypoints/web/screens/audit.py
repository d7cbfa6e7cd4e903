"""The audit log: entries page by page with the chain's verification status, and exports.

Who reads and who verifies is ``thidua.domain.policy``'s (as for the API): auditors and rules
administrators list; only auditors verify the whole chain.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from thidua.app import audit
from thidua.app.ports.audit import AuditFilter
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.audit_export import ExportFormat
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.kit import PREFIX, refused, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE = 100


@router.get("/audit")
async def audit_log(request: Request) -> Response:
    sess = await require(request)
    verifies = sess.actor.role in policy.AUDIT_VERIFIERS
    q = request.query_params
    f = AuditFilter(
        action=q.get("action") or None,
        object_type=q.get("object_type") or None,
        object_id=q.get("object_id") or None,
        actor=q.get("actor") or None,
    )
    after = int(q["after"]) if q.get("after", "").isdigit() else None

    def _load(tx: Tx) -> tuple[Any, ...]:
        items, next_seq = audit.read_page(tx, sess.actor, f, after, PAGE)
        report = audit.verify_as(tx, sess.actor) if verifies else None  # reads the whole table
        return report, items, next_seq

    try:
        report, items, next_seq = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    params = {k: v for k, v in q.items() if k != "after" and v}
    return render(
        request,
        "audit.html",
        sess,
        report=report,
        problem=report.problem.message() if report is not None and report.problem else None,
        items=items,
        q=dict(q),
        next_url=(
            f"{PREFIX}/audit?{urlencode({**params, 'after': next_seq})}" if next_seq else None
        ),
    )


@router.get("/audit/export")
async def audit_export(request: Request) -> Response:
    sess = await require(request)
    q = request.query_params
    fmt: ExportFormat = "csv" if q.get("format") == "csv" else "jsonl"
    try:
        policy.check_audit_read(sess.actor)
    except Refusal as exc:
        return refused(request, sess, exc)
    try:
        start = dt.date.fromisoformat(q["from"]) if q.get("from") else None
        end = dt.date.fromisoformat(q["to"]) if q.get("to") else None
    except ValueError:
        return refused(
            request, sess, Refusal(RefusalCode.INVALID, "Ngày: phải có dạng YYYY-MM-DD.")
        )

    def _export(tx: Tx) -> str:
        out = io.StringIO()
        audit.export(tx, out, start=start, end=end, fmt=fmt)
        return out.getvalue()

    try:
        body = await services_of(request).uow.run(_export)
    except Refusal as exc:
        return refused(request, sess, exc)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="nhat-ky-kiem-toan.{fmt}"'},
    )
