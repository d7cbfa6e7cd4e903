"""The fixed wording of a round's documents: kinds, symbols' prefixes, the law and the decree.

Everything agency-specific (names, place, the symbol in document numbers, signers' titles, the
head's competence, the province's regulation, recipients) is the agency profile in force on the
document's date (``thidua.domain.agency``). The minutes' symbol and the law and decree stay here
until the ruleset carries its legal bases.
"""

from __future__ import annotations

__all__ = [
    "CODE_ORDER",
    "DECREE",
    "DOCUMENT_KINDS",
    "LAW",
    "MINUTES_SYMBOL",
    "RATING_VI",
    "SYMBOL_PREFIXES",
    "document_symbol",
]

#: Kinds in generation order (the minutes come before the decision, which cites their number).
DOCUMENT_KINDS: tuple[str, ...] = ("report", "minutes", "decision", "submission")

#: The kind's part of the symbol, before the agency's ("05/QĐ-SLĐTBXH"); the number itself comes
#: from the agency's register (``thidua.domain.documents.register``).
SYMBOL_PREFIXES: dict[str, str] = {"report": "BC", "decision": "QĐ", "submission": "TTr"}

#: The council's minutes carry the council's symbol, not the agency's.
MINUTES_SYMBOL = "BB-HĐTĐKT"

LAW = "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022"
DECREE = (
    "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi "
    "tiết thi hành một số điều của Luật Thi đua, khen thưởng"
)

#: Order of title groups in lists: the higher title first, titles before forms.
CODE_ORDER: tuple[str, ...] = (
    "CSTDCS",
    "LDTT",
    "TTLDXS",
    "TTLDTT",
    "GIAY_KHEN",
    "BANG_KHEN_UBND_TINH",
)

RATING_VI: dict[str, str] = {
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
}


def document_symbol(kind: str, agency_symbol: str) -> str:
    """ "QĐ-SLĐTBXH": the kind's prefix and the agency's symbol (the minutes: the council's)."""
    if kind == "minutes":
        return MINUTES_SYMBOL
    return f"{SYMBOL_PREFIXES[kind]}-{agency_symbol}"
