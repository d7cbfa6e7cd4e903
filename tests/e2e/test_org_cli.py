"""``thidua org`` and ``thidua ratings`` as a user runs them: real processes on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.db import SeededDb
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork

DATASET = Path(__file__).resolve().parents[2] / "thidua" / "datasets" / "sample"


def run(url: str, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THIDUA_DATABASE__URL": url}
    env.pop("THIDUA_TOKEN", None)
    if token:
        env["THIDUA_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "thidua.entrypoints.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def empty_url(sqlite_url: str) -> str:
    """A migrated SQLite database with an agency and no organisation."""
    upgrade(sqlite_url)
    uow = SqlUnitOfWork(make_engine(sqlite_url))
    with uow() as tx:
        tx.agency.ensure_agency("SNV-TEST")
    uow.engine.dispose()
    return sqlite_url


class TestOrgCli:
    def test_import_csv_dry_run_then_for_real(self, empty_url: str) -> None:
        """A dry run reports and writes nothing; the real import then creates the units."""
        dry = run(empty_url, "org", "import", str(DATASET / "units.csv"), "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "Chạy thử" in dry.stdout and "units: tạo mới 11" in dry.stdout
        real = run(empty_url, "org", "import", str(DATASET / "units.csv"))
        assert real.returncode == 0 and "units: tạo mới 11" in real.stdout
        again = run(empty_url, "org", "import", str(DATASET / "units.csv"))
        assert "không đổi 11" in again.stdout

    def test_bad_row_prints_one_error_per_line_and_fails(
        self, empty_url: str, tmp_path: Path
    ) -> None:
        """Errors are printed as 'sheet staff, dòng N, cột C: ...' and the exit code is 2."""
        run(empty_url, "org", "import", str(DATASET / "units.csv"))
        bad = tmp_path / "staff.csv"
        bad.write_text(
            "code,full_name,gender,unit,position,joined,left\n"
            "A1,An,nam,VP,CV,,\nA2,Bình,x,VP,CV,2020-31-01,\n",
            encoding="utf-8",
        )
        out = run(empty_url, "org", "import", str(bad))
        assert out.returncode == 2
        lines = out.stderr.splitlines()
        assert "sheet staff, dòng 3, cột gender: «x» không hợp lệ; chỉ nhận: nam, nu" in lines
        assert any(line.startswith("sheet staff, dòng 3, cột joined:") for line in lines)
        assert "không nhập dòng nào" in out.stderr and "Traceback" not in out.stderr

    def test_export_and_template(self, empty_url: str, tmp_path: Path) -> None:
        """Export writes units and staff sheets; the template writes all four."""
        run(empty_url, "org", "import", str(DATASET / "units.csv"))
        run(empty_url, "org", "import", str(DATASET / "staff.csv"))
        out = run(empty_url, "org", "export", str(tmp_path / "org.xlsx"))
        assert out.returncode == 0, out.stderr
        wb = load_workbook(tmp_path / "org.xlsx")
        assert wb["staff"].max_row == 61 and wb["units"]["A1"].value == "code"
        back = run(empty_url, "org", "import", str(tmp_path / "org.xlsx"))
        assert "staff: tạo mới 0, cập nhật 0, chuyển đơn vị 0, không đổi 60" in back.stdout
        run(empty_url, "org", "template", str(tmp_path / "mau.xlsx"))
        assert load_workbook(tmp_path / "mau.xlsx").sheetnames == [
            "units",
            "staff",
            "council",
            "ratings",
        ]

    def test_header_matching_no_table_is_refused(self, empty_url: str, tmp_path: Path) -> None:
        """A CSV whose header is no table's names the missing columns."""
        f = tmp_path / "x.csv"
        f.write_text("ma,ten\n1,2\n", encoding="utf-8")
        out = run(empty_url, "org", "import", str(f))
        assert (
            out.returncode == 2 and "units thiếu cột code, name, kind, abbreviation" in out.stderr
        )


class TestRatingsCli:
    def test_unit_officer_imports_own_units_ratings(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """With a unit officer's token, own staff are imported; export lists them."""
        f = tmp_path / "ratings.csv"
        f.write_text(
            "year,staff_code,rating,months_worked,maternity_months,discipline,discipline_until\n"
            "2026,NV020,HTXSNV,12,0,none,\n",
            encoding="utf-8",
        )
        token = seeded_sqlite.token("canbo.ldvl")
        out = run(seeded_sqlite.url, "ratings", "import", str(f), token=token)
        assert out.returncode == 0, out.stderr
        assert "ratings: tạo mới 1" in out.stdout
        exported = tmp_path / "out.csv"
        run(seeded_sqlite.url, "ratings", "export", str(exported), "--year", "2026", token=token)
        assert "2026,NV020,HTXSNV" in exported.read_text(encoding="utf-8-sig")
        refused = run(
            seeded_sqlite.url, "ratings", "import", str(f), token=seeded_sqlite.token("giamdoc")
        )
        assert refused.returncode == 2 and "không được ghi sổ xếp loại" in refused.stderr
