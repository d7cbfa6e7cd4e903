"""`thidua movements ...` and `thidua registrations ...` as the Office and a unit run them (real
processes over a seeded SQLite database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

from tests.support.db import SeededDb
from thidua.adapters.tabular.registrations import write_registrations_xlsx

TODAY = date.today()


def run(db: SeededDb, user: str | None, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "THIDUA_DATABASE__URL": db.url, "THIDUA_LOG_FORMAT": "json"}
    env.pop("THIDUA_TOKEN", None)
    if user:
        env["THIDUA_TOKEN"] = db.token(user)
    proc = subprocess.run(
        [sys.executable, "-m", "thidua.entrypoints.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def movement_file(tmp_path: Path, **changes: object) -> Path:
    data = {
        "code": f"TD-{TODAY.year}",
        "kind": "annual_review",
        "name": f"Bình xét danh hiệu thi đua năm {TODAY.year}",
        "year": TODAY.year,
        "plan": {"number": "05/KH-SNV", "date": date(TODAY.year, 1, 3)},
        "opens": date(TODAY.year, 1, 1),
        "closes": date(TODAY.year, 12, 31),
        "awards": ["LDTT", "CSTDCS", "TTLDTT"],
        "phases": [
            {
                "phase": "registration",
                "starts": TODAY - timedelta(days=3),
                "ends": TODAY + timedelta(days=3),
            }
        ],
        **changes,
    }
    path = tmp_path / "movement.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class TestMovementsCli:
    def test_create_show_update_and_list(self, seeded_sqlite: SeededDb, tmp_path: Path) -> None:
        """The Office creates, updates and reads a movement; a unit reads it."""
        db, code = seeded_sqlite, f"TD-{TODAY.year}"
        rc, out, err = run(db, "vanphong", "movements", "create", str(movement_file(tmp_path)))
        assert rc == 0, err
        assert f"Đã tạo phong trào {code}." in out and "Giai đoạn Đăng ký thi đua" in out

        rc, out, err = run(
            db, "vanphong", "movements", "update", str(movement_file(tmp_path, name="Đã sửa"))
        )
        assert rc == 0 and "Đã cập nhật phong trào" in out, err

        rc, out, err = run(db, "canbo.ldvl", "movements", "list")
        assert rc == 0 and code in out and "NTM-2024" in out, err
        rc, out, err = run(db, "canbo.ldvl", "movements", "show", code, "--json")
        assert rc == 0, err
        assert json.loads(out)["movement"]["name"] == "Đã sửa"

    def test_a_bad_file_names_the_key_without_a_traceback(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """A wrong date names ``plan.date`` in Vietnamese; nothing is created."""
        path = movement_file(tmp_path, plan={"number": "1/KH", "date": "ngày mai"})
        rc, out, err = run(seeded_sqlite, "vanphong", "movements", "create", str(path))
        assert rc == 1 and "plan.date: phải là ngày dạng YYYY-MM-DD" in err
        assert "Traceback" not in err
        rc, out, _ = run(seeded_sqlite, "vanphong", "movements", "list")
        assert f"TD-{TODAY.year}" not in out

    def test_a_unit_officer_may_not_create(self, seeded_sqlite: SeededDb, tmp_path: Path) -> None:
        """Refused with the role named."""
        rc, _, err = run(
            seeded_sqlite, "canbo.ldvl", "movements", "create", str(movement_file(tmp_path))
        )
        assert rc == 1 and "không được tạo hoặc sửa phong trào" in err


class TestRegistrationsCli:
    def test_add_list_and_import(self, seeded_sqlite: SeededDb, tmp_path: Path) -> None:
        """A unit registers itself and a staff member, lists its own; the Office imports a sheet."""
        db, code = seeded_sqlite, f"TD-{TODAY.year}"
        assert run(db, "vanphong", "movements", "create", str(movement_file(tmp_path)))[0] == 0
        rc, out, err = run(
            db, "canbo.ldvl", "registrations", "add", "--movement", code, "--unit", "LDVL",
            "--staff", "NV018", "--titles", "LDTT,CSTDCS",
        )  # fmt: skip
        assert rc == 0, err
        assert "cán bộ NV018 Nguyễn Thị Ngọc Hân (LDVL) — LDTT, CSTDCS" in out

        rc, out, err = run(
            db, "canbo.gdnn", "registrations", "add", "--movement", code, "--unit", "LDVL",
            "--titles", "TTLDTT",
        )  # fmt: skip
        assert rc == 1 and "--unit: Không tìm thấy đơn vị LDVL." in err

        sheet = tmp_path / "dang-ky.xlsx"
        sheet.write_bytes(
            write_registrations_xlsx(
                [
                    {"movement": code, "kind": "collective", "code": "GDNN", "titles": "TTLDTT"},
                    {"movement": code, "kind": "individual", "code": "NV999", "titles": "LDTT"},
                ]
            )
        )
        rc, out, err = run(db, "vanphong", "registrations", "import", str(sheet))
        assert rc == 1 and "Trang registrations, dòng 3, cột code" in err
        assert "Không nhập dòng nào." in err

        sheet.write_bytes(
            write_registrations_xlsx(
                [{"movement": code, "kind": "collective", "code": "GDNN", "titles": "TTLDTT"}]
            )
        )
        rc, out, err = run(db, "vanphong", "registrations", "import", str(sheet), "--dry-run")
        assert rc == 0 and "Chưa ghi gì" in out, err
        rc, out, err = run(db, "vanphong", "registrations", "import", str(sheet))
        assert rc == 0 and "1 đăng ký mới" in out, err

        rc, out, err = run(db, "canbo.ldvl", "registrations", "list", "--movement", code)
        assert rc == 0 and "NV018" in out and "GDNN" not in out, err
        rc, out, err = run(db, "vanphong", "registrations", "list", "--movement", code)
        assert rc == 0 and "NV018" in out and "GDNN" in out, err

    def test_a_workbook_without_the_sheet_is_named(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """A workbook lacking the ``registrations`` sheet: exit 2, the sheet named."""
        from openpyxl import Workbook

        path = tmp_path / "khac.xlsx"
        wb = Workbook()
        wb.save(path)
        rc, _, err = run(seeded_sqlite, "vanphong", "registrations", "import", str(path))
        assert rc == 2 and "«registrations»" in err and "Traceback" not in err
