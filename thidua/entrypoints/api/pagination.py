"""Opaque page cursors: ``base64url("<kind>:<last id>")`` without padding, one codec for every list.

The kind says which list a cursor belongs to (``n`` nominations, ``a`` audit entries, ``d``
decisions), so a cursor of one list is refused by another. Clients keep the ``next_cursor`` they
were given; the strings must stay as they are.
"""

from __future__ import annotations

import base64
from typing import Literal

from thidua.domain.refusals import Refusal, RefusalCode

Kind = Literal["n", "a", "d"]
NOMINATIONS: Kind = "n"
AUDIT: Kind = "a"
DECISIONS: Kind = "d"

# Larger ids cannot be stored (the database's integers are 64-bit): refused like any bad cursor.
MAX_DIGITS = 18
INVALID = "cursor: con trỏ trang không hợp lệ."


def encode(kind: Kind, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def next_cursor(kind: Kind, last_id: int | None) -> str | None:
    """The cursor of the page after ``last_id`` (none after the last page)."""
    return encode(kind, last_id) if last_id else None


def decode(kind: Kind, cursor: str | None) -> int | None:
    """The last id of the previous page (``None`` for the first page); refuses a bad cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = raw.partition(":")
        if found != kind or not value.isdigit() or len(value) > MAX_DIGITS:
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(RefusalCode.INVALID, INVALID, field="cursor") from None
