"""`thidua rules versions ...` and `thidua rules reevaluate` as an admin runs them (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.db import SeededDb
from tests.support.rulesets import v2_content, v2_golden


def run(db: SeededDb, user: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "THIDUA_DATABASE__URL": db.url,
        "THIDUA_TOKEN": db.token(user),
        "THIDUA_LOG_FORMAT": "json",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "thidua.entrypoints.cli", "rules", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


class TestRulesVersionsCli:
    def test_upload_approve_publish_and_preview(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """The author cannot approve; a second admin can; publish and a dry-run re-evaluation."""
        db = seeded_sqlite
        rules = tmp_path / "ntm-2024.v2.yaml"
        rules.write_text(v2_content(), encoding="utf-8")
        (tmp_path / "ntm-2024.v2.golden.yaml").write_text(v2_golden(green=True), encoding="utf-8")

        code, out, err = run(db, "quantri.quydinh1", "versions", "upload", str(rules))
        assert code == 0, err
        assert "ntm-2024@2 — bản nháp" in out and "Cần một quản trị tiêu chí khác duyệt" in out

        code, out, err = run(db, "quantri.quydinh1", "versions", "approve", "ntm-2024", "2")
        assert code == 1 and "[rules_second_admin_required]" in err
        assert "không được tự duyệt" in err and "Traceback" not in err

        code, out, err = run(db, "quantri.quydinh2", "versions", "approve", "ntm-2024", "2")
        assert code == 0 and "đã duyệt" in out, err
        code, out, err = run(
            db, "quantri.quydinh2", "versions", "publish", "ntm-2024", "2",
            "--effective-from", "2024-07-01",
        )  # fmt: skip
        assert code == 0, err
        assert "ntm-2024@2 — đã công bố, hiệu lực từ 2024-07-01 đến 2025-06-30" in out

        code, out, err = run(db, "quantri.quydinh1", "reevaluate", "--to", "2")
        assert code == 0, err
        assert "Xem trước (chưa ghi gì): 0 hồ sơ theo ntm-2024@2" in out
