"""The round's official documents generated from the database (report, minutes, decision, submission).

One module (over 500 lines) because every test reads the same sample round built below, with its
votes, approvals and numbering; the pure builders are tested in tests/unit/documents."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.registry import RulesRegistry
from tests.support.db import SeededDb
from thidua.adapters.db.models import (
    AwardItemRow,
    CouncilMeetingRow,
    DocumentRow,
    MovementRow,
    NominationRow,
    RoundRow,
    UnitRow,
)
from thidua.adapters.documents import FileDocumentRenderer, find_soffice
from thidua.app import rounds
from thidua.app.documents import issue_round_documents
from thidua.app.sample_data import MOVEMENT, STAFF
from thidua.domain.documents.wording import DOCUMENT_KINDS
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ISSUED = date(2024, 12, 26)
HELD = date(2024, 12, 20)
NOW = datetime(2024, 12, 26, 9, 0, tzinfo=UTC)
STAFF_BY_CODE = {s.code: s for s in STAFF}

MEMBERS = [
    ("Trương Minh Khôi", True, False),
    ("Nguyễn Thị Thu Hằng", True, False),
    ("Lê Văn Thắng", False, True),
    ("Phạm Hữu Lộc", True, False),
    ("Trần Thị Bích Ngọc", True, False),
    ("Huỳnh Văn Phúc", True, False),
    ("Võ Thanh Sơn", True, False),
    ("Đinh Thị Phương Thảo", True, False),
    ("Phan Văn Tài", False, True),
    ("Lê Thị Minh Nguyệt", True, False),
    ("Hồ Thị Thu Trang", True, False),
]


@pytest.fixture(scope="module")
def registry() -> RulesRegistry:
    return RulesRegistry.from_directory()


@pytest.fixture
def db(seeded_sqlite: SeededDb) -> SeededDb:
    return seeded_sqlite


def docx_text(path: str | Path) -> str:
    """All text of a .docx: body paragraphs and table cells, in document order."""
    body = Document(str(path)).element.body
    return "\n".join(
        "".join(t.text or "" for t in para.iter(f"{W}t")) for para in body.iter(f"{W}p")
    )


def table_rows(path: str | Path) -> list[list[str]]:
    """Rows of the data tables (those whose header begins with "STT"), cell texts."""
    rows: list[list[str]] = []
    for table in Document(str(path)).tables:
        if table.rows[0].cells[0].text.strip() != "STT":
            continue  # header and signature layout tables
        for row in table.rows:
            rows.append([cell.text.strip() for cell in row.cells])
    return rows


# ----------------------------------------------------------------------------- building a round


@dataclass
class Nom:
    code: str  # staff code or unit code (collective)
    unit: str
    facts: dict[str, Any]
    outcome: str = "recommended"


def individual(code: str, rating: str = "HTTNV", **extra: Any) -> Nom:
    s = STAFF_BY_CODE[code]
    facts = {"kind": "individual", "id": code, "year": 2024, "rating": rating, **extra}
    return Nom(code, s.unit_code, facts)


def collective(unit: str, **extra: Any) -> Nom:
    facts = {
        "kind": "collective",
        "id": unit,
        "year": 2024,
        "rating": "HTXSNV",
        "members_total": 6,
        "members_ldtt": 5,
        "members_cstdcs": 1,
        **extra,
    }
    return Nom(unit, unit, facts)


def tally(yes: int, no: int, blank: int, threshold: float, *, total: int = 11) -> dict[str, Any]:
    return {
        "in_favour": yes,
        "against": no,
        "abstain": blank,
        "members_total": total,
        "written_votes": 2,
        "threshold": threshold,
        "required": 9 if threshold == 0.8 else 6,
        "ratio": yes / total,
        "passed": yes / total >= threshold if threshold == 0.8 else yes / total > threshold,
    }


def add_round(
    session: Session,
    seq: int,
    noms: list[Nom],
    items: Sequence[tuple[str, str, str, dict[str, Any] | None, str, str | None, int | None]],
    *,
    meeting: bool = True,
    held: date = HELD,
) -> RoundRow:
    """items: (nominee code, title, level, tally, director_status, province_status, amount)."""
    movement = session.scalars(select(MovementRow).where(MovementRow.code == MOVEMENT.code)).one()
    units = {u.code: u for u in session.scalars(select(UnitRow))}
    key = f"{MOVEMENT.code}_2024_dot{seq}"
    row = RoundRow(
        key=key,
        workflow_id=f"round-{key}",
        movement_id=movement.id,
        year=2024,
        seq=seq,
        stage="decided",
        late_policy="refuse",
        opened_by="vanphong",
        opened_at=NOW - timedelta(days=30),
        closes_at=NOW - timedelta(days=10),
        closed_at=NOW - timedelta(days=10),
        appraisal={
            "results": [
                {"key": f"{key}-{n.code}", "outcome": n.outcome, "rank": r}
                for r, n in enumerate(noms)
            ]
        },
        ruleset_id="ntm-2024",
        ruleset_version="1",
        steps=[],
        updated_at=NOW,
    )
    session.add(row)
    session.flush()
    by_code: dict[str, NominationRow] = {}
    for n in noms:
        is_collective = n.facts["kind"] == "collective"
        name = units[n.unit].name if is_collective else STAFF_BY_CODE[n.code].full_name
        nomination = NominationRow(
            key=f"{key}-{n.code}",
            workflow_id=f"nomination-{key}-{n.code}",
            movement_id=movement.id,
            year=2024,
            unit_id=units[n.unit].id,
            kind=n.facts["kind"],
            nominee_code=n.code,
            nominee_name=name,
            stage="approved",
            facts=n.facts,
            status=None,
            titles=[],
            proposals=[],
            submitted_by="canbo",
            created_at=NOW,
            updated_at=NOW,
            round_id=row.id,
        )
        session.add(nomination)
        by_code[n.code] = nomination
    session.flush()
    for rank, (code, title, level, t, director, province, amount) in enumerate(items):
        council = "pending" if t is None else ("passed" if t["passed"] else "not_recommended")
        session.add(
            AwardItemRow(
                round_id=row.id,
                nomination_id=by_code[code].id,
                code=title,
                level=level,
                rank=rank,
                council_status=council,
                tally=t,
                director_status=director,
                province_status=province,
                amount_vnd=amount,
                updated_at=NOW,
            )
        )
    if meeting:
        session.add(
            CouncilMeetingRow(
                round_id=row.id,
                held_on=held,
                members=[
                    {"name": name, "present": present, "written_vote": written}
                    for name, present, written in MEMBERS
                ],
                ballots=[
                    {
                        "nomination": f"{key}-{code}",
                        "title": title,
                        "in_favour": t["in_favour"],
                        "against": t["against"],
                        "abstain": t["abstain"],
                    }
                    for code, title, _, t, *_ in items
                    if t is not None
                ],
                recorded_by="thuky.hoidong",
                recorded_at=NOW,
            )
        )
    session.flush()
    return row


CSTDCS, MAJORITY = 0.8, 0.5

ROUND1_NOMS = [
    individual(
        "NV017",  # Võ Thanh Sơn (LDVL)
        "HTXSNV",
        initiatives=[
            {"id": "sk-1", "year": 2024, "applied": True},
            {"id": "sk-2", "year": 2023, "applied": True},
        ],
        history=[{"year": 2023, "rating": "HTXSNV", "titles": ["CSTDCS"]}],
        movement={"c1": "xuat_sac", "c2": "tot", "c3": "xuat_sac", "c4": "dat"},
    ),
    individual("NV019", movement={"c1": "tot", "c2": "tot", "c3": "dat", "c4": "tot"}),  # Hải
    individual("NV023", "HTXSNV", movement={"c1": "xuat_sac", "c2": "xuat_sac"}),  # Thảo
    individual("NV031"),  # Trần Thị Hoài Thương (NCC): rejected by the Director
    collective("LDVL", movement={"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "tot"}),
    collective("BTXH", movement={"c1": "tot"}),
    Nom("NV036", "BTXH", {"kind": "individual", "id": "NV036"}, "returned"),
    Nom("NV048", "TTDVVL", {"kind": "individual", "id": "NV048"}, "on_hold"),
    Nom("NV054", "TTCTXH", {"kind": "individual", "id": "NV054"}, "not_eligible"),
]

ROUND1_ITEMS = [
    ("NV017", "CSTDCS", "director", tally(11, 0, 0, CSTDCS), "approved", None, None),
    ("NV017", "LDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("NV019", "CSTDCS", "director", tally(8, 2, 1, CSTDCS), "not_recommended", None, None),
    ("NV019", "LDTT", "director", tally(10, 1, 0, MAJORITY), "approved", None, 710_000),
    ("NV023", "LDTT", "director", tally(10, 0, 1, MAJORITY), "approved", None, None),
    ("NV031", "LDTT", "director", tally(9, 1, 1, MAJORITY), "rejected", None, None),
    ("LDVL", "TTLDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    (
        "NV023",
        "BANG_KHEN_UBND_TINH",
        "province",
        tally(10, 1, 0, MAJORITY),
        "approved",
        "approved",
        None,
    ),
    ("BTXH", "TTLDXS", "province", tally(10, 0, 1, MAJORITY), "approved", "pending", None),
]


def make_round1(db: SeededDb) -> str:
    with db.uow.session() as session:
        return add_round(session, 1, ROUND1_NOMS, ROUND1_ITEMS).key


def generate(
    db: SeededDb, key: str, out: Path, registry: RulesRegistry, **kw: Any
) -> list[dict[str, Any]]:
    kw.setdefault("with_pdf", False)
    with db.uow() as tx:
        rows = issue_round_documents(
            tx,
            key,
            registry=registry,
            renderer=FileDocumentRenderer(out),
            issued_on=ISSUED,
            **kw,
        )
        return [
            {
                "kind": r.kind,
                "number": r.number,
                "files": dict(r.files),
                "sha256": r.sha256,
            }
            for r in rows
        ]


# ----------------------------------------------------------------------------- tests


def test_generates_five_documents_with_numbers_and_files(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key = make_round1(db)
    docs = generate(db, key, tmp_path, registry)

    # No thematic award in this round: no movement decision.
    assert [d["kind"] for d in docs] == [k for k in DOCUMENT_KINDS if k != "decision_movement"]
    assert {d["kind"]: d["number"] for d in docs} == {
        "report": "01/BC-SLĐTBXH",
        "minutes": "01/BB-HĐTĐKT",
        "vote_count": "01/BB-HĐTĐKT",
        "decision": "01/QĐ-SLĐTBXH",
        "submission": "01/TTr-SLĐTBXH",
    }
    for d in docs:
        files = d["files"]
        assert set(files) == {"docx", "html", "pdf"}
        assert files["pdf"] is None  # with_pdf=False
        assert Path(files["docx"]) == (tmp_path / key / f"{d['kind']}.docx").resolve()
        assert Path(files["html"]) == (tmp_path / key / f"{d['kind']}.html").resolve()
        assert Path(files["html"]).is_file()
        assert d["sha256"] == hashlib.sha256(Path(files["docx"]).read_bytes()).hexdigest()


def test_second_call_creates_nothing_and_keeps_numbers_and_files(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key = make_round1(db)
    first = generate(db, key, tmp_path, registry)
    mtimes = {d["kind"]: Path(d["files"]["docx"]).stat().st_mtime_ns for d in first}

    second = generate(db, key, tmp_path, registry)

    assert second == first
    assert {d["kind"]: Path(d["files"]["docx"]).stat().st_mtime_ns for d in second} == mtimes
    with db.uow.session() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 5


def test_missing_file_is_rendered_again_without_renumbering(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key = make_round1(db)
    first = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    html = Path(first["decision"]["files"]["html"])
    html.unlink()
    docx_mtime = Path(first["decision"]["files"]["docx"]).stat().st_mtime_ns

    again = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}

    assert html.is_file()
    assert "01/QĐ-SLĐTBXH" in html.read_text(encoding="utf-8")
    assert again == first
    assert Path(first["decision"]["files"]["docx"]).stat().st_mtime_ns == docx_mtime


def test_decision_lists_approved_director_awards_with_amounts(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key = make_round1(db)
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    text = docx_text(docs["decision"]["files"]["docx"])

    assert "Số: 01/QĐ-SLĐTBXH" in text
    assert "QUYẾT ĐỊNH" in text
    for name in ("Võ Thanh Sơn", "Trần Văn Hải", "Đinh Thị Phương Thảo"):
        assert name in text
    assert "Phòng Lao động – Việc làm – An toàn lao động" in text  # the collective
    assert "Trần Thị Hoài Thương" not in text  # rejected by the Director
    assert "Phòng Bảo trợ xã hội" not in text  # province level: in the submission only
    # Legal bases: law, decree, the year's review, the council's minutes; annual titles are not
    # a movement's rewards: neither its plan nor "phong trào" anywhere.
    assert "06/2022/QH15" in text
    assert "98/2023/NĐ-CP" in text
    assert "Kế hoạch số" not in text
    assert "phong trào" not in text.lower()
    assert "Căn cứ kết quả đánh giá, xếp loại và bình xét thi đua năm 2024" in text
    assert "Biên bản số 01/BB-HĐTĐKT ngày 20 tháng 12 năm 2024" in text
    assert "Trương Minh Khôi" in text  # the Director signs
    assert "Ban Thi đua – Khen thưởng tỉnh" in text

    lines = [r for r in table_rows(docs["decision"]["files"]["docx"]) if r[0].isdigit()]
    amounts = {(r[1], r[4], r[5]) for r in lines}
    # CSTDCS 1.0 × 2,340,000; LDTT 0.3 × 2,340,000 rounded up; TTLDTT 0.8 × 2,340,000 rounded up.
    # Võ Thanh Sơn holds CSTDCS and LDTT for the same year: the CSTDCS amount only is paid.
    assert ("Võ Thanh Sơn", "1,0", "2.340.000") in amounts
    assert ("Võ Thanh Sơn", "0,3", "0") in amounts
    assert ("Trần Văn Hải", "0,3", "710.000") in amounts  # amount_vnd set by the caller
    assert ("Đinh Thị Phương Thảo", "0,3", "710.000") in amounts
    assert ("Phòng Lao động – Việc làm – An toàn lao động", "0,8", "1.880.000") in amounts
    assert len(lines) == 5
    son_ldtt = next(r for r in lines if r[1] == "Võ Thanh Sơn" and r[4] == "0,3")
    assert son_ldtt[6] == (
        "Không chi; nhận mức cao nhất: Chiến sĩ thi đua cơ sở (Điều 53 Nghị định số 98/2023/NĐ-CP)"
    )
    total = 2_340_000 + 2 * 710_000 + 1_880_000
    assert f"{total:,}".replace(",", ".") in text
    # Individual lines carry the staff position and unit.
    hai = next(r for r in lines if r[1] == "Trần Văn Hải")
    assert hai[2:4] == ["Chuyên viên chính", "Phòng Lao động – Việc làm – An toàn lao động"]


LAW_NOMS = [
    individual("NV017", "HTXSNV"),  # Võ Thanh Sơn: CSTDCS and LDTT
    individual("NV019"),  # Trần Văn Hải: LDTT only
    collective("LDVL"),  # TTLDTT, and TTLDXS proposed to the province
]
LAW_ITEMS = [
    ("NV017", "CSTDCS", "director", tally(11, 0, 0, CSTDCS), "approved", None, None),
    ("NV017", "LDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("NV019", "LDTT", "director", tally(10, 1, 0, MAJORITY), "approved", None, None),
    ("LDVL", "TTLDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("LDVL", "TTLDXS", "province", tally(10, 0, 1, MAJORITY), "approved", "pending", None),
]


class TestTheLawInForceOnTheDecisionDate:
    """Legal bases and money come from the law's dated values (rules/law) on the document's date."""

    def _issue(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry, held: date, on: date
    ) -> dict[str, str]:
        with db.uow.session() as session:
            key = add_round(session, 7, LAW_NOMS, LAW_ITEMS, held=held).key
        with db.uow() as tx:
            rows = issue_round_documents(
                tx,
                key,
                registry=registry,
                renderer=FileDocumentRenderer(tmp_path),
                issued_on=on,
                with_pdf=False,
            )
        return {r.kind: str(r.files["docx"]) for r in rows}

    def test_a_round_decided_after_1_july_2025_cites_decree_152(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Met 20/7/2025, decided 1/8/2025: the decision, its Article 2, the submission and the
        minutes cite Decree 152/2025 and never Decree 98/2023."""
        files = self._issue(db, tmp_path, registry, date(2025, 7, 20), date(2025, 8, 1))
        decision = docx_text(files["decision"])
        assert (
            "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy định "
            "về phân cấp, phân quyền trong lĩnh vực thi đua, khen thưởng" in decision
        )
        assert "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15" in decision
        assert (
            "kèm theo tiền thưởng theo quy định tại Điều 50 Nghị định số 152/2025/NĐ-CP ngày 14 "
            "tháng 6 năm 2025 của Chính phủ (mức lương cơ sở 2.340.000 đồng)" in decision
        )
        submission = docx_text(files["submission"])
        assert "Nghị định số 152/2025/NĐ-CP" in submission
        minutes = docx_text(files["minutes"])
        assert "Nghị định số 152/2025/NĐ-CP" in minutes
        for text in (decision, submission, minutes):
            assert "98/2023" not in text

    def test_a_2024_round_still_cites_decree_98(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """Met 20/12/2024, decided 26/12/2024: Decree 98/2023, not Decree 152/2025."""
        files = self._issue(db, tmp_path, registry, HELD, ISSUED)
        decision = docx_text(files["decision"])
        assert (
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định "
            "chi tiết thi hành một số điều của Luật Thi đua, khen thưởng" in decision
        )
        assert (
            "quy định tại Điều 54 Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023" in decision
        )
        for kind in ("decision", "submission", "minutes"):
            assert "152/2025" not in docx_text(files[kind])
        assert "Nghị định số 98/2023/NĐ-CP" in docx_text(files["minutes"])

    def test_the_annex_shows_only_what_is_paid(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """CSTĐCS + LĐTT: the CSTĐCS amount only; TTLĐTT with TTLĐXS proposed: 0 here (the
        province pays TTLĐXS); each unpaid line says why; the total adds only what is paid."""
        files = self._issue(db, tmp_path, registry, date(2025, 7, 20), date(2025, 8, 1))
        lines = [r for r in table_rows(files["decision"]) if r[0].isdigit()]
        paid = {(r[1], r[4]): (r[5], r[6]) for r in lines}
        note = "Không chi; nhận mức cao nhất: {} (Điều 49 Nghị định số 152/2025/NĐ-CP)"
        unit = "Phòng Lao động – Việc làm – An toàn lao động"
        assert paid == {
            ("Võ Thanh Sơn", "1,0"): ("2.340.000", ""),
            ("Võ Thanh Sơn", "0,3"): ("0", note.format("Chiến sĩ thi đua cơ sở")),
            ("Trần Văn Hải", "0,3"): ("710.000", ""),
            (unit, "0,8"): ("0", note.format("Tập thể lao động xuất sắc")),
        }
        decision = docx_text(files["decision"])
        assert "Tổng số tiền thưởng: 3.050.000 đồng" in decision  # 2,340,000 + 710,000


def test_minutes_list_every_vote(db: SeededDb, tmp_path: Path, registry: RulesRegistry) -> None:
    key = make_round1(db)
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    path = docs["minutes"]["files"]["docx"]
    text = docx_text(path)

    assert "Số: 01/BB-HĐTĐKT" in text
    assert "BIÊN BẢN" in text
    assert "ngày 20 tháng 12 năm 2024" in text
    assert "Ông Trương Minh Khôi – Giám đốc Sở, Chủ tịch Hội đồng" in text
    assert "Hoàng Văn Dũng" in text  # the council secretary (user role council_secretary)
    assert "09/11 thành viên" in text
    assert "(đã gửi phiếu bằng văn bản)" in text

    vote_rows = [r for r in table_rows(path) if r[0].isdigit()]
    assert len(vote_rows) == len(ROUND1_ITEMS)
    votes = {(r[1].split("\n")[0], r[2]): r for r in vote_rows}
    hai = votes[("Trần Văn Hải", "Chiến sĩ thi đua cơ sở")]
    # base (members entitled to vote), for, against, abstain, share of the base, result
    assert hai[3:] == ["11", "8", "2", "1", "72,7%", "Không đạt (cần 9/11)"]
    son = votes[("Võ Thanh Sơn", "Chiến sĩ thi đua cơ sở")]
    assert son[3:5] == ["11", "11"]
    assert son[-1] == "Đạt (cần 9/11)"
    assert sum(1 for r in vote_rows if r[-1].startswith("Đạt")) == len(ROUND1_ITEMS) - 1
    # a meeting recorded without its establishing decision: a visible blank, no number
    assert "[chưa ghi quyết định thành lập Hội đồng: bổ sung trước khi ký]" in text
    assert "08 trường hợp đạt" in text
    assert "01 trường hợp không đạt" in text
    assert "Không đạt" in text


def test_submission_proposes_province_awards_with_achievements(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key = make_round1(db)
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    text = docx_text(docs["submission"]["files"]["docx"])

    assert "Số: 01/TTr-SLĐTBXH" in text
    assert "TỜ TRÌNH" in text
    assert "Đinh Thị Phương Thảo" in text
    assert "Phòng Bảo trợ xã hội" in text
    assert "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in text
    assert "Võ Thanh Sơn" not in text  # no province-level item
    assert "Hoàn thành xuất sắc nhiệm vụ năm 2024" in text
    # The movement's assessments do not ground the province's awards; the year's achievements
    # are proposed, not a movement's rewards; no stray stop after "Kính gửi".
    assert "nội dung 1, 2 đạt xuất sắc" not in text
    assert "phong trào" not in text.lower()
    assert "05/06 thành viên đạt Lao động tiên tiến" in text
    assert "Kính gửi: Ban Thi đua – Khen thưởng tỉnh Bình Phước\n" in text
    assert "Kính gửi:." not in text and "Kính gửi." not in text
    assert "cá nhân, tập thể" not in text.lower()


def test_report_counts(db: SeededDb, tmp_path: Path, registry: RulesRegistry) -> None:
    key = make_round1(db)
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    path = docs["report"]["files"]["docx"]
    text = docx_text(path)

    assert "Số: 01/BC-SLĐTBXH" in text
    assert "Trả lại để bổ sung hồ sơ: 01 trường hợp" in text
    assert "xác minh khiếu nại, tố cáo): 01 trường hợp" in text
    assert "Không đủ điều kiện, tiêu chuẩn: 01 trường hợp" in text
    assert "Khen thưởng Sở không đề nghị: 01 trường hợp" in text
    assert "đã gửi 09 hồ sơ đề nghị khen thưởng (07 cá nhân, 02 tập thể)" in text
    # Content 1: Sơn, Thảo, LDVL excellent; Hải, BTXH good.
    assert "02 trường hợp được đánh giá tốt" in text
    assert "03 trường hợp được đánh giá xuất sắc" in text

    rows = table_rows(path)
    header = rows[0]
    assert header[:4] == ["STT", "Đơn vị", "Cá nhân đề nghị", "Tập thể đề nghị"]
    by_unit = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    ldvl = by_unit["Phòng Lao động – Việc làm – An toàn lao động"]
    assert (ldvl["Cá nhân đề nghị"], ldvl["Tập thể đề nghị"]) == ("2", "1")
    assert (ldvl["CSTĐCS"], ldvl["LĐTT"], ldvl["TTLĐTT"]) == ("1", "2", "1")
    gdnn = by_unit["Phòng Giáo dục nghề nghiệp"]
    assert gdnn["LĐTT"] == "1"
    assert gdnn["Bằng khen UBND tỉnh"] == "1"  # the province approved it
    btxh = by_unit["Phòng Bảo trợ xã hội"]
    assert (btxh["Cá nhân đề nghị"], btxh["Tập thể đề nghị"]) == ("1", "1")
    assert "TTLĐXS" not in header  # still pending at the province: not granted
    ncc = by_unit["Phòng Người có công"]
    assert ncc["LĐTT"] == "0"  # rejected by the Director
    total = next(r for r in rows if r[0] == "Tổng cộng")
    totals = dict(zip(header, total, strict=True))
    assert totals["LĐTT"] == "3"
    assert totals["Cá nhân đề nghị"] == "7"


def test_round_without_approved_awards_has_no_decision_and_numbers_continue(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    key1 = make_round1(db)
    generate(db, key1, tmp_path, registry)
    with db.uow.session() as session:
        key2 = add_round(
            session,
            2,
            [individual("NV041", movement={"c1": "tot"})],
            [("NV041", "LDTT", "director", tally(9, 2, 0, MAJORITY), "rejected", None, None)],
        ).key

    docs = generate(db, key2, tmp_path, registry)

    assert [(d["kind"], d["number"]) for d in docs] == [
        ("report", "02/BC-SLĐTBXH"),
        ("minutes", "02/BB-HĐTĐKT"),
        ("vote_count", "02/BB-HĐTĐKT"),  # the minutes' annex: their number, none of its own
    ]
    assert generate(db, key2, tmp_path, registry) == docs
    with db.uow.session() as session:
        kinds = session.scalars(
            select(DocumentRow.kind).join(RoundRow).where(RoundRow.key == key2)
        ).all()
    assert sorted(kinds) == ["minutes", "report", "vote_count"]


def test_round_without_council_meeting_has_report_only(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    with db.uow.session() as session:
        key = add_round(
            session,
            1,
            [individual("NV041")],
            [("NV041", "LDTT", "director", None, "pending", None, None)],
            meeting=False,
        ).key
    docs = generate(db, key, tmp_path, registry)
    assert [(d["kind"], d["number"]) for d in docs] == [("report", "01/BC-SLĐTBXH")]


def test_unknown_round(db: SeededDb, tmp_path: Path, registry: RulesRegistry) -> None:
    with pytest.raises(Refusal) as refused, db.uow() as tx:
        issue_round_documents(
            tx,
            "nope",
            registry=registry,
            renderer=FileDocumentRenderer(tmp_path / "documents"),
            issued_on=ISSUED,
        )
    assert refused.value.code is RefusalCode.NOT_FOUND
    assert not (tmp_path / "documents").exists()


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_pdf_when_libreoffice_is_installed(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    with db.uow.session() as session:
        key = add_round(
            session,
            1,
            [individual("NV041")],
            [("NV041", "LDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None)],
        ).key
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry, with_pdf=True)}
    pdf = docs["decision"]["files"]["pdf"]
    assert pdf is not None
    assert Path(pdf) == (tmp_path / key / "decision.pdf").resolve()
    assert Path(pdf).read_bytes().startswith(b"%PDF")
    assert all(d["files"]["pdf"] for d in docs.values())


class TestTheProvincePaysTheHigherAward:
    """TTLĐTT left unpaid for a TTLĐXS proposal: paid after all when the province refuses it."""

    def test_a_refused_ttldxs_makes_the_department_pay_ttldtt(self, db: SeededDb) -> None:
        """Decided 1/8/2025 with TTLĐTT 0; the province refuses TTLĐXS: TTLĐTT 0.8 × 2,340,000
        rounded up, audited; an approval instead leaves it 0 with the reason."""
        items = [
            ("LDVL", "TTLDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, 0),
            ("LDVL", "TTLDXS", "province", tally(10, 0, 1, MAJORITY), "approved", "pending", None),
            ("BTXH", "TTLDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, 0),
            ("BTXH", "TTLDXS", "province", tally(10, 0, 1, MAJORITY), "approved", "pending", None),
        ]
        with db.uow.session() as session:
            row = add_round(session, 8, [collective("LDVL"), collective("BTXH")], items)
            row.steps = [{"seq": 3, "action": "approve", "at": "2025-08-01T09:00:00+00:00"}]
            key = row.key
        office = Actor(username="vanphong", role=Role.OFFICE)
        with db.uow() as tx:
            rounds.record_province_answer(
                tx, office, f"{key}-LDVL", "TTLDXS", "rejected", "Chưa đủ tiêu chuẩn"
            )
            rounds.record_province_answer(tx, office, f"{key}-BTXH", "TTLDXS", "approved", None)
        with db.uow() as tx:
            view = rounds.get_round(tx, office, key)
            paid = {(i.nomination[-4:], i.code): (i.amount_vnd, i.amount_note) for i in view.items}
        assert paid[("LDVL", "TTLDTT")] == (1_880_000, None)
        assert paid[("BTXH", "TTLDTT")] == (
            0,
            "Không chi; nhận mức cao nhất: TTLĐXS (Điều 49 Nghị định số 152/2025/NĐ-CP)",
        )
        assert paid[("LDVL", "TTLDXS")][0] is None  # the province decides and pays its own


# The 2024 round mixes the annual titles and the thematic movement's Giấy khen.
MIXED_NOMS = [
    individual("NV017", "HTXSNV", movement={"c1": "xuat_sac", "c2": "xuat_sac"}),  # Sơn
    individual("NV019", movement={"c1": "tot", "c2": "tot"}),  # Hải
    collective("LDVL", movement={"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "tot"}),
]
MIXED_ITEMS = [
    ("NV017", "LDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("NV017", "GIAY_KHEN", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("NV019", "LDTT", "director", tally(10, 1, 0, MAJORITY), "approved", None, None),
    ("LDVL", "TTLDTT", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
    ("LDVL", "GIAY_KHEN", "director", tally(11, 0, 0, MAJORITY), "approved", None, None),
]


class TestTwoDecisions:
    """A round with annual titles and the thematic movement's Giấy khen issues two decisions."""

    def generated(self, db: SeededDb, tmp_path: Path, registry: RulesRegistry) -> dict[str, Any]:
        with db.uow.session() as session:
            key = add_round(session, 3, MIXED_NOMS, MIXED_ITEMS).key
        return {d["kind"]: d for d in generate(db, key, tmp_path, registry)}

    def test_each_decision_takes_its_own_number_from_the_decisions_book(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """The annual decision 01/QĐ, the movement's 02/QĐ; no submission (no province item)."""
        docs = self.generated(db, tmp_path, registry)
        assert {k: d["number"] for k, d in docs.items()} == {
            "report": "01/BC-SLĐTBXH",
            "minutes": "01/BB-HĐTĐKT",
            "vote_count": "01/BB-HĐTĐKT",  # the minutes' annex carries their number
            "decision": "01/QĐ-SLĐTBXH",
            "decision_movement": "02/QĐ-SLĐTBXH",
        }

    def test_the_annual_decision_recognises_titles_without_the_movement(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """TTLĐTT and LĐTT only, "Công nhận", collectives first, no "phong trào"."""
        docs = self.generated(db, tmp_path, registry)
        text = docx_text(docs["decision"]["files"]["docx"])
        assert "phong trào" not in text.lower()
        assert "Giấy khen" not in text
        assert (
            "Công nhận danh hiệu “Tập thể lao động tiên tiến” cho 01 tập thể; công nhận danh "
            "hiệu “Lao động tiên tiến” cho 02 cá nhân đã có thành tích trong thực hiện nhiệm vụ "
            "năm 2024"
        ) in text
        assert (
            "được công nhận danh hiệu thi đua kèm theo tiền thưởng theo quy định tại Điều 54"
            in (text)
        )
        rows = [r for r in table_rows(docs["decision"]["files"]["docx"]) if r[0].isdigit()]
        assert rows[0][1] == "Phòng Lao động – Việc làm – An toàn lao động"

    def test_the_movement_decision_gives_the_giay_khen_for_the_movement(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """ "Tặng Giấy khen … trong phong trào thi đua …", its plan and the report as grounds."""
        docs = self.generated(db, tmp_path, registry)
        text = docx_text(docs["decision_movement"]["files"]["docx"])
        assert "Số: 02/QĐ-SLĐTBXH" in text
        assert (
            "Tặng Giấy khen của Giám đốc Sở cho 01 tập thể, 01 cá nhân đã có thành tích xuất sắc "
            f"trong phong trào thi đua “{MOVEMENT.name}” năm 2024"
        ) in text
        assert f"Căn cứ Kế hoạch số {MOVEMENT.plan_number} ngày 12/08/2024" in text
        assert "Căn cứ Báo cáo số 01/BC-SLĐTBXH" in text
        assert "Lao động tiên tiến" not in text
        assert "được tặng Giấy khen của Giám đốc Sở kèm theo tiền thưởng theo quy định tại" in text


class TestRevocationDecision:
    """Revoking an award issues a numbered revocation decision, once."""

    def test_revocation_is_numbered_cites_the_decision_and_is_issued_once(
        self, db: SeededDb, tmp_path: Path, registry: RulesRegistry
    ) -> None:
        """03/QĐ after the round's two decisions; the movement decision's number; idempotent."""
        from thidua.app.documents import revocation_issuer

        with db.uow.session() as session:
            key = add_round(session, 4, MIXED_NOMS, MIXED_ITEMS).key
        generate(db, key, tmp_path, registry)
        director = Actor(username="giamdoc", role=Role.DIRECTOR, units=frozenset())
        issue = revocation_issuer(registry, FileDocumentRenderer(tmp_path))
        nomination = f"{key}-NV017"
        with db.uow() as tx:
            revoked = rounds.revoke_award(
                tx,
                director,
                nomination,
                "GIAY_KHEN",
                "Kê khai không trung thực thành tích",
                issue_revocation=issue,
                on=date(2025, 3, 10),
            )
        assert revoked.revoked and revoked.revocation is not None
        # A new year: the 2025 decisions' book starts at 01.
        assert revoked.revocation.number == "01/QĐ-SLĐTBXH"
        assert revoked.revocation.kind == f"revocation-{revoked.item_id}"
        with db.uow() as tx:
            path = rounds.revocation_file(tx, director, nomination, "GIAY_KHEN", "docx")
        text = docx_text(path)
        assert "Số: 01/QĐ-SLĐTBXH" in text
        assert "hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng" in text
        assert "tại Quyết định số 02/QĐ-SLĐTBXH ngày" in text  # the movement's decision
        assert "Lý do: Kê khai không trung thực thành tích." in text
        assert "số tiền thưởng đã nhận là 710.000 đồng" in text
        # Read like the nomination: its unit's officer may (the unit recovers the money),
        # another unit's officer finds no such nomination.
        officer = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=frozenset({"LDVL"}))
        with db.uow() as tx:
            assert rounds.revocation_file(tx, officer, nomination, "GIAY_KHEN", "docx") == path
        foreign = Actor(username="canbo.gdnn", role=Role.UNIT_OFFICER, units=frozenset({"GDNN"}))
        with pytest.raises(Refusal) as hidden, db.uow() as tx:
            rounds.revocation_file(tx, foreign, nomination, "GIAY_KHEN", "docx")
        assert hidden.value.code is RefusalCode.NOT_FOUND
        assert hidden.value.message == "Không tìm thấy hồ sơ đề nghị."
        # Revoking again is refused and issues nothing more.
        with pytest.raises(Refusal) as refused, db.uow() as tx:
            rounds.revoke_award(
                tx,
                director,
                nomination,
                "GIAY_KHEN",
                "Lần nữa",
                issue_revocation=issue,
                on=date(2025, 3, 11),
            )
        assert refused.value.code is RefusalCode.DUPLICATE
        with db.uow.session() as session:
            kinds = session.scalars(
                select(DocumentRow.kind).join(RoundRow).where(RoundRow.key == key)
            ).all()
        assert sorted(k for k in kinds if k.startswith("revocation-")) == [revoked.revocation.kind]


async def test_the_vote_counting_record_is_issued_and_downloadable(
    db: SeededDb, tmp_path: Path, registry: RulesRegistry
) -> None:
    """The minutes' annex (biên bản kiểm phiếu): their number, the ballot papers counted from
    the attendance of a meeting recorded without its count, every item's base, share and
    result; downloaded through GET /v1/rounds/{key}/documents/vote_count like the minutes;
    no register entry of its own."""
    from typing import cast

    from temporalio.client import Client

    from tests.support.api import Api, serve_app
    from tests.support.settings import fast_settings
    from thidua.adapters.db.models import DocumentRegisterEntryRow
    from thidua.entrypoints.api.app import create_app

    key = make_round1(db)
    docs = {d["kind"]: d for d in generate(db, key, tmp_path, registry)}
    record = docs["vote_count"]
    assert record["number"] == docs["minutes"]["number"] == "01/BB-HĐTĐKT"
    text = docx_text(record["files"]["docx"])
    assert "Kèm theo Biên bản số 01/BB-HĐTĐKT" in text
    assert "BIÊN BẢN" in text and "Kiểm phiếu bầu kín" in text
    assert "ngày 20 tháng 12 năm 2024" in text  # the meeting's date
    assert "Số phiếu phát ra: 11;" in text  # 9 present + 2 in writing
    assert "Số phiếu hợp lệ: 11;" in text and "Số phiếu không hợp lệ: 00." in text
    rows = [r for r in table_rows(record["files"]["docx"]) if r[0].isdigit()]
    assert len(rows) == len(ROUND1_ITEMS)
    hai = {(r[1].split("\n")[0], r[2]): r for r in rows}[("Trần Văn Hải", "Chiến sĩ thi đua cơ sở")]
    assert hai[3:] == ["11", "8", "2", "1", "72,7%", "Không đạt (cần 9/11)"]
    assert "chưa ghi: bổ sung trước khi ký" in text  # no counting board recorded
    with db.uow.session() as session:
        kinds = session.scalars(
            select(DocumentRow.kind).join(
                DocumentRegisterEntryRow, DocumentRegisterEntryRow.document_id == DocumentRow.id
            )
        ).all()
    assert "vote_count" not in kinds and "minutes" in kinds

    app = create_app(fast_settings(db.url, "q"), db.uow, cast(Client, object()))
    async with serve_app(app) as http:
        api = Api(http, db)
        r = await api.call("vanphong", "GET", f"/v1/rounds/{key}/documents/vote_count")
        assert r.status_code == 200, r.text
        assert hashlib.sha256(r.content).hexdigest() == record["sha256"]
        html = await api.call(
            "vanphong", "GET", f"/v1/rounds/{key}/documents/vote_count?format=html"
        )
        assert "Biên bản kiểm phiếu 01/BB-HĐTĐKT" in html.text
        r = await api.call(None, "GET", f"/v1/rounds/{key}/documents/vote_count")
        assert r.status_code == 401
        r = await api.call("canbo.ldvl", "GET", f"/v1/rounds/{key}/documents/vote_count")
        assert r.status_code == 403
