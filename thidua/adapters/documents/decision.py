"""The layout of the Director's decisions (Quyết định) and their annexed lists.

The year-end decision recognises annual titles ("Công nhận danh hiệu …" for the achievements
of the year); the thematic movement's decision gives its own awards ("Tặng Giấy khen … đã có
thành tích xuất sắc trong phong trào thi đua …"). Forms (Giấy khen, Bằng khen) are given
("tặng"), titles recognised ("công nhận").
"""

from __future__ import annotations

from collections.abc import Sequence

from thidua.domain.documents.models import (
    FORM_CODES,
    DecisionDoc,
)
from thidua.domain.documents.text import (
    award_phrase,
    award_verb,
    date_long_vi,
    number_symbol,
)
from thidua.domain.money import amount_in_words_vi, format_vnd

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
    lead,
    p,
    ref_line,
    roman,
    who,
)


def _awards_phrase(doc: DecisionDoc) -> str:
    """ "công nhận danh hiệu thi đua", "tặng Giấy khen của Giám đốc Sở", or both joined."""
    codes = list(dict.fromkeys(a.title_code for a in doc.awards))
    titles = [c for c in codes if c not in FORM_CODES]
    forms = [(c, next(a.title_vi for a in doc.awards if a.title_code == c)) for c in codes]
    parts = []
    if titles:
        if len(titles) == 1:
            vi = next(a.title_vi for a in doc.awards if a.title_code == titles[0])
            parts.append(f"công nhận {award_phrase(titles[0], vi)}")
        else:
            parts.append("công nhận danh hiệu thi đua")
    parts += [f"tặng {award_phrase(c, vi)}" for c, vi in forms if c in FORM_CODES]
    return " và ".join(parts)


def decision_title(doc: DecisionDoc) -> str:
    if doc.title:
        return doc.title
    what = _awards_phrase(doc)
    if doc.thematic:
        return (
            f"Về việc {what} cho các tập thể, cá nhân có thành tích xuất sắc trong phong trào "
            f"thi đua “{doc.movement_name}” năm {doc.year}"
        )
    return f"Về việc {what} năm {doc.year}"


def _bases(lines: Sequence[str]) -> list[str]:
    """Each basis on its own line ending in ";", the last one in "."."""
    cleaned = [line.strip().rstrip(";.,").strip() for line in lines if line.strip()]
    if not cleaned:
        return []
    return [f"{line};" for line in cleaned[:-1]] + [f"{cleaned[-1]}."]


# ----------------------------------------------------------------------------- decision


def _decision_annex_table(doc: DecisionDoc) -> Table:
    noted = any(a.note for a in doc.awards)
    columns: tuple[Column, ...] = (
        Column("STT", 11, "center"),
        Column("Tập thể / Họ và tên", 34 if noted else 44),
        Column("Chức vụ", 22 if noted else 30),
        Column("Đơn vị", 30 if noted else 42),
        Column("Hệ số", 12 if noted else 14, "center"),
        Column("Số tiền (đồng)", 22 if noted else 24, "right"),
    )
    if noted:  # an award not paid says why (the same achievement's higher award is paid)
        columns += (Column("Ghi chú", 34),)
    tail = (Cell(""),) if noted else ()
    amounts = doc.amounts()
    rows: list[tuple[Cell, ...]] = []
    groups = group_awards(doc.awards)
    for g, (code, title_vi, idx) in enumerate(groups, start=1):
        lines = [doc.awards[i] for i in idx]
        label = f"{roman(g)}. {award_phrase(code, title_vi).upper()} ({who(lines)})"
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
                    *((Cell(line.note or "", align="left"),) if noted else ()),
                )
            )
        if len(groups) > 1:
            priced = any(amounts[i] is not None for i in idx)
            rows.append(
                (
                    Cell("Cộng", italic=True, bold=True, align="center", span=5),
                    # A form without a set amount (no coefficient) shows no subtotal, not "0".
                    Cell(format_vnd(subtotal) if priced else "", bold=True, italic=True),
                    *tail,
                )
            )
    rows.append(
        (
            Cell("TỔNG CỘNG", bold=True, align="center", span=5),
            Cell(format_vnd(doc.total_amount()), bold=True),
            *tail,
        )
    )
    return Table(columns, tuple(rows))


def _annex_heading(doc: DecisionDoc) -> str:
    if doc.thematic:
        return (
            f"Tập thể, cá nhân được {_awards_phrase(doc)} trong phong trào thi đua "
            f"“{doc.movement_name}” năm {doc.year}"
        )
    return f"Tập thể, cá nhân được {_awards_phrase(doc)} năm {doc.year}"


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
        f"{award_verb(code)} {award_phrase(code, vi)} cho {who([doc.awards[i] for i in idx])}"
        for code, vi, idx in group_awards(doc.awards)
    ]
    article1 = "; ".join(parts)
    article1 = article1[:1].upper() + article1[1:]
    if doc.thematic:
        merit = (
            f"đã có thành tích xuất sắc trong phong trào thi đua “{doc.movement_name}” "
            f"năm {doc.year}"
        )
    else:
        merit = f"đã có thành tích trong thực hiện nhiệm vụ năm {doc.year}"
    blocks.append(lead("Điều 1. ", f"{article1} {merit} (có danh sách kèm theo)."))
    blocks.append(
        lead(
            "Điều 2. ",
            f"Các tập thể, cá nhân có tên tại Điều 1 được {_awards_phrase(doc)} kèm theo tiền "
            f"thưởng theo quy định tại {doc.money_basis} (mức lương cơ sở "
            f"{format_vnd(doc.base_salary)} đồng). Tổng số tiền thưởng: {format_vnd(total)} "
            f"đồng (Bằng chữ: {amount_in_words_vi(total)}). Nguồn kinh phí: "
            f"{doc.funding_source.rstrip('.')}.",
        )
    )
    blocks.append(
        lead(
            "Điều 3. ",
            "Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Trưởng các phòng "
            "chuyên môn, nghiệp vụ, Thủ trưởng các đơn vị trực thuộc Sở và các tập thể, cá nhân "
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
        centre(_annex_heading(doc), bold=True),
        centre(
            f"(Kèm theo Quyết định {ref_line(symbol)} {date_long_vi(doc.date)} {of_whom})",
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
