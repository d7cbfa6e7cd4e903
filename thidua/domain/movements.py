"""Emulation movements as data: the YAML file an Office writes for a movement, and its checks.

Two kinds: ``annual_review`` (the year-end review of emulation titles) and ``thematic`` (a plan
such as the 2024 new-rural-areas movement, with its contents, its own awards and its plan
document). Phases (``registration`` — đăng ký thi đua, ``interim_review``, ``final_review``)
are optional, each at most once, in that order and without overlap, within the year before to
the year after the movement's year. Errors are ``Refusal(invalid)``s in Vietnamese naming the key
at fault (``phases[1].ends``), every fault in ``errors``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from enum import StrEnum
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thidua.domain.refusals import FieldError, Refusal, RefusalCode, field_path

# A movement code: no underscore (a nomination's key is ``<movement>_<year>_<nominee>``).
MOVEMENT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$"
AWARD_CODE_PATTERN = r"^[A-Z][A-Z0-9_]{1,39}$"
CONTENT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$"


class MovementKind(StrEnum):
    ANNUAL_REVIEW = "annual_review"
    THEMATIC = "thematic"


class Phase(StrEnum):
    REGISTRATION = "registration"
    INTERIM_REVIEW = "interim_review"
    FINAL_REVIEW = "final_review"


PHASE_ORDER: tuple[Phase, ...] = (Phase.REGISTRATION, Phase.INTERIM_REVIEW, Phase.FINAL_REVIEW)

MOVEMENT_KIND_LABEL_VI: dict[str, str] = {
    MovementKind.ANNUAL_REVIEW: "Bình xét danh hiệu thi đua hằng năm",
    MovementKind.THEMATIC: "Phong trào thi đua theo chuyên đề",
}
PHASE_LABEL_VI: dict[str, str] = {
    Phase.REGISTRATION: "Đăng ký thi đua",
    Phase.INTERIM_REVIEW: "Sơ kết",
    Phase.FINAL_REVIEW: "Tổng kết",
}


def vi_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanSpec(_Strict):
    """The plan document launching the movement (kế hoạch): its number and date."""

    number: str = Field(min_length=1, max_length=64)
    date: dt.date


class ContentSpec(_Strict):
    """One content of a thematic movement (nội dung thi đua)."""

    code: str = Field(pattern=CONTENT_CODE_PATTERN)
    text: str = Field(min_length=1, max_length=2000)


class PhaseSpec(_Strict):
    phase: Phase
    starts: dt.date
    ends: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts > self.ends:
            raise ValueError(
                f"ngày bắt đầu ({vi_date(self.starts)}) sau ngày kết thúc ({vi_date(self.ends)})"
            )
        return self


class MovementSpec(_Strict):
    """A movement as its YAML file states it."""

    code: str = Field(pattern=MOVEMENT_CODE_PATTERN)
    kind: MovementKind
    name: str = Field(min_length=1, max_length=500)
    year: int = Field(ge=2000, le=2100)
    plan: PlanSpec
    opens: dt.date
    closes: dt.date
    description: str = Field(default="", max_length=10_000)
    contents: list[ContentSpec] = Field(default_factory=list, max_length=50)
    awards: list[str] = Field(min_length=1, max_length=50)
    phases: list[PhaseSpec] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[tuple[str, str]] = []
        if self.opens > self.closes:
            errors.append(
                (
                    "closes",
                    f"ngày kết thúc ({vi_date(self.closes)}) trước ngày bắt đầu "
                    f"({vi_date(self.opens)})",
                )
            )
        if self.kind is MovementKind.THEMATIC and not self.contents:
            errors.append(("contents", "phong trào theo chuyên đề cần ít nhất một nội dung"))
        seen: set[str] = set()
        for i, c in enumerate(self.contents):
            if c.code in seen:
                errors.append((f"contents[{i}].code", f"mã nội dung «{c.code}» bị trùng"))
            seen.add(c.code)
        awards: set[str] = set()
        for i, a in enumerate(self.awards):
            if not re.match(AWARD_CODE_PATTERN, a):
                errors.append(
                    (f"awards[{i}]", f"«{a}» không phải mã danh hiệu/hình thức (ví dụ LDTT)")
                )
            elif a in awards:
                errors.append((f"awards[{i}]", f"mã «{a}» bị trùng"))
            awards.add(a)
        first, last = dt.date(self.year - 1, 1, 1), dt.date(self.year + 1, 12, 31)
        placed: dict[Phase, int] = {}
        for i, p in enumerate(self.phases):
            if p.phase in placed:
                errors.append((f"phases[{i}].phase", f"giai đoạn «{p.phase.value}» khai hai lần"))
                continue
            placed[p.phase] = i
            for key, d in (("starts", p.starts), ("ends", p.ends)):
                if not first <= d <= last:
                    errors.append(
                        (
                            f"phases[{i}].{key}",
                            f"ngày {vi_date(d)} nằm ngoài khoảng {vi_date(first)}–{vi_date(last)} "
                            f"quanh năm {self.year}",
                        )
                    )
        ordered = [(ph, placed[ph]) for ph in PHASE_ORDER if ph in placed]
        for (prev, pi), (nxt, ni) in itertools.pairwise(ordered):
            earlier, later = self.phases[pi], self.phases[ni]
            if later.starts <= earlier.ends:
                errors.append(
                    (
                        f"phases[{ni}].starts",
                        f"giai đoạn «{nxt.value}» phải bắt đầu sau khi giai đoạn «{prev.value}» "
                        f"kết thúc ({vi_date(earlier.ends)})",
                    )
                )
        if errors:
            raise _SpecErrors(errors)
        return self

    def phase(self, which: Phase) -> PhaseSpec | None:
        return next((p for p in self.phases if p.phase is which), None)


class _SpecErrors(ValueError):
    """Several faults found by ``MovementSpec``'s own checks, each at its key."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, m in errors))
        self.errors = errors


# ---- parsing ----------------------------------------------------------------------------------

_MESSAGES_VI: dict[str, str] = {
    "missing": "thiếu khóa bắt buộc",
    "extra_forbidden": "khóa không được hỗ trợ",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_inexact": "phải là ngày (không kèm giờ)",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "string_type": "phải là chuỗi ký tự",
    "list_type": "phải là một danh sách",
    "model_type": "phải là một bảng khóa: giá trị",
    "model_attributes_type": "phải là một bảng khóa: giá trị",
    "dict_type": "phải là một bảng khóa: giá trị",
}


def _message_vi(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _MESSAGES_VI:
        return _MESSAGES_VI[kind]
    if kind == "enum":
        return f"phải là một trong: {ctx.get('expected', '')}".replace("'", "")
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} phần tử"
    if kind == "too_long":
        return f"nhiều nhất {ctx.get('max_length')} phần tử"
    if kind == "string_pattern_mismatch":
        return "sai định dạng mã (chữ, số, dấu gạch ngang; không dấu cách)"
    if kind == "greater_than_equal":
        return f"phải từ {ctx.get('ge')} trở lên"
    if kind == "less_than_equal":
        return f"không được lớn hơn {ctx.get('le')}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def spec_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Every fault of a validation as ``FieldError``s (Vietnamese), each at its key."""
    out: list[FieldError] = []
    for err in exc.errors():
        base = field_path(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _SpecErrors):
            for key, message in cause.errors:
                where = f"{base}.{key}" if base else key
                out.append(FieldError(f"{prefix}{where}", message))
            continue
        out.append(FieldError(f"{prefix}{base}" or prefix.rstrip(".") or "(gốc)", _message_vi(err)))
    return out


def invalid_spec(errors: list[FieldError], source: str) -> Refusal:
    first = errors[0]
    more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
    return Refusal(
        RefusalCode.INVALID,
        f"{source}: phong trào không hợp lệ: {first.field}: {first.message}{more}",
        field=first.field,
        problem="movement_invalid",
        errors=errors,
    )


def _yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise Refusal(
            RefusalCode.INVALID,
            f"{source}: {where}không phải YAML hợp lệ ({problem}).",
            field="(tệp)",
            problem="movement_invalid",
        ) from None


def movement_from_data(raw: Any, source: str = "phong trào", prefix: str = "") -> MovementSpec:
    """Validate one movement's data (a mapping, as read from YAML or JSON)."""
    if not isinstance(raw, dict):
        where = prefix.rstrip(".") or "(gốc)"
        raise invalid_spec([FieldError(where, "phải là một bảng khóa: giá trị")], source)
    try:
        return MovementSpec.model_validate(raw)
    except ValidationError as exc:
        raise invalid_spec(spec_errors(exc, prefix), source) from None


def parse_movement_yaml(text: str, source: str = "tệp") -> MovementSpec:
    """One movement from YAML text; ``Refusal(invalid)`` names each key at fault."""
    return movement_from_data(_yaml(text, source), source)


def parse_movements_yaml(text: str, source: str = "tệp") -> list[MovementSpec]:
    """A data set's movements: one mapping, or a list of them (keys then read ``[1].code``)."""
    raw = _yaml(text, source)
    if isinstance(raw, list):
        specs = [movement_from_data(item, source, f"[{i}].") for i, item in enumerate(raw)]
        codes = [s.code for s in specs]
        for i, code in enumerate(codes):
            if code in codes[:i]:
                raise invalid_spec([FieldError(f"[{i}].code", f"mã «{code}» bị trùng")], source)
        return specs
    return [movement_from_data(raw, source)]


# ---- the registration phase -------------------------------------------------------------------

VN_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def local_day(at: dt.datetime) -> dt.date:
    """The day in Vietnam of an instant (a naive one is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(VN_TIME).date()


def registration_window(phases: list[dict[str, Any]]) -> tuple[dt.date, dt.date] | None:
    """The registration phase's (starts, ends) in stored phases, None without one."""
    for p in phases:
        if p.get("phase") == Phase.REGISTRATION:
            return dt.date.fromisoformat(str(p["starts"])), dt.date.fromisoformat(str(p["ends"]))
    return None


def is_late(phases: list[dict[str, Any]], at: dt.datetime) -> bool:
    """Whether a registration made at ``at`` falls outside the registration phase."""
    window = registration_window(phases)
    return window is not None and not window[0] <= local_day(at) <= window[1]
