"""The console's link to a nomination's achievement report, read like the nomination."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from urllib.parse import quote

import docx
import httpx
import pytest
from sqlalchemy import select

from tests.integration.test_console_signin import PASSWORD, sign_in
from tests.integration.test_round_documents import make_round1
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.adapters.db.models import NominationRow
from thidua.app.accounts import console as console_auth
from thidua.entrypoints.api.app import create_app


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        console_auth.set_password(tx, "truongphong.ldvl", PASSWORD)
    make_round1(seeded_sqlite)
    return seeded_sqlite


@pytest.fixture
async def http(db: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fast_settings(db.url, "console-report"), db.uow, client=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def key_of(db: SeededDb, nominee: str) -> str:
    with db.uow.session() as session:
        return session.scalars(
            select(NominationRow.key).where(NominationRow.nominee_code == nominee)
        ).one()


class TestConsoleAchievementReport:
    async def test_the_unit_head_downloads_its_own_and_not_another_units(
        self, db: SeededDb, http: httpx.AsyncClient
    ) -> None:
        """The nomination screen links the Word file, which opens; another unit's is a 404 page."""
        await sign_in(http, "truongphong.ldvl", PASSWORD)
        own = key_of(db, "NV017")  # LDVL
        page = await http.get(f"/console/nominations/{quote(own)}")
        link = f"/console/nominations/{quote(own, safe='')}/achievement-report?format=docx"
        assert page.status_code == 200 and link in page.text
        r = await http.get(link)
        assert r.status_code == 200
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
        assert "BÁO CÁO THÀNH TÍCH" in text
        html = await http.get(link.replace("format=docx", "format=html"))
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]

        foreign = key_of(db, "NV023")  # GDNN
        r = await http.get(f"/console/nominations/{quote(foreign)}/achievement-report")
        assert r.status_code == 404
        assert "text/html" in r.headers["content-type"] and "Không" in r.text
