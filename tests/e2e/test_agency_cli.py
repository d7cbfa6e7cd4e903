"""``thidua agency show|set|history`` as an operator runs it: the real console script on a seeded
SQLite database, without a token (local operator) and with one (the API's authorization)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.agency import add_admin, reorganised_profile
from tests.support.db import SeededDb

THIDUA = str(Path(sys.executable).with_name("thidua"))


def run(db: SeededDb, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THIDUA_DATABASE__URL": db.url, "THIDUA_LOG_FORMAT": "json"}
    env.pop("THIDUA_TOKEN", None)
    if token:
        env["THIDUA_TOKEN"] = token
    return subprocess.run(
        [THIDUA, "agency", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class TestAgencyCli:
    def test_show_set_history_as_the_local_operator(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """Show the sample profile; set a 2025 version; the same file again creates nothing."""
        shown = run(seeded_sqlite, "show", "--on", "2024-06-01")
        assert shown.returncode == 0, shown.stderr
        assert "Hồ sơ cơ quan phiên bản 1, hiệu lực từ 01/01/2024" in shown.stdout
        assert "SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI" in shown.stdout

        new = write(tmp_path / "agency-2025.yaml", reorganised_profile())
        first = run(seeded_sqlite, "set", str(new))
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == "Đã lưu hồ sơ cơ quan phiên bản 2, hiệu lực từ 01/07/2025."
        again = run(seeded_sqlite, "set", str(new))
        assert again.returncode == 0, again.stderr
        assert "giống hệt phiên bản 2" in again.stdout and "không tạo phiên bản mới" in again.stdout

        as_json = run(seeded_sqlite, "show", "--on", "2025-07-01", "--json")
        view = json.loads(as_json.stdout)
        assert (view["version"], view["profile"]["symbol"]) == (2, "SNV")
        assert view["created_by"].startswith("os:")
        assert (
            json.loads(run(seeded_sqlite, "show", "--on", "2025-06-30", "--json").stdout)["version"]
            == 1
        )
        history = run(seeded_sqlite, "history")
        assert history.returncode == 0, history.stderr
        rows = history.stdout.splitlines()[2:]
        assert [r.split("|")[0].strip() for r in rows] == ["2", "1"]

    def test_a_bad_file_is_refused_naming_the_key_and_nothing_is_stored(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """An empty recipient line and an unknown key: exit 2, each named; history unchanged."""
        data = reorganised_profile()
        data["recipients"]["decision"][1] = ""
        data["fax"] = "0251"
        bad = run(seeded_sqlite, "set", str(write(tmp_path / "bad.yaml", data)))
        assert bad.returncode == 2
        assert bad.stderr.startswith("Lỗi: recipients.decision[1]: không được để trống.")
        assert "  fax: khóa không có trong hồ sơ cơ quan" in bad.stderr
        assert "Traceback" not in bad.stderr
        missing = run(seeded_sqlite, "set", str(tmp_path / "none.yaml"))
        assert missing.returncode == 2 and "không đọc được tệp" in missing.stderr
        history = json.loads(run(seeded_sqlite, "history", "--json").stdout)
        assert [v["version"] for v in history] == [1]

    def test_a_date_without_a_profile_and_a_bad_date_are_clear_errors(
        self, seeded_sqlite: SeededDb
    ) -> None:
        """Before the first version: exit 1 naming the date and the command; a bad --on: exit 2."""
        none = run(seeded_sqlite, "show", "--on", "2023-05-01")
        assert none.returncode == 1
        assert "01/05/2023" in none.stderr and "thidua agency set" in none.stderr
        bad = run(seeded_sqlite, "show", "--on", "05/01/2023")
        assert bad.returncode == 2 and "--on: ngày không hợp lệ" in bad.stderr

    def test_with_a_token_only_the_system_administrator_sets_it(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """The Office's token is refused; the admin's stores a version audited under its name."""
        new = write(tmp_path / "agency-2025.yaml", reorganised_profile())
        office = run(seeded_sqlite, "set", str(new), token=seeded_sqlite.token("vanphong"))
        assert office.returncode == 2 and "Chỉ quản trị hệ thống" in office.stderr
        assert run(seeded_sqlite, "show", token=seeded_sqlite.token("vanphong")).returncode == 0
        admin = run(seeded_sqlite, "set", str(new), "--json", token=add_admin(seeded_sqlite))
        assert admin.returncode == 0, admin.stderr
        result = json.loads(admin.stdout)
        assert result["created"] and result["version"]["created_by"] == "quantri.hethong"
