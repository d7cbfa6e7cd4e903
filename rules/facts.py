"""The facts contract: what a pipeline sends about a nominee. Field names are fixed (pipelines depend on them)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from rules.errors import FactsError, FactsErrorItem, format_path


class Rating(StrEnum):
    HTXSNV = "HTXSNV"
    HTTNV = "HTTNV"
    HTNV = "HTNV"
    KHTNV = "KHTNV"


class Discipline(StrEnum):
    NONE = "none"
    KHIEN_TRACH = "khien_trach"
    CANH_CAO = "canh_cao"
    HA_BAC_LUONG = "ha_bac_luong"
    GIANG_CHUC = "giang_chuc"
    CACH_CHUC = "cach_chuc"
    BUOC_THOI_VIEC = "buoc_thoi_viec"


class InitiativeLevel(StrEnum):
    CO_SO = "co_so"
    TINH = "tinh"
    TOAN_QUOC = "toan_quoc"


class Assessment(StrEnum):
    XUAT_SAC = "xuat_sac"
    TOT = "tot"
    DAT = "dat"
    KHONG_DAT = "khong_dat"


class Gender(StrEnum):
    NU = "nu"
    NAM = "nam"


class UnitType(StrEnum):
    PHONG = "phong"
    DON_VI_SU_NGHIEP = "don_vi_su_nghiep"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Initiative(_Strict):
    id: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    level: InitiativeLevel = InitiativeLevel.CO_SO
    year: Annotated[StrictInt, Field(ge=1945, le=2100)]
    applied: StrictBool = False


class HistoryYear(_Strict):
    year: Annotated[StrictInt, Field(ge=1945, le=2100)]
    rating: Rating | None = None
    titles: list[StrictStr] = Field(default_factory=list, max_length=50)


class MovementAssessment(_Strict):
    """The plan's four contents, each assessed for the nominee."""

    c1: Assessment = Assessment.KHONG_DAT
    c2: Assessment = Assessment.KHONG_DAT
    c3: Assessment = Assessment.KHONG_DAT
    c4: Assessment = Assessment.KHONG_DAT


_Id = Annotated[
    StrictStr, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
_Year = Annotated[StrictInt, Field(ge=1945, le=2100)]


class IndividualFacts(_Strict):
    kind: Literal["individual"]
    id: _Id
    year: _Year
    rating: Rating
    months_worked: Annotated[StrictInt, Field(ge=0, le=12)] = 12
    maternity_months: Annotated[StrictInt, Field(ge=0, le=12)] = 0
    discipline: Discipline = Discipline.NONE
    discipline_ends_on: dt.date | None = None
    """The last day of the discipline's period (None: not known). Added after decisions were
    stored: dumped only when given (see ``dump_facts``)."""
    under_review: StrictBool = False
    initiatives: list[Initiative] = Field(default_factory=list, max_length=100)
    research_accepted: Annotated[StrictInt, Field(ge=0, le=1000)] = 0
    history: list[HistoryYear] = Field(default_factory=list, max_length=50)
    movement: MovementAssessment = Field(default_factory=MovementAssessment)
    gender: Gender | None = None

    @field_validator("discipline_ends_on", mode="before")
    @classmethod
    def _iso_date(cls, v: object) -> object:
        """A date or ISO text ``YYYY-MM-DD`` only (never a number read as a timestamp)."""
        if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise ValueError("must be a date YYYY-MM-DD")


class CollectiveFacts(_Strict):
    kind: Literal["collective"]
    id: _Id
    year: _Year
    rating: Rating
    unit_type: UnitType = UnitType.PHONG
    members_total: Annotated[StrictInt, Field(ge=0, le=100_000)]
    members_ldtt: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    members_cstdcs: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    members_htnv_or_better: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    members_disciplined: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    female_members: Annotated[StrictInt, Field(ge=0, le=100_000)] = 0
    under_review: StrictBool = False
    history: list[HistoryYear] = Field(default_factory=list, max_length=50)
    movement: MovementAssessment = Field(default_factory=MovementAssessment)
    guidance_on_time: StrictBool = False
    propagated_to_all_staff: StrictBool = False


Facts = Annotated[IndividualFacts | CollectiveFacts, Field(discriminator="kind")]

_FACTS_ADAPTER: TypeAdapter[IndividualFacts | CollectiveFacts] = TypeAdapter(Facts)


def _consistency(facts: IndividualFacts | CollectiveFacts) -> list[FactsErrorItem]:
    errors: list[FactsErrorItem] = []
    seen_years: set[int] = set()
    for i, h in enumerate(facts.history):
        if h.year in seen_years:
            errors.append({"loc": f"history[{i}].year", "msg": f"year {h.year} is listed twice"})
        seen_years.add(h.year)
        if h.year >= facts.year:
            errors.append(
                {"loc": f"history[{i}].year", "msg": f"history year must be before {facts.year}"}
            )
    if isinstance(facts, IndividualFacts):
        seen_ids: set[str] = set()
        for i, ini in enumerate(facts.initiatives):
            if ini.id in seen_ids:
                errors.append(
                    {"loc": f"initiatives[{i}].id", "msg": f"initiative {ini.id!r} is listed twice"}
                )
            seen_ids.add(ini.id)
            if ini.year > facts.year:
                errors.append(
                    {"loc": f"initiatives[{i}].year", "msg": f"must not be after {facts.year}"}
                )
    else:
        for name in (
            "members_ldtt",
            "members_cstdcs",
            "members_htnv_or_better",
            "members_disciplined",
            "female_members",
        ):
            if getattr(facts, name) > facts.members_total:
                errors.append(
                    {"loc": name, "msg": f"must not exceed members_total ({facts.members_total})"}
                )
        if facts.members_cstdcs > facts.members_ldtt:
            errors.append(
                {"loc": "members_cstdcs", "msg": "must not exceed members_ldtt (CSTDCS needs LDTT)"}
            )
    return errors


#: Contract fields added after decisions were stored with the contract's other fields: a decision
#: dumps them only when given, so a stored decision made before them reproduces byte for byte.
LATE_OPTIONAL_FIELDS: tuple[str, ...] = ("discipline_ends_on",)


def dump_facts(facts: IndividualFacts | CollectiveFacts) -> dict[str, object]:
    """The facts as a decision stores them (``LATE_OPTIONAL_FIELDS`` left out when None)."""
    out = facts.model_dump()
    for name in LATE_OPTIONAL_FIELDS:
        if name in out and out[name] is None:
            del out[name]
    return out


def parse_facts(data: object) -> IndividualFacts | CollectiveFacts:
    """Validate raw facts (a mapping, or an already built model) or raise FactsError."""
    if isinstance(data, IndividualFacts | CollectiveFacts):
        facts = data
    else:
        try:
            facts = _FACTS_ADAPTER.validate_python(data)
        except ValidationError as exc:
            items: list[FactsErrorItem] = []
            for err in exc.errors(include_url=False):
                loc = tuple(err["loc"])
                if loc and loc[0] in ("individual", "collective"):
                    loc = loc[1:]
                items.append({"loc": format_path(loc), "msg": err["msg"]})
            raise FactsError(items) from None
    errors = _consistency(facts)
    if errors:
        raise FactsError(errors)
    return facts
