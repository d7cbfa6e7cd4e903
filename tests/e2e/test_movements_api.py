"""/v1/movements and their registrations over HTTP (the app in process, SQLite and PostgreSQL):
create, read, update, register, list scoped, import an .xlsx sheet; errors as problems naming
the key, or the sheet, row and column."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.tabular.registrations import write_registrations_xlsx
from thidua.entrypoints.api.app import create_app

TODAY = date.today()
CODE = f"TD-{TODAY.year}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def movement(code: str = CODE, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "annual_review",
        "name": f"Bình xét danh hiệu thi đua năm {TODAY.year}",
        "year": TODAY.year,
        "plan": {"number": "05/KH-SNV", "date": f"{TODAY.year}-01-03"},
        "opens": f"{TODAY.year}-01-01",
        "closes": f"{TODAY.year}-12-31",
        "awards": ["LDTT", "CSTDCS", "TTLDTT"],
        "phases": [
            {
                "phase": "registration",
                "starts": (TODAY - timedelta(days=3)).isoformat(),
                "ends": (TODAY + timedelta(days=3)).isoformat(),
            }
        ],
        **changes,
    }


@pytest.fixture
async def movements_api(seeded: SeededDb) -> AsyncIterator[Api]:
    """The app in process; movements need no Temporal, so no client is connected."""
    app = create_app(fast_settings(seeded.url, "q"), seeded.uow, cast(Client, object()))
    async with serve_app(app) as http:
        yield Api(http, seeded)


class TestMovementsApi:
    async def test_create_read_update(self, movements_api: Api) -> None:
        """The Office creates (201, with the format-only note), every role reads, PUT updates."""
        api = movements_api
        r = await api.call("vanphong", "POST", "/v1/movements", movement())
        assert r.status_code == 201, r.text
        assert r.json()["movement"]["phases"][0]["label"] == "Đăng ký thi đua"
        r = await api.call("canbo.gdnn", "GET", "/v1/movements")
        assert r.status_code == 200 and CODE in [m["code"] for m in r.json()]
        r = await api.call("vanphong", "PUT", f"/v1/movements/{CODE}", movement(name="Sửa"))
        assert r.status_code == 200 and r.json()["movement"]["name"] == "Sửa"
        r = await api.call("giamdoc", "GET", f"/v1/movements/{CODE}")
        assert r.status_code == 200 and r.json()["movement"]["name"] == "Sửa"

    async def test_a_bad_body_is_a_problem_naming_the_key_in_vietnamese(
        self, movements_api: Api
    ) -> None:
        """A nested bad date and an unknown key: 422 with each key, nothing created."""
        body = movement(plan={"number": "1", "date": "mai"}, budget=1)
        r = await movements_api.call("vanphong", "POST", "/v1/movements", body)
        assert r.status_code == 422
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert errors == {
            "plan.date": "phải là ngày dạng YYYY-MM-DD",
            "budget": "khóa không được hỗ trợ",
        }
        r = await movements_api.call("vanphong", "GET", f"/v1/movements/{CODE}")
        assert r.status_code == 404

    async def test_put_with_another_code_in_the_body_is_refused(self, movements_api: Api) -> None:
        """The body's code must be the path's."""
        await movements_api.call("vanphong", "POST", "/v1/movements", movement())
        r = await movements_api.call(
            "vanphong", "PUT", f"/v1/movements/{CODE}", movement(code="KHAC-1")
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"

    async def test_register_list_and_import(self, movements_api: Api) -> None:
        """Units register, lists are scoped, a bad import row names sheet, row and column."""
        api = movements_api
        await api.call("vanphong", "POST", "/v1/movements", movement())
        path = f"/v1/movements/{CODE}/registrations"
        r = await api.call(
            "canbo.ldvl", "POST", path, {"unit": "LDVL", "staff": "NV018", "titles": ["LDTT"]}
        )
        assert r.status_code == 201, r.text
        assert r.json()["subject_name"] == "Nguyễn Thị Ngọc Hân" and r.json()["late"] is False
        r = await api.call("canbo.gdnn", "POST", path, {"unit": "LDVL", "titles": ["TTLDTT"]})
        assert r.status_code == 404

        rows = [
            {"movement": CODE, "kind": "collective", "code": "GDNN", "titles": "TTLDTT"},
            {"movement": CODE, "kind": "collective", "code": "KHONGCO", "titles": "TTLDTT"},
        ]
        r = await api.call(
            "vanphong",
            "POST",
            f"{path}:import",
            content=write_registrations_xlsx(rows),
            headers={"Content-Type": XLSX},
        )
        assert r.status_code == 422
        (error,) = r.json()["errors"]
        assert error["field"] == "registrations" and error["line"] == 3
        assert error["message"].startswith("dòng 3, cột unit: ")
        assert r.json()["detail"].endswith("Không nhập dòng nào.")

        r = await api.call(
            "vanphong",
            "POST",
            f"{path}:import",
            content=write_registrations_xlsx(rows[:1]),
            headers={"Content-Type": XLSX},
        )
        assert r.status_code == 200 and r.json()["created"] == 1, r.text

        r = await api.call("canbo.ldvl", "GET", path)
        assert [x["subject_code"] for x in r.json()] == ["NV018"]
        r = await api.call("vanphong", "GET", path)
        assert sorted(x["subject_code"] for x in r.json()) == ["GDNN", "NV018"]

    async def test_a_file_that_is_not_a_workbook_is_a_problem(self, movements_api: Api) -> None:
        """Bytes that are not .xlsx: 422 naming the file."""
        await movements_api.call("vanphong", "POST", "/v1/movements", movement())
        r = await movements_api.call(
            "vanphong",
            "POST",
            f"/v1/movements/{CODE}/registrations:import",
            content=b"not a workbook",
            headers={"Content-Type": XLSX},
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
