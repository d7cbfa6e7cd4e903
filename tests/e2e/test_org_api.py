"""The organisation and ratings routes: reads, corrections, transfers, uploads with row errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client

from tests.e2e.org_support import ADMIN, org_api
from tests.support.api import Api
from tests.support.db import SeededDb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def api(temporal_client: Client, seeded: SeededDb) -> AsyncIterator[Api]:
    async with org_api(temporal_client, seeded) as a:
        yield a


class TestOrgApi:
    async def test_transfer_and_roster_on_dates(self, api: Api) -> None:
        """POST a transfer from 2026-07-01: the rosters of 30 June and 31 December differ."""
        r = await api.call(
            ADMIN, "POST", "/v1/staff/NV020/transfers", {"unit": "GDNN", "valid_from": "2026-07-01"}
        )
        assert r.status_code == 201, r.text
        assert [a["unit"] for a in r.json()["assignments"]] == ["LDVL", "GDNN"]
        june = await api.call(
            "vanphong", "GET", "/v1/staff", params={"unit": "LDVL", "on": "2026-06-30"}
        )
        dec = await api.call(
            "vanphong", "GET", "/v1/staff", params={"unit": "LDVL", "on": "2026-12-31"}
        )
        assert "NV020" in {s["code"] for s in june.json()}
        assert "NV020" not in {s["code"] for s in dec.json()}

    async def test_patch_staff_and_unit(self, api: Api) -> None:
        """The administrator corrects a name and a unit's abbreviation."""
        r = await api.call(ADMIN, "PATCH", "/v1/staff/NV020", {"full_name": "Lê Thị Thùy Dung B"})
        assert r.status_code == 200 and r.json()["full_name"] == "Lê Thị Thùy Dung B"
        r = await api.call(ADMIN, "PATCH", "/v1/units/VP", {"abbreviation": "VPS"})
        assert r.status_code == 200 and r.json()["abbreviation"] == "VPS"
        bad = await api.call(ADMIN, "PATCH", "/v1/staff/NV020", {"gender": "x"})
        assert bad.status_code == 422

    async def test_import_with_bad_row_is_422_with_every_error(self, api: Api) -> None:
        """An upload with a bad row answers 422 problem+json listing sheet/row/column."""
        data = b"code,name,kind,abbreviation\nX1,A,division,A\nX2,B,phong,\n"
        r = await api.call(
            ADMIN, "POST", "/v1/org:import", files={"file": ("units.csv", data, "text/csv")}
        )
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        messages = [e["message"] for e in r.json()["errors"]]
        assert messages[0].startswith("sheet units, dòng 3, cột kind:")
        assert any(m.startswith("sheet units, dòng 3, cột abbreviation:") for m in messages)
        units = await api.call(ADMIN, "GET", "/v1/units")
        assert "X1" not in {u["code"] for u in units.json()}

    async def test_import_dry_run_then_real(self, api: Api) -> None:
        """dry_run=true reports a creation and writes nothing; without it the unit exists."""
        data = "code,name,kind,abbreviation\nX1,Phòng mới,division,PM\n".encode()
        files = {"file": ("units.csv", data, "text/csv")}
        r = await api.call(ADMIN, "POST", "/v1/org:import", params={"dry_run": "true"}, files=files)
        assert r.status_code == 200 and r.json()["sheets"]["units"]["created"] == 1
        assert (await api.call(ADMIN, "GET", "/v1/units/X1")).status_code == 404
        r = await api.call(ADMIN, "POST", "/v1/org:import", files=files)
        assert r.json() == {
            "dry_run": False,
            "sheets": {"units": {"created": 1, "updated": 0, "transferred": 0, "unchanged": 0}},
        }

    async def test_ratings_register(self, api: Api) -> None:
        """PUT a rating, then the unit's register for the year shows it."""
        r = await api.call("canbo.ldvl", "PUT", "/v1/ratings/2026/NV020", {"rating": "HTXSNV"})
        assert r.status_code == 200, r.text
        reg = await api.call("truongphong.ldvl", "GET", "/v1/ratings", params={"year": 2026})
        line = next(x for x in reg.json() if x["staff_code"] == "NV020")
        assert line["rating"]["rating"] == "HTXSNV" and {x["unit"] for x in reg.json()} == {"LDVL"}
        bad = await api.call(
            "canbo.ldvl",
            "PUT",
            "/v1/ratings/2026/NV020",
            {"rating": "HTNV", "discipline": "canh_cao"},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "discipline_until"
