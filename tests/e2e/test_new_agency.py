"""Acceptance: another agency set up from files only, its 2026 annual review to the Director's
decision, and documents that carry its identity and nothing of the sample Department.

One real ``thidua up`` with sample data off. Everything else goes through the commands an
official runs (``thidua users|tokens|agency|org|ratings|movements|rules versions``) and the HTTP
API, as the onboarding section of the README describes. The agency is a fictitious "Sở Nội vụ"
of Đồng Nai province (names, numbers and people invented): 4 units, 30 staff, ratings for 2026.

The 2026 criteria: the ruleset seeded for reviews from 1 July 2025 (tdkt-2025@1, Decree
152/2025), which the rules administrators find published; the round is judged under it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.support.up import Service
from thidua.entrypoints.demo.client import Api

pytestmark = pytest.mark.slow

AGENCY_YAML = """\
# A fictitious agency for the onboarding test (names of offices real, decisions invented).
code: SNV-DN
governing_body: UBND TỈNH ĐỒNG NAI
name: SỞ NỘI VỤ
place: Đồng Nai
symbol: SNV
head_title: Giám đốc
deputy_title: Phó Giám đốc
province_board: Ban Thi đua – Khen thưởng tỉnh Đồng Nai
competence_basis:
  - >-
    Căn cứ Quyết định số 901/QĐ-UBND ngày 01 tháng 7 năm 2025 của Ủy ban nhân dân tỉnh Đồng
    Nai quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Nội vụ
emulation_regulation:
  - >-
    Căn cứ Quyết định số 902/2025/QĐ-UBND ngày 15 tháng 8 năm 2025 của Ủy ban nhân dân tỉnh
    Đồng Nai ban hành Quy chế công tác thi đua, khen thưởng trên địa bàn tỉnh
recipients:
  decision: ["Như Điều 3;", "Ban Thi đua – Khen thưởng tỉnh Đồng Nai;", "Lưu: VT, VPSNV."]
  submission: ["Như trên;", "Giám đốc, các Phó Giám đốc Sở Nội vụ;", "Lưu: VT, VPSNV."]
  report: ["Ban Thi đua – Khen thưởng tỉnh Đồng Nai;", "Lưu: VT, VPSNV."]
  minutes: ["Lưu: VT, VPSNV."]
effective_from: 2025-07-01
"""

UNITS = [
    ("BGD", "Ban Giám đốc Sở Nội vụ", "leadership", "BGĐ"),
    ("VPS", "Văn phòng Sở Nội vụ", "division", "VPS"),
    ("TCBC", "Phòng Tổ chức – Biên chế", "division", "TCBC"),
    ("TTLT", "Trung tâm Lưu trữ lịch sử", "public_service_unit", "TTLT"),
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hòa",
    "Khánh",
    "Linh",
    "Minh",
    "Nga",
    "Oanh",
    "Phúc",
    "Quang",
    "Quyên",
    "Sơn",
    "Tâm",
    "Thảo",
    "Uyên",
    "Vinh",
    "Xuân",
    "Yến",
    "Bảo",
    "Cường",
    "Diệp",
    "Hải",
    "Hưng",
    "Kiên",
    "Lộc",
    "Mai",
    "Ngọc",
]
# (unit, how many): 3 + 9 + 10 + 8 = 30 staff
SIZES = [("BGD", 3), ("VPS", 9), ("TCBC", 10), ("TTLT", 8)]
DIRECTOR_NAME = "Nguyễn Văn An"
YEAR = 2026


def staff_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    n = 0
    for unit, size in SIZES:
        for i in range(size):
            n += 1
            if unit == "BGD":
                position = "Giám đốc" if i == 0 else "Phó Giám đốc"
            elif i == 0:
                position = "Chánh Văn phòng" if unit == "VPS" else "Trưởng phòng"
            else:
                position = "Chuyên viên"
            middle = "Thị" if n % 2 == 0 else "Văn"
            name = DIRECTOR_NAME if n == 1 else f"{SURNAMES[n % 10]} {middle} {GIVEN[n - 1]}"
            rows.append(
                {
                    "code": f"SNV{n:03d}",
                    "full_name": name,
                    "gender": "nu" if n % 2 == 0 else "nam",
                    "unit": unit,
                    "position": position,
                    "joined": "2015-03-01",
                    "left": "",
                }
            )
    return rows


def rating_of(row: dict[str, Any]) -> str:
    """TCBC: 7 of 10 rated for LĐTT (HTTNV or better), 3 HTNV; everyone else HTTNV."""
    if row["unit"] == "TCBC":
        return "HTNV" if row["code"] in {"SNV020", "SNV021", "SNV022"} else "HTTNV"
    return "HTTNV"


def write_sheet(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_files(root: Path) -> dict[str, Path]:
    staff = staff_rows()
    files = {"agency": root / "agency.yaml"}
    files["agency"].write_text(AGENCY_YAML, encoding="utf-8")
    files["org"] = write_sheet(
        root / "org.xlsx",
        {
            "units": [["code", "name", "kind", "abbreviation"], *[list(u) for u in UNITS]],
            "staff": [
                ["code", "full_name", "gender", "unit", "position", "joined", "left"],
                *[
                    [s[k] for k in ("code", "full_name", "gender", "unit", "position")]
                    for s in staff
                ],
            ],
        },
    )
    # joined and left as text cells, the way an official types them
    wb = openpyxl.load_workbook(files["org"])
    ws = wb["staff"]
    for i, s in enumerate(staff, start=2):
        ws.cell(row=i, column=6, value=s["joined"])
        ws.cell(row=i, column=7, value=s["left"] or None)
    wb.save(files["org"])
    files["ratings"] = write_sheet(
        root / "ratings.xlsx",
        {
            "ratings": [
                [
                    "year",
                    "staff_code",
                    "rating",
                    "months_worked",
                    "maternity_months",
                    "discipline",
                    "discipline_until",
                ],
                *[[YEAR, s["code"], rating_of(s), 12, 0, "none", None] for s in staff],
            ]
        },
    )
    files["movement"] = root / "movement.yaml"
    files["movement"].write_text(
        f"""\
code: TDKT-{YEAR}
kind: annual_review
name: Bình xét danh hiệu thi đua năm {YEAR}
year: {YEAR}
plan: {{number: "05/KH-SNV", date: {YEAR}-01-15}}
opens: {YEAR}-01-15
closes: {YEAR}-12-31
description: Đánh giá, bình xét danh hiệu thi đua năm {YEAR} của công chức, viên chức Sở.
awards: [LDTT, CSTDCS, TTLDTT, TTLDXS]
""",
        encoding="utf-8",
    )
    return files


class Cli:
    """``thidua …`` as an official runs it against the service's database."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc

    def __call__(self, *args: str, token: str | None = None, ok: bool = True) -> str:
        env = dict(self.svc.env)
        env.pop("THIDUA_TOKEN", None)
        if token is not None:
            env["THIDUA_TOKEN"] = token
        proc = subprocess.run(
            [sys.executable, "-m", "thidua.entrypoints.cli", *args],
            cwd=self.svc.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if ok:
            assert proc.returncode == 0, f"thidua {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def account(self, username: str, role: str, unit: str | None = None) -> str:
        args = ["users", "create", username, "--role", role]
        if unit:
            args += ["--unit", unit]
        self(*args)
        return self("tokens", "create", username).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def agency_round(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("new-agency")
    svc = Service(root, THIDUA_LOAD_SAMPLE_DATA="false")
    banner = svc.start()
    try:
        yield run_onboarding(svc, root, banner)
    finally:
        svc.close()


def run_onboarding(svc: Service, root: Path, banner: str) -> dict[str, Any]:
    cli = Cli(svc)
    files = write_files(root)
    tokens: dict[str, str] = {}
    # 1. The first administrator, then the agency's profile and organisation from files.
    tokens["quantri"] = cli.account("quantri", "admin")
    cli("agency", "set", str(files["agency"]), token=tokens["quantri"])
    cli("org", "import", str(files["org"]), "--dry-run", token=tokens["quantri"])
    cli("org", "import", str(files["org"]), token=tokens["quantri"])
    # 2. The accounts of the people who run the review.
    tokens["vanphong"] = cli.account("vanphong", "office", "VPS")
    tokens["giamdoc"] = cli.account("giamdoc", "director", "BGD")
    tokens["thuky"] = cli.account("thuky", "council_secretary", "VPS")
    tokens["kiemtoan"] = cli.account("kiemtoan", "auditor")
    tokens["qtqd1"] = cli.account("qtqd1", "rules_admin")
    for unit in ("VPS", "TCBC", "TTLT"):
        tokens[f"canbo.{unit}"] = cli.account(f"canbo.{unit.lower()}", "unit_officer", unit)
        tokens[f"truong.{unit}"] = cli.account(f"truong.{unit.lower()}", "unit_head", unit)
    # 3. The register of the year's ratings, the criteria in force, the year's review.
    cli("ratings", "import", str(files["ratings"]), token=tokens["vanphong"])
    listed = cli("rules", "versions", "list", token=tokens["qtqd1"])
    assert "tdkt-2025" in listed, listed
    cli("movements", "create", str(files["movement"]), token=tokens["vanphong"])
    api = Api(svc.base_url, tokens)
    try:
        return run_round(api, banner)
    finally:
        api.close()


def run_round(api: Api, banner: str) -> dict[str, Any]:
    movement = f"TDKT-{YEAR}"
    closes_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    opened = api.post(
        "vanphong",
        "/v1/rounds",
        {
            "movement": movement,
            "year": YEAR,
            "closes_at": closes_at.isoformat(),
            "late_policy": "next_round",
            "publication_days": 0,
        },
    )
    key = opened["key"]
    dossier = {"achievement_report": "BCTT.pdf", "review_minutes": "BB-HX.pdf", "evidence": []}
    # Three of the ten TCBC staff and the collective are nominated; one VPS officer too.
    nominees = [("TCBC", "SNV014"), ("TCBC", "SNV015"), ("TCBC", "SNV016"), ("VPS", "SNV005")]
    submitted = []
    for unit, code in nominees:
        # the rating, months and discipline come from the register
        facts = {"kind": "individual", "id": code, "year": YEAR}
        created = api.post(
            f"canbo.{unit}",
            "/v1/nominations",
            {"movement": movement, "unit": unit, "facts": facts, "dossier": dossier},
        )
        submitted.append((unit, created["id"]))
    collective = {
        "kind": "collective",
        "id": "TCBC",
        "year": YEAR,
        "rating": "HTTNV",
    }
    created = api.post(
        "canbo.TCBC",
        "/v1/nominations",
        {"movement": movement, "unit": "TCBC", "facts": collective, "dossier": dossier},
    )
    submitted.append(("TCBC", created["id"]))
    for unit, nom in submitted:
        api.post(
            f"truong.{unit}",
            f"/v1/nominations/{nom}/review",
            {"decision": "approve", "reason": "Đơn vị đã họp xét"},
        )
    view = api.post("vanphong", f"/v1/rounds/{key}/close", None)
    ballots = [
        {
            "nomination": i["nomination"],
            "title": i["code"],
            "in_favour": 5,
            "against": 0,
            "abstain": 0,
        }
        for i in view["items"]
    ]
    members = [
        {"name": f"Thành viên {i}", "present": True, "written_vote": False} for i in range(1, 6)
    ]
    api.post(
        "thuky",
        f"/v1/rounds/{key}/council",
        {"held_on": date.today().isoformat(), "members": members, "ballots": ballots},
    )
    view = api.post(
        "giamdoc",
        f"/v1/rounds/{key}/decision",
        {"action": "approve", "reject": [], "reason": "Đồng ý"},
    )
    deadline = time.monotonic() + 120
    while not any(d["kind"] == "decision" for d in view.get("documents") or []):
        assert time.monotonic() < deadline, f"no decision document: {json.dumps(view)[:2000]}"
        time.sleep(0.5)
        view = api.get("vanphong", f"/v1/rounds/{key}")
    texts = {
        d["kind"]: api.download(
            "vanphong", f"/v1/rounds/{key}/documents/{d['kind']}", "html"
        ).decode("utf-8")
        for d in view["documents"]
    }
    return {"view": view, "texts": texts, "banner": banner}


class TestNewAgencyFromFiles:
    """Another agency, set up from files with sample data off, runs its 2026 review."""

    def test_start_without_sample_data_creates_no_accounts(
        self, agency_round: dict[str, Any]
    ) -> None:
        """With sample data off, `thidua up` prints no sample account or password."""
        assert "demo-" not in agency_round["banner"]

    def test_round_reaches_the_directors_decision(self, agency_round: dict[str, Any]) -> None:
        """The round is decided under the ruleset for reviews from 1 July 2025, and every
        approved item is the Director's."""
        view = agency_round["view"]
        assert view["stage"] == "decided"
        assert (view["ruleset"]["id"], view["ruleset"]["version"]) == ("tdkt-2025", "1")
        approved = {
            (i["nominee_code"] if "nominee_code" in i else i["nomination"], i["code"])
            for i in view["items"]
            if i["director_status"] == "approved"
        }
        assert approved, view["items"]

    def test_collective_counts_its_whole_roster(self, agency_round: dict[str, Any]) -> None:
        """7 of TCBC's 10 staff qualify in the register: TTLĐTT though only 3 were nominated."""
        view = agency_round["view"]
        items = view["items"]
        assert any(i["code"] == "TTLDTT" and i["director_status"] == "approved" for i in items)
        (tcbc,) = [r for r in view["results"] if r["key"].endswith("_TCBC")]
        used = tcbc["facts_used"]
        assert (used["members_total"], used["members_ldtt"]) == (10, 7)

    def test_nominations_take_their_facts_from_the_register(
        self, agency_round: dict[str, Any]
    ) -> None:
        """Nominations sent with only kind, id and year are appraised on the register's rating."""
        results = agency_round["view"]["results"]
        individuals = [r for r in results if r["kind"] == "individual"]
        assert len(individuals) == 4
        assert all(r["facts_used"]["rating"] == "HTTNV" for r in individuals)

    def test_documents_carry_the_agency_and_nothing_of_the_sample(
        self, agency_round: dict[str, Any]
    ) -> None:
        """Every document names Sở Nội vụ Đồng Nai, its place, symbol, signer and recipients."""
        texts = agency_round["texts"]
        assert {"decision", "minutes", "report"} <= set(texts)
        decision = texts["decision"]
        for expected in (
            "UBND TỈNH ĐỒNG NAI",
            "SỞ NỘI VỤ",
            "Đồng Nai, ngày",
            "/QĐ-SNV",
            "GIÁM ĐỐC",
            DIRECTOR_NAME,
            "Quyết định số 901/QĐ-UBND",
            "Quy chế công tác thi đua, khen thưởng trên địa bàn tỉnh",
            "Căn cứ kết quả đánh giá, xếp loại và bình xét thi đua năm 2026",
            "Ban Thi đua – Khen thưởng tỉnh Đồng Nai;",
        ):
            assert expected in decision, expected
        for kind, text in texts.items():
            for foreign in ("Bình Phước", "THƯƠNG BINH", "SLĐTBXH", "Trương Minh Khôi"):
                assert foreign not in text, f"{kind} mentions {foreign}"

    def test_an_annual_round_issues_only_the_annual_titles_decision(
        self, agency_round: dict[str, Any]
    ) -> None:
        """The 2026 review (annual titles only): one decision, "Công nhận danh hiệu …", never a
        movement's reward; no movement decision; collectives before individuals."""
        texts = agency_round["texts"]
        assert "decision_movement" not in texts
        decision = texts["decision"]
        assert "phong trào" not in decision.lower()
        assert "Kế hoạch số" not in decision
        assert "Công nhận danh hiệu" in decision
        assert "đã có thành tích trong thực hiện nhiệm vụ năm 2026" in decision
        assert "kèm theo tiền thưởng theo quy định tại Điều 50 Nghị định số 152/2025" in decision
        assert "cá nhân, tập thể" not in decision.lower()

    def test_a_2026_decision_cites_decree_152_not_98(self, agency_round: dict[str, Any]) -> None:
        """Decided in 2026: the decision and minutes cite Decree 152/2025, never the lapsed 98/2023."""
        texts = agency_round["texts"]
        assert "Nghị định số 152/2025/NĐ-CP" in texts["decision"]
        for kind in ("decision", "minutes"):
            assert "98/2023" not in texts[kind], kind
