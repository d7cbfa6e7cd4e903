"""The decision explorer: search the stored decisions (evaluations), export them as CSV, read one
in full, and reproduce it with the version that decided.

Every screen calls the service the API calls (``thidua.app.decisions``) with the signed-in actor;
its refusals are shown as they are.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from thidua.app import decisions
from thidua.app.accounts.console import ConsoleSession
from thidua.app.ports.uow import Tx
from thidua.domain.labels import ELIGIBILITY_LABEL_VI
from thidua.domain.refusals import Refusal
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.kit import PREFIX, check_csrf, refused, render, require, title_names

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE = 100


def _filter(q: Any) -> decisions.DecisionFilter:
    year = q.get("year", "")
    return decisions.DecisionFilter(
        movement=q.get("movement") or None,
        unit=q.get("unit") or None,
        year=int(year) if year.isdigit() else None,
        kind=q.get("kind") if q.get("kind") in ("individual", "collective") else None,
        title=q.get("title") or None,
        rule=q.get("rule") or None,
        rule_outcome=q.get("rule_outcome")
        if q.get("rule_outcome") in ("fired", "not_fired", "skipped")
        else "fired",
        outcome=q.get("outcome") if q.get("outcome") in ELIGIBILITY_LABEL_VI else None,
        nomination=q.get("nomination") or None,
    )


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/decisions")
async def decision_search(request: Request) -> Response:
    sess = await require(request)
    services = services_of(request)
    q = request.query_params
    f = _filter(q)
    after = int(q["after"]) if q.get("after", "").isdigit() else None

    def _load(tx: Tx) -> tuple[decisions.DecisionPage, dict[str, str]]:
        page = decisions.search_decisions(tx, sess.actor, f, limit=PAGE, after_id=after)
        refs = [(d.ruleset.id, d.ruleset.version) for d in page.items]
        return page, title_names(services.engine, refs)

    page, names = await services.uow.run(_load)
    params = {k: v for k, v in q.items() if k != "after" and v}
    return render(
        request,
        "decisions.html",
        sess,
        page=page,
        q=dict(q),
        next_url=(
            f"{PREFIX}/decisions?{urlencode({**params, 'after': page.next_cursor})}"
            if page.next_cursor
            else None
        ),
        export_url=f"{PREFIX}/decisions/export.csv?{urlencode(params)}",
        statuses=ELIGIBILITY_LABEL_VI,
        title_names=names,
    )


@router.get("/decisions/export.csv")
async def decision_export(request: Request) -> Response:
    sess = await require(request)
    f = _filter(request.query_params)

    def _csv(tx: Tx) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["id", "ho_so", "ho_ten", "don_vi", "nam", "lan_xet", "bo_tieu_chi", "phien_ban",
             "sha256", "ket_qua", "danh_hieu", "de_nghi", "thoi_diem"]
        )  # fmt: skip
        after: int | None = None
        while True:
            page = decisions.search_decisions(tx, sess.actor, f, limit=500, after_id=after)
            for d in page.items:
                writer.writerow(
                    csv_cell(v) for v in
                    [d.id, d.nomination, d.nominee_name, d.unit, d.year, d.phase,
                     d.ruleset.id, d.ruleset.version, d.ruleset.sha256, d.status,
                     " ".join(d.titles), " ".join(d.proposals), d.evaluated_at.isoformat()]
                )  # fmt: skip
            if page.next_cursor is None:
                return out.getvalue()
            after = page.next_cursor

    body = await services_of(request).uow.run(_csv)
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="quyet-dinh.csv"'},
    )


async def decision_page(
    request: Request,
    sess: ConsoleSession,
    decision_id: int,
    resolver: decisions.VersionResolver,
    reproduction: Any = None,
) -> HTMLResponse:
    services = services_of(request)

    def _load(tx: Tx) -> tuple[decisions.DecisionDetail, dict[str, str]]:
        detail = decisions.get_decision(tx, sess.actor, decision_id, resolver)
        ref = (detail.ruleset.id, detail.ruleset.version)
        return detail, title_names(services.engine, [ref])

    try:
        detail, names = await services.uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request, "decision.html", sess, d=detail, reproduction=reproduction, title_names=names
    )


@router.get("/decisions/{decision_id}")
async def decision_show(request: Request, decision_id: str) -> Response:
    sess = await require(request)
    if not decision_id.isdigit():
        return refused(request, sess, decisions.not_found())
    # A resolver for this request only: a draft's content may be replaced between requests.
    return await decision_page(request, sess, int(decision_id), decisions.VersionResolver())


@router.post("/decisions/{decision_id}/reproduce")
async def decision_reproduce(request: Request, decision_id: str) -> Response:
    sess = await require(request)
    if not decision_id.isdigit():
        return refused(request, sess, decisions.not_found())
    services = services_of(request)
    resolver = decisions.VersionResolver()
    try:
        await check_csrf(request, sess)
        # The stored version is passed to the engine explicitly: the process's engine serves.
        result = await services.uow.run(
            lambda tx: decisions.reproduce_decision(
                tx, sess.actor, int(decision_id), services.engine, resolver
            )
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    return await decision_page(request, sess, int(decision_id), resolver, result)
