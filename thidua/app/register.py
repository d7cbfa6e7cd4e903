"""The agency's register of outgoing documents: where a book of a year starts.

Numbers start at 01 each calendar year (``thidua.domain.documents.register``). An agency that
numbered documents on paper before using this system opens the year's book at the next number
of its paper register: that start is data, set here by the system administrator (or the local
operator on the server) and audited as ``agency.register_start_set``. A book that already gave
a number keeps its start: the numbers issued stay as they are.
"""

from __future__ import annotations

from pydantic import BaseModel

from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.documents.register import BOOKS
from thidua.domain.labels import ROLE_LABEL_VI
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

__all__ = ["RegisterStartResult", "set_register_start"]

#: Years a register may be opened for (a typo such as 20226 is refused).
YEARS = range(2000, 2101)
#: The highest first number accepted (a register of a year never reaches it).
MAX_FIRST = 99_999


class RegisterStartResult(BaseModel):
    """The book's start as set: its year, book and first number."""

    year: int
    book: str
    first: int
    message: str


def set_register_start(
    tx: Tx, actor: Actor | None, *, year: int, book: str, first: int, operator: str = ""
) -> RegisterStartResult:
    """Open ``book`` of ``year`` at ``first``; ``actor`` None: the local operator ``operator``.

    Refuses (``invalid``, naming the field) an unknown book, a year outside 2000–2100 or a first
    number outside 1–99999; (``conflict``) a book that already gave a number; (``not_found``) a
    deployment with no agency yet; (``forbidden``) anyone but the system administrator.
    """
    if actor is not None and actor.role not in policy.AGENCY_ADMINS:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"Chỉ {ROLE_LABEL_VI[Role.ADMIN]} được đặt số bắt đầu của sổ văn bản, không phải "
            f"{ROLE_LABEL_VI[actor.role]}.",
        )
    books = sorted(set(BOOKS.values()))
    if book not in books:
        raise Refusal(
            RefusalCode.INVALID,
            f"Không có sổ «{book}»; các sổ: {', '.join(books)}.",
            field="book",
        )
    if year not in YEARS:
        raise Refusal(RefusalCode.INVALID, f"Năm {year} không hợp lệ (2000–2100).", field="year")
    if not 1 <= first <= MAX_FIRST:
        raise Refusal(
            RefusalCode.INVALID,
            f"Số bắt đầu {first} không hợp lệ (từ 1 đến {MAX_FIRST}).",
            field="first",
        )
    code = tx.agency.agency_code()
    if code is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            "Chưa có cơ quan: đặt hồ sơ cơ quan trước (thidua agency set TỆP.yaml).",
        )
    before = tx.documents.register_book(code, year, book)
    if before is not None and before[1] >= before[0]:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"Sổ {book} năm {year} đã cấp đến số {before[1]:02d}: không đặt lại số bắt đầu.",
            field="first",
        )
    tx.documents.set_register_start(code, year, book, first)
    tx.agency.record(
        "agency.register_start_set",
        actor.username if actor is not None else operator,
        actor.role.value if actor is not None else None,
        None if before is None else {"year": year, "book": book, "first": before[0]},
        {"year": year, "book": book, "first": first},
    )
    return RegisterStartResult(
        year=year,
        book=book,
        first=first,
        message=f"Sổ {book} năm {year} bắt đầu từ số {first:02d}.",
    )
