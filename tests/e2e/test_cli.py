"""The `thidua` CLI as a user runs it (a real process) against the real server and worker."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from tests.support.cli import Cli
from thidua.adapters.db.models import NominationRow
from thidua.app.sample_data import STAFF


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


class TestCli:
    async def test_walkthrough_submit_review_show_list(self, cli: Cli, tmp_path: Path) -> None:
        """Submit from a file, review three times, then show and list: ends approved."""
        nominee = [s.code for s in STAFF if s.unit_code == "LDVL"][2]
        body = {
            "movement": "NTM-2024",
            "unit": "LDVL",
            "facts": {"kind": "individual", "id": nominee, "year": 2024, "rating": "HTTNV"},
        }
        code, out, err = await cli.run(
            "canbo.ldvl", "nominations", "submit", write(tmp_path, "n.json", body)
        )
        assert code == 0, err
        nid = f"NTM-2024_2024_{nominee}"
        assert nid in out and "unit_review" in out
        for user in ("truongphong.ldvl", "vanphong", "giamdoc"):
            code, out, err = await cli.run(user, "nominations", "review", nid, "approve")
            assert code == 0, err
        code, out, _ = await cli.run("kiemtoan", "nominations", "show", nid, "--json")
        assert json.loads(out)["stage"] == "approved"
        code, out, _ = await cli.run("kiemtoan", "nominations", "list", "--stage", "approved")
        assert nid in out

    async def test_malformed_file_names_field_and_stores_nothing(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """A wrong type in the file: exit 2, one message naming the field path, nothing stored."""
        body = {
            "movement": "NTM-2024",
            "unit": "LDVL",
            "facts": {
                "kind": "individual",
                "id": "NV018",
                "year": 2024,
                "rating": "HTTNV",
                "months_worked": "mười",
            },
        }
        code, _, err = await cli.run(
            "canbo.ldvl", "nominations", "submit", write(tmp_path, "bad.json", body)
        )
        assert code == 2
        assert "facts.months_worked" in err
        assert "Traceback" not in err
        with cli.db.uow.session() as session:
            assert session.scalar(select(func.count()).select_from(NominationRow)) == 0

    async def test_broken_json_reports_line_and_column(self, cli: Cli, tmp_path: Path) -> None:
        """Broken JSON: the file, line and column, no traceback."""
        path = tmp_path / "broken.json"
        path.write_text('{\n  "movement": "NTM-2024",\n  "unit": \n}', encoding="utf-8")
        code, _, err = await cli.run("canbo.ldvl", "nominations", "submit", str(path))
        assert code == 2
        assert f"{path}:4:1" in err
        assert "Traceback" not in err

    async def test_wrong_role_gets_clear_refusal(self, cli: Cli, tmp_path: Path) -> None:
        """The Director cannot take the unit head's step; the message says whose step it is."""
        nominee = [s.code for s in STAFF if s.unit_code == "LDVL"][3]
        body = {
            "movement": "NTM-2024",
            "unit": "LDVL",
            "facts": {"kind": "individual", "id": nominee, "year": 2024, "rating": "HTTNV"},
        }
        code, _, err = await cli.run(
            "canbo.ldvl", "nominations", "submit", write(tmp_path, "n.json", body)
        )
        assert code == 0, err
        code, _, err = await cli.run(
            "giamdoc", "nominations", "review", f"NTM-2024_2024_{nominee}", "approve"
        )
        assert code == 1
        assert "thủ trưởng đơn vị" in err
        assert "Traceback" not in err

    async def test_missing_token_is_explained(self, cli: Cli) -> None:
        """Without a token the CLI says how to give one."""
        code, _, err = await cli.run(None, "nominations", "list")
        assert code == 2
        assert "THIDUA_TOKEN" in err
