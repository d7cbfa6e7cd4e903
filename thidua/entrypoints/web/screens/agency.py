"""The agency's profile: the version in force, every version, and (for the system administrator)
a new version pasted as YAML, through the console's form POST with its CSRF token.

The screen calls the use cases the API calls (``thidua.app.agency``); a refused file is shown
again with what was typed and the message naming the key at fault.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response

from thidua.app import agency
from thidua.app.accounts.console import ConsoleSession
from thidua.app.ports.uow import Tx
from thidua.domain.agency import PROFILE_KEYS
from thidua.domain.policy import AGENCY_ADMINS
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.forms import ShowAgain, post_form
from thidua.entrypoints.web.kit import PREFIX, render, require

router = APIRouter(prefix=PREFIX, include_in_schema=False)


async def agency_page(
    request: Request,
    sess: ConsoleSession,
    status: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    today = dt.date.today()

    def read(tx: Tx) -> tuple[agency.ProfileVersionView | None, list[agency.ProfileVersionView]]:
        try:
            current: agency.ProfileVersionView | None = agency.show(tx, today)
        except Refusal as exc:
            if exc.code is not RefusalCode.NOT_FOUND:
                raise
            current = None
        return current, agency.history(tx)

    current, versions = await services_of(request).uow.run(read)
    return render(
        request,
        "agency.html",
        sess,
        status=status,
        current=current,
        versions=versions,
        today=today,
        is_admin=sess.actor.role in AGENCY_ADMINS,
        keys=PROFILE_KEYS,
        error=error,
        form=form or {},
    )


@router.get("/agency")
async def agency_show(request: Request) -> Response:
    sess = await require(request)
    return await agency_page(request, sess)


def _again(request: Request) -> ShowAgain:
    async def show(
        sess: ConsoleSession, status: int, error: str, form: dict[str, str], at: str | None
    ) -> Response:
        return await agency_page(request, sess, status, error, form)

    return show


@router.post("/agency")
async def agency_set(request: Request) -> Response:
    async def act(sess: ConsoleSession, form: dict[str, str]) -> str:
        text = form.get("content", "").replace("\r\n", "\n")
        result = await services_of(request).uow.run(
            lambda tx: agency.set_profile_yaml(tx, sess.actor, text)
        )
        return f"{PREFIX}/agency?ok={'profile_set' if result.created else 'profile_same'}"

    return await post_form(request, act, _again(request))
