"""``thidua rounds`` publication commands as officials run them (a real process) against the real
server and worker: ``open --publication-days``, ``object``, ``objections``,
``resolve-objection``; refusals in Vietnamese, input errors exit 2, and nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.support.cli import Cli
from tests.support.nominations import round_facts, staff_of
from thidua.adapters.db.models import ObjectionRow, RoundRow

KEY = "NTM-2024_2024_dot1"
DOSSIER = {
    "achievement_report": "bao-cao-thanh-tich.pdf",
    "review_minutes": "bien-ban-hop-xet.pdf",
    "evidence": ["quyet-dinh.pdf"],
}


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def closes_at() -> str:
    return (datetime.now(UTC) + timedelta(days=7)).isoformat()


async def ok(cli: Cli, user: str, *args: str) -> str:
    code, out, err = await cli.run(user, *args)
    assert code == 0, err
    assert "Traceback" not in err
    return out


async def approved_by_unit(cli: Cli, tmp_path: Path) -> str:
    """An LDVL nominee submitted (complete dossier) and approved by the unit head."""
    nominee = staff_of("LDVL", 4)
    body = {"movement": "NTM-2024", "unit": "LDVL", "facts": round_facts(nominee)}
    body["dossier"] = DOSSIER
    await ok(cli, "canbo.ldvl", "nominations", "submit", write(tmp_path, "n.json", body))
    key = f"NTM-2024_2024_{nominee}"
    await ok(cli, "truongphong.ldvl", "nominations", "review", key, "approve")
    return key


def counts(cli: Cli) -> tuple[int, int]:
    """(rounds, objections) in the database."""
    with cli.db.uow.session() as s:
        rounds = s.scalar(select(func.count()).select_from(RoundRow)) or 0
        objections = s.scalar(select(func.count()).select_from(ObjectionRow)) or 0
    return rounds, objections


def objection_status(cli: Cli, objection_id: int) -> tuple[str, str | None]:
    with cli.db.uow.session() as s:
        row = s.get(ObjectionRow, objection_id)
        assert row is not None
        return row.status, row.resolution_reason


class TestPublicationCommands:
    async def test_publish_object_list_and_resolve(self, cli: Cli, tmp_path: Path) -> None:
        """Opened with 1 working day of publication and closed: the list is published and the
        council refused; an anonymous objection holds the nominee; the unit sees it without
        the objector, the Office with; the Office upholds it and the item is withdrawn."""
        nomination = await approved_by_unit(cli, tmp_path)
        out = await ok(
            cli,
            "vanphong",
            "rounds",
            "open",
            "--closes-at",
            closes_at(),
            "--publication-days",
            "1",
            "--json",
        )
        opened = json.loads(out)
        assert opened["key"] == KEY and opened["publication"]["days"] == 1
        out = await ok(cli, "vanphong", "rounds", "close", KEY)
        assert "(publication)" in out
        assert "Công khai: 1 ngày làm việc" in out and "(đang công khai)" in out

        ballots = {"held_on": "2024-12-22", "members": [{"name": "A"}], "ballots": []}
        code, _, err = await cli.run(
            "thuky.hoidong", "rounds", "council", KEY, write(tmp_path, "c.json", ballots)
        )
        assert code == 2 and "ballots" in err  # an empty list of ballots: the input's fault
        ballots["ballots"] = [{"nomination": nomination, "title": "LDTT", "in_favour": 1}]
        code, _, err = await cli.run(
            "thuky.hoidong", "rounds", "council", KEY, write(tmp_path, "c.json", ballots)
        )
        assert code == 1 and "đang được công khai" in err and "Traceback" not in err

        out = await ok(
            cli,
            "canbo.gdnn",
            "rounds",
            "object",
            KEY,
            "--nomination",
            nomination,
            "--content",
            "Chưa tham gia phong trào của đơn vị",
            "--anonymous",
        )
        assert f"hồ sơ {nomination} tạm dừng xét" in out
        filed = int(out.split("phản ánh số ", 1)[1].split(";", 1)[0])

        listed = json.loads(
            await ok(cli, "truongphong.ldvl", "rounds", "objections", KEY, "--json")
        )
        assert [(o["id"], o["objector"], o["status"]) for o in listed] == [(filed, None, "open")]
        out = await ok(cli, "truongphong.ldvl", "rounds", "objections", KEY)
        assert "(ẩn danh)" in out and "Chưa tham gia phong trào" in out
        out = await ok(cli, "vanphong", "rounds", "objections", KEY)
        assert "canbo.gdnn" in out and "Chưa giải quyết (tạm dừng xét)" in out
        out = await ok(cli, "canbo.btxh", "rounds", "objections", KEY)
        assert "chưa có phản ánh nào" in out  # another unit's officer: not theirs to read

        out = await ok(
            cli,
            "vanphong",
            "rounds",
            "resolve-objection",
            KEY,
            str(filed),
            "--upheld",
            "--reason",
            "Đã xác minh: chưa tham gia",
        )
        assert f"Phản ánh số {filed}: Chấp nhận: rút khỏi danh sách." in out
        assert objection_status(cli, filed) == ("upheld", "Đã xác minh: chưa tham gia")
        shown: dict[str, Any] = json.loads(
            await ok(cli, "vanphong", "rounds", "show", KEY, "--json")
        )
        assert {i["council_status"] for i in shown["items"] if i["nomination"] == nomination} == {
            "withdrawn"
        }
        assert {i["status"] for i in shown["publication"]["items"]} == {"withdrawn"}

    async def test_refused_calls_say_why_and_write_nothing(self, cli: Cli, tmp_path: Path) -> None:
        """Bad input exits 2 (publication days out of range, no --upheld/--dismissed, empty
        content); a refusal of the service exits 1 (a unit officer writing for someone else,
        the Director resolving, a nominee not on the list, resolving twice); each says why in
        Vietnamese, with no traceback, and nothing is written."""
        nomination = await approved_by_unit(cli, tmp_path)
        code, _, err = await cli.run(
            "vanphong",
            "rounds",
            "open",
            "--closes-at",
            closes_at(),
            "--publication-days",
            "61",
        )
        assert code == 2 and "--publication-days" in err and "Traceback" not in err
        assert counts(cli) == (0, 0)

        await ok(
            cli,
            "vanphong",
            "rounds",
            "open",
            "--closes-at",
            closes_at(),
            "--publication-days",
            "0",
        )
        out = await ok(cli, "vanphong", "rounds", "close", KEY)
        assert "(council)" in out  # no publication period: the council may vote at once

        async def refused(user: str, *args: str) -> tuple[int, str]:
            code, _, err = await cli.run(user, "rounds", *args)
            assert code != 0 and "Traceback" not in err, err
            assert err.startswith("Lỗi: "), err
            return code, err

        assert await refused(
            "canbo.gdnn", "object", KEY, "--nomination", nomination, "--content", ""
        ) == (2, "Lỗi: --content: String should have at least 1 character\n")
        code, err = await refused(
            "canbo.gdnn",
            "object",
            KEY,
            "--nomination",
            nomination,
            "--content",
            "Nhờ ghi hộ",
            "--on-behalf-of",
            "Trần Văn B",
        )
        assert code == 1 and "chỉ Văn phòng Sở ghi nhận phản ánh" in err and "--on-behalf-of" in err
        code, err = await refused(
            "canbo.gdnn", "object", KEY, "--nomination", "KHONG_CO", "--content", "Sai"
        )
        assert code == 1 and "--nomination" in err and "không có trong danh sách công khai" in err
        assert counts(cli) == (1, 0)

        out = await ok(
            cli, "canbo.gdnn", "rounds", "object", KEY, "--nomination", nomination, "--content", "X"
        )
        filed = int(out.split("phản ánh số ", 1)[1].split(";", 1)[0])
        code, err = await refused("vanphong", "resolve-objection", KEY, str(filed), "--reason", "Y")
        assert code == 2 and "Phải chọn --upheld (chấp nhận) hoặc --dismissed" in err
        code, err = await refused(
            "giamdoc", "resolve-objection", KEY, str(filed), "--dismissed", "--reason", "Y"
        )
        assert code == 1 and "Chỉ Văn phòng Sở giải quyết phản ánh" in err
        assert objection_status(cli, filed) == ("open", None)

        await ok(
            cli, "vanphong", "rounds", "resolve-objection", KEY, str(filed), "--dismissed",
            "--reason", "Không có căn cứ",
        )  # fmt: skip
        code, err = await refused(
            "vanphong", "resolve-objection", KEY, str(filed), "--upheld", "--reason", "Đổi ý"
        )
        assert code == 1 and "đã được giải quyết" in err
        assert objection_status(cli, filed) == ("dismissed", "Không có căn cứ")
