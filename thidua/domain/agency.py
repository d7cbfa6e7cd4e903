"""The agency's profile: its identity on documents, as dated data.

Official name lines, the place of the date line, the symbol in document numbers, the signers'
titles, the legal basis of the head's competence, the province's emulation regulation and the
standard recipients of each document kind. A document takes the profile in force on its date, so
a reorganisation is a new profile version, never an edit of history.

``parse_profile`` reads the YAML file (or the same keys as JSON data) and refuses with a
Vietnamese message naming the key at fault (``recipients.decision[1]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from thidua.domain.refusals import FieldError, Refusal, RefusalCode, field_path

__all__ = [
    "PROFILE_KEYS",
    "AgencyProfile",
    "Recipients",
    "parse_profile",
    "parse_profile_yaml",
]

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Recipients(_Model):
    """The standard recipients (Nơi nhận) of each document kind, one line each."""

    decision: list[Line] = Field(min_length=1, examples=[["Như Điều 3;", "Lưu: VT, VP."]])
    submission: list[Line] = Field(min_length=1, examples=[["Như trên;", "Lưu: VT, VP."]])
    report: list[Line] = Field(min_length=1, examples=[["Ban Thi đua – Khen thưởng tỉnh;"]])
    minutes: list[Line] = Field(default_factory=list, examples=[[]])


class AgencyProfile(_Model):
    """One version of the agency's profile (the keys of ``thidua agency set FILE.yaml``)."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,32}$")] = Field(
        examples=["SLDTBXH-BP"]
    )
    governing_body: Line = Field(examples=["UBND TỈNH BÌNH PHƯỚC"])
    name: Line = Field(examples=["SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI"])
    place: Line = Field(examples=["Bình Phước"])
    """The place of the date line ("Bình Phước, ngày … tháng … năm …")."""
    symbol: Annotated[str, StringConstraints(pattern=r"^[^\s/]{1,32}$")] = Field(
        examples=["SLĐTBXH"]
    )
    """The agency's part of document symbols: QĐ-<symbol>, TTr-<symbol>, BC-<symbol>."""
    head_title: Line = Field(examples=["Giám đốc"])
    deputy_title: Line = Field(examples=["Phó Giám đốc"])
    competence_basis: list[Line] = Field(min_length=1)
    """"Căn cứ …" lines on the head's competence (the agency's functions and organisation)."""
    emulation_regulation: list[Line] = Field(min_length=1)
    """"Căn cứ …" lines of the province's emulation and commendation regulation."""
    recipients: Recipients
    effective_from: dt.date
    province_board: Line | None = Field(
        default=None, examples=["Ban Thi đua – Khen thưởng tỉnh Bình Phước"]
    )
    """The province's emulation board, addressed by the submission (default: from ``place``)."""
    name_in_text: Line | None = Field(
        default=None, examples=["Sở Lao động – Thương binh và Xã hội"]
    )
    """The agency's name in running text (default: from ``name``, see ``text_name``)."""
    publication_days: int | None = Field(default=None, ge=0, le=60, examples=[5])
    """Working days a round's consolidated list is published to all staff before the council
    (the agency's choice, not law; default ``thidua.domain.publication.DEFAULT_PUBLICATION_DAYS``)."""

    @property
    def text_name(self) -> str:
        """The name as running text prints it: ``name_in_text``, else ``name`` cased the way
        Vietnamese writes an agency's name: its first two words and the first word after "–" or
        "và" capitalised, the rest in lower case ("SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI" → "Sở
        Lao động – Thương binh và Xã hội")."""
        if self.name_in_text:
            return self.name_in_text
        out: list[str] = []
        capital = 2  # the kind of agency ("Sở") and the first word of its field ("Nội")
        for word in self.name.split():
            low = word.lower()
            if low in ("–", "-", "và"):
                out.append(low)
                capital = 1
            elif capital:
                out.append(low[:1].upper() + low[1:])
                capital -= 1
            else:
                out.append(low)
        return " ".join(out)

    @property
    def board(self) -> str:
        """The province emulation board's name (the submission's addressee)."""
        return self.province_board or f"Ban Thi đua – Khen thưởng tỉnh {self.place}"

    def as_data(self) -> dict[str, Any]:
        """Plain JSON data, as stored and hashed (optional keys left out when unset)."""
        return self.model_dump(mode="json", exclude_none=True)


#: The keys a profile file may hold.
PROFILE_KEYS: tuple[str, ...] = tuple(AgencyProfile.model_fields)

_KINDS = ", ".join(Recipients.model_fields)

_MESSAGES: dict[str, str] = {
    "missing": "thiếu khóa bắt buộc.",
    "extra_forbidden": "khóa không có trong hồ sơ cơ quan (các khóa: {keys}).",
    "string_type": "phải là một chuỗi.",
    "string_too_short": "không được để trống.",
    "string_pattern_mismatch": "{pattern}",
    "list_type": "phải là một danh sách các dòng.",
    "too_short": "cần ít nhất một dòng.",
    "int_type": "phải là một số nguyên.",
    "int_parsing": "phải là một số nguyên.",
    "int_from_float": "phải là một số nguyên.",
    "greater_than_equal": "không được nhỏ hơn {ge}.",
    "less_than_equal": "không được lớn hơn {le}.",
    "model_type": "phải là một bảng khóa: giá trị.",
    "model_attributes_type": "phải là một bảng khóa: giá trị.",
    "date_type": "phải là một ngày dạng YYYY-MM-DD.",
    "date_parsing": "phải là một ngày dạng YYYY-MM-DD.",
    "date_from_datetime_parsing": "phải là một ngày dạng YYYY-MM-DD.",
    "date_from_datetime_inexact": "phải là một ngày dạng YYYY-MM-DD (không kèm giờ).",
}

_PATTERNS: dict[str, str] = {
    "code": "chỉ gồm chữ không dấu, số, '.', '_' hoặc '-', tối đa 32 ký tự.",
    "symbol": "không chứa khoảng trắng hay '/', tối đa 32 ký tự (ví dụ SLĐTBXH).",
}


def _message(error: Mapping[str, Any], where: str) -> str:
    kind = str(error.get("type", ""))
    template = _MESSAGES.get(kind)
    if template is None:
        return f"không hợp lệ ({error.get('msg', '')})."
    if kind == "extra_forbidden":
        parent = where.rsplit(".", 1)[0] if "." in where else ""
        keys = _KINDS if parent == "recipients" else ", ".join(PROFILE_KEYS)
        return template.format(keys=keys)
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(where, "không đúng dạng.")
    if kind in ("greater_than_equal", "less_than_equal"):
        return template.format(**(error.get("ctx") or {}))
    return template


def parse_profile(data: object) -> AgencyProfile:
    """The profile from plain data (a YAML file's or a JSON body's); refuses ``invalid`` with the
    first fault's key in ``field`` and every fault in ``errors``."""
    if not isinstance(data, Mapping):
        raise Refusal(
            RefusalCode.INVALID,
            "Hồ sơ cơ quan phải là một bảng khóa: giá trị (" + ", ".join(PROFILE_KEYS) + ").",
            problem="agency_profile_invalid",
        )
    try:
        return AgencyProfile.model_validate(dict(data))
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            where = field_path(e["loc"]) or "(gốc)"
            errors.append(FieldError(where, _message(e, where)))
        first = errors[0]
        raise Refusal(
            RefusalCode.INVALID,
            f"{first.field}: {first.message} Hồ sơ cơ quan không hợp lệ ({len(errors)} lỗi).",
            field=first.field,
            problem="agency_profile_invalid",
            errors=errors,
        ) from None


def parse_profile_yaml(text: str) -> AgencyProfile:
    """The profile from a YAML file's text (``yaml.safe_load``); a YAML syntax error names its
    line and column."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cú pháp sai"
        raise Refusal(
            RefusalCode.INVALID,
            f"Tệp hồ sơ cơ quan không phải YAML hợp lệ{where}: {problem}.",
            problem="agency_profile_invalid",
            errors=[
                FieldError(
                    "(tệp)",
                    str(problem),
                    line=mark.line + 1 if mark is not None else None,
                    column=mark.column + 1 if mark is not None else None,
                )
            ],
        ) from None
    return parse_profile(data)
