"""Bulk nominations: spreadsheet/CSV/JSONL parsing, dry runs, imports through the real worker,
the batch endpoint and the export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from temporalio.client import Client
from temporalio.worker import Worker

from tests.support.api import Api, serve_app
from tests.support.cli import Cli
from tests.support.db import SeededDb
from tests.support.nominations import individual, staff_of
from tests.support.settings import fast_settings
from thidua.adapters.db.models import NominationRow
from thidua.adapters.tabular import EXPORT_HEADER, BulkFileError, read_file
from thidua.app import bulk
from thidua.app.lifecycle import Lifecycle
from thidua.app.sample_data import STAFF, UNITS
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.api.app import create_app
from thidua.entrypoints.lifecycle import build_lifecycle

HEADER = ["movement", "unit", "kind", "id", "year", "rating", "months_worked", "under_review"]


def parse_file(path: Path) -> bulk.ParsedFile:
    """Read a list file and validate its rows, as ``thidua nominations import`` does."""
    return bulk.validate_file(read_file(path))


def good_row(code: str, unit: str) -> list[Any]:
    return ["NTM-2024", unit, "individual", code, 2024, "HTXSNV", 12, "không"]


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def pipeline_actor() -> Actor:
    return Actor(username="pipeline.test", role=Role.PIPELINE, units=tuple(u.code for u in UNITS))


def errors_of(parsed: bulk.ParsedFile | bulk.ImportReport) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in parsed.errors}


class TestParsing:
    def test_xlsx_full_layout_becomes_a_submission(self, tmp_path: Path) -> None:
        """Every flat column lands in the right place of the submission; empty cells are omitted."""
        header = [
            "movement",
            "unit",
            "kind",
            "id",
            "year",
            "rating",
            "maternity_months",
            "gender",
            "c1",
            "c2",
            "initiatives",
            "history",
            "achievement_report",
            "evidence",
            "under_review",
            "research_accepted",
        ]
        row = [
            "NTM-2024",
            "LDVL",
            "individual",
            "NV018",
            2024,
            "HTXSNV",
            None,
            "nu",
            "tot",
            "xuat_sac",
            "SK-1:co_so:2024:applied; SK-2:tinh:2024",
            "2023:HTXSNV:LDTT+CSTDCS",
            "bao-cao.pdf",
            "a.pdf; b.pdf",
            "x",
            "",
        ]
        parsed = parse_file(write_xlsx(tmp_path / "a.xlsx", header, [row]))
        assert parsed.errors == []
        (item,) = parsed.items
        assert item.row == 2
        facts = item.submission.facts.model_dump(mode="json")
        assert facts["initiatives"] == [
            {"id": "SK-1", "level": "co_so", "year": 2024, "applied": True},
            {"id": "SK-2", "level": "tinh", "year": 2024, "applied": False},
        ]
        assert facts["history"] == [
            {"year": 2023, "rating": "HTXSNV", "titles": ["LDTT", "CSTDCS"]}
        ]
        assert facts["movement"]["c1"] == "tot" and facts["movement"]["c3"] == "khong_dat"
        assert facts["under_review"] is True
        assert facts["maternity_months"] == 0  # empty cell: default
        assert item.submission.dossier is not None
        assert item.submission.dossier.evidence == ["a.pdf", "b.pdf"]

    def test_xlsx_errors_name_row_and_column_in_vietnamese(self, tmp_path: Path) -> None:
        """Bad cells are reported by spreadsheet row (header = 1) and column."""
        rows = [
            good_row("NV018", "LDVL"),
            ["NTM-2024", "LDVL", "individual", "NV019", "hai nghìn", "HTXSNV", 12, "không"],
            ["NTM-2024", "LDVL", "individual", "NV020", 2024, "GIOI", 13, "có lẽ"],
            ["NTM-2024", "LDVL", "individual", "NV018", 2024, "HTXSNV", 12, ""],
        ]
        parsed = parse_file(write_xlsx(tmp_path / "a.xlsx", HEADER, rows))
        assert [i.row for i in parsed.items] == [2]
        assert errors_of(parsed) == {
            (3, "year"),
            (4, "rating"),
            (4, "months_worked"),
            (4, "under_review"),
            (5, "id"),  # the same nominee twice in one file
        }
        by = {(e.row, e.column): e.message for e in parsed.errors}
        assert by[(3, "year")] == "phải là số nguyên"
        assert "nhỏ hơn hoặc bằng 12" in by[(4, "months_worked")]
        assert "trùng với dòng 2" in by[(5, "id")]

    def test_collective_rows_and_consistency_errors(self, tmp_path: Path) -> None:
        """Collective columns; counts that exceed members_total are reported on their column; an
        empty members_total is left for the roster to fill at submission."""
        header = ["movement", "unit", "kind", "id", "year", "rating", "members_total"]
        header += ["members_ldtt", "members_cstdcs", "guidance_on_time", "months_worked"]
        rows = [
            ["NTM-2024", "LDVL", "collective", "LDVL", 2024, "HTXSNV", 6, 5, 1, "có", None],
            ["NTM-2024", "GDNN", "collective", "GDNN", 2024, "HTXSNV", 5, 9, 0, "1", None],
            ["NTM-2024", "NCC", "collective", "NCC", 2024, "HTXSNV", 5, 1, 0, "0", 12],
            ["NTM-2024", "BTXH", "collective", "BTXH", 2024, "HTXSNV", None, 0, 0, None, None],
        ]
        parsed = parse_file(write_xlsx(tmp_path / "c.xlsx", header, rows))
        assert [i.row for i in parsed.items] == [2, 5]
        assert errors_of(parsed) == {(3, "members_ldtt"), (4, "months_worked")}

    def test_csv_with_bom_and_semicolons(self, tmp_path: Path) -> None:
        """Excel's CSV: UTF-8 with BOM, ; separators; an unknown header is reported on row 1; an
        empty rating is left for the register to fill at submission."""
        text = "movement;unit;kind;id;year;rating;ghi chú\n"
        text += "NTM-2024;LDVL;individual;NV018;2024;HTXSNV;tốt\n"
        text += "NTM-2024;LDVL;individual;NV019;2024;;\n"
        path = tmp_path / "a.csv"
        path.write_bytes(text.encode("utf-8-sig"))
        parsed = parse_file(path)
        assert [i.row for i in parsed.items] == [2, 3]
        assert errors_of(parsed) == {(1, "ghi_chú")}
        assert parsed.items[0].submission.facts.id == "NV018"

    def test_jsonl_nested_and_flat_lines(self, tmp_path: Path) -> None:
        """JSONL: nested submissions (errors name the field path) or flat rows; bad JSON by line."""
        lines = [
            json.dumps(individual("NV018")),
            json.dumps(individual("NV019", initiatives=[{"id": "SK-1", "year": "2024"}])),
            "{not json",
            json.dumps({"movement": "NTM-2024", "unit": "LDVL", "kind": "individual",
                        "id": "NV020", "year": 2024, "rating": "HTTNV"}),
        ]  # fmt: skip
        path = tmp_path / "a.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        parsed = parse_file(path)
        assert [i.row for i in parsed.items] == [1, 4]
        assert errors_of(parsed) == {(2, "facts.initiatives[0].year"), (3, "(dòng)")}

    def test_unsupported_or_broken_file(self, tmp_path: Path) -> None:
        """A wrong extension or a non-spreadsheet .xlsx is a clear file-level error."""
        (tmp_path / "a.txt").write_text("x")
        with pytest.raises(BulkFileError, match="không được hỗ trợ"):
            parse_file(tmp_path / "a.txt")
        (tmp_path / "b.xlsx").write_text("not a zip")
        with pytest.raises(BulkFileError, match="Excel"):
            parse_file(tmp_path / "b.xlsx")

    def test_thousand_rows_with_twenty_bad_are_reported_exactly(self, tmp_path: Path) -> None:
        """Acceptance: 1,000 rows, 20 bad ones → exactly those 20, by row and column."""
        bad: dict[int, str] = {}
        rows: list[list[Any]] = []
        for i in range(1000):
            row = ["NTM-2024", "LDVL", "individual", f"X{i:04d}", 2024, "HTXSNV", 12, "không"]
            if i % 50 == 7:  # 20 bad rows, each wrong in one column
                column = ("year", "rating", "months_worked", "under_review")[(i // 50) % 4]
                row[HEADER.index(column)] = {
                    "year": "năm ngoái",
                    "rating": "TOT",
                    "months_worked": 15,
                    "under_review": "chưa rõ",
                }[column]
                bad[i + 2] = column
            rows.append(row)
        parsed = parse_file(write_xlsx(tmp_path / "big.xlsx", HEADER, rows))
        assert parsed.total_rows == 1000
        assert len(parsed.items) == 980
        assert errors_of(parsed) == set(bad.items())
        assert len(parsed.errors) == 20


def _lifecycle(client: Client, db: SeededDb, task_queue: str) -> Lifecycle:
    return build_lifecycle(client, db.uow, fast_settings(db.url, task_queue))


def _count(db: SeededDb) -> int:
    from sqlalchemy import func, select

    with db.uow.session() as session:
        return session.scalar(select(func.count()).select_from(NominationRow)) or 0


class TestImport:
    async def test_dry_run_submits_nothing_and_reports_each_bad_row(
        self, tmp_path: Path, temporal_client: Client, seeded: SeededDb, task_queue: str
    ) -> None:
        """Dry run: format errors plus the checks submit makes (staff of the unit, own unit)."""
        rows = [good_row(s.code, "LDVL") for s in STAFF if s.unit_code == "LDVL"]
        rows.append(good_row("NV999", "LDVL"))  # not staff of the unit
        rows.append(good_row("NV023", "GDNN"))  # not the officer's unit
        rows.append(["NTM-2024", "LDVL", "individual", "NV017", 2023, "HTXSNV", 12, ""])
        parsed = parse_file(write_xlsx(tmp_path / "a.xlsx", HEADER, rows))
        officer = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=("LDVL",))
        report = await bulk.import_items(
            _lifecycle(temporal_client, seeded, task_queue), officer, parsed, dry_run=True
        )
        assert report.accepted == 6 and report.existing == 0
        assert errors_of(report) == {(8, "id"), (9, "unit"), (10, "year")}
        assert report.created_ids == []
        assert _count(seeded) == 0

    async def test_import_all_staff_then_reimport_creates_nothing(
        self,
        tmp_path: Path,
        temporal_client: Client,
        seeded: SeededDb,
        task_queue: str,
        running_worker: Worker,
    ) -> None:
        """Acceptance: all 60 staff + 3 bad rows → 60 accepted, the 3 reported; again → 60 existing."""
        rows = [good_row(s.code, s.unit_code) for s in STAFF]
        rows.insert(10, ["NTM-2024", "LDVL", "individual", "NV018", 2024, "XUATSAC", 12, ""])
        rows.insert(20, good_row("NV999", "LDVL"))
        rows.insert(30, ["NTM-2024", "LDVL", "collective", "LDVL", 2024, "HTXSNV", 12, ""])
        path = write_xlsx(tmp_path / "all.xlsx", HEADER, rows)
        lc = _lifecycle(temporal_client, seeded, task_queue)
        ticks: list[int] = []
        report = await bulk.import_items(
            lc, pipeline_actor(), parse_file(path), dry_run=False, progress=ticks.append
        )
        assert report.accepted == 60, report.errors
        assert report.existing == 0
        assert errors_of(report) == {
            (12, "rating"),
            (22, "id"),
            (32, "months_worked"),  # individuals only (members_total: the roster fills it)
        }
        assert len(report.created_ids) == 60
        assert _count(seeded) == 60
        assert sum(ticks) == 61  # the two rows valid in form were submitted (one refused)

        again = await bulk.import_items(lc, pipeline_actor(), parse_file(path), dry_run=False)
        assert again.accepted == 0
        assert again.existing == 60
        assert sorted(again.existing_ids) == sorted(report.created_ids)
        assert _count(seeded) == 60


@pytest.fixture
async def api(
    temporal_client: Client, seeded: SeededDb, task_queue: str, running_worker: Worker
) -> AsyncIterator[Api]:
    """The app as in the e2e ``api`` fixture (the bulk routes are part of it)."""
    settings = fast_settings(seeded.url, task_queue)
    app = create_app(settings, seeded.uow, client=temporal_client)
    async with serve_app(app) as http:
        yield Api(http, seeded)


class TestBatchEndpoint:
    async def test_mixed_batch_accepts_valid_items(self, api: Api) -> None:
        """Valid items are accepted even when others fail; a repeat is `existing`."""
        items: list[Any] = [
            individual(staff_of("LDVL", 1)),
            individual(staff_of("LDVL", 2), initiatives=[{"id": "SK-1", "year": "2024"}]),
            individual("NV999"),
            {"movement": "NTM-2024"},
            individual(staff_of("LDVL", 3)),
        ]
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations:batch", {"items": items})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["accepted"], body["existing"], body["errors"]) == (2, 0, 3)
        status = [res["status"] for res in body["results"]]
        assert status == ["created", "error", "error", "error", "created"]
        assert [res["index"] for res in body["results"]] == [0, 1, 2, 3, 4]
        assert body["results"][1]["error"]["field"] == "facts.initiatives[0].year"
        assert body["results"][2]["error"]["code"] == "forbidden"
        assert body["results"][2]["error"]["field"] == "facts.id"
        assert body["results"][0]["id"].startswith("NTM-2024_2024_")

        r = await api.call("canbo.ldvl", "POST", "/v1/nominations:batch", {"items": items[:1]})
        assert r.json()["results"][0]["status"] == "existing"
        assert r.json()["existing"] == 1

    async def test_batch_over_limit_is_422(self, api: Api) -> None:
        """More than 1,000 items: the whole call is refused."""
        items = [{"movement": "x"}] * 1001
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations:batch", {"items": items})
        assert r.status_code == 422

    async def test_export_lists_only_visible_nominations(self, api: Api) -> None:
        """Export uses the listing's authorization; xlsx and csv carry the Vietnamese header."""
        items = [individual(staff_of("LDVL", 1)), individual(staff_of("LDVL", 2))]
        r = await api.call("canbo.ldvl", "POST", "/v1/nominations:batch", {"items": items})
        assert r.json()["accepted"] == 2
        r = await api.call("kiemtoan", "GET", "/v1/nominations:export?format=xlsx")
        assert r.status_code == 200, r.text
        ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == EXPORT_HEADER
        assert len(rows) == 3
        r = await api.call("truongphong.gdnn", "GET", "/v1/nominations:export?format=csv")
        assert r.status_code == 200
        assert r.content.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert lines == [list(EXPORT_HEADER)]
        r = await api.call(None, "GET", "/v1/nominations:export")
        assert r.status_code == 401


_RUN_CLI = """
import sys
from thidua.entrypoints.cli import app
sys.argv[0] = "thidua"
app()
"""


class TestCli:
    async def test_import_then_export(
        self,
        cli: Cli,
        tmp_path: Path,
    ) -> None:
        """`nominations import` (dry run, then for real: error table, exit 1) and `export`."""
        ldvl = [s.code for s in STAFF if s.unit_code == "LDVL"]
        rows = [good_row(code, "LDVL") for code in ldvl]
        rows.insert(2, ["NTM-2024", "LDVL", "individual", "NV999", 2024, "HTXSNV", 12, "có"])
        path = write_xlsx(tmp_path / "ldvl.xlsx", HEADER, rows)

        async def run(*args: str) -> tuple[int, str, str]:
            env = dict(cli.env, THIDUA_TOKEN=cli.db.token("canbo.ldvl"))
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _RUN_CLI, *args, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
            assert proc.returncode is not None
            return proc.returncode, out.decode(), err.decode()

        code, out, err = await run("nominations", "import", str(path), "--dry-run")
        assert code == 1, err
        assert "Dòng | Cột" in out and "4 | id" in out
        assert _count(cli.db) == 0
        code, out, err = await run("nominations", "import", str(path))
        assert code == 1, err
        assert f"Đã nộp mới: {len(ldvl)}" in out
        assert _count(cli.db) == len(ldvl)
        target = tmp_path / "out.xlsx"
        code, out, err = await run("nominations", "export", str(target))
        assert code == 0, err
        ws = load_workbook(target).worksheets[0]
        assert ws.max_row == len(ldvl) + 1


@pytest.mark.slow
class TestThousandRowImport:
    async def test_thousand_rows_with_twenty_bad_accepts_980_and_reimport_creates_nothing(
        self,
        tmp_path: Path,
        temporal_client: Client,
        seeded_sqlite: SeededDb,
        task_queue: str,
        rules_engine: Any,
    ) -> None:
        """Acceptance: a 1,000-row .xlsx with 20 bad rows → 980 accepted, 20 reported; again → 0 new."""
        import concurrent.futures

        from thidua.app.ports.org import NewStaff
        from worker import build_worker

        with seeded_sqlite.uow() as tx:
            tx.org.add_staff(
                [
                    NewStaff(
                        code=f"X{i:04d}",
                        full_name=f"Cán bộ {i:04d}",
                        gender="nu" if i % 2 else "nam",
                        position="Chuyên viên",
                        birth_year=1990,
                        unit="LDVL",
                    )
                    for i in range(1000)
                ]
            )
        bad: dict[int, str] = {}
        rows: list[list[Any]] = []
        for i in range(1000):
            row = good_row(f"X{i:04d}", "LDVL")
            if i % 50 == 7:
                column = ("year", "rating", "months_worked", "under_review")[(i // 50) % 4]
                row[HEADER.index(column)] = {
                    "year": "năm ngoái",
                    "rating": "TOT",
                    "months_worked": 15,
                    "under_review": "chưa rõ",
                }[column]
                bad[i + 2] = column
            rows.append(row)
        path = write_xlsx(tmp_path / "1000.xlsx", HEADER, rows)
        officer = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=("LDVL",))
        settings = fast_settings(seeded_sqlite.url, task_queue)
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
            worker = build_worker(
                temporal_client, settings, seeded_sqlite.uow, executor, rules_engine
            )
            async with worker:
                lc = build_lifecycle(temporal_client, seeded_sqlite.uow, settings)
                report = await bulk.import_items(
                    lc, officer, parse_file(path), dry_run=False, concurrency=32
                )
                assert (report.accepted, report.existing) == (980, 0), report.errors[:3]
                assert errors_of(report) == set(bad.items())
                again = await bulk.import_items(
                    lc, officer, parse_file(path), dry_run=False, concurrency=32
                )
        assert (again.accepted, again.existing) == (0, 980)
        assert _count(seeded_sqlite) == 980
