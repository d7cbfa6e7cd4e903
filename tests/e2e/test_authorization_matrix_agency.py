"""The agency profile's endpoints × every role: the system administrator alone sets a profile;
every signed-in role reads it; an anonymous call is 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.agency import ADMIN_USER, agency_api, reorganised_profile
from tests.support.api import Api
from tests.support.db import SeededDb
from thidua.app.sample_data import ACCOUNTS

EVERYONE = [a.username for a in ACCOUNTS if a.username != ADMIN_USER]


@pytest.fixture
async def api(seeded_sqlite: SeededDb) -> AsyncIterator[Api]:
    async with agency_api(seeded_sqlite) as client:
        yield client


class TestAgencyAuthorizationMatrix:
    async def test_every_role_reads_and_only_the_admin_sets(self, api: Api) -> None:
        """GET in force and history: 200 for all; POST: 403 for every sample role, 201 for admin."""
        wrong: list[str] = []

        def check(user: str | None, what: str, got: int, want: int) -> None:
            if got != want:
                wrong.append(f"{user} {what}: {got} (expected {want})")

        body = reorganised_profile()
        body["effective_from"] = body["effective_from"].isoformat()
        for user in [*EVERYONE, ADMIN_USER]:
            r = await api.call(user, "GET", "/v1/agency", params={"on": "2024-06-01"})
            check(user, "GET /v1/agency", r.status_code, 200)
            r = await api.call(user, "GET", "/v1/agency/profiles")
            check(user, "GET /v1/agency/profiles", r.status_code, 200)
        for user in EVERYONE:
            r = await api.call(user, "POST", "/v1/agency/profiles", body)
            check(user, "POST /v1/agency/profiles", r.status_code, 403)
        for method, path in (("GET", "/v1/agency"), ("GET", "/v1/agency/profiles")):
            r = await api.call(None, method, path)
            check(None, f"{method} {path}", r.status_code, 401)
        r = await api.call(None, "POST", "/v1/agency/profiles", body)
        check(None, "POST /v1/agency/profiles", r.status_code, 401)
        assert wrong == []
        r = await api.call(ADMIN_USER, "GET", "/v1/agency/profiles")
        assert [v["version"] for v in r.json()] == [1]  # nothing written by the refused calls

        r = await api.call(ADMIN_USER, "POST", "/v1/agency/profiles", body)
        assert r.status_code == 201, r.text
        assert r.json()["version"]["version"] == 2
