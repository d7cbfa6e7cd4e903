"""The console's organisation screens on a real database: units, a staff record (correct,
transfer), the ratings register with an upload; unit roles see only their units."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app.accounts import console as console_auth
from thidua.app.accounts.users import create_user
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-rat-dai-1"
HEADER = "year,staff_code,rating,months_worked,maternity_months,discipline,discipline_until\n"


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        if tx.accounts.account("quantri.hethong") is None:  # the sample data has one
            create_user(tx, "quantri.hethong", "admin")
        for user in ("quantri.hethong", "truongphong.ldvl", "quantri.quydinh1"):
            console_auth.set_password(tx, user, PASSWORD)
    return seeded_sqlite


@pytest.fixture
async def app_http(db: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fast_settings(db.url, "console-org"), db.uow, client=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def signed_in(http: httpx.AsyncClient, user: str) -> str:
    """Sign ``user`` in; the session's CSRF token."""
    form = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = await http.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert r.status_code == 303
    page = await http.get("/console/units")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return found.group(1) if found else ""


async def csrf_of(http: httpx.AsyncClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get(path)).text)
    assert found is not None
    return found.group(1)


class TestOrgScreens:
    async def test_admin_corrects_and_transfers_a_staff_member(
        self, app_http: httpx.AsyncClient
    ) -> None:
        """The administrator's forms change the record; the history shows two assignments."""
        await signed_in(app_http, "quantri.hethong")
        units = await app_http.get("/console/units")
        assert units.status_code == 200 and "Văn phòng Sở" in units.text
        csrf = await csrf_of(app_http, "/console/staff/NV020")
        r = await app_http.post(
            "/console/staff/NV020",
            data={
                "csrf_token": csrf,
                "full_name": "Lê Thị Thùy Dung",
                "gender": "nu",
                "position": "Chuyên viên chính",
                "category": "",
                "left": "",
            },
        )
        assert r.status_code == 303
        r = await app_http.post(
            "/console/staff/NV020/transfer",
            data={"csrf_token": csrf, "unit": "GDNN", "valid_from": "2026-07-01", "position": ""},
        )
        assert r.status_code == 303
        page = await app_http.get("/console/staff/NV020")
        assert "Chuyên viên chính" in page.text and page.text.count("<td>GDNN</td>") == 1
        bad = await app_http.post(
            "/console/staff/NV020/transfer",
            data={"csrf_token": csrf, "unit": "VP", "valid_from": "1800-01-01"},
        )
        assert bad.status_code == 422 and 'id="form-error"' in bad.text

    async def test_unit_head_sees_own_unit_and_uploads_ratings(
        self, app_http: httpx.AsyncClient
    ) -> None:
        """A unit head lists only LDVL, gets 404 for GDNN, and an upload with a foreign row
        shows the row error and imports nothing."""
        await signed_in(app_http, "truongphong.ldvl")
        units = await app_http.get("/console/units")
        assert "LDVL" in units.text and "GDNN" not in units.text
        assert (await app_http.get("/console/units/GDNN")).status_code == 404
        assert (await app_http.get("/console/staff/NV026")).status_code == 404
        csrf = await csrf_of(app_http, "/console/ratings?year=2026")
        data = (HEADER + "2026,NV020,HTXSNV,12,0,none,\n2026,NV026,HTNV,12,0,none,\n").encode()
        r = await app_http.post(
            "/console/ratings",
            data={"csrf_token": csrf, "year": "2026", "unit": ""},
            files={"file": ("r.csv", data, "text/csv")},
        )
        assert r.status_code == 422
        assert (
            "sheet ratings, dòng 3, cột staff_code: nhân sự không thuộc các đơn vị của bạn"
            in r.text
        )
        ok = await app_http.post(
            "/console/ratings",
            data={"csrf_token": csrf, "year": "2026", "unit": ""},
            files={
                "file": ("r.csv", (HEADER + "2026,NV020,HTXSNV,12,0,none,\n").encode(), "text/csv")
            },
        )
        assert ok.status_code == 200 and 'id="import-summary"' in ok.text
        assert "HTXSNV" in ok.text

    async def test_rules_admin_is_refused(self, app_http: httpx.AsyncClient) -> None:
        """A role outside the organisation's readers gets 403 on its screens."""
        await signed_in(app_http, "quantri.quydinh1")
        assert (await app_http.get("/console/units")).status_code == 403
        assert (await app_http.get("/console/ratings")).status_code == 403
