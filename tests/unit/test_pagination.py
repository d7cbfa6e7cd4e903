"""The one page-cursor codec of the API: today's cursor strings, one refusal for a bad one."""

from __future__ import annotations

import base64

import pytest

from thidua.domain.refusals import Refusal, RefusalCode
from thidua.entrypoints.api import pagination


class TestCursorStrings:
    """Cursors already in clients' hands keep working: the strings do not change."""

    @pytest.mark.parametrize(
        ("kind", "last_id", "cursor"),
        [("n", 42, "bjo0Mg"), ("a", 7, "YTo3"), ("d", 123456, "ZDoxMjM0NTY")],
    )
    def test_encode_gives_unpadded_base64url_of_kind_and_id(
        self, kind: pagination.Kind, last_id: int, cursor: str
    ) -> None:
        """``base64url("<kind>:<id>")`` without padding, and back."""
        assert pagination.encode(kind, last_id) == cursor
        assert pagination.decode(kind, cursor) == last_id

    def test_no_cursor_is_the_first_page_and_no_id_is_the_last(self) -> None:
        """No cursor (or an empty one) starts at the beginning; no next id, no next cursor."""
        assert pagination.decode("n", None) is None
        assert pagination.decode("n", "") is None
        assert pagination.next_cursor("n", None) is None
        assert pagination.next_cursor("a", 3) == pagination.encode("a", 3)


class TestBadCursors:
    """Every bad cursor is the same 422 refusal naming the field ``cursor``."""

    @pytest.mark.parametrize(
        "cursor",
        [
            "%%%",  # not base64
            "bm9wZQ",  # "nope": no kind
            pagination.encode("a", 5),  # another list's cursor
            base64.urlsafe_b64encode(b"n:-1").decode(),  # not a natural number
            base64.urlsafe_b64encode(b"n:" + b"9" * 19).decode(),  # beyond a 64-bit id
            base64.urlsafe_b64encode(b"n:\xff").decode(),  # not UTF-8
        ],
    )
    def test_refused_naming_cursor(self, cursor: str) -> None:
        """Refused as invalid, with today's message and the field."""
        with pytest.raises(Refusal) as caught:
            pagination.decode("n", cursor)
        assert caught.value.code is RefusalCode.INVALID
        assert caught.value.message == "cursor: con trỏ trang không hợp lệ."
        assert caught.value.field == "cursor"
