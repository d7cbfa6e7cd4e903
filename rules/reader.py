"""Typed reading of a parsed YAML `Source` that records located issues instead of raising.

Shared by the rules-file loader and the golden-file loader: each accessor checks one value's
shape and type, reports a Vietnamese message at the value's line and column when it is wrong,
and returns None (or a default) so that reading goes on and every issue of a file is found.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from typing import Any

from rules.catalogue import BOTH, COL, IND, Kind
from rules.errors import format_path
from rules.yamlsrc import Path, Source

MAX_ITEMS = 500
MAX_TEXT = 5000

_APPLIES: dict[str, frozenset[Kind]] = {"individual": IND, "collective": COL, "both": BOTH}


def describe_type(v: object) -> str:
    """The Vietnamese name of a YAML value's type, for messages."""
    if v is None:
        return "rỗng (null)"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, int):
        return "số nguyên"
    if isinstance(v, float):
        return "số thực"
    if isinstance(v, str):
        return "chuỗi"
    if isinstance(v, list):
        return "danh sách"
    if isinstance(v, dict):
        return "ánh xạ"
    if isinstance(v, dt.date):
        return "ngày"
    return type(v).__name__


def show(v: object) -> str:
    """A value as quoted in a message (strings in quotes), cut to 60 characters."""
    s = repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 60 else s[:57] + "..."


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (có phải 'x'?)` naming the closest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (có phải '{close[0]}'?)" if close else ""


class Reader:
    """Typed accessors over a Source that record issues instead of raising."""

    def __init__(self, src: Source) -> None:
        self.src = src

    def err(self, path: Path, msg: str, code: str = "invalid", *, at_key: bool = False) -> None:
        self.src.error(path, msg, code=code, at_key=at_key)

    def mapping(
        self, path: Path, v: object, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        where = format_path(path) or "tài liệu"
        if not isinstance(v, dict):
            self._not_a_mapping(path, where, v)
            return None
        req = list(required)
        allowed = set(req) | set(optional)
        for k in v:
            if k not in allowed:
                self.err(
                    (*path, k),
                    f"khóa không hợp lệ '{k}' trong {where}{suggest(k, allowed)}",
                    "unknown-key",
                    at_key=True,
                )
        for k in req:
            if k not in v:
                self.err(path, f"thiếu khóa bắt buộc '{k}' trong {where}", "missing-key")
        return v

    def table(self, path: Path, v: object, max_items: int = MAX_ITEMS) -> dict[str, Any] | None:
        """A mapping with free keys (names of fields, parameters, titles)."""
        if not isinstance(v, dict):
            self._not_a_mapping(path, format_path(path), v)
            return None
        if len(v) > max_items:
            self.err(path, f"{format_path(path)} có quá nhiều mục (tối đa {max_items})", "size")
            return None
        return v

    def _not_a_mapping(self, path: Path, where: str, v: object) -> None:
        self.err(
            path, f"{where} phải là một ánh xạ (mapping), nhận được {describe_type(v)}", "type"
        )

    def text(self, path: Path, v: object, *, required: bool = True) -> str | None:
        if v is None and not required:
            return None
        if not isinstance(v, str) or not v.strip():
            self.err(
                path,
                f"{format_path(path)} phải là một chuỗi không rỗng, nhận được {describe_type(v)}",
                "type",
            )
            return None
        if len(v) > MAX_TEXT:
            self.err(path, f"{format_path(path)} quá dài (tối đa {MAX_TEXT} ký tự)", "size")
            return None
        return v

    def ident(self, path: Path, v: object, pattern: re.Pattern[str], hint: str) -> str | None:
        if not isinstance(v, str) or not pattern.match(v):
            shown = show(v) if isinstance(v, str) else describe_type(v)
            self.err(path, f"{format_path(path)} không hợp lệ: {shown} ({hint})", "type")
            return None
        return v

    def boolean(self, path: Path, v: object, default: bool = False) -> bool:
        if v is None:
            return default
        if not isinstance(v, bool):
            self.err(
                path,
                f"{format_path(path)} phải là true/false, nhận được {describe_type(v)}",
                "type",
            )
            return default
        return v

    def integer(self, path: Path, v: object, default: int) -> int:
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > 10**9:
            self.err(
                path, f"{format_path(path)} phải là số nguyên, nhận được {describe_type(v)}", "type"
            )
            return default
        return v

    def date(self, path: Path, v: object, *, required: bool = True) -> dt.date | None:
        if v is None and not required:
            return None
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
            self.err(
                path,
                f"{format_path(path)} phải là một ngày dạng YYYY-MM-DD, nhận được {describe_type(v)}",
                "type",
            )
            return None
        return v

    def applies(self, path: Path, v: object) -> frozenset[Kind] | None:
        if not isinstance(v, str) or v not in _APPLIES:
            self.err(
                path,
                f"{format_path(path)} phải là individual, collective hoặc both, nhận được {show(v)}",
                "type",
            )
            return None
        return _APPLIES[v]
