"""The layout of the submission to the province (Tờ trình)."""

from __future__ import annotations

from thidua.domain.documents.models import (
    SubmissionDoc,
)
from thidua.domain.documents.text import (
    award_phrase,
    award_verb,
    date_long_vi,
    date_short_vi,
    number_symbol,
)

from .blocks import (
    Block,
    Cell,
    Closing,
    Column,
    PageBreak,
    Rule,
    Table,
    centre,
    group_awards,
    header,
    heading,
    p,
    ref_line,
    roman,
    who,
)

# ----------------------------------------------------------------------------- submission


def _submission_table(doc: SubmissionDoc) -> Table:
    columns = (
        Column("STT", 11, "center"),
        Column("Tên tập thể / cá nhân", 40),
        Column("Chức vụ, đơn vị", 40),
        Column("Tóm tắt thành tích", 74, "justify"),
    )
    rows: list[tuple[Cell, ...]] = []
    for g, (code, vi, idx) in enumerate(group_awards(doc.proposals), start=1):
        lines = [doc.proposals[i] for i in idx]
        label = f"{roman(g)}. {award_phrase(code, vi).upper()} ({who(lines)})"
        rows.append((Cell(label, bold=True, align="left", span=len(columns)),))
        for n, line in enumerate(lines, start=1):
            where = f"{line.position}, {line.unit}" if line.position else line.unit
            rows.append((Cell(str(n)), Cell(line.name), Cell(where), Cell(line.achievements)))
    rows.append((Cell(f"Tổng cộng: {who(doc.proposals)}", bold=True, align="center", span=4),))
    return Table(columns, tuple(rows))


def submission_title(doc: SubmissionDoc) -> str:
    """The proposal of the year's achievements (the province's forms are never a thematic
    movement's rewards here): "Về việc đề nghị Chủ tịch Ủy ban nhân dân tỉnh công nhận danh
    hiệu thi đua và tặng Bằng khen cho các tập thể, cá nhân đã có thành tích năm 2024"."""
    if doc.title:
        return doc.title
    codes = list(dict.fromkeys(p.title_code for p in doc.proposals))
    verbs = list(dict.fromkeys(award_verb(c) for c in codes))
    what = {"công nhận": "công nhận danh hiệu thi đua", "tặng": "tặng Bằng khen"}
    if len(codes) == 1:
        action = f"{verbs[0]} {award_phrase(codes[0], doc.proposals[0].title_vi)}"
    else:
        action = " và ".join(what.get(v, v) for v in verbs)
    return (
        f"Về việc đề nghị Chủ tịch Ủy ban nhân dân tỉnh {action} cho các tập thể, cá nhân đã có "
        f"thành tích năm {doc.year}"
    )


def submission_blocks(doc: SubmissionDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "TTr", agency)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("TỜ TRÌNH", submission_title(doc)),
        p(f"Kính gửi: {doc.addressee}", align="center", indent=False, before=6, after=12),
    ]
    for basis in doc.legal_bases:
        blocks.append(p(basis))
    if doc.plan_number:
        when = f" ngày {date_short_vi(doc.plan_date)}" if doc.plan_date else ""
        blocks.append(
            p(
                f"Căn cứ Kế hoạch số {doc.plan_number}{when} của {agency.full_name} về phát động "
                f"phong trào thi đua “{doc.movement_name}” năm {doc.year};"
            )
        )
    blocks.append(
        p(
            "Căn cứ kết quả họp xét của Hội đồng Thi đua – Khen thưởng Sở "
            f"{date_long_vi(doc.council_meeting_date)},"
        )
    )
    blocks.append(
        p(
            f"{agency.full_name} kính đề nghị {doc.addressee} thẩm định, trình Chủ tịch Ủy ban "
            "nhân dân tỉnh xem xét, khen thưởng như sau:"
        )
    )
    groups = group_awards(doc.proposals)
    for n, (code, vi, idx) in enumerate(groups, start=1):
        lines = [doc.proposals[i] for i in idx]
        end = ";" if n < len(groups) else "."
        verb = award_verb(code).capitalize()
        blocks.append(p(f"{n}. {verb} {award_phrase(code, vi)} cho {who(lines)}{end}"))
    blocks.append(p("(Có danh sách và tóm tắt thành tích kèm theo)", italic=True))
    if doc.attachments:
        blocks.append(p("Hồ sơ kèm theo gồm:"))
        blocks += [p(f"- {item}") for item in doc.attachments]
    blocks.append(
        p(
            f"Kính trình {doc.addressee} xem xét, trình Chủ tịch Ủy ban nhân dân tỉnh "
            "quyết định./.",
            keep=True,
        )
    )
    blocks.append(Closing(tuple(doc.recipients), doc.signer))
    blocks += [
        PageBreak(),
        centre("DANH SÁCH", bold=True),
        centre(
            f"Tập thể, cá nhân đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng năm {doc.year}",
            bold=True,
        ),
        centre(
            f"(Kèm theo Tờ trình {ref_line(symbol)} {date_long_vi(doc.date)} của {agency.full_name})",
            italic=True,
        ),
        Rule(),
        p("", after=0),
        _submission_table(doc),
    ]
    return blocks
