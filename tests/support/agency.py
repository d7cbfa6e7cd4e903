"""The agency profile in tests: the sample file's data, a reorganised version, an admin account."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import yaml

from tests.support.api import Api
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app.accounts.tokens import issue_token
from thidua.app.accounts.users import create_user
from thidua.app.sample_data import SAMPLE_DATASET
from thidua.app.seed import SampleAccountToken

ADMIN_USER = "quantri.hethong"


def sample_profile() -> dict[str, Any]:
    """The sample Department's profile file as data."""
    data: dict[str, Any] = yaml.safe_load((SAMPLE_DATASET / "agency.yaml").read_text("utf-8"))
    return data


def reorganised_profile() -> dict[str, Any]:
    """The same agency after the 1 July 2025 reorganisation (fictitious values)."""
    data = sample_profile()
    data.update(
        governing_body="UBND TỈNH ĐỒNG NAI",
        name="SỞ NỘI VỤ",
        name_in_text="Sở Nội vụ",
        place="Đồng Nai",
        symbol="SNV",
        competence_basis=[
            "Căn cứ Quyết định quy định chức năng, nhiệm vụ của Sở Nội vụ tỉnh Đồng Nai"
        ],
        emulation_regulation=["Căn cứ Quy chế công tác thi đua, khen thưởng tỉnh Đồng Nai"],
        province_board="Ban Thi đua – Khen thưởng tỉnh Đồng Nai",
        recipients={
            "decision": [
                "Như Điều 3;",
                "Ban Thi đua – Khen thưởng tỉnh Đồng Nai;",
                "Lưu: VT, SNV.",
            ],
            "submission": ["Như trên;", "Lưu: VT, SNV."],
            "report": ["UBND tỉnh Đồng Nai;", "Lưu: VT, SNV."],
            "minutes": [],
        },
        effective_from=dt.date(2025, 7, 1),
    )
    return data


def add_admin(db: SeededDb, username: str = ADMIN_USER) -> str:
    """A system administrator account (the sample one, or a new one) with a fresh token (kept in
    ``db.tokens``)."""
    with db.uow() as tx:
        if tx.accounts.account(username) is None:
            create_user(tx, username, "admin", display_name="Quản trị hệ thống", by="test")
        token, _ = issue_token(tx, username, by="test")
    db.tokens[username] = SampleAccountToken(
        username=username, display_name="Quản trị hệ thống", role="admin", unit=None, token=token
    )
    return token


@asynccontextmanager
async def agency_api(db: SeededDb) -> AsyncIterator[Api]:
    """The app over ``db`` without a Temporal client (the agency's routes and console need none),
    with a system administrator account added."""
    from thidua.entrypoints.api.app import create_app

    add_admin(db)
    app = create_app(fast_settings(db.url, "agency"), db.uow, client=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http, db)
