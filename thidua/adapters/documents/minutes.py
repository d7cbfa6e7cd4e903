"""The layout of the council's minutes (Biên bản họp Hội đồng)."""

from __future__ import annotations

from thidua.domain.documents.models import (
    CouncilMinutesDoc,
)
from thidua.domain.documents.text import (
    count_vi,
    date_long_vi,
    number_symbol,
    percent_vi,
    threshold_vi,
)

from .blocks import (
    Block,
    Cell,
    Column,
    DualSignature,
    Table,
    header,
    heading,
    p,
)

# ----------------------------------------------------------------------------- minutes


def _votes_table(doc: CouncilMinutesDoc) -> Table:
    columns = (
        Column("STT", 10, "center"),
        Column("Họ và tên / Tập thể, đơn vị", 44),
        Column("Danh hiệu, hình thức", 27),
        Column("Đồng ý", 13, "center"),
        Column("Không đồng ý", 15, "center"),
        Column("Không ý kiến", 14, "center"),
        Column("Phiếu văn bản", 14, "center"),
        Column("Tỷ lệ đồng ý", 13, "center"),
        Column("Kết quả", 15, "center"),
    )
    rows: list[tuple[Cell, ...]] = []
    for n, v in enumerate(doc.votes, start=1):
        who = v.nominee if v.nominee == v.unit else f"{v.nominee}\n({v.unit})"
        rows.append(
            (
                Cell(str(n)),
                Cell(who),
                Cell(v.title_vi),
                Cell(str(v.in_favour)),
                Cell(str(v.against)),
                Cell(str(v.abstain)),
                Cell(str(v.written_votes)),
                Cell(percent_vi(v.ratio)),
                Cell("Đạt" if v.passed else "Không đạt", bold=not v.passed),
            )
        )
    return Table(columns, tuple(rows), size=11.0)


def minutes_blocks(doc: CouncilMinutesDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "BB-HĐTĐKT", agency)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("BIÊN BẢN", doc.title),
        p("", after=0),
        p("I. THỜI GIAN, ĐỊA ĐIỂM", bold=True, keep=True),
        p(
            f"Vào lúc {doc.start_time}, {date_long_vi(doc.date)}, tại {doc.place_room}, Hội đồng "
            f"Thi đua – Khen thưởng {agency.full_name} tổ chức họp xét đề nghị khen thưởng."
        ),
        p("II. THÀNH PHẦN", bold=True, keep=True),
        p(f"- Chủ trì: {doc.chair}."),
        p(f"- Thư ký: {doc.secretary}."),
        p(
            f"- Thành viên Hội đồng có mặt: {count_vi(len(doc.present))}/"
            f"{count_vi(doc.members_total)} thành viên, gồm:",
            keep=True,
        ),
    ]
    blocks += [p(f"+ {name};") for name in doc.present]
    if doc.absent:
        blocks.append(p(f"- Vắng mặt: {count_vi(len(doc.absent))} thành viên:", keep=True))
        blocks += [p(f"+ {name};") for name in doc.absent]
    blocks.append(p("III. NỘI DUNG", bold=True, keep=True))
    blocks += [p(item) for item in doc.agenda]
    thresholds = sorted({(v.title_vi, v.threshold) for v in doc.votes})
    rule_text = "; ".join(f"{vi}: {threshold_vi(th)}" for vi, th in thresholds)
    blocks.append(
        p(
            "Hội đồng tiến hành bỏ phiếu kín. Tỷ lệ phiếu đồng ý được tính trên tổng số "
            f"{count_vi(doc.members_total)} thành viên Hội đồng, kể cả phiếu bằng văn bản của "
            f"thành viên vắng mặt (ngưỡng đạt – {rule_text}). Kết quả như sau:",
            keep=True,
        )
    )
    blocks.append(_votes_table(doc))
    passed = sum(1 for v in doc.votes if v.passed)
    blocks.append(
        p(
            f"Tổng số: {count_vi(len(doc.votes))} trường hợp được bỏ phiếu; "
            f"{count_vi(passed)} trường hợp đạt; {count_vi(len(doc.votes) - passed)} "
            "trường hợp không đạt.",
            before=6,
        )
    )
    blocks.append(p("IV. KẾT LUẬN", bold=True, keep=True))
    blocks.append(p(doc.conclusion))
    ending = (
        f"Cuộc họp kết thúc vào lúc {doc.end_time} cùng ngày. "
        if doc.end_time
        else "Cuộc họp kết thúc cùng ngày. "
    )
    blocks.append(
        p(
            ending
            + "Biên bản đã được thông qua trước các thành viên dự họp và thống nhất ký tên./.",
            keep=True,
        )
    )
    blocks.append(DualSignature(doc.signer_secretary, doc.signer_chair, tuple(doc.recipients)))
    return blocks
