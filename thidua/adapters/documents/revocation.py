"""The layout of the Director's decision revoking an award (hủy bỏ quyết định khen thưởng, thu
hồi hiện vật và tiền thưởng)."""

from __future__ import annotations

from thidua.domain.documents.models import RevocationDoc
from thidua.domain.documents.text import award_phrase, award_verb, date_long_vi, number_symbol
from thidua.domain.money import amount_in_words_vi, format_vnd

from .blocks import Block, Closing, header, heading, lead, p

__all__ = ["revocation_blocks", "revocation_title"]


def _holder(doc: RevocationDoc) -> str:
    """ "tập thể Phòng Bảo trợ xã hội" or "Ông/Bà … – Chuyên viên, Phòng …"."""
    award = doc.award
    if award.is_collective:
        return f"tập thể {award.name}"
    where = f"{award.position}, {award.unit}" if award.position else award.unit
    return f"{award.name} ({where})"


def revocation_title(doc: RevocationDoc) -> str:
    return (
        "Về việc hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng đối với "
        f"{_holder(doc)}"
    )


def _bases(doc: RevocationDoc) -> list[str]:
    cleaned = [b.strip().rstrip(";.,").strip() for b in doc.legal_bases if b.strip()]
    original = (
        f"Căn cứ Quyết định số {doc.original_number} {date_long_vi(doc.original_date)} của "
        f"{doc.agency.head_title.capitalize()} {doc.agency.full_name}"
    )
    lines = [*cleaned, original]
    return [f"{line};" for line in lines[:-1]] + [f"{lines[-1]}."]


def revocation_blocks(doc: RevocationDoc) -> list[Block]:
    agency = doc.agency
    award = doc.award
    symbol = number_symbol(doc.number, "QĐ", agency)
    blocks: list[Block] = [
        header(agency, symbol, doc.date),
        *heading("QUYẾT ĐỊNH", revocation_title(doc)),
        p(
            f"{agency.head_title} {agency.name}",
            bold=True,
            align="center",
            indent=False,
            before=6,
            after=6,
        ),
    ]
    blocks += [p(line, italic=True) for line in _bases(doc)]
    blocks.append(p("QUYẾT ĐỊNH:", bold=True, align="center", indent=False, before=6, keep=True))
    granted = f"{award_verb(award.title_code)} {award_phrase(award.title_code, award.title_vi)}"
    reason = doc.reason.rstrip(".")
    blocks.append(
        lead(
            "Điều 1. ",
            f"Hủy bỏ quyết định khen thưởng đối với {_holder(doc)} đã được {granted} năm "
            f"{doc.year} tại Quyết định số {doc.original_number} {date_long_vi(doc.original_date)}"
            f" của {agency.head_title.capitalize()} {agency.full_name}, theo quy định tại "
            f"{doc.revocation_basis}. Lý do: {reason}.",
        )
    )
    amount = doc.recover_amount
    money = (
        f"số tiền thưởng đã nhận là {format_vnd(amount)} đồng (Bằng chữ: "
        f"{amount_in_words_vi(amount)})"
        if amount
        else "tiền thưởng (quyết định khen thưởng không chi tiền thưởng cho danh hiệu này)"
    )
    blocks.append(
        lead(
            "Điều 2. ",
            f"Thu hồi hiện vật khen thưởng và {money}. {award.name[:1].upper()}"
            f"{award.name[1:]} có trách nhiệm nộp lại hiện vật và tiền thưởng cho Văn phòng Sở "
            f"để hoàn trả {doc.fund.rstrip('.')}.",
        )
    )
    executors = (
        f"Thủ trưởng {award.name}"
        if award.is_collective
        else f"Thủ trưởng {award.unit} và {award.name}"
    )
    blocks.append(
        lead(
            "Điều 3. ",
            f"Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, {executors} chịu "
            "trách nhiệm thi hành Quyết định này./.",
            keep=True,
        )
    )
    blocks.append(Closing(tuple(doc.recipients), doc.signer))
    return blocks
