"""The organisation: units and their rosters on a date, one staff member (correct the record,
transfer to another unit), and the ratings register of a unit and year with a file upload.

The same use cases as the API (``thidua.app.org``): the administrator corrects and transfers;
unit roles see only their units (another unit's record is "not found"); ratings are written by
the Office, the administrator and, for their staff, unit officers and heads.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from thidua.adapters.tabular.org import read_tables
from thidua.app import org, ratings
from thidua.app.org_tables import RATINGS_TABLES, OrgFileError
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.org import UnitKind
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.http import status_of
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.forms import FormError, post_form
from thidua.entrypoints.web.kit import PREFIX, check_csrf, refused, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)
MAX_UPLOAD = 10 * 1024 * 1024
KIND_VI = {
    UnitKind.LEADERSHIP.value: "Lãnh đạo cơ quan",
    UnitKind.DIVISION.value: "Phòng chuyên môn",
    UnitKind.PUBLIC_SERVICE_UNIT.value: "Đơn vị sự nghiệp",
}


def _day(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(field, f"{field}: phải có dạng YYYY-MM-DD.") from None


@router.get("/units")
async def unit_list(request: Request) -> Response:
    sess = await require(request)
    try:
        units = await services_of(request).uow.run(lambda tx: org.list_units(tx, sess.actor))
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(request, "org_units.html", sess, units=units, kind_vi=KIND_VI)


async def _unit_page(
    request: Request,
    code: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    sess = await require(request)
    try:
        on = _day(request.query_params.get("on"), "on") or date.today()
    except FormError as exc:
        return refused(request, sess, Refusal(RefusalCode.INVALID, exc.message))

    def _load(tx: Tx) -> tuple[Any, Any]:
        return org.get_unit(tx, sess.actor, code), org.list_staff(tx, sess.actor, code, on)

    try:
        unit, roster = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request,
        "org_unit.html",
        sess,
        status=status,
        unit=unit,
        roster=[s for _, s in roster],
        on=on.isoformat(),
        kind_vi=KIND_VI,
        may_edit=sess.actor.role in policy.ORG_ADMINS,
        error=error,
        form=form or {},
        done=request.query_params.get("done") == "1",
    )


@router.get("/units/{code}")
async def unit_page(request: Request, code: str) -> Response:
    return await _unit_page(request, code)


@router.post("/units/{code}")
async def unit_correct(request: Request, code: str) -> Response:
    async def act(sess: Any, form: dict[str, str]) -> str:
        changes = {k: form.get(k) or None for k in ("name", "kind", "abbreviation")}
        await services_of(request).uow.run(
            lambda tx: org.update_unit(tx, sess.actor, code, changes)
        )
        return f"{PREFIX}/units/{quote(code)}?done=1"

    async def again(
        _: Any, status: int, error: str, form: dict[str, str], __: str | None
    ) -> Response:
        return await _unit_page(request, code, status, error, form)

    return await post_form(request, act, again)


async def _staff_page(
    request: Request,
    code: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    sess = await require(request)

    def _load(tx: Tx) -> tuple[Any, Any]:
        units = org.list_units(tx, sess.actor) if sess.actor.role in policy.ORG_ADMINS else []
        return org.get_staff(tx, sess.actor, code), units

    try:
        detail, units = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request,
        "org_staff.html",
        sess,
        status=status,
        s=detail.staff,
        assignments=detail.assignments,
        units=units,
        may_edit=sess.actor.role in policy.ORG_ADMINS,
        error=error,
        form=form or {},
        done=request.query_params.get("done"),
    )


@router.get("/staff/{code}")
async def staff_page(request: Request, code: str) -> Response:
    return await _staff_page(request, code)


@router.post("/staff/{code}")
async def staff_correct(request: Request, code: str) -> Response:
    async def act(sess: Any, form: dict[str, str]) -> str:
        changes = {k: form.get(k, "") for k in org.STAFF_FIELDS if k in form}
        await services_of(request).uow.run(
            lambda tx: org.correct_staff(tx, sess.actor, code, changes)
        )
        return f"{PREFIX}/staff/{quote(code)}?done=corrected"

    async def again(
        _: Any, status: int, error: str, form: dict[str, str], __: str | None
    ) -> Response:
        return await _staff_page(request, code, status, error, form)

    return await post_form(request, act, again)


@router.post("/staff/{code}/transfer")
async def staff_transfer(request: Request, code: str) -> Response:
    async def act(sess: Any, form: dict[str, str]) -> str:
        when = _day(form.get("valid_from"), "valid_from")
        if when is None:
            raise FormError("valid_from", "Ngày chuyển: bắt buộc (YYYY-MM-DD).")
        unit = form.get("unit", "")
        position = form.get("position") or None
        await services_of(request).uow.run(
            lambda tx: org.transfer_staff(tx, sess.actor, code, unit, when, position=position)
        )
        return f"{PREFIX}/staff/{quote(code)}?done=transferred"

    async def again(
        _: Any, status: int, error: str, form: dict[str, str], __: str | None
    ) -> Response:
        return await _staff_page(request, code, status, error, form)

    return await post_form(request, act, again)


async def _ratings_page(
    request: Request,
    year: int,
    unit: str | None,
    status: int = 200,
    error: str | None = None,
    errors: list[str] | None = None,
    summary: org.ImportSummary | None = None,
) -> Response:
    sess = await require(request)

    def _load(tx: Tx) -> tuple[Any, Any]:
        return org.list_units(tx, sess.actor), ratings.register(tx, sess.actor, year, unit)

    try:
        units, lines = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request,
        "org_ratings.html",
        sess,
        status=status,
        year=year,
        unit=unit or "",
        units=units,
        lines=lines,
        may_upload=sess.actor.role in policy.RATINGS_WRITERS,
        error=error,
        errors=errors or [],
        summary=summary,
    )


def _year(text: str | None) -> int:
    if text and text.isdigit() and 1945 <= int(text) <= 2100:
        return int(text)
    return date.today().year


@router.get("/ratings")
async def ratings_page(request: Request) -> Response:
    q = request.query_params
    return await _ratings_page(request, _year(q.get("year")), q.get("unit") or None)


@router.post("/ratings")
async def ratings_upload(request: Request) -> Response:
    sess = await require(request)
    try:
        form = await check_csrf(request, sess)
    except Refusal as exc:
        return refused(request, sess, exc)
    year, unit = _year(form.get("year")), form.get("unit") or None
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _ratings_page(request, year, unit, 400, "Chọn tệp .xlsx hoặc .csv để nhập.")
    data = await upload.read(MAX_UPLOAD + 1)
    dry_run = form.get("dry_run") == "1"
    try:
        if len(data) > MAX_UPLOAD:
            raise OrgFileError("tệp quá lớn (tối đa 10 MB).")
        tables = read_tables(
            data, PurePath(upload.filename).suffix, RATINGS_TABLES, upload.filename
        )
        summary = await services_of(request).uow.run(
            lambda tx: ratings.import_ratings(tx, sess.actor, tables["ratings"], dry_run=dry_run)
        )
    except OrgFileError as exc:
        return await _ratings_page(request, year, unit, 422, str(exc))
    except Refusal as exc:
        if exc.code is RefusalCode.FORBIDDEN:
            return refused(request, sess, exc)
        lines = [e.message for e in exc.errors]
        return await _ratings_page(request, year, unit, status_of(exc.code), exc.message, lines)
    return await _ratings_page(request, year, unit, summary=summary)
