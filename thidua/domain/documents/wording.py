"""The fixed wording of a round's documents: kinds, symbols' prefixes, numbering, labels.

Everything agency-specific (names, place, the symbol in document numbers, signers' titles, the
head's competence, the province's regulation, recipients) is the agency profile in force on the
document's date (``thidua.domain.agency``). The law and the decree a document cites, with its
money, are the law's dated values in force on the document's date (``rules/law``,
:mod:`rules.law`).
"""

from __future__ import annotations

__all__ = [
    "ANNEX_OF",
    "CODE_ORDER",
    "COUNCIL_KINDS",
    "DOCUMENT_KINDS",
    "ESTABLISHED_BY_PLACEHOLDER",
    "MINUTES_SYMBOL",
    "RATING_VI",
    "REVOCATION_KIND",
    "SYMBOL_PREFIXES",
    "base_kind",
    "document_symbol",
    "revocation_kind",
]

#: Kinds in generation order (the report and the minutes come before the vote-counting record and
#: the decisions, which cite their numbers). ``decision``: the year-end decision on annual titles;
#: ``decision_movement``: the separate decision on a thematic movement's own awards (its Giấy
#: khen).
DOCUMENT_KINDS: tuple[str, ...] = (
    "report",
    "minutes",
    "vote_count",
    "decision",
    "decision_movement",
    "submission",
)

#: A revocation decision is issued per revoked award, after the round: its kind is
#: ``revocation-<award item id>`` (``revocation_kind``), one per award.
REVOCATION_KIND = "revocation"

#: The council's documents: dated on the meeting's day, under the council's symbol.
COUNCIL_KINDS: frozenset[str] = frozenset({"minutes", "vote_count"})

#: Annexes: kind -> the document it goes with. An annex takes no number from the register (it is
#: not an outgoing document) and carries its parent's number; none without its parent.
ANNEX_OF: dict[str, str] = {"vote_count": "minutes"}

#: Printed where the decision establishing the council was not recorded: a visible blank to fill
#: in before signing, never an invented number.
ESTABLISHED_BY_PLACEHOLDER = (
    "Quyết định số ……/QĐ-…… ngày …… tháng …… năm …… về việc thành lập (kiện toàn) Hội đồng "
    "[chưa ghi quyết định thành lập Hội đồng: bổ sung trước khi ký]"
)

#: The kind's part of the symbol, before the agency's ("05/QĐ-SLĐTBXH"); the number itself comes
#: from the agency's register (``thidua.domain.documents.register``).
SYMBOL_PREFIXES: dict[str, str] = {
    "report": "BC",
    "decision": "QĐ",
    "decision_movement": "QĐ",
    REVOCATION_KIND: "QĐ",
    "submission": "TTr",
}

#: The council's minutes and vote-counting record carry the council's symbol, not the agency's.
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
    """ "QĐ-SLĐTBXH": the kind's prefix and the agency's symbol (the council's documents: the
    council's)."""
    if kind in COUNCIL_KINDS:
        return MINUTES_SYMBOL
    return f"{SYMBOL_PREFIXES[base_kind(kind)]}-{agency_symbol}"
