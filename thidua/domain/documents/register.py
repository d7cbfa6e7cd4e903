"""The agency's register of outgoing documents (sổ đăng ký văn bản đi): books, numbers, drafts.

A document gets its number when it is issued, from the register of the agency for the calendar
year of the date it bears (Vietnam time). Decree 30/2020/NĐ-CP on clerical work (art. 15(1)(a),
cited from memory, wording unconfirmed here): numbers run in order of issue within the year,
from 01 on 1 January to 31 December, and a number with its symbol is unique in the year; how
administrative documents share sequences is the agency's to decide; a council that issues
documents in its own name keeps its own sequence (Appendix I, same caveat).

Books chosen here: one sequence per kind of document and year (decisions "QĐ" — the annual
titles', the thematic movement's and the revocations' alike —, reports "BC", submissions "TTr"),
and the council's minutes in the council's own book ("BB"). The counting board's record of the
secret ballot (biên bản kiểm phiếu) is an annex of the minutes, not an outgoing document: it
takes no number of its own and carries the minutes' ("kèm theo Biên bản số 01/BB-HĐTĐKT"), so it
is not entered in the register. A book's first
number of a year is data (the register row's ``first_seq``, default 1), for an agency that has
numbered on paper before using this system. Drafts carry no number: ``draft_number`` leaves the
place of the number blank ("Số:        /QĐ-SNV").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from thidua.domain.documents.wording import REVOCATION_KIND, base_kind, document_symbol

__all__ = [
    "BOOKS",
    "DRAFT_MARK",
    "VN_TIME",
    "RegisterNumber",
    "book_of",
    "draft_number",
    "register_number",
    "vietnam_date",
]

#: Vietnam time (no daylight saving): the calendar year of a register is the year there.
VN_TIME = timezone(timedelta(hours=7), "ICT")

#: The register's book of each kind of document (the minutes: the council's own book). An annex
#: (``wording.ANNEX_OF``: the vote-counting record) takes no number of its own.
BOOKS: dict[str, str] = {
    "report": "BC",
    "minutes": "BB",
    "decision": "QĐ",
    "decision_movement": "QĐ",
    REVOCATION_KIND: "QĐ",
    "submission": "TTr",
}

#: What a draft shows in place of its number: a blank for the clerk, as ``text.number_symbol``
#: leaves it ("Số:        /QĐ-SNV").
DRAFT_MARK = " " * 7


@dataclass(frozen=True)
class RegisterNumber:
    """A number taken from the register: its book, the date the document bears (its calendar
    year is the register's year), the sequence in the book and the full text."""

    book: str
    on: date
    seq: int
    number: str

    @property
    def year(self) -> int:
        return self.on.year


def book_of(kind: str) -> str:
    """The register's book a document of ``kind`` is numbered in."""
    return BOOKS[base_kind(kind)]


def register_number(seq: int, kind: str, agency_symbol: str) -> str:
    """ "05/QĐ-SNV": the sequence in the book (two digits at least, from 01) and the symbol."""
    return f"{seq:02d}/{document_symbol(kind, agency_symbol)}"


def draft_number(kind: str, agency_symbol: str) -> str:
    """ "       /QĐ-SNV": a draft's number, left blank for the register to fill when issued."""
    return f"{DRAFT_MARK}/{document_symbol(kind, agency_symbol)}"


def vietnam_date(at: datetime) -> date:
    """The calendar date in Vietnam of an instant (a naive datetime is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(VN_TIME).date()
