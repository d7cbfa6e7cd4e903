"""`thidua demo` end to end: a whole 2024 round through the API of a real `thidua up`."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.up import Service
from thidua.entrypoints.demo.run import run_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = Service(tmp_path_factory.mktemp("demo"))
    try:
        svc.start()
        yield svc
    finally:
        svc.close()


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(io.BytesIO(path.read_bytes()))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_demo_runs_a_whole_round_then_only_reports(running: Service, tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{running.api_port}"
    accounts = running.root / "var" / "sample-accounts.json"
    out = tmp_path / "out"
    lines: list[str] = []

    summary = run_demo(api, accounts, out, echo=lines.append)
    text = "\n".join(lines)

    assert not summary.existing
    assert summary.round_stage == "decided", text
    assert summary.elapsed_seconds < 120, text
    assert summary.returned > 0 and summary.on_hold > 0 and summary.not_eligible > 0, text
    assert summary.not_recommended >= 1, text
    assert summary.titles["LDTT"].granted > 0 and summary.titles["CSTDCS"].granted > 0
    assert summary.director_rejected == 1
    assert "KẾT QUẢ ĐỢT XÉT" in text and "Trả lại để bổ sung" in text

    # the failed vote: a CSTDCS with 7 of 10 in favour is not recommended by the council
    view = running.call("vanphong", "GET", f"/v1/rounds/{summary.round_key}").json()
    failed = [i for i in view["items"] if i["council_status"] == "not_recommended"]
    assert any(
        i["code"] == "CSTDCS" and i["tally"]["in_favour"] == 7 and not i["tally"]["passed"]
        for i in failed
    ), failed
    assert all(i["director_status"] == "not_recommended" for i in failed)
    # the province's answers
    answers = {i["province_status"] for i in view["items"] if i["level"] == "province"}
    assert {"approved", "returned"} <= answers

    # the documents
    key = summary.round_key
    for kind in ("decision", "minutes"):
        assert (out / f"{key}-{kind}.docx").stat().st_size > 0
    decision = _docx_text(out / f"{key}-decision.docx")
    assert "QUYẾT ĐỊNH" in decision
    assert "Trương Minh Khôi" in decision
    if shutil.which("soffice") or shutil.which("libreoffice"):
        for kind in ("decision", "minutes"):
            pdf = out / f"{key}-{kind}.pdf"
            assert pdf.read_bytes()[:5] == b"%PDF-", kind
    for name in summary.documents:
        assert (out / name).is_file()
    with zipfile.ZipFile(out / f"{key}-minutes.docx") as z:
        assert "word/document.xml" in z.namelist()

    # a second run creates nothing: it prints the summary of the existing round
    before = running.call("kiemtoan", "GET", "/v1/nominations?limit=500").json()
    rounds_before = running.call("vanphong", "GET", "/v1/rounds").json()
    again: list[str] = []
    second = run_demo(api, accounts, out, echo=again.append)
    again_text = "\n".join(again)
    assert second.existing
    assert "đã chạy trước đây" in again_text
    assert second.round_key == key
    assert second.round_stage == "decided"
    assert second.not_recommended == summary.not_recommended
    assert second.titles == summary.titles
    assert running.call("kiemtoan", "GET", "/v1/nominations?limit=500").json() == before
    assert running.call("vanphong", "GET", "/v1/rounds").json() == rounds_before
