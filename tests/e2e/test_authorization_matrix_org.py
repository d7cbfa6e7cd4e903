"""Every role × organisation endpoint × own/foreign unit: the administrator writes the
organisation; unit roles read only their units and rate only their staff; other roles refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client

from tests.e2e.org_support import ADMIN, org_api
from tests.support.api import Api
from tests.support.db import SeededDb

OFFICER, HEAD = "canbo.ldvl", "truongphong.ldvl"  # own unit LDVL (NV020), foreign GDNN (NV026)
PIPELINE = "pipeline.ldvl"
READERS_ALL = ["vanphong", "thuky.hoidong", "giamdoc", "kiemtoan", ADMIN]
REFUSED = [PIPELINE, "quantri.quydinh1"]
EVERYONE = [OFFICER, HEAD, *READERS_ALL, *REFUSED]


@pytest.fixture
async def api(temporal_client: Client, seeded: SeededDb) -> AsyncIterator[Api]:
    async with org_api(temporal_client, seeded) as a:
        yield a


def _read(user: str, own: bool) -> int:
    if user in REFUSED:
        return 403
    if user in (OFFICER, HEAD):
        return 200 if own else 404
    return 200


class TestReads:
    @pytest.mark.parametrize("user", EVERYONE)
    async def test_reads_by_role_and_unit(self, api: Api, user: str) -> None:
        """Units, staff and ratings: all for the Department's roles, own units for unit roles."""
        calls = [
            ("/v1/units/LDVL", True),
            ("/v1/units/GDNN", False),
            ("/v1/staff/NV020", True),
            ("/v1/staff/NV026", False),
        ]
        for path, own in calls:
            r = await api.call(user, "GET", path)
            assert r.status_code == _read(user, own), (user, path, r.text)
        units = await api.call(user, "GET", "/v1/units")
        staff = await api.call(user, "GET", "/v1/staff", params={"unit": "GDNN"})
        ratings = await api.call(user, "GET", "/v1/ratings", params={"year": 2026})
        if user in REFUSED:
            assert {units.status_code, staff.status_code, ratings.status_code} == {403}
        elif user in (OFFICER, HEAD):
            assert [u["code"] for u in units.json()] == ["LDVL"]
            assert staff.status_code == 404
            assert {x["unit"] for x in ratings.json()} == {"LDVL"}
        else:
            assert len(units.json()) == 11 and staff.status_code == 200
            assert len({x["unit"] for x in ratings.json()}) > 1


class TestWrites:
    @pytest.mark.parametrize("user", [u for u in EVERYONE if u != ADMIN])
    async def test_only_admin_changes_the_organisation(self, api: Api, user: str) -> None:
        """Corrections, transfers and org imports are refused to every other role (403, or
        404 for a unit role's foreign object)."""
        own_patch = await api.call(user, "PATCH", "/v1/staff/NV020", {"position": "x"})
        foreign_patch = await api.call(user, "PATCH", "/v1/staff/NV026", {"position": "x"})
        unit = await api.call(user, "PATCH", "/v1/units/LDVL", {"name": "x"})
        transfer = await api.call(
            user, "POST", "/v1/staff/NV020/transfers", {"unit": "VP", "valid_from": "2026-07-01"}
        )
        upload = await api.call(
            user,
            "POST",
            "/v1/org:import",
            files={"file": ("units.csv", b"code,name,kind,abbreviation\nZ,Z,division,Z\n")},
        )
        assert {own_patch.status_code, unit.status_code, transfer.status_code} == {403}
        assert foreign_patch.status_code == 403
        assert upload.status_code == 403

    async def test_admin_changes_the_organisation(self, api: Api) -> None:
        """The administrator's correction, transfer and import succeed."""
        assert (
            await api.call(ADMIN, "PATCH", "/v1/staff/NV020", {"position": "CV"})
        ).status_code == 200
        r = await api.call(
            ADMIN, "POST", "/v1/staff/NV020/transfers", {"unit": "VP", "valid_from": "2026-07-01"}
        )
        assert r.status_code == 201
        upload = await api.call(
            ADMIN,
            "POST",
            "/v1/org:import",
            files={"file": ("units.csv", b"code,name,kind,abbreviation\nZ,Z,division,Z\n")},
        )
        assert upload.status_code == 200


RATING_WRITERS = {OFFICER, HEAD, "vanphong", ADMIN}


class TestRatingsWrites:
    @pytest.mark.parametrize("user", EVERYONE)
    async def test_put_rating_by_role_and_unit(self, api: Api, user: str) -> None:
        """Unit roles rate their own staff only (foreign: 404); Office and admin anyone."""
        own = await api.call(user, "PUT", "/v1/ratings/2026/NV020", {"rating": "HTTNV"})
        foreign = await api.call(user, "PUT", "/v1/ratings/2026/NV026", {"rating": "HTTNV"})
        if user not in RATING_WRITERS:
            assert (own.status_code, foreign.status_code) == (403, 403)
        elif user in (OFFICER, HEAD):
            assert (own.status_code, foreign.status_code) == (200, 404)
        else:
            assert (own.status_code, foreign.status_code) == (200, 200)

    @pytest.mark.parametrize("user", EVERYONE)
    async def test_import_ratings_by_role_and_unit(self, api: Api, user: str) -> None:
        """A file with a foreign unit's staff is refused row by row to unit roles."""
        header = (
            b"year,staff_code,rating,months_worked,maternity_months,discipline,discipline_until\n"
        )
        data = header + b"2026,NV020,HTNV,12,0,none,\n2026,NV026,HTNV,12,0,none,\n"
        r = await api.call(
            user, "POST", "/v1/ratings:import", files={"file": ("r.csv", data, "text/csv")}
        )
        if user not in RATING_WRITERS:
            assert r.status_code == 403
        elif user in (OFFICER, HEAD):
            assert r.status_code == 422
            assert [e["message"] for e in r.json()["errors"]] == [
                "sheet ratings, dòng 3, cột staff_code: nhân sự không thuộc các đơn vị của bạn"
            ]
        else:
            assert r.status_code == 200 and r.json()["sheets"]["ratings"]["created"] == 2
