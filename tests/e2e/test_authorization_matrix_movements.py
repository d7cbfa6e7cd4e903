"""Every role × movement endpoint × own/foreign unit (the app in process, SQLite and PostgreSQL).

The accounts are the sample ones of ``test_authorization_matrix`` plus an administrator
(``admin``). Movements: the Office and administrators write, every role reads. Registrations:
unit roles for their own unit only (another unit: 404, or the import row's unit not found), the
Office for any unit, every other role 403; lists are scoped to the unit roles' units.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from temporalio.client import Client

from tests.e2e.test_authorization_matrix import (
    EVERYONE,
    HEAD,
    HEAD_FOREIGN,
    OFFICER,
    OFFICER_FOREIGN,
    PIPELINE,
)
from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.tabular.registrations import write_registrations_xlsx
from thidua.app.accounts.tokens import issue_token
from thidua.app.ports.accounts import NewAccount
from thidua.domain.roles import Role
from thidua.entrypoints.api.app import create_app

ADMIN = "quantri.hethong"
USERS = [*EVERYONE, ADMIN]
WRITERS = {"vanphong", ADMIN}
OWN = {OFFICER, HEAD, PIPELINE}
FOREIGN = {OFFICER_FOREIGN, HEAD_FOREIGN}
TODAY = date.today()
CODE = f"TD-{TODAY.year}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def movement(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "annual_review",
        "name": "Bình xét danh hiệu thi đua",
        "year": TODAY.year,
        "plan": {"number": "05/KH", "date": f"{TODAY.year}-01-03"},
        "opens": f"{TODAY.year}-01-01",
        "closes": f"{TODAY.year}-12-31",
        "awards": ["LDTT", "TTLDTT"],
        "phases": [
            {
                "phase": "registration",
                "starts": (TODAY - timedelta(days=3)).isoformat(),
                "ends": (TODAY + timedelta(days=3)).isoformat(),
            }
        ],
    }


def register_status(user: str) -> int:
    if user in OWN or user == "vanphong":
        return 201
    return 404 if user in FOREIGN else 403


def import_status(user: str) -> int:
    if user in OWN or user == "vanphong":
        return 200
    return 422 if user in FOREIGN else 403  # a foreign unit's row: "unit not found"


@pytest.fixture
async def matrix_api(seeded: SeededDb) -> AsyncIterator[Api]:
    with seeded.uow() as tx:
        if tx.accounts.account(ADMIN) is None:  # the sample data has one
            tx.accounts.seed_accounts([NewAccount(ADMIN, "Quản trị hệ thống", Role.ADMIN)])
        token, _ = issue_token(tx, ADMIN, name="matrix")
    seeded.tokens[ADMIN] = seeded.tokens["vanphong"].model_copy(
        update={"username": ADMIN, "role": "admin", "token": token}
    )
    app = create_app(fast_settings(seeded.url, "q"), seeded.uow, cast(Client, object()))
    async with serve_app(app) as http:
        yield Api(http, seeded)


class TestMovementsAuthorizationMatrix:
    async def test_every_role_gets_the_expected_answer(self, matrix_api: Api) -> None:
        """Reads, writes, registrations and imports: each role × own/foreign answer is right."""
        api = matrix_api
        assert (
            await api.call("vanphong", "POST", "/v1/movements", movement(CODE))
        ).status_code == 201
        wrong: list[str] = []

        def check(user: str, what: str, got: int, want: int) -> None:
            if got != want:
                wrong.append(f"{user} {what}: {got} (expected {want})")

        path = f"/v1/movements/{CODE}/registrations"
        for i, user in enumerate(USERS):
            r = await api.call(user, "GET", "/v1/movements")
            check(user, "GET movements", r.status_code, 200)
            r = await api.call(user, "GET", f"/v1/movements/{CODE}")
            check(user, "GET movement", r.status_code, 200)
            r = await api.call(user, "POST", "/v1/movements", movement(f"M{i}-{TODAY.year}"))
            check(user, "POST movement", r.status_code, 201 if user in WRITERS else 403)
            r = await api.call(user, "PUT", f"/v1/movements/{CODE}", movement(CODE))
            check(user, "PUT movement", r.status_code, 200 if user in WRITERS else 403)

            r = await api.call(user, "POST", path, {"unit": "LDVL", "titles": ["TTLDTT"]})
            check(user, "POST registration", r.status_code, register_status(user))
            sheet = write_registrations_xlsx(
                [{"movement": CODE, "kind": "individual", "code": "NV018", "titles": "LDTT"}]
            )
            r = await api.call(
                user, "POST", f"{path}:import", content=sheet, headers={"Content-Type": XLSX}
            )
            check(user, "POST registrations:import", r.status_code, import_status(user))

        for user in USERS:
            r = await api.call(user, "GET", path)
            check(user, "GET registrations", r.status_code, 200)
            units = {x["unit"] for x in r.json()} if r.status_code == 200 else set()
            want = set() if user in FOREIGN else {"LDVL"}
            check(user, "GET registrations (units seen)", len(units), len(want))
            r = await api.call(user, "GET", f"/v1/movements/{CODE}")
            seen = {x["unit"] for x in r.json()["registrations"]}
            check(user, "GET movement (registrations seen)", len(seen), len(want))

        r = await api.call(None, "GET", "/v1/movements")
        check("(anonymous)", "GET movements", r.status_code, 401)
        assert wrong == [], "\n".join(wrong)
