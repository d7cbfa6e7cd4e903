"""The layout of the Office's consolidated report (Báo cáo tổng hợp)."""

from __future__ import annotations

from thidua.domain.documents.models import (
    TITLE_SHORT_VI,
    ReportDoc,
)
from thidua.domain.documents.text import (
    count_vi,
    date_short_vi,
    number_symbol,
)

from .blocks import (
    TEXT_WIDTH_MM,
    Block,
    Cell,
    Closing,
    Column,
    Table,
    header,
    heading,
    p,
)

# ----------------------------------------------------------------------------- report


def _report_table(doc: ReportDoc) -> Table:
    codes = doc.title_codes()
    fixed = 11 + 46 + 16 + 16
    width = (TEXT_WIDTH_MM - fixed) / max(len(codes), 1)
    columns = (
        Column("STT", 11, "center"),
        Column("Đơn vị", 46),
        Column("Cá nhân đề nghị", 16, "center"),
        Column("Tập thể đề nghị", 16, "center"),
        *(Column(TITLE_SHORT_VI.get(c, c), width, "center") for c in codes),
    )
    rows: list[tuple[Cell, ...]] = []
    for n, row in enumerate(doc.stats_by_unit, start=1):
        rows.append(
            (
                Cell(str(n)),
                Cell(row.unit),
                Cell(str(row.nominated_individuals)),
                Cell(str(row.nominated_collectives)),
                *(Cell(str(row.granted.get(c, 0))) for c in codes),
            )
        )
    rows.append(
        (
            Cell("Tổng cộng", bold=True, align="center", span=2),
            Cell(str(sum(r.nominated_individuals for r in doc.stats_by_unit)), bold=True),
            Cell(str(sum(r.nominated_collectives for r in doc.stats_by_unit)), bold=True),
            *(Cell(str(doc.totals_by_title.get(c, 0)), bold=True) for c in codes),
        )
    )
    return Table(columns, tuple(rows))


def report_title(doc: ReportDoc) -> str:
    if doc.title:
        return doc.title
    return f"Tổng hợp kết quả thực hiện phong trào thi đua “{doc.movement_name}” năm {doc.year}"


def report_blocks(doc: ReportDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "BC", agency)
    when = f" ngày {date_short_vi(doc.plan_date)}" if doc.plan_date else ""
    codes = doc.title_codes()
    legend = "; ".join(f"{TITLE_SHORT_VI.get(c, c)}: {_LEGEND.get(c, c)}" for c in codes)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("BÁO CÁO", report_title(doc)),
        p("", after=0),
        p(
            f"Thực hiện Kế hoạch số {doc.plan_number}{when} của {agency.full_name} về phát động "
            f"phong trào thi đua “{doc.movement_name}” năm {doc.year}, {agency.full_name} báo "
            "cáo kết quả thực hiện như sau:"
        ),
        p("I. KẾT QUẢ THỰC HIỆN CÁC NỘI DUNG THI ĐUA", bold=True, keep=True),
        *(p(text) for text in doc.results_text),
        p("II. KẾT QUẢ BÌNH XÉT, KHEN THƯỞNG", bold=True, keep=True),
        p("1. Số lượng đề nghị và kết quả khen thưởng theo đơn vị", keep=True),
        _report_table(doc),
        p(f"Ghi chú: {legend}.", italic=True, size=12, before=3, indent=False, align="left"),
        p("2. Hồ sơ chưa được khen thưởng", keep=True),
        p(f"- Trả lại để bổ sung hồ sơ: {count_vi(doc.returned)} trường hợp;"),
        p(
            f"- Tạm dừng xét (đang xem xét kỷ luật, thanh tra, kiểm tra, xác minh khiếu nại, tố "
            f"cáo): {count_vi(doc.on_hold)} trường hợp;"
        ),
        p(f"- Không đủ điều kiện, tiêu chuẩn: {count_vi(doc.not_eligible)} trường hợp;"),
        p(
            "- Hội đồng Thi đua – Khen thưởng Sở không đề nghị: "
            f"{count_vi(doc.not_recommended)} trường hợp."
        ),
        p(
            f"Trên đây là báo cáo tổng hợp kết quả thực hiện phong trào thi đua năm {doc.year} "
            f"của {agency.full_name}./.",
            keep=True,
        ),
        Closing(tuple(doc.recipients), doc.signer),
    ]
    return blocks


_LEGEND = {
    "LDTT": "Lao động tiên tiến",
    "CSTDCS": "Chiến sĩ thi đua cơ sở",
    "TTLDTT": "Tập thể lao động tiên tiến",
    "TTLDXS": "Tập thể lao động xuất sắc",
    "GIAY_KHEN": "Giấy khen của Giám đốc Sở",
    "BANG_KHEN_UBND_TINH": "Bằng khen của Chủ tịch UBND tỉnh",
}
