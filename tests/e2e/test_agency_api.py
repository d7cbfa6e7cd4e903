"""The agency profile through the HTTP API and the console (SQLite and PostgreSQL): the version in
force by date, history, a new version, refusals as problems naming the key."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import yaml

from tests.support.agency import ADMIN_USER, agency_api, reorganised_profile
from tests.support.api import Api
from tests.support.db import SeededDb
from thidua.app.accounts import console as console_auth

PROBLEM = "https://thidua.example/problems/"
PASSWORD = "mat-khau-rat-dai-1"


@pytest.fixture
async def api(seeded: SeededDb) -> AsyncIterator[Api]:
    async with agency_api(seeded) as client:
        yield client


def json_body(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "effective_from": data["effective_from"].isoformat()}


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["type"] == PROBLEM + code and body["code"] == code
    return body


class TestAgencyApi:
    async def test_in_force_history_and_a_new_version(self, api: Api) -> None:
        """The sample profile, then a 2025 version: each date gets its version; same body: 200."""
        r = await api.call("canbo.ldvl", "GET", "/v1/agency", params={"on": "2025-06-30"})
        assert r.status_code == 200, r.text
        assert (r.json()["version"], r.json()["profile"]["symbol"]) == (1, "SLĐTBXH")

        body = json_body(reorganised_profile())
        r = await api.call(ADMIN_USER, "POST", "/v1/agency/profiles", body)
        assert r.status_code == 201, r.text
        assert r.json()["created"] and r.json()["version"]["version"] == 2
        again = await api.call(ADMIN_USER, "POST", "/v1/agency/profiles", body)
        assert again.status_code == 200 and not again.json()["created"]

        r = await api.call("giamdoc", "GET", "/v1/agency", params={"on": "2025-07-01"})
        assert (r.json()["version"], r.json()["profile"]["name"]) == (2, "SỞ NỘI VỤ")
        r = await api.call("kiemtoan", "GET", "/v1/agency/profiles")
        assert [v["version"] for v in r.json()] == [2, 1]

    async def test_refusals_are_problems_naming_the_key(self, api: Api) -> None:
        """Bad line: 422 naming recipients.decision[1]; other agency: 409; no profile: 404."""
        bad = json_body(reorganised_profile())
        bad["recipients"]["decision"][1] = ""
        bad["telex"] = "x"
        body = assert_problem(
            await api.call(ADMIN_USER, "POST", "/v1/agency/profiles", bad),
            422,
            "agency_profile_invalid",
        )
        fields = [e["field"] for e in body["errors"]]
        assert fields == ["recipients.decision[1]", "telex"]
        assert body["detail"].startswith("recipients.decision[1]: không được để trống.")

        other = json_body(reorganised_profile())
        other["code"] = "SNV-DN"
        conflict = assert_problem(
            await api.call(ADMIN_USER, "POST", "/v1/agency/profiles", other),
            409,
            "agency_code_mismatch",
        )
        assert conflict["errors"][0]["field"] == "code"

        none = assert_problem(
            await api.call("vanphong", "GET", "/v1/agency", params={"on": "2023-01-01"}),
            404,
            "agency_profile_missing",
        )
        assert "01/01/2023" in none["detail"] and "thidua agency set" in none["detail"]
        r = await api.call("vanphong", "GET", "/v1/agency", params={"on": "01-01-2023"})
        assert r.status_code == 422
        r = await api.call(ADMIN_USER, "GET", "/v1/agency/profiles")
        assert [v["version"] for v in r.json()] == [1]


async def console_as(api: Api, user: str) -> str:
    """Sign ``user`` in to the console; the CSRF token of their session."""
    with api.db.uow() as tx:
        console_auth.set_password(tx, user, PASSWORD)
    form = await api.http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = await api.http.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert r.status_code == 303, r.text
    page = await api.http.get("/console/agency")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


class TestAgencyConsole:
    async def test_the_admin_pastes_a_new_version(self, api: Api) -> None:
        """The page shows the version in force and history; a pasted YAML file is a new version."""
        csrf = await console_as(api, ADMIN_USER)
        page = await api.http.get("/console/agency")
        assert "SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI" in page.text
        assert 'id="agency-new"' in page.text
        content = yaml.safe_dump(reorganised_profile(), allow_unicode=True, sort_keys=False)
        r = await api.http.post("/console/agency", data={"content": content, "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"].endswith("?ok=profile_set")
        page = await api.http.get("/console/agency?ok=profile_set")
        assert "Đã lưu phiên bản mới của hồ sơ cơ quan." in page.text
        assert "SỞ NỘI VỤ" in page.text

        bad = content.replace("symbol: SNV", "symbol: S N V")
        r = await api.http.post("/console/agency", data={"content": bad, "csrf_token": csrf})
        assert r.status_code == 422
        assert "symbol: không chứa khoảng trắng" in r.text
        assert "S N V" in r.text  # what was typed is kept
        r = await api.http.post("/console/agency", data={"content": content})
        assert r.status_code == 403  # no CSRF token

    async def test_other_roles_read_but_cannot_set(self, api: Api) -> None:
        """The Office sees the profile without the form; a forged POST is refused (403)."""
        csrf = await console_as(api, "vanphong")
        page = await api.http.get("/console/agency")
        assert "Bình Phước" in page.text and 'id="agency-new"' not in page.text
        content = yaml.safe_dump(reorganised_profile(), allow_unicode=True, sort_keys=False)
        r = await api.http.post("/console/agency", data={"content": content, "csrf_token": csrf})
        assert r.status_code == 403 and "Chỉ quản trị hệ thống" in r.text
        r = await api.call(ADMIN_USER, "GET", "/v1/agency/profiles")
        assert [v["version"] for v in r.json()] == [1]
