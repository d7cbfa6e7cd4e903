"""`thidua nominations achievement-report` as a user runs it (a real process)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx

from tests.support.cli import Cli
from thidua.app.sample_data import STAFF


class TestAchievementReportCli:
    async def test_writes_the_docx_and_refuses_another_unit(self, cli: Cli, tmp_path: Path) -> None:
        """The unit head writes a .docx that opens with the nominee's name; another unit's head
        is told in Vietnamese that there is no such nomination, and no file is written."""
        staff = [s for s in STAFF if s.unit_code == "LDVL"][5]
        body = {
            "movement": "NTM-2024",
            "unit": "LDVL",
            "facts": {"kind": "individual", "id": staff.code, "year": 2024, "rating": "HTTNV"},
        }
        path = tmp_path / "n.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        code, _, err = await cli.run("canbo.ldvl", "nominations", "submit", str(path))
        assert code == 0, err
        nid = f"NTM-2024_2024_{staff.code}"

        out = tmp_path / "bao-cao.docx"
        code, stdout, err = await cli.run(
            "truongphong.ldvl",
            "nominations",
            "achievement-report",
            nid,
            "--format",
            "docx",
            "--out",
            str(out),
        )
        assert code == 0, err
        assert "Đã ghi báo cáo thành tích" in stdout
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
        assert staff.full_name in text

        other = tmp_path / "khac.docx"
        code, _, err = await cli.run(
            "truongphong.gdnn", "nominations", "achievement-report", nid, "--out", str(other)
        )
        assert code == 1
        assert "Lỗi: Không tìm thấy hồ sơ đề nghị." in err
        assert not other.exists()
