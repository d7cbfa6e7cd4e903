"""Administrative documents: Word/HTML/PDF rendering of the four document types."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from thidua.adapters.documents import (
    decision_title,
    find_soffice,
    render_docx,
    render_html,
    render_pdf,
    sample_agency,
    sample_decision,
    sample_minutes,
    sample_movement_decision,
    sample_report,
    sample_revocation,
    sample_submission,
)
from thidua.domain.documents.models import (
    AnyDoc,
    CouncilMinutesDoc,
    CouncilVote,
    DecisionDoc,
    ReportDoc,
    ReportUnitStats,
    RevocationDoc,
    Signer,
    SubmissionDoc,
)
from thidua.domain.documents.text import date_line, date_long_vi, number_symbol, percent_vi
from thidua.domain.money import format_vnd

SAMPLES: dict[str, Callable[[], AnyDoc]] = {
    "decision": sample_decision,
    "movement_decision": sample_movement_decision,
    "submission": sample_submission,
    "minutes": sample_minutes,
    "report": sample_report,
    "revocation": sample_revocation,
}


def docx_text(path: Path) -> str:
    """All text of a .docx: body paragraphs and every table cell, in document order."""
    document = Document(str(path))
    chunks: list[str] = []
    body = document.element.body
    for para in body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
        text = "".join(
            t.text or ""
            for t in para.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")
        )
        chunks.append(text)
    return "\n".join(chunks)


def html_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return unescape(re.sub(r"<[^>]+>", "\n", raw))


def expected_strings(doc: AnyDoc) -> list[str]:
    """Strings every rendering of ``doc`` must contain."""
    strings = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH BÌNH PHƯỚC",
        date_line("Bình Phước", doc.date),
    ]
    if isinstance(doc, DecisionDoc):
        strings += ["QUYẾT ĐỊNH", decision_title(doc), f"Số: {doc.number}/QĐ-SLĐTBXH"]
        strings += ["Nơi nhận:", doc.signer.name, doc.signer.position, "Điều 1.", "Điều 3."]
        strings += [a.name for a in doc.awards]
        strings += [format_vnd(a) for a in doc.amounts() if a is not None]
        strings += [format_vnd(doc.total_amount()), "TỔNG CỘNG", "DANH SÁCH"]
    elif isinstance(doc, SubmissionDoc):
        strings += ["TỜ TRÌNH", f"Số: {doc.number}/TTr-SLĐTBXH", "Kính gửi:"]
        strings += ["Nơi nhận:", doc.signer.name, doc.signer.position]
        strings += [p.name for p in doc.proposals] + [p.achievements for p in doc.proposals]
    elif isinstance(doc, CouncilMinutesDoc):
        strings += ["BIÊN BẢN", f"Số: {doc.number}", doc.signer_chair.name]
        strings += [doc.signer_secretary.name, doc.signer_chair.position, doc.conclusion]
        strings += [v.nominee for v in doc.votes] + doc.present + doc.absent
    elif isinstance(doc, RevocationDoc):
        strings += ["QUYẾT ĐỊNH", f"Số: {doc.number}/QĐ-SLĐTBXH", "Nơi nhận:", doc.signer.name]
        strings += [doc.award.name, doc.original_number, doc.reason, format_vnd(710_000)]
    elif isinstance(doc, ReportDoc):
        strings += ["BÁO CÁO", f"Số: {doc.number}/BC-SLĐTBXH", "Nơi nhận:", doc.signer.name]
        strings += [s.unit for s in doc.stats_by_unit] + doc.results_text
    return strings


@pytest.mark.parametrize("name", list(SAMPLES))
def test_docx_contains_everything(name: str, tmp_path: Path) -> None:
    doc = SAMPLES[name]()
    path = render_docx(doc, tmp_path / f"{name}.docx")
    assert path.is_file()
    text = docx_text(path)
    missing = [s for s in expected_strings(doc) if s not in text]
    assert not missing, missing
    assert unicodedata.is_normalized("NFC", text), "Vietnamese text must be NFC (precomposed)"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_html_contains_everything(name: str, tmp_path: Path) -> None:
    doc = SAMPLES[name]()
    path = render_html(doc, tmp_path / f"{name}.html")
    raw = path.read_text(encoding="utf-8")
    assert raw.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in raw
    assert '<meta charset="utf-8">' in raw
    assert "@page" in raw and "size: A4" in raw
    assert "<script" not in raw and "http" not in raw  # self-contained
    text = html_text(path)
    missing = [s for s in expected_strings(doc) if s not in text]
    assert not missing, missing


def test_decision_amounts_and_totals() -> None:
    doc = sample_decision()
    amounts = doc.amounts()
    by_code: dict[str, list[int | None]] = {}
    for line, amount in zip(doc.awards, amounts, strict=True):
        by_code.setdefault(line.title_code, []).append(amount)
    assert set(by_code["CSTDCS"]) == {2_340_000}
    assert set(by_code["LDTT"]) == {710_000}
    assert set(by_code["TTLDTT"]) == {1_880_000}
    assert doc.total_amount() == 3 * 2_340_000 + 8 * 710_000 + 3 * 1_880_000 == 18_340_000


def test_decision_body_and_annex(tmp_path: Path) -> None:
    doc = sample_decision()
    text = docx_text(render_docx(doc, tmp_path / "d.docx"))
    assert "Tổng số tiền thưởng: 18.340.000 đồng" in text
    assert "(Bằng chữ: Mười tám triệu ba trăm bốn mươi nghìn đồng)" in text
    assert "công nhận danh hiệu “Chiến sĩ thi đua cơ sở” cho 03 cá nhân" in text
    assert "Công nhận danh hiệu “Tập thể lao động tiên tiến” cho 03 tập thể" in text
    assert "(có danh sách kèm theo)" in text
    assert "chịu trách nhiệm thi hành Quyết định này./." in text
    assert "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15" in text
    assert "Nghị định số 98/2023/NĐ-CP" in text
    assert "GIÁM ĐỐC SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI" in text
    assert "Kèm theo Quyết định số 125/QĐ-SLĐTBXH ngày 25 tháng 12 năm 2024" in text
    # Subtotals per title group.
    for subtotal in ("7.020.000", "5.680.000", "5.640.000"):
        assert subtotal in text
    # Căn cứ lines: each ends in ";" and the last one in ".".
    bases = [line for line in text.split("\n") if line.startswith(("Căn cứ", "Theo đề nghị"))]
    assert len(bases) == 5
    assert "Căn cứ kết quả đánh giá, xếp loại và bình xét thi đua năm 2024" in text
    assert all(b.endswith(";") for b in bases[:-1]) and bases[-1].endswith(".")


def test_decision_docx_structure(tmp_path: Path) -> None:
    document = Document(str(render_docx(sample_decision(), tmp_path / "d.docx")))
    section = document.sections[0]

    def mm(length: int | None) -> float:
        assert length is not None
        return round(length / Mm(1), 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20, 20)
    assert document.styles["Normal"].font.name == "Times New Roman"

    header, closing, annex = document.tables
    # Header: borderless 2 x 2 table, agency left, motto right.
    assert header.style is None or header.style.name != "Table Grid"
    assert len(header.columns) == 2
    assert "SỞ LAO ĐỘNG" in header.cell(0, 0).text
    assert header.cell(0, 1).text.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert header.cell(1, 0).text == "Số: 125/QĐ-SLĐTBXH"
    slogan_run = header.cell(0, 1).paragraphs[1].runs[0]
    assert slogan_run.bold and slogan_run.underline
    assert header.cell(1, 1).paragraphs[0].runs[0].italic
    # Closing: recipients left (bold italic heading), signer right.
    heading = closing.cell(0, 0).paragraphs[0].runs[0]
    assert heading.text == "Nơi nhận:" and heading.bold and heading.italic
    assert closing.cell(0, 1).paragraphs[0].text == "GIÁM ĐỐC"
    # Annex: bordered table, bold header row with STT, amounts right-aligned, total row.
    assert annex.style is not None and annex.style.name == "Table Grid"
    head = annex.rows[0]
    assert head.cells[0].text == "STT"
    assert all(run.bold for cell in head.cells for p in cell.paragraphs for run in p.runs)
    first = annex.rows[2]  # collectives first: the TTLĐTT group
    assert first.cells[1].text == "Phòng Lao động – Việc làm – An toàn lao động"
    assert first.cells[5].text == "1.880.000"
    assert first.cells[5].paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    last = annex.rows[-1]
    assert last.cells[0].text == "TỔNG CỘNG" and last.cells[-1].text == "18.340.000"
    # The annex starts on a new page.
    breaks = [p for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert breaks and breaks[0].text == "DANH SÁCH"


def test_deputy_signs_on_behalf(tmp_path: Path) -> None:
    doc = sample_movement_decision()
    text = docx_text(render_docx(doc, tmp_path / "m.docx"))
    assert "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" in text
    assert decision_title(doc).startswith("Về việc tặng Giấy khen")
    # Certificates of merit: 0.3 × base salary (individual), twice that for a collective.
    assert "710.000" in text and "1.410.000" in text
    assert doc.total_amount() == 4 * 710_000 + 2 * 1_410_000


def test_minutes_votes(tmp_path: Path) -> None:
    doc = sample_minutes()
    assert doc.members_total == 11 and len(doc.present) == 9 and len(doc.absent) == 2
    assert all("(đã gửi phiếu bằng văn bản)" in a for a in doc.absent)
    by_name = {(v.nominee, v.title_code): v for v in doc.votes}
    assert by_name[("Lê Thị Minh Nguyệt", "CSTDCS")].passed  # 9/11 = 81.8% >= 80%
    assert not by_name[("Trần Văn Hải", "CSTDCS")].passed  # 8/11 = 72.7% < 80%
    text = docx_text(render_docx(doc, tmp_path / "bb.docx"))
    assert "81,8%" in text and "72,7%" in text and "Không đạt" in text
    assert "Chiến sĩ thi đua cơ sở: từ 80% trở lên" in text
    assert "THƯ KÝ" in text and "CHỦ TỊCH HỘI ĐỒNG" in text


def _vote(in_favour: int, threshold: str, *, strictly_above: bool = False) -> CouncilVote:
    return CouncilVote.tally(
        nominee="A",
        unit="B",
        title_code="CSTDCS",
        title_vi="Chiến sĩ thi đua cơ sở",
        in_favour=in_favour,
        against=0,
        abstain=0,
        written_votes=0,
        members_total=10,
        threshold=Decimal(threshold),
        strictly_above=strictly_above,
    )


def test_council_vote_tally_and_validation() -> None:
    assert _vote(8, "0.8").passed  # exactly 80% of all members
    assert not _vote(7, "0.8").passed
    assert not _vote(5, "0.5", strictly_above=True).passed  # a majority means more than half
    assert _vote(6, "0.5", strictly_above=True).passed
    with pytest.raises(ValueError, match="more ballots"):
        CouncilVote.model_validate({**_vote(8, "0.8").model_dump(), "against": 3})


def test_report_totals(tmp_path: Path) -> None:
    doc = sample_report()
    assert doc.totals_by_title == {"LDTT": 12, "CSTDCS": 3, "TTLDTT": 3, "GIAY_KHEN": 6}
    document = Document(str(render_docx(doc, tmp_path / "bc.docx")))
    stats = document.tables[1]
    total = [c.text for c in stats.rows[-1].cells]
    assert total[0] == "Tổng cộng"
    assert total[2:] == ["28", "6", "12", "3", "3", "6"]
    text = docx_text(Path(tmp_path / "bc.docx"))
    assert "Tạm dừng xét" in text and "01 trường hợp" in text
    assert "KT. GIÁM ĐỐC" in text


def test_report_rejects_inconsistent_totals() -> None:
    base = sample_report().model_dump()
    base["totals_by_title"] = {"LDTT": 99, "CSTDCS": 3, "TTLDTT": 3, "GIAY_KHEN": 6}
    with pytest.raises(ValueError, match="LDTT"):
        ReportDoc.model_validate(base)


def test_report_stats_model() -> None:
    row = ReportUnitStats(unit="X", nominated_individuals=1, nominated_collectives=0)
    assert row.granted == {}


def test_submission_groups_by_form(tmp_path: Path) -> None:
    doc = sample_submission()
    text = docx_text(render_docx(doc, tmp_path / "ttr.docx"))
    assert "1. Công nhận danh hiệu “Tập thể lao động xuất sắc” cho 01 tập thể;" in text
    assert "2. Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh cho 02 cá nhân." in text
    assert "Kính gửi: Ban Thi đua – Khen thưởng tỉnh Bình Phước\n" in text
    assert "Tổng cộng: 01 tập thể, 02 cá nhân" in text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2024, 1, 5), "ngày 05 tháng 01 năm 2024"),
        (dt.date(2024, 2, 15), "ngày 15 tháng 02 năm 2024"),
        (dt.date(2024, 3, 9), "ngày 09 tháng 3 năm 2024"),
        (dt.date(2024, 12, 25), "ngày 25 tháng 12 năm 2024"),
    ],
)
def test_date_format_decree_30(day: dt.date, text: str) -> None:
    assert date_long_vi(day) == text


def test_number_symbol() -> None:
    agency = sample_agency()
    assert number_symbol("125", "QĐ", agency) == "Số: 125/QĐ-SLĐTBXH"
    assert number_symbol("05/BB-HĐTĐKT", "BB", agency) == "Số: 05/BB-HĐTĐKT"
    assert number_symbol("", "QĐ", agency).endswith("/QĐ-SLĐTBXH")  # draft: number left blank
    assert percent_vi(Decimal(9) / Decimal(11)) == "81,8%"
    assert percent_vi(Decimal(1)) == "100%"


def test_draft_decision_without_number(tmp_path: Path) -> None:
    doc = sample_decision().model_copy(update={"number": ""})
    text = docx_text(render_docx(doc, tmp_path / "draft.docx"))
    assert "Số:        /QĐ-SLĐTBXH" in text


def test_signer_model() -> None:
    assert Signer(position="GIÁM ĐỐC", name="X").on_behalf is None


@pytest.mark.skipif(
    find_soffice() is None, reason="LibreOffice (soffice/libreoffice) is not installed"
)
@pytest.mark.parametrize("name", ["decision", "minutes"])
def test_pdf_conversion(name: str, tmp_path: Path) -> None:
    doc = SAMPLES[name]()
    pdf = render_pdf(render_docx(doc, tmp_path / f"{name}.docx"), tmp_path / "pdf")
    assert pdf is not None and pdf.is_file()
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        return
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    kind = "QUYẾT ĐỊNH" if name == "decision" else "BIÊN BẢN"
    assert kind in unicodedata.normalize("NFC", out)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in unicodedata.normalize("NFC", out)


def test_render_pdf_returns_none_without_libreoffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    docx_path = render_docx(sample_decision(), tmp_path / "d.docx")
    assert render_pdf(docx_path, tmp_path) is None


def test_group_without_amounts_has_no_zero_subtotal(tmp_path: Path) -> None:
    """A form with no set amount (e.g. GIAY_KHEN without a coefficient) shows no '0' subtotal."""
    import importlib

    lay = importlib.import_module("thidua.adapters.documents.decision")
    from thidua.domain.documents.models import AwardLine

    base = sample_decision()
    awards = [
        AwardLine(
            name="Nguyễn Văn A",
            unit="Phòng X",
            title_code="LDTT",
            title_vi="Lao động tiên tiến",
            amount=710_000,
        ),
        AwardLine(name="Trần Thị B", unit="Phòng X", title_code="GIAY_KHEN", title_vi="Giấy khen"),
    ]
    doc = base.model_copy(update={"awards": awards})
    table = lay._decision_annex_table(doc)
    subtotals = [row for row in table.rows if row[0].text == "Cộng"]
    assert [row[1].text for row in subtotals] == ["710.000", ""]


class TestDecisionKinds:
    """The annual titles' decision and the thematic movement's decision say different things."""

    def test_annual_decision_recognises_titles_for_the_years_achievements(
        self, tmp_path: Path
    ) -> None:
        """Annual titles: "Công nhận danh hiệu …", the year's achievements, never "phong trào"."""
        text = docx_text(render_docx(sample_decision(), tmp_path / "d.docx"))
        assert "phong trào" not in text.lower()
        assert "Về việc công nhận danh hiệu thi đua năm 2024" in text
        assert "đã có thành tích trong thực hiện nhiệm vụ năm 2024 (có danh sách kèm theo)" in text
        assert "Tặng danh hiệu" not in text

    def test_movement_decision_gives_certificates_for_the_movement(self, tmp_path: Path) -> None:
        """The thematic movement's Giấy khen: "Tặng", an achievement in the movement, its plan."""
        doc = sample_movement_decision()
        text = docx_text(render_docx(doc, tmp_path / "m.docx"))
        assert (
            "Tặng Giấy khen của Giám đốc Sở cho 02 tập thể, 04 cá nhân đã có thành tích xuất sắc "
            f"trong phong trào thi đua “{doc.movement_name}” năm 2024"
        ) in text
        assert "Căn cứ Kế hoạch số 318/KH-SLĐTBXH" in text
        assert "Công nhận" not in text

    def test_money_clause_cites_the_decrees_article_from_the_law_data(self, tmp_path: Path) -> None:
        """ "được … kèm theo tiền thưởng theo quy định tại Điều 54 Nghị định …" (rules/law);
        the Giấy khen's article is unconfirmed there and says so."""
        annual = docx_text(render_docx(sample_decision(), tmp_path / "d.docx"))
        assert (
            "Các tập thể, cá nhân có tên tại Điều 1 được công nhận danh hiệu thi đua kèm theo "
            "tiền thưởng theo quy định tại Điều 54 Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 "
            "năm 2023 của Chính phủ"
        ) in annual
        assert "được kèm theo mức tiền thưởng" not in annual
        movement = docx_text(render_docx(sample_movement_decision(), tmp_path / "m.docx"))
        assert (
            "được tặng Giấy khen của Giám đốc Sở kèm theo tiền thưởng theo quy định tại Điều 55 "
            "(chưa xác nhận) Nghị định số 98/2023/NĐ-CP"
        ) in movement

    @pytest.mark.parametrize("make", [sample_decision, sample_movement_decision])
    def test_collectives_come_before_individuals(
        self, make: Callable[[], DecisionDoc], tmp_path: Path
    ) -> None:
        """In the lists and in the phrases: "tập thể, cá nhân", never "cá nhân, tập thể"."""
        doc = make()
        text = docx_text(render_docx(doc, tmp_path / "x.docx"))
        assert "cá nhân, tập thể" not in text.lower()
        kinds = [a.is_collective for a in doc.awards]
        groups = [a.title_code for a in doc.awards]
        for code in set(groups):
            in_group = [k for k, g in zip(kinds, groups, strict=True) if g == code]
            assert in_group == sorted(in_group, reverse=True)  # collectives (True) first
        first_individual = next(i for i, a in enumerate(doc.awards) if not a.is_collective)
        assert text.index(doc.awards[0].name) < text.index(doc.awards[first_individual].name)


class TestRevocation:
    """The decision revoking an award."""

    def test_names_the_original_decision_reason_and_money(self, tmp_path: Path) -> None:
        """Its number, the original decision's number and date, the reason, the amount."""
        text = docx_text(render_docx(sample_revocation(), tmp_path / "r.docx"))
        assert "Số: 18/QĐ-SLĐTBXH" in text
        assert (
            "Về việc hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng đối với "
            "Vũ Văn Quyết"
        ) in text
        assert "tại Quyết định số 125/QĐ-SLĐTBXH ngày 25 tháng 12 năm 2024 của Giám đốc Sở" in text
        assert "khoản 2 Điều 93 (chưa xác nhận) Luật Thi đua, khen thưởng số 06/2022/QH15" in text
        assert "Lý do: Kê khai không trung thực số tháng công tác trong năm 2024." in text
        assert "Thu hồi hiện vật khen thưởng và số tiền thưởng đã nhận là 710.000 đồng" in text
