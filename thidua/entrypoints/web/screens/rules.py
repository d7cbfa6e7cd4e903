"""Rules versions: the list, the editor (errors shown at their line), golden cases run with the
real engine, the diff against the published version, what-if over the stored decisions, approval
by a second administrator, publishing.

Every screen calls the services the API calls (``rules_versions``, ``whatif``) with the signed-in
actor; their refusals are shown as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from rules.errors import RulesFileError
from thidua.app import rules_versions as rv
from thidua.app import whatif
from thidua.app.accounts.console import ConsoleSession
from thidua.app.ports.uow import Tx
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Role
from thidua.entrypoints.http import status_of
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.forms import FormError, ShowAgain, post_form
from thidua.entrypoints.web.kit import PREFIX, check_csrf, refused, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def numbered(text: str, bad: set[int], context: int = 3) -> list[tuple[int, str, bool]]:
    """The lines around each bad line, numbered, the bad ones marked (for the error listing)."""
    near = {n for b in bad for n in range(b - context, b + context + 1)}
    return [(i, line, i in bad) for i, line in enumerate(text.splitlines(), start=1) if i in near]


@router.get("/rules")
async def rules_list(request: Request) -> Response:
    sess = await require(request)
    try:
        items = await services_of(request).uow.run(lambda tx: rv.list_versions(tx, sess.actor))
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(request, "rules.html", sess, items=items)


def _editor(
    request: Request,
    sess: ConsoleSession,
    *,
    action: str,
    content: str,
    golden: str,
    notes: str,
    title: str,
    status: int = 200,
    error: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    errors = errors or []
    bad = {
        int(e["line"])
        for e in errors
        if str(e.get("field", "content")) == "content" and e.get("line")
    }
    bad_golden = {
        int(e["line"]) for e in errors if str(e.get("field")) == "golden" and e.get("line")
    }
    return render(
        request,
        "rules_edit.html",
        sess,
        status=status,
        action=action,
        content=content,
        golden=golden,
        notes=notes,
        heading=title,
        error=error,
        errors=errors,
        listing=numbered(content, bad) if bad else [],
        golden_listing=numbered(golden, bad_golden) if bad_golden else [],
    )


@router.get("/rules/new")
async def rules_new(request: Request) -> Response:
    sess = await require(request)
    q = request.query_params
    content = golden = ""
    if q.get("from_id") and q.get("from_version"):
        try:
            base = await services_of(request).uow.run(
                lambda tx: rv.show_version(tx, sess.actor, q["from_id"], q["from_version"])
            )
        except Refusal as exc:
            return refused(request, sess, exc)
        content, golden = base.content, base.golden or ""
    return _editor(
        request,
        sess,
        action=f"{PREFIX}/rules/new",
        content=content,
        golden=golden,
        notes="",
        title="Soạn phiên bản mới",
    )


async def _save(
    request: Request, sess: ConsoleSession, ruleset_id: str | None, version: str | None
) -> Response:
    try:
        form = await check_csrf(request, sess)
    except Refusal as exc:
        return refused(request, sess, exc)
    content = form.get("content", "").replace("\r\n", "\n")
    golden = form.get("golden", "").replace("\r\n", "\n")
    notes = form.get("notes", "")
    action = request.url.path
    title = "Soạn phiên bản mới" if ruleset_id is None else f"Sửa bản nháp {ruleset_id}@{version}"
    try:
        body = rv.UploadRequest(content=content, golden=golden or None, notes=notes or None)
        if ruleset_id is None or version is None:
            saved = await services_of(request).uow.run(lambda tx: rv.upload(tx, sess.actor, body))
        else:
            saved = await services_of(request).uow.run(
                lambda tx: rv.replace_draft(tx, sess.actor, ruleset_id, version, body)
            )
    except ValidationError as exc:
        first = exc.errors()[0]
        return _editor(
            request, sess, action=action, content=content, golden=golden, notes=notes,
            title=title, status=400,
            error=f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}",
        )  # fmt: skip
    except Refusal as exc:
        return _editor(
            request, sess, action=action, content=content, golden=golden, notes=notes,
            title=title, status=status_of(exc.code), error=exc.message,
            errors=[e.as_dict() for e in exc.errors],
        )  # fmt: skip
    except RulesFileError as exc:  # pragma: no cover - the service wraps loader errors
        return _editor(
            request, sess, action=action, content=content, golden=golden, notes=notes,
            title=title, status=422, error=str(exc),
        )  # fmt: skip
    return RedirectResponse(
        f"{PREFIX}/rules/{quote(saved.ruleset_id)}/{quote(saved.version)}?ok=saved", 303
    )


@router.post("/rules/new")
async def rules_create(request: Request) -> Response:
    sess = await require(request)
    return await _save(request, sess, None, None)


@router.get("/rules/{ruleset_id}/{version}/edit")
async def rules_edit(request: Request, ruleset_id: str, version: str) -> Response:
    sess = await require(request)
    try:
        d = await services_of(request).uow.run(
            lambda tx: rv.show_version(tx, sess.actor, ruleset_id, version)
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    return _editor(
        request,
        sess,
        action=f"{PREFIX}/rules/{quote(ruleset_id)}/{quote(version)}/edit",
        content=d.content,
        golden=d.golden or "",
        notes=d.notes or "",
        title=f"Sửa bản nháp {ruleset_id}@{version}",
    )


@router.post("/rules/{ruleset_id}/{version}/edit")
async def rules_update(request: Request, ruleset_id: str, version: str) -> Response:
    sess = await require(request)
    return await _save(request, sess, ruleset_id, version)


async def version_page(
    request: Request,
    sess: ConsoleSession,
    ruleset_id: str,
    version: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    def _load(tx: Tx) -> dict[str, Any]:
        detail = rv.show_version(tx, sess.actor, ruleset_id, version)
        return {"v": detail, "diff": rv.diff_version(tx, sess.actor, ruleset_id, version)}

    try:
        data = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request,
        "rules_version.html",
        sess,
        status=status,
        error=error,
        form=form or {},
        is_admin=sess.actor.role is Role.RULES_ADMIN,
        today=dt.date.today().isoformat(),
        **data,
    )


@router.get("/rules/{ruleset_id}/{version}")
async def rules_version(request: Request, ruleset_id: str, version: str) -> Response:
    sess = await require(request)
    return await version_page(request, sess, ruleset_id, version)


@router.get("/rules/{ruleset_id}/{version}/golden")
async def rules_golden(request: Request, ruleset_id: str, version: str) -> Response:
    """The version's golden cases run with the real engine (nothing written)."""
    sess = await require(request)
    services = services_of(request)

    def _load(tx: Tx) -> dict[str, Any]:
        detail = rv.show_version(tx, sess.actor, ruleset_id, version)
        out: dict[str, Any] = {"v": detail}
        try:
            out["golden"] = rv.run_tests(tx, sess.actor, services.engine, ruleset_id, version)
        except Refusal as exc:
            if exc.code in (RefusalCode.FORBIDDEN, RefusalCode.NOT_FOUND):
                raise
            out["golden_error"] = exc.message
        return out

    try:
        data = await services.uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(request, "rules_golden.html", sess, **data)


@router.get("/rules/{ruleset_id}/{version}/whatif")
async def rules_whatif(request: Request, ruleset_id: str, version: str) -> Response:
    """Who gains or loses what under this version, over every stored decision, and why."""
    sess = await require(request)

    def _load(tx: Tx) -> dict[str, Any]:
        detail = rv.show_version(tx, sess.actor, ruleset_id, version)
        draft = whatif.draft_from_db(tx, ruleset_id, version)
        return {"v": detail, "whatif": whatif.run_whatif(tx, sess.actor, draft)}

    try:
        data = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    except RulesFileError as exc:
        return refused(request, sess, Refusal(RefusalCode.INVALID, str(exc)))
    return render(request, "rules_whatif.html", sess, **data)


def _version_again(request: Request, ruleset_id: str, version: str) -> ShowAgain:
    async def show(
        sess: ConsoleSession, status: int, error: str, form: dict[str, str], at: str | None
    ) -> Response:
        return await version_page(request, sess, ruleset_id, version, status, error, form)

    return show


def _version_url(ruleset_id: str, version: str, ok: str) -> str:
    return f"{PREFIX}/rules/{quote(ruleset_id)}/{quote(version)}?ok={ok}"


@router.post("/rules/{ruleset_id}/{version}/approve")
async def rules_approve(request: Request, ruleset_id: str, version: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        await services_of(request).uow.run(
            lambda tx: rv.approve(tx, sess.actor, ruleset_id, version)
        )
        return _version_url(ruleset_id, version, "approved")

    return await post_form(request, act, _version_again(request, ruleset_id, version))


@router.post("/rules/{ruleset_id}/{version}/publish")
async def rules_publish(request: Request, ruleset_id: str, version: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        try:
            body = rv.PublishRequest.model_validate(
                {
                    "effective_from": form.get("effective_from", ""),
                    "effective_to": form.get("effective_to") or None,
                }
            )
        except ValidationError:
            raise FormError(
                "effective_from", "Ngày hiệu lực: chưa nhập hoặc không đúng dạng ngày."
            ) from None
        services = services_of(request)
        await services.uow.run(
            lambda tx: rv.publish(tx, sess.actor, services.engine, ruleset_id, version, body)
        )
        return _version_url(ruleset_id, version, "published")

    return await post_form(request, act, _version_again(request, ruleset_id, version))
