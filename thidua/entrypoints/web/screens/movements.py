"""Movements: the list, one movement (plan, phases, contents, awards, registrations) and the
registration form (đăng ký thi đua) for the unit roles and the Office."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from thidua.app import movements
from thidua.app.accounts.console import ConsoleSession
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.refusals import Refusal
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.forms import FormError, post_form
from thidua.entrypoints.web.kit import PREFIX, refused, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/movements")
async def movement_list(request: Request) -> Response:
    sess = await require(request)
    try:
        items = await services_of(request).uow.run(
            lambda tx: movements.list_movements(tx, sess.actor)
        )
    except Refusal as exc:
        return refused(request, sess, exc)
    return render(request, "movements.html", sess, items=items)


async def movement_page(
    request: Request,
    sess: ConsoleSession,
    code: str,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    error_at: str | None = None,
) -> HTMLResponse:
    def _load(tx: Tx) -> tuple[movements.MovementDetail, dict[str, str]]:
        detail = movements.show_movement(tx, sess.actor, code)
        known = movements.known_awards(tx, detail.movement.year) or {}
        return detail, {c: t.name_vi for c, t in known.items()}

    try:
        detail, names = await services_of(request).uow.run(_load)
    except Refusal as exc:
        return refused(request, sess, exc)
    may_register = sess.actor.role in policy.REGISTRARS
    units = list(sess.actor.units)
    return render(
        request,
        "movement.html",
        sess,
        status=status,
        m=detail.movement,
        registrations=detail.registrations,
        may_register=may_register,
        units=units,
        title_names=names,
        error=error,
        error_at=error_at,
        form=form or {"unit": units[0] if units else ""},
    )


@router.get("/movements/{code}")
async def movement_detail(request: Request, code: str) -> Response:
    sess = await require(request)
    return await movement_page(request, sess, code)


def registration_request(form: dict[str, str]) -> movements.RegistrationRequest:
    unit = form.get("unit", "").strip()
    if not unit:
        raise FormError("unit", "Chưa chọn đơn vị.")
    titles = [k.removeprefix("title_") for k, v in form.items() if k.startswith("title_") and v]
    if not titles:
        raise FormError("titles", "Chưa chọn danh hiệu nào để đăng ký.")
    staff = form.get("staff", "").strip() or None
    return movements.RegistrationRequest(unit=unit, staff=staff, titles=titles)


@router.post("/movements/{code}/registrations")
async def movement_register(request: Request, code: str) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        body = registration_request(form)
        view = await services_of(request).uow.run(
            lambda tx: movements.register(tx, sess.actor, code, body)
        )
        return f"{PREFIX}/movements/{quote(code)}?ok={'registered_late' if view.late else 'registered'}"

    async def again(
        sess: ConsoleSession, status: int, error: str, form: dict[str, str], at: str | None
    ) -> Response:
        return await movement_page(request, sess, code, status, error, form, at)

    return await post_form(request, act, again)
