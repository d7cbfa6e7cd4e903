"""The Office's consolidation rounds: the list and opening one, one round with its appraisal,
closing it, the council's meeting and votes, the Director's decision, the documents."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import ValidationError

from thidua.app import publication, rounds
from thidua.app.accounts.console import ConsoleSession
from thidua.app.initiative_choices import InitiativeChoiceRequest, choose_initiative
from thidua.app.ports.rounds import RoundListItem, RoundView
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.labels import APPRAISAL_OUTCOME_LABEL_VI
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Role
from thidua.domain.rounds import RoundStage
from thidua.entrypoints.http import status_of
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.forms import (
    FormError,
    ShowAgain,
    council_request,
    decision_request,
    open_round_request,
    post_form,
    resolve_objection_request,
)
from thidua.entrypoints.web.kit import (
    PREFIX,
    check_csrf,
    in_title_order,
    refused,
    render,
    require,
    title_names,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)
MEDIA_TYPE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("/rounds")
async def round_list(request: Request) -> Response:
    sess = await require(request)
    try:
        items = await services_of(request).uow.run(lambda tx: rounds.list_rounds(tx, sess.actor))
    except Refusal as exc:
        return refused(request, sess, exc)
    return round_list_page(request, sess, items)


def round_list_page(
    request: Request,
    sess: ConsoleSession,
    items: list[RoundListItem],
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    latest = items[-1] if items else None
    defaults = {
        "movement": latest.movement if latest else "",
        "year": str(latest.year) if latest else str(date.today().year),
        "late_policy": "refuse",
    }
    return render(
        request,
        "rounds.html",
        sess,
        status=status,
        items=list(reversed(items)),
        may_open=sess.actor.role is Role.OFFICE,
        error=error,
        form={**defaults, **(form or {})},
    )


@router.post("/rounds")
async def round_open(request: Request) -> Response:
    sess = await require(request)
    services = services_of(request)
    try:
        form = await check_csrf(request, sess)
        items = await services.uow.run(lambda tx: rounds.list_rounds(tx, sess.actor))
    except Refusal as exc:
        return refused(request, sess, exc)
    try:
        body = open_round_request(form)
    except FormError as exc:
        return round_list_page(request, sess, items, 400, exc.message, form)
    _lifecycle, commands = services.commands()
    try:
        view = await commands.open(sess.actor, body)
    except Refusal as exc:
        return round_list_page(request, sess, items, status_of(exc.code), exc.message, form)
    return RedirectResponse(f"{PREFIX}/rounds/{quote(view.key)}?ok=opened", 303)


async def round_page(
    request: Request,
    sess: ConsoleSession,
    key: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    error_at: str | None = None,
) -> HTMLResponse:
    services = services_of(request)

    def _load(tx: Tx) -> tuple[RoundView, dict[str, str]]:
        view = rounds.get_round(tx, sess.actor, key)
        ref = (view.ruleset.get("id", ""), view.ruleset.get("version", ""))
        return view, title_names(services.engine, [ref])

    try:
        view, names = await services.uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    stage = RoundStage(view.stage)
    steps = {
        step: policy.may_take_round_step(sess.actor, step, stage) for step in policy.ROUND_STEPS
    }
    by_unit_title: dict[str, dict[str, int]] = {}
    for item in view.items:
        by_unit_title.setdefault(item.unit, {}).setdefault(item.code, 0)
        by_unit_title[item.unit][item.code] += 1
    return render(
        request,
        "round.html",
        sess,
        status=status,
        r=view,
        steps=steps,
        codes=in_title_order(sorted({i.code for i in view.items}), names),
        title_names=names,
        outcome_vi=APPRAISAL_OUTCOME_LABEL_VI,
        by_unit_title=dict(sorted(by_unit_title.items())),
        error=error,
        error_at=error_at,
        form=form or {},
        today=date.today().isoformat(),
        may_resolve=sess.actor.role is Role.OFFICE and stage is not RoundStage.DECIDED,
    )


@router.get("/rounds/{key}")
async def round_detail(request: Request, key: str) -> Response:
    sess = await require(request)
    return await round_page(request, sess, key)


def _round_again(request: Request, key: str) -> ShowAgain:
    async def show(
        sess: ConsoleSession, status: int, error: str, form: dict[str, str], at: str | None
    ) -> Response:
        return await round_page(request, sess, key, status, error, form, at)

    return show


def _round_url(key: str, ok: str) -> str:
    return f"{PREFIX}/rounds/{quote(key)}?ok={ok}"


@router.post("/rounds/{key}/close")
async def round_close(request: Request, key: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        _lifecycle, commands = services_of(request).commands()
        await commands.close(sess.actor, key)
        return _round_url(key, "closed")

    return await post_form(request, act, _round_again(request, key))


@router.post("/rounds/{key}/initiative-choices")
async def round_initiative_choice(request: Request, key: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        services = services_of(request)
        nomination, _, initiative = form.get("conflict", "").partition("|")
        try:
            body = InitiativeChoiceRequest(
                nomination=nomination, initiative=initiative, award=form.get("award", "")
            )
        except ValidationError:
            raise FormError(
                "award", "Chọn sáng kiến và danh hiệu, hình thức sáng kiến làm căn cứ."
            ) from None
        await services.uow.run(
            lambda tx: choose_initiative(tx, sess.actor, key, body, services.engine)
        )
        return _round_url(key, "initiative_chosen")

    return await post_form(request, act, _round_again(request, key))


@router.post("/rounds/{key}/council")
async def round_council(request: Request, key: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        _lifecycle, commands = services_of(request).commands()
        await commands.council(sess.actor, key, council_request(form))
        return _round_url(key, "council")

    return await post_form(request, act, _round_again(request, key))


@router.post("/rounds/{key}/decision")
async def round_decision(request: Request, key: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        _lifecycle, commands = services_of(request).commands()
        body = decision_request(form)
        await commands.decide(sess.actor, key, body)
        return _round_url(key, "decided" if body.action.value == "approve" else "returned_round")

    return await post_form(request, act, _round_again(request, key))


@router.get("/rounds/{key}/documents/{kind}")
async def round_document(request: Request, key: str, kind: str) -> Response:
    sess = await require(request)
    fmt = request.query_params.get("format", "docx")
    if fmt not in MEDIA_TYPE:
        fmt = "docx"
    try:
        path = await services_of(request).uow.run(
            lambda tx: rounds.document_file(tx, sess.actor, key, kind, fmt)
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    return FileResponse(path, media_type=MEDIA_TYPE[fmt], filename=f"{key}-{kind}.{fmt}")


@router.post("/rounds/{key}/objections/{objection_id}/resolve")
async def round_resolve_objection(request: Request, key: str, objection_id: int) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        body = resolve_objection_request(form)
        await services_of(request).uow.run(
            lambda tx: publication.resolve_objection(tx, sess.actor, key, objection_id, body)
        )
        return _round_url(key, "objection_resolved")

    return await post_form(request, act, _round_again(request, key))
