"""``thidua audit`` as officials run it: the real console script on a seeded SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.support.db import SeededDb

THIDUA = str(Path(sys.executable).with_name("thidua"))


def run(db: SeededDb, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THIDUA_DATABASE__URL": db.url, "THIDUA_LOG_FORMAT": "json"}
    return subprocess.run(
        [THIDUA, "audit", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


class TestAuditCli:
    """verify, export and list against the sample Department (its accounts are audited)."""

    def test_verify_export_then_tampering_is_named(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """Intact: exit 0 with the count and head; export ends with that head; an edit: exit 1."""
        ok = run(seeded_sqlite, "verify")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith("Chuỗi nhật ký kiểm toán toàn vẹn: ")
        head_hash = ok.stdout.split("mã băm cuối ")[1].split()[0]
        assert len(head_hash) == 64

        target = tmp_path / "audit.jsonl"
        exported = run(seeded_sqlite, "export", "--from", "2000-01-01", "--output", str(target))
        assert exported.returncode == 0, exported.stderr
        lines = target.read_text(encoding="utf-8").splitlines()
        last = json.loads(lines[-1])
        assert (last["record"], last["head_hash"], last["entries"]) == (
            "head",
            head_hash,
            len(lines) - 1,
        )
        assert last["entries"] > 0
        csv_target = tmp_path / "audit.csv"
        as_csv = run(seeded_sqlite, "export", "--format", "csv", "-o", str(csv_target))
        assert as_csv.returncode == 0, as_csv.stderr
        assert csv_target.read_text(encoding="utf-8").splitlines()[-1].startswith("head,")

        listed = run(seeded_sqlite, "list", "--action", "token.", "--json")
        assert listed.returncode == 0, listed.stderr
        assert {i["action"] for i in json.loads(listed.stdout)["items"]} == {"token.created"}

        with seeded_sqlite.uow.engine.begin() as conn:  # as someone with file access could
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("UPDATE audit_log SET actor = 'ke.gian' WHERE seq = 2"))
        bad = run(seeded_sqlite, "verify")
        assert bad.returncode == 1
        assert "KHÔNG toàn vẹn" in bad.stderr and "Mục 2" in bad.stderr and "bị sửa" in bad.stderr
        assert "Traceback" not in bad.stderr

    def test_bad_options_name_the_option(self, seeded_sqlite: SeededDb, tmp_path: Path) -> None:
        """A bad date, format or anchor: exit 2 naming the option; no file is left behind."""
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        target = out_dir / "out.jsonl"
        for args, option in (
            (("export", "--from", "25/11/2026", "-o", str(target)), "--from"),
            (("export", "--format", "xml", "-o", str(target)), "--format"),
            (("export", "--from", "2026-02-01", "--to", "2026-01-01", "-o", str(target)), "--to"),
            (("verify", "--expect-head", "abc"), "--expect-head"),
        ):
            result = run(seeded_sqlite, *args)
            assert result.returncode == 2, (args, result.stderr)
            assert option in result.stderr and "Traceback" not in result.stderr
        assert list(out_dir.iterdir()) == []

    def test_operator_commands_are_audited_with_the_os_account(
        self, seeded_sqlite: SeededDb
    ) -> None:
        """``thidua tokens create``: a token.created entry whose actor is ``os:<account>``."""
        env = {**os.environ, "THIDUA_DATABASE__URL": seeded_sqlite.url, "THIDUA_LOG_FORMAT": "json"}
        created = subprocess.run(
            [THIDUA, "tokens", "create", "kiemtoan", "--name", "ci"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, created.stderr
        items = [
            i
            for i in json.loads(run(seeded_sqlite, "list", "--action", "token.", "--json").stdout)[
                "items"
            ]
            if (i["actor"] or "").startswith("os:")
        ]
        assert len(items) == 1
        assert (items[0]["actor_role"], items[0]["after"]["user"], items[0]["after"]["name"]) == (
            "operator",
            "kiemtoan",
            "ci",
        )
        assert created.stdout.strip() and items[0]["object_id"] in created.stdout + created.stderr

    def test_an_export_kept_outside_catches_deleted_newest_entries(
        self, seeded_sqlite: SeededDb, tmp_path: Path
    ) -> None:
        """check-file passes; after the newest entry is deleted, only verify --against names it."""
        kept = tmp_path / "kept.csv"
        assert run(seeded_sqlite, "export", "--format", "csv", "-o", str(kept)).returncode == 0
        checked = run(seeded_sqlite, "check-file", str(kept))
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.startswith("Tệp xuất toàn vẹn: ")

        with seeded_sqlite.uow.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
            last = conn.execute(sa.text("SELECT max(seq) FROM audit_log")).scalar_one()
            conn.execute(sa.text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
        assert run(seeded_sqlite, "verify").returncode == 0  # the chain alone cannot tell
        caught = run(seeded_sqlite, "verify", "--against", str(kept))
        assert caught.returncode == 1
        assert f"Mục {last} bị xóa" in caught.stderr

        kept.write_text(kept.read_text(encoding="utf-8").replace("kiemtoan", "kiemtoan9", 1))
        forged = run(seeded_sqlite, "check-file", str(kept))
        assert forged.returncode == 1 and "KHÔNG toàn vẹn" in forged.stderr
