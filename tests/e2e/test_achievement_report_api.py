"""The achievement report of a nomination over the API: read like the nomination itself, served
as a Word file that opens, or as HTML (real server, worker and seeded database)."""

from __future__ import annotations

import io

import docx

from tests.support.api import Api
from tests.support.nominations import MOVEMENT, YEAR, individual, staff_of

OFFICER, HEAD, HEAD_FOREIGN, OFFICER_FOREIGN = (
    "canbo.ldvl",
    "truongphong.ldvl",
    "truongphong.gdnn",
    "canbo.gdnn",
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


class TestAchievementReportApi:
    async def test_access_follows_the_nomination_and_the_docx_opens(self, api: Api) -> None:
        """Own unit and the Department read it (a .docx with the nominee's name and the 2024
        form); another unit's reviewer and officer get the same 404 as for the nomination."""
        code = staff_of("LDVL", 4)
        body = individual(
            code,
            initiatives=[
                {"id": "SK-2024-LDVL-09", "level": "co_so", "year": YEAR, "applied": True}
            ],
        )
        r = await api.call(OFFICER, "POST", "/v1/nominations", body)
        assert r.status_code == 201, r.text
        nid, name = r.json()["id"], r.json()["nominee_name"]
        path = f"/v1/nominations/{nid}/achievement-report"

        for user in (OFFICER, HEAD, "vanphong", "giamdoc", "kiemtoan"):
            r = await api.call(user, "GET", path)
            assert r.status_code == 200, (user, r.text)
            assert r.headers["content-type"] == DOCX
            assert f'filename="{nid}-bao-cao-thanh-tich.docx"' in r.headers["content-disposition"]
        text = docx_text(r.content)
        assert name in text
        assert "SK-2024-LDVL-09" in text
        assert "Nghị định số 98/2023/NĐ-CP" in text  # a 2024 review: Decree 98's form

        for user in (HEAD_FOREIGN, OFFICER_FOREIGN):
            foreign = await api.call(user, "GET", path)
            plain = await api.call(user, "GET", f"/v1/nominations/{nid}")
            assert foreign.status_code == plain.status_code == 404, user
            assert foreign.json()["detail"] == plain.json()["detail"]

        assert (await api.call(None, "GET", path)).status_code == 401

    async def test_html_and_a_collective_with_its_members(self, api: Api) -> None:
        """format=html gives the page; a collective's report counts its roster by rating."""
        body = {
            "movement": MOVEMENT,
            "unit": "LDVL",
            "facts": {"kind": "collective", "id": "LDVL", "year": YEAR, "rating": "HTXSNV"},
        }
        r = await api.call(OFFICER, "POST", "/v1/nominations", body)
        assert r.status_code == 201, r.text
        nid, members = r.json()["id"], r.json()["facts"]["members_total"]
        r = await api.call(HEAD, "GET", f"/v1/nominations/{nid}/achievement-report?format=html")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert "Tổng số" in r.text
        assert f"{members} người" in r.text
        assert "XÁC NHẬN CỦA CẤP TRÌNH KHEN THƯỞNG" in r.text

    async def test_unknown_nomination_and_wrong_format_are_refused(self, api: Api) -> None:
        """No such nomination: 404; a format other than docx or html: 422 naming the field."""
        r = await api.call(HEAD, "GET", "/v1/nominations/KHONG-CO/achievement-report")
        assert r.status_code == 404
        r = await api.call(HEAD, "GET", "/v1/nominations/KHONG-CO/achievement-report?format=pdf")
        assert r.status_code == 422
        assert "format" in r.text
