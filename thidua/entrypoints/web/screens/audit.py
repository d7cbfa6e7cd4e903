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
from sqlalchemy.orm import Session

from thidua.app import audit
from thidua.domain import policy
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.kit import PREFIX, refused, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE = 100


@router.get("/audit")
async def audit_log(request: Request) -> Response:
    sess = await require(request)
    try:
        policy.check_audit_read(sess.actor)
    except Refusal as exc:
        return refused(request, sess, exc)
    verifies = sess.actor.role in policy.AUDIT_VERIFIERS
    q = request.query_params
    f = audit.AuditFilter(
        action=q.get("action") or None,
        object_type=q.get("object_type") or None,
        object_id=q.get("object_id") or None,
        actor=q.get("actor") or None,
    )
    after = int(q["after"]) if q.get("after", "").isdigit() else None

    def _load(s: Session) -> tuple[Any, ...]:
        report = audit.verify(s) if verifies else None  # it reads the whole table
        items, next_seq = audit.page_entries(s, f, after, PAGE)
        return report, items, next_seq

    report, items, next_seq = await services_of(request).uow.run_session(_load)
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
    fmt = "csv" if q.get("format") == "csv" else "jsonl"
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

    def _export(s: Session) -> str:
        out = io.StringIO()
        audit.export(s, out, start=start, end=end, fmt=fmt)  # type: ignore[arg-type]
        return out.getvalue()

    try:
        body = await services_of(request).uow.run_session(_export)
    except audit.AuditError as exc:
        return refused(request, sess, Refusal(RefusalCode.INVALID, str(exc)))
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="nhat-ky-kiem-toan.{fmt}"'},
    )
