"""`thidua rounds revoke` and `thidua nominations revocation` as users run them (real processes)
against the real server and worker, on a round decided through the API."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.support.api import Api, serve_app
from tests.support.cli import Cli
from tests.support.db import SeededDb
from tests.support.decided import decided_round
from tests.support.nominations import staff_of
from tests.support.settings import fast_settings
from thidua.entrypoints.api.app import create_app

REASON = "Kê khai không trung thực thành tích"


@pytest.fixture
async def cli_api(
    temporal_env: WorkflowEnvironment, seeded_sqlite: SeededDb, task_queue: str, cli_worker: Worker
) -> AsyncIterator[Api]:
    """The API over the CLI's database, queue and workflow id prefix (to decide a round)."""
    settings = fast_settings(seeded_sqlite.url, task_queue)
    app = create_app(settings, seeded_sqlite.uow, client=temporal_env.client)
    async with serve_app(app) as http:
        yield Api(http, seeded_sqlite)


def docx_text(path: Path) -> str:
    """The paragraphs, then the cells of the tables (the heading with the number is one)."""
    doc = docx.Document(io.BytesIO(path.read_bytes()))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


def same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


class TestRevocationCli:
    async def test_the_director_revokes_and_the_unit_downloads_the_decision(
        self, cli: Cli, cli_api: Api, tmp_path: Path
    ) -> None:
        """Only the Director revokes, with a reason; the decision's number is printed; the
        unit's head downloads it (.docx naming the reason), another unit's is told "not found"."""
        view = await decided_round(cli_api, [("LDVL", staff_of("LDVL", 4))])
        (item,) = [i for i in view["items"] if i["code"] == "LDTT"]
        nid = item["nomination"]

        code, _, err = await cli.run(
            "truongphong.ldvl", "rounds", "revoke", nid, "LDTT", "--reason", REASON
        )
        assert code == 1
        assert "Lỗi: Chỉ Giám đốc được thu hồi khen thưởng." in err
        code, _, err = await cli.run("giamdoc", "rounds", "revoke", nid, "LDTT", "--reason", " ")
        assert code == 1
        assert "Lỗi: --reason: thu hồi phải ghi rõ lý do." in err
        code, _, err = await cli.run(
            "giamdoc", "rounds", "revoke", "NTM-2024_2024_NV999", "LDTT", "--reason", REASON
        )
        assert code == 1 and "Lỗi: Không có danh hiệu/hình thức LDTT" in err
        # nothing was revoked by the refused calls
        r = await cli_api.call("vanphong", "GET", f"/v1/rounds/{view['key']}")
        assert not any(i["revoked"] for i in r.json()["items"])

        code, out, err = await cli.run(
            "giamdoc", "rounds", "revoke", nid, "LDTT", "--reason", REASON
        )
        assert code == 0, err
        assert f"Đã thu hồi LDTT của {item['nominee_name']} (hồ sơ {nid})." in out
        r = await cli_api.call("vanphong", "GET", f"/v1/rounds/{view['key']}")
        (after,) = [i for i in r.json()["items"] if i["code"] == "LDTT"]
        assert after["revoked"] and after["revoked_reason"] == REASON
        docs = {d["kind"]: d["number"] for d in r.json()["documents"]}
        kind = f"revocation-{after['item_id']}"
        assert f"Quyết định thu hồi số {docs[kind]} ({kind}" in out

        code, _, err = await cli.run(
            "giamdoc", "rounds", "revoke", nid, "LDTT", "--reason", "Lần nữa", "--json"
        )
        assert code == 1 and "đã bị thu hồi" in err

        out_file = tmp_path / "thu-hoi.docx"
        code, out, err = await cli.run(
            "truongphong.ldvl",
            "nominations",
            "revocation",
            nid,
            "LDTT",
            "--format",
            "docx",
            "--out",
            str(out_file),
        )
        assert code == 0, err
        assert f"Đã ghi quyết định thu hồi LDTT của hồ sơ {nid} ra {out_file}." in out
        text = docx_text(out_file)
        assert f"Số: {docs[kind]}" in text and REASON in text

        other = tmp_path / "khac.docx"
        code, _, err = await cli.run(
            "truongphong.gdnn", "nominations", "revocation", nid, "LDTT", "--out", str(other)
        )
        assert code == 1
        assert "Lỗi: Không tìm thấy hồ sơ đề nghị." in err
        assert not other.exists()

        # The round's own listing also gives it to the Office, by its kind.
        code, out, err = await cli.run("vanphong", "rounds", "document", view["key"], kind)
        assert code == 0, err
        assert same_bytes(Path(out.strip()), out_file)
        code, out, _ = await cli.run("kiemtoan", "rounds", "show", view["key"], "--json")
        assert json.loads(out)["items"][0]["revoked"] is True
