"""The fixed wording of a round's documents: kinds, symbols' prefixes, numbering, labels.

Everything agency-specific (names, place, the symbol in document numbers, signers' titles, the
head's competence, the province's regulation, recipients) is the agency profile in force on the
document's date (``thidua.domain.agency``). The law and the decree a document cites, with its
money, are the law's dated values in force on the document's date (``rules/law``,
:mod:`rules.law`).
"""

from __future__ import annotations

__all__ = [
    "CODE_ORDER",
    "DOCUMENT_KINDS",
    "MINUTES_SYMBOL",
    "RATING_VI",
    "REVOCATION_KIND",
    "SYMBOL_PREFIXES",
    "base_kind",
    "document_symbol",
    "revocation_kind",
]

#: Kinds in generation order (the report and the minutes come before the decisions, which cite
#: their numbers). ``decision``: the year-end decision on annual titles; ``decision_movement``:
#: the separate decision on a thematic movement's own awards (its Giấy khen).
DOCUMENT_KINDS: tuple[str, ...] = (
    "report",
    "minutes",
    "decision",
    "decision_movement",
    "submission",
)

#: A revocation decision is issued per revoked award, after the round: its kind is
#: ``revocation-<award item id>`` (``revocation_kind``), one per award.
REVOCATION_KIND = "revocation"

#: The kind's part of the symbol, before the agency's ("05/QĐ-SLĐTBXH"); the number itself comes
#: from the agency's register (``thidua.domain.documents.register``).
SYMBOL_PREFIXES: dict[str, str] = {
    "report": "BC",
    "decision": "QĐ",
    "decision_movement": "QĐ",
    REVOCATION_KIND: "QĐ",
    "submission": "TTr",
}

#: The council's minutes carry the council's symbol, not the agency's.
MINUTES_SYMBOL = "BB-HĐTĐKT"


#: Order of title groups in lists: collectives before individuals, the higher title first,
#: titles before forms.
CODE_ORDER: tuple[str, ...] = (
    "TTLDXS",
    "TTLDTT",
    "CSTDCS",
    "LDTT",
    "GIAY_KHEN",
    "BANG_KHEN_UBND_TINH",
)

RATING_VI: dict[str, str] = {
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
}


def revocation_kind(award_item_id: int) -> str:
    """ "revocation-57": the kind of the decision revoking the award item 57."""
    return f"{REVOCATION_KIND}-{award_item_id}"


def base_kind(kind: str) -> str:
    """The kind without its award ("revocation-57" -> "revocation"); other kinds unchanged."""
    head, sep, tail = kind.partition("-")
    return head if sep and head == REVOCATION_KIND and tail.isdigit() else kind


def document_symbol(kind: str, agency_symbol: str) -> str:
    """ "QĐ-SLĐTBXH": the kind's prefix and the agency's symbol (the minutes: the council's)."""
    if kind == "minutes":
        return MINUTES_SYMBOL
    return f"{SYMBOL_PREFIXES[base_kind(kind)]}-{agency_symbol}"
