"""The console's award section of a nomination: the Director's revoke form (reason required)
and the link to the revocation decision, read like the nomination."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import docx
import httpx
import pytest

from rules.registry import RulesRegistry
from tests.integration.test_console_signin import PASSWORD, sign_in
from tests.integration.test_round_documents import generate, make_round1
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app.accounts import console as console_auth
from thidua.entrypoints.api.app import create_app

USERS = ("giamdoc", "truongphong.ldvl", "truongphong.gdnn")
REASON = "Kê khai không trung thực thành tích"


@pytest.fixture
def db(seeded_sqlite: SeededDb, tmp_path: Path) -> SeededDb:
    with seeded_sqlite.uow() as tx:
        for user in USERS:
            console_auth.set_password(tx, user, PASSWORD)
    key = make_round1(seeded_sqlite)  # decided; NV017 (LDVL) holds CSTĐCS and LĐTT
    generate(seeded_sqlite, key, tmp_path / "documents", RulesRegistry.from_directory())
    return seeded_sqlite


@pytest.fixture
async def http(db: SeededDb) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(fast_settings(db.url, "console-revoke"), db.uow, client=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


KEY = "NTM-2024_2024_dot1-NV017"
PAGE = f"/console/nominations/{quote(KEY)}"
REVOKE = f"/console/nominations/{quote(KEY, safe='')}/awards/LDTT/revoke"
LINK = f"/console/nominations/{quote(KEY, safe='')}/awards/LDTT/revocation?format=docx"


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def docx_text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


class TestConsoleRevocation:
    async def test_the_director_revokes_with_a_reason_and_the_decision_is_linked(
        self, http: httpx.AsyncClient
    ) -> None:
        """The form is offered on each award given; a blank reason is refused and revokes
        nothing; with a reason the award is marked revoked and its decision opens."""
        await sign_in(http, "giamdoc", PASSWORD)
        page = await http.get(PAGE)
        assert page.status_code == 200
        assert REVOKE in page.text and "Lý do thu hồi" in page.text
        assert "/awards/CSTDCS/revoke" in page.text  # every award given, not only one

        blank = await http.post(
            REVOKE, data={"csrf_token": csrf(page.text), "revoke_code": "LDTT", "reason": " "}
        )
        assert blank.status_code == 400
        assert "Lý do thu hồi: bắt buộc." in blank.text
        assert "Đã thu hồi" not in blank.text and LINK not in blank.text

        done = await http.post(
            REVOKE, data={"csrf_token": csrf(page.text), "revoke_code": "LDTT", "reason": REASON}
        )
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"{PAGE}?ok=revoked")
        page = await http.get(PAGE + "?ok=revoked")
        assert "Đã thu hồi khen thưởng và ban hành quyết định thu hồi." in page.text
        assert f"Đã thu hồi</strong>: «{REASON}»" in page.text
        assert REVOKE not in page.text  # revoked: no second form
        number = re.search(r"Quyết định thu hồi số (\d+/QĐ-SLĐTBXH)", page.text)
        assert number is not None and LINK.replace("&", "&amp;") in page.text
        r = await http.get(LINK)
        assert r.status_code == 200
        text = docx_text(r.content)
        assert f"Số: {number.group(1)}" in text and REASON in text

    async def test_units_read_their_own_decision_and_never_revoke(
        self, http: httpx.AsyncClient
    ) -> None:
        """The unit's head gets no form and is refused if he posts; after the Director revokes,
        the head downloads the decision; another unit's head gets the "not found" page."""
        await sign_in(http, "truongphong.ldvl", PASSWORD)
        page = await http.get(PAGE)
        assert page.status_code == 200 and "Khen thưởng" in page.text
        assert REVOKE not in page.text
        refused = await http.post(
            REVOKE, data={"csrf_token": csrf(page.text), "revoke_code": "LDTT", "reason": REASON}
        )
        assert refused.status_code == 403
        assert "Chỉ Giám đốc được thu hồi khen thưởng." in refused.text
        assert "Đã thu hồi" not in (await http.get(PAGE)).text

        await http.post("/console/logout", data={"csrf_token": csrf(page.text)})
        await sign_in(http, "giamdoc", PASSWORD)
        page = await http.get(PAGE)
        done = await http.post(
            REVOKE, data={"csrf_token": csrf(page.text), "revoke_code": "LDTT", "reason": REASON}
        )
        assert done.status_code == 303

        for user, status in (("truongphong.ldvl", 200), ("truongphong.gdnn", 404)):
            http.cookies.clear()
            await sign_in(http, user, PASSWORD)
            r = await http.get(LINK)
            assert r.status_code == status, user
            if status == 404:
                assert "text/html" in r.headers["content-type"] and "Không" in r.text
            else:
                assert REASON in docx_text(r.content)
