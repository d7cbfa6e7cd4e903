"""The console's movements screen: the list, one movement with its phases, contents, awards and
registrations, and the registration form of a unit officer (scoped like every other write)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app import movements
from thidua.app.accounts import console as console_auth
from thidua.domain.movements import MovementSpec
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-dai-du-12"
TODAY = date.today()
CODE = f"TD-{TODAY.year}"


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        for user in ("canbo.ldvl", "vanphong"):
            console_auth.set_password(tx, user, PASSWORD)
        spec = MovementSpec.model_validate(
            {
                "code": CODE,
                "kind": "thematic",
                "name": "Phong trào chuyển đổi số",
                "year": TODAY.year,
                "plan": {"number": "07/KH", "date": date(TODAY.year, 1, 3)},
                "opens": date(TODAY.year, 1, 1),
                "closes": date(TODAY.year, 12, 31),
                "contents": [{"code": "c1", "text": "Số hóa hồ sơ thi đua"}],
                "awards": ["LDTT", "TTLDTT"],
                "phases": [
                    {
                        "phase": "registration",
                        "starts": TODAY - timedelta(days=3),
                        "ends": TODAY + timedelta(days=3),
                    }
                ],
            }
        )
        movements.create_movement(tx, Actor(username="vanphong", role=Role.OFFICE), spec)
    return seeded_sqlite


@pytest.fixture
async def http(db: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fast_settings(db.url, "console-movements"), db.uow, client=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, user: str) -> None:
    form = await http.get("/console/login")
    r = await http.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": csrf(form.text)},
    )
    assert r.status_code == 303


class TestMovementsScreen:
    async def test_the_list_and_the_detail_show_the_movement(self, http: httpx.AsyncClient) -> None:
        """Listed with its registration dates; the detail shows phases, contents and awards."""
        await sign_in(http, "vanphong")
        page = await http.get("/console/movements")
        assert page.status_code == 200 and CODE in page.text and "NTM-2024" in page.text
        page = await http.get(f"/console/movements/{CODE}")
        assert page.status_code == 200
        for text in ("Đăng ký thi đua", "Số hóa hồ sơ thi đua", "(TTLDTT)", "Kế hoạch số 07/KH"):
            assert text in page.text

    async def test_a_unit_officer_registers_and_sees_it(self, http: httpx.AsyncClient) -> None:
        """The form registers the officer's unit for the ticked titles."""
        await sign_in(http, "canbo.ldvl")
        page = await http.get(f"/console/movements/{CODE}")
        r = await http.post(
            f"/console/movements/{CODE}/registrations",
            data={"csrf_token": csrf(page.text), "unit": "LDVL", "title_TTLDTT": "1"},
        )
        assert r.status_code == 303 and r.headers["location"].endswith("ok=registered")
        page = await http.get(r.headers["location"])
        assert "Đã đăng ký thi đua." in page.text and "Phòng Lao động" in page.text

    async def test_a_refused_form_is_shown_again_with_the_message(
        self, http: httpx.AsyncClient
    ) -> None:
        """No title ticked: 400 and the message; another unit: the not-found page."""
        await sign_in(http, "canbo.ldvl")
        page = await http.get(f"/console/movements/{CODE}")
        r = await http.post(
            f"/console/movements/{CODE}/registrations",
            data={"csrf_token": csrf(page.text), "unit": "LDVL"},
        )
        assert r.status_code == 400 and "Chưa chọn danh hiệu nào" in r.text
        r = await http.post(
            f"/console/movements/{CODE}/registrations",
            data={"csrf_token": csrf(page.text), "unit": "GDNN", "title_TTLDTT": "1"},
        )
        assert r.status_code == 404 and "Không tìm thấy đơn vị GDNN" in r.text
