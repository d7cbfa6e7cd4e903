"""Nominations: the list (filtered), one nomination with its rules explanation and history, the
reviewer's choices (approve, return, reject, hold, resume) and the unit officer's resubmission."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import ValidationError

from thidua.adapters.documents.achievement import achievement_docx, achievement_html
from thidua.app import nominations, rounds
from thidua.app.accounts.console import ConsoleSession
from thidua.app.achievement import achievement_report
from thidua.app.lifecycle import HoldRequest, ResumeRequest, ReviewRequest
from thidua.app.ports.nominations import NominationDetail, NominationFilter, NominationView
from thidua.app.ports.rounds import AwardItemView
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.labels import REVIEW_CHOICE_LABEL_VI
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints import awards
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web import explain
from thidua.entrypoints.web.forms import FormError, ShowAgain, post_form, resubmit_request
from thidua.entrypoints.web.kit import (
    PREFIX,
    names_of,
    now,
    refused,
    render,
    require,
    ruleset_of,
    title_names,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/nominations")
async def nomination_list(request: Request) -> Response:
    sess = await require(request)
    services = services_of(request)
    q = request.query_params
    stage = q.get("stage") or None
    unit = q.get("unit") or None
    title = q.get("title") or None
    text = (q.get("q") or "").strip().lower()
    if stage is not None and stage not in {s.value for s in Stage}:
        stage = None

    def _load(tx: Tx) -> tuple[list[NominationView], dict[str, str]]:
        filters = NominationFilter(stage=stage, unit=unit, title=title)
        views = nominations.list_nominations(tx, sess.actor, filters, limit=500)
        if text:
            views = [v for v in views if text in v.nominee_name.lower() or text in v.id.lower()]
        refs = [(v.ruleset.id, v.ruleset.version) for v in views if v.ruleset]
        return views, title_names(services.engine, refs)

    views, names = await services.uow.run(_load)
    return render(
        request,
        "nominations.html",
        sess,
        items=views,
        stages=list(Stage),
        filters={"stage": stage or "", "unit": unit or "", "title": title or "", "q": text},
        title_names=names,
    )


def _allowed_actions(actor: Actor, view: NominationDetail) -> list[str]:
    """What the policy lets this actor do here (the service checks again when it is done)."""
    stage = Stage(view.stage)
    allowed: list[str] = []
    for decision in ReviewDecision:
        try:
            policy.check_review(actor, stage, view.unit, decision)
        except Refusal:
            continue
        allowed.append(decision.value)
    try:
        policy.check_hold(actor, stage, view.unit)
        allowed.append("hold")
    except Refusal:
        pass
    try:
        policy.check_resume(actor, stage)
        allowed.append("resume")
    except Refusal:
        pass
    return allowed


def _may_resubmit(actor: Actor, view: NominationDetail) -> bool:
    try:
        policy.check_resubmit(actor, Stage(view.stage), view.unit)
    except Refusal:
        return False
    return True


def _may_revoke(actor: Actor, item: AwardItemView) -> bool:
    """The Director, on an award given and not yet revoked (the use case checks again)."""
    try:
        policy.check_revoke_award(actor)
    except Refusal:
        return False
    return rounds.granted(item) and not item.revoked


async def nomination_page(
    request: Request,
    sess: ConsoleSession,
    key: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    error_at: str | None = None,
) -> HTMLResponse:
    services = services_of(request)

    def _load(tx: Tx) -> tuple[NominationDetail, dict[str, Any], list[AwardItemView]]:
        view = nominations.get_nomination(tx, sess.actor, key)
        ref = (view.evaluation or {}).get("ruleset") or {}
        # The version that decided; without it the trace still reads, with field names and codes.
        lr = ruleset_of(services.engine, ref.get("id"), ref.get("version"))
        names = {
            "labels": explain.field_labels(lr) if lr is not None else {},
            "titles": names_of(lr),
        }
        return view, names, rounds.nomination_awards(tx, sess.actor, key)

    try:
        view, names, items = await services.uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(
        request,
        "nomination.html",
        sess,
        status=status,
        n=view,
        actions=_allowed_actions(sess.actor, view),
        explanation=explain.explain(view.evaluation, names["labels"], names["titles"]),
        title_names=names["titles"],
        overdue=view.deadline is not None and view.deadline < now(),
        error=error,
        form=form or {},
        decision_vi=REVIEW_CHOICE_LABEL_VI,
        may_explore=sess.actor.role in policy.DECISION_EXPLORERS,
        may_resubmit=_may_resubmit(sess.actor, view),
        error_at=error_at,
        facts_json=json.dumps(view.facts, ensure_ascii=False, indent=2),
        awards=items,
        revocable={i.code for i in items if _may_revoke(sess.actor, i)},
    )


@router.get("/nominations/{key}")
async def nomination(request: Request, key: str) -> Response:
    sess = await require(request)
    return await nomination_page(request, sess, key)


def _nomination_again(request: Request, key: str) -> ShowAgain:
    async def show(
        sess: ConsoleSession, status: int, error: str, form: dict[str, str], at: str | None
    ) -> Response:
        return await nomination_page(request, sess, key, status, error, form, at)

    return show


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/nominations/{key}/achievement-report")
async def nomination_achievement_report(request: Request, key: str) -> Response:
    """The nominee's achievement report, prefilled, for the unit to review and attach."""
    sess = await require(request)
    services = services_of(request)
    html = request.query_params.get("format") == "html"
    try:
        doc = await services.uow.run(
            lambda tx: achievement_report(tx, sess.actor, key, registry=services.engine.registry)
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    if html:
        return HTMLResponse(await anyio.to_thread.run_sync(achievement_html, doc))
    data = await anyio.to_thread.run_sync(achievement_docx, doc)
    name = f"{quote(key)}-bao-cao-thanh-tich.docx"
    return Response(
        data, media_type=_DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/nominations/{key}/act")
async def nomination_act(request: Request, key: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        action = form.get("action", "")
        reason = form.get("reason", "").strip() or None
        lifecycle, _rounds = services_of(request).commands()
        try:
            if action in {d.value for d in ReviewDecision}:
                body = ReviewRequest(decision=ReviewDecision(action), reason=reason)
                await lifecycle.review(sess.actor, key, body)
            elif action == "hold":
                await lifecycle.hold(sess.actor, key, HoldRequest(reason=reason or ""))
            elif action == "resume":
                await lifecycle.resume(sess.actor, key, ResumeRequest(reason=reason))
            else:
                raise Refusal(RefusalCode.INVALID, "action: thao tác không hợp lệ.")
        except ValidationError:
            raise FormError("reason", "Lý do: bắt buộc, tối đa 2000 ký tự.") from None
        return f"{PREFIX}/nominations/{quote(key)}?ok={action}"

    return await post_form(request, act, _nomination_again(request, key))


@router.post("/nominations/{key}/resubmit")
async def nomination_resubmit(request: Request, key: str) -> Response:
    """The unit officer sends a returned nomination back, corrected and supplemented."""

    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        lifecycle, _rounds = services_of(request).commands()
        await lifecycle.resubmit(sess.actor, key, resubmit_request(form))
        return f"{PREFIX}/nominations/{quote(key)}?ok=resubmit"

    return await post_form(request, act, _nomination_again(request, key))


@router.post("/nominations/{key}/awards/{code}/revoke")
async def nomination_revoke_award(request: Request, key: str, code: str) -> Response:
    """The Director revokes an award given to the nominee, with the reason; the revocation
    decision is issued at once."""

    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        services = services_of(request)
        reason = form.get("reason", "").strip()
        if not reason:
            raise FormError("reason", "Lý do thu hồi: bắt buộc.")
        await services.uow.run(
            lambda tx: awards.revoke_award(
                tx,
                sess.actor,
                key,
                code,
                reason,
                settings=services.settings,
                registry=services.engine.registry,
            )
        )
        return f"{PREFIX}/nominations/{quote(key)}?ok=revoked#awards"

    return await post_form(request, act, _nomination_again(request, key))


_MEDIA = {"docx": _DOCX, "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.get("/nominations/{key}/awards/{code}/revocation")
async def nomination_revocation(request: Request, key: str, code: str) -> Response:
    """The decision revoking the nominee's award, read like the nomination."""
    sess = await require(request)
    fmt = request.query_params.get("format", "docx")
    if fmt not in _MEDIA:
        fmt = "docx"
    try:
        path = await services_of(request).uow.run(
            lambda tx: rounds.revocation_file(tx, sess.actor, key, code, fmt)
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    name = f"{key}-{code}-thu-hoi.{fmt}"
    return FileResponse(path, media_type=_MEDIA[fmt], filename=name)
