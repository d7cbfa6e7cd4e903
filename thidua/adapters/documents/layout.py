"""Format-neutral layout of the documents: a list of blocks both renderers consume.

Each document type is laid out once here (text, order, emphasis, tables); the Word and HTML
renderers only map blocks to their format, so both outputs carry the same content.
"""

from __future__ import annotations

from collections.abc import Sequence

from thidua.domain.documents.models import (
    FORM_CODES,
    TITLE_SHORT_VI,
    AnyDoc,
    AwardLine,
    CouncilMinutesDoc,
    DecisionDoc,
    ReportDoc,
    SubmissionDoc,
)
from thidua.domain.documents.text import (
    award_phrase,
    count_vi,
    date_long_vi,
    date_short_vi,
    number_symbol,
    percent_vi,
    threshold_vi,
    who_vi,
)
from thidua.domain.money import amount_in_words_vi, format_vnd

from .blocks import (
    TEXT_WIDTH_MM,
    Block,
    Cell,
    Closing,
    Column,
    DualSignature,
    PageBreak,
    Rule,
    Table,
    centre,
    header,
    heading,
    lead,
    p,
)

__all__ = ["decision_title", "layout"]


def _group(lines: Sequence[AwardLine]) -> list[tuple[str, str, list[int]]]:
    """Group line indices by title code, in order of first appearance."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(line.title_code, (line.title_vi, []))[1].append(i)
    return [(code, vi, idx) for code, (vi, idx) in groups.items()]


def _who(lines: Sequence[AwardLine]) -> str:
    people = sum(1 for a in lines if not a.is_collective)
    return who_vi(people, len(lines) - people)


def decision_title(doc: DecisionDoc) -> str:
    if doc.title:
        return doc.title
    codes = list(dict.fromkeys(a.title_code for a in doc.awards))
    if codes == ["GIAY_KHEN"]:
        return (
            "Về việc tặng Giấy khen cho các tập thể, cá nhân có thành tích xuất sắc "
            f"trong phong trào thi đua “{doc.movement_name}” năm {doc.year}"
        )
    if len(codes) == 1:
        return f"Về việc tặng {award_phrase(codes[0], doc.awards[0].title_vi)} năm {doc.year}"
    if any(c in FORM_CODES for c in codes):
        return f"Về việc tặng danh hiệu thi đua và Giấy khen năm {doc.year}"
    return f"Về việc tặng danh hiệu thi đua năm {doc.year}"


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def _bases(lines: Sequence[str]) -> list[str]:
    """Each basis on its own line ending in ";", the last one in "."."""
    cleaned = [line.strip().rstrip(";.,").strip() for line in lines if line.strip()]
    if not cleaned:
        return []
    return [f"{line};" for line in cleaned[:-1]] + [f"{cleaned[-1]}."]


def _ref(symbol: str) -> str:
    """ "Số: 125/QĐ-SLĐTBXH" -> "số 125/QĐ-SLĐTBXH" (for "Kèm theo Quyết định số …")."""
    return f"số {symbol.removeprefix('Số: ').strip()}"


# ----------------------------------------------------------------------------- decision


def _decision_annex_table(doc: DecisionDoc) -> Table:
    columns = (
        Column("STT", 11, "center"),
        Column("Họ và tên / Tập thể", 44),
        Column("Chức vụ", 30),
        Column("Đơn vị", 42),
        Column("Hệ số", 14, "center"),
        Column("Số tiền (đồng)", 24, "right"),
    )
    amounts = doc.amounts()
    rows: list[tuple[Cell, ...]] = []
    groups = _group(doc.awards)
    for g, (code, title_vi, idx) in enumerate(groups, start=1):
        lines = [doc.awards[i] for i in idx]
        label = f"{_roman(g)}. {award_phrase(code, title_vi).upper()} ({_who(lines)})"
        rows.append((Cell(label, bold=True, align="left", span=len(columns)),))
        subtotal = 0
        for n, i in enumerate(idx, start=1):
            line, amount = doc.awards[i], amounts[i]
            subtotal += amount or 0
            coef = line.coefficient
            rows.append(
                (
                    Cell(str(n)),
                    Cell(line.name),
                    Cell(line.position or ""),
                    Cell(line.unit),
                    Cell(f"{coef:f}".replace(".", ",") if coef is not None else ""),
                    Cell(format_vnd(amount) if amount is not None else ""),
                )
            )
        if len(groups) > 1:
            priced = any(amounts[i] is not None for i in idx)
            rows.append(
                (
                    Cell("Cộng", italic=True, bold=True, align="center", span=5),
                    # A form without a set amount (no coefficient) shows no subtotal, not "0".
                    Cell(format_vnd(subtotal) if priced else "", bold=True, italic=True),
                )
            )
    rows.append(
        (
            Cell("TỔNG CỘNG", bold=True, align="center", span=5),
            Cell(format_vnd(doc.total_amount()), bold=True),
        )
    )
    return Table(columns, tuple(rows))


def decision_blocks(doc: DecisionDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "QĐ", agency)
    issuer = f"{agency.head_title} {agency.name}"
    title = decision_title(doc)
    total = doc.total_amount()
    blocks: list[Block] = [header(agency, symbol, doc.date), *heading("QUYẾT ĐỊNH", title)]
    blocks.append(p(issuer, bold=True, align="center", indent=False, before=6, after=6))
    blocks += [p(line, italic=True) for line in _bases(doc.legal_bases)]
    blocks.append(p("QUYẾT ĐỊNH:", bold=True, align="center", indent=False, before=6, keep=True))

    parts = [
        f"tặng {award_phrase(code, vi)} cho {_who([doc.awards[i] for i in idx])}"
        for code, vi, idx in _group(doc.awards)
    ]
    article1 = "; ".join(parts)
    article1 = article1[:1].upper() + article1[1:]
    blocks.append(
        lead(
            "Điều 1. ",
            f"{article1} đã có thành tích trong phong trào thi đua “{doc.movement_name}” "
            f"năm {doc.year} (có danh sách kèm theo).",
        )
    )
    blocks.append(
        lead(
            "Điều 2. ",
            "Các cá nhân, tập thể có tên tại Điều 1 được kèm theo mức tiền thưởng theo quy định "
            "tại Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi "
            "tiết thi hành một số điều của Luật Thi đua, khen thưởng (mức lương cơ sở "
            f"{format_vnd(doc.base_salary)} đồng). Tổng số tiền thưởng: {format_vnd(total)} đồng "
            f"(Bằng chữ: {amount_in_words_vi(total)}). Nguồn kinh phí: "
            f"{doc.funding_source.rstrip('.')}.",
        )
    )
    blocks.append(
        lead(
            "Điều 3. ",
            "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Trưởng các phòng "
            "chuyên môn, nghiệp vụ, Thủ trưởng các đơn vị trực thuộc Sở và các cá nhân, tập thể "
            "có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
            keep=True,
        )
    )
    blocks.append(Closing(tuple(doc.recipients), doc.signer))

    # Annex on a new page.
    of_whom = f"của {agency.head_title.capitalize()} {agency.full_name}"
    blocks += [
        PageBreak(),
        centre("DANH SÁCH", bold=True),
        centre(
            "Cá nhân, tập thể được khen thưởng trong phong trào thi đua "
            f"“{doc.movement_name}” năm {doc.year}",
            bold=True,
        ),
        centre(
            f"(Kèm theo Quyết định {_ref(symbol)} {date_long_vi(doc.date)} {of_whom})",
            italic=True,
        ),
        Rule(),
        p("", after=0),
        _decision_annex_table(doc),
        p(
            f"(Bằng chữ: {amount_in_words_vi(total)})",
            italic=True,
            align="left",
            indent=False,
            before=6,
        ),
    ]
    return blocks


# ----------------------------------------------------------------------------- submission


def _submission_table(doc: SubmissionDoc) -> Table:
    columns = (
        Column("STT", 11, "center"),
        Column("Tên cá nhân / tập thể", 40),
        Column("Chức vụ, đơn vị", 40),
        Column("Tóm tắt thành tích", 74, "justify"),
    )
    rows: list[tuple[Cell, ...]] = []
    for g, (code, vi, idx) in enumerate(_group(doc.proposals), start=1):
        lines = [doc.proposals[i] for i in idx]
        label = f"{_roman(g)}. {award_phrase(code, vi).upper()} ({_who(lines)})"
        rows.append((Cell(label, bold=True, align="left", span=len(columns)),))
        for n, line in enumerate(lines, start=1):
            where = f"{line.position}, {line.unit}" if line.position else line.unit
            rows.append((Cell(str(n)), Cell(line.name), Cell(where), Cell(line.achievements)))
    rows.append((Cell(f"Tổng cộng: {_who(doc.proposals)}", bold=True, align="center", span=4),))
    return Table(columns, tuple(rows))


def submission_title(doc: SubmissionDoc) -> str:
    if doc.title:
        return doc.title
    return (
        "Về việc đề nghị Chủ tịch Ủy ban nhân dân tỉnh khen thưởng các tập thể, cá nhân có "
        f"thành tích trong phong trào thi đua “{doc.movement_name}” năm {doc.year}"
    )


def submission_blocks(doc: SubmissionDoc) -> list[Block]:
    agency = doc.agency
    symbol = number_symbol(doc.number, "TTr", agency)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("TỜ TRÌNH", submission_title(doc)),
        p(f"Kính gửi: {doc.addressee}.", align="center", indent=False, before=6, after=12),
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
    groups = _group(doc.proposals)
    for n, (code, vi, idx) in enumerate(groups, start=1):
        lines = [doc.proposals[i] for i in idx]
        end = ";" if n < len(groups) else "."
        blocks.append(p(f"{n}. Tặng {award_phrase(code, vi)} cho {_who(lines)}{end}"))
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
            f"(Kèm theo Tờ trình {_ref(symbol)} {date_long_vi(doc.date)} của {agency.full_name})",
            italic=True,
        ),
        Rule(),
        p("", after=0),
        _submission_table(doc),
    ]
    return blocks


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


def layout(doc: AnyDoc) -> list[Block]:
    """The blocks of any supported document."""
    if isinstance(doc, DecisionDoc):
        return decision_blocks(doc)
    if isinstance(doc, SubmissionDoc):
        return submission_blocks(doc)
    if isinstance(doc, CouncilMinutesDoc):
        return minutes_blocks(doc)
    if isinstance(doc, ReportDoc):
        return report_blocks(doc)
    raise TypeError(f"unsupported document: {type(doc).__name__}")
