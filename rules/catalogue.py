"""The fields our code can supply to rules: contract fields (rules/facts.py) and derived ones.

A rules file's `fact_schema` must declare every field its rules read, and each declaration must
agree with this catalogue (type, allowed values, derived or not). Derived values are computed here,
in one place, from the validated facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from rules.facts import (
    Assessment,
    CollectiveFacts,
    Discipline,
    Gender,
    IndividualFacts,
    Rating,
    UnitType,
)

FieldType = Literal["integer", "number", "boolean", "string"]
Kind = Literal["individual", "collective"]
Value = bool | int | float | str

IND: frozenset[Kind] = frozenset({"individual"})
COL: frozenset[Kind] = frozenset({"collective"})
BOTH: frozenset[Kind] = frozenset({"individual", "collective"})
KIND_VI: dict[Kind, str] = {"individual": "cá nhân", "collective": "tập thể"}

_RATINGS = tuple(r.value for r in Rating)
_ASSESS = tuple(a.value for a in Assessment)
_DISCIPLINE = tuple(d.value for d in Discipline)
_GENDER_UNKNOWN = "khong_ro"  # a nominee whose facts do not say
_GENDERS = (*(g.value for g in Gender), _GENDER_UNKNOWN)
_UNIT_TYPES = tuple(u.value for u in UnitType)
_BIG = 100_000


@dataclass(frozen=True, slots=True)
class KnownField:
    """A field the engine can supply, with its type and domain (for validation and analysis)."""

    name: str
    type: FieldType
    applies_to: frozenset[Kind]
    derived: bool = False
    values: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None


def _f(
    name: str,
    type_: FieldType,
    applies_to: frozenset[Kind],
    *,
    derived: bool = False,
    values: tuple[str, ...] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> KnownField:
    return KnownField(name, type_, applies_to, derived, values, minimum, maximum)


KNOWN_FIELDS: dict[str, KnownField] = {
    f.name: f
    for f in (
        _f("kind", "string", BOTH, values=("individual", "collective")),
        _f("year", "integer", BOTH, minimum=1945, maximum=2100),
        _f("rating", "string", BOTH, values=_RATINGS),
        _f("under_review", "boolean", BOTH),
        _f("months_worked", "integer", IND, minimum=0, maximum=12),
        _f("maternity_months", "integer", IND, minimum=0, maximum=12),
        _f("months_effective", "integer", IND, derived=True, minimum=0, maximum=12),
        _f("discipline", "string", IND, values=_DISCIPLINE),
        _f("discipline_ends_on", "string", IND),
        _f("discipline_in_period", "string", IND, derived=True, values=_DISCIPLINE),
        _f("research_accepted", "integer", IND, minimum=0, maximum=1000),
        _f("initiatives_in_year", "integer", IND, derived=True, minimum=0, maximum=100),
        _f("applied_initiatives_2y", "integer", IND, derived=True, minimum=0, maximum=100),
        _f("cstdcs_last_year", "boolean", IND, derived=True),
        _f("htxsnv_last_year", "boolean", BOTH, derived=True),
        _f("ttldxs_last_year", "boolean", COL, derived=True),
        _f("movement.c1", "string", BOTH, values=_ASSESS),
        _f("movement.c2", "string", BOTH, values=_ASSESS),
        _f("movement.c3", "string", BOTH, values=_ASSESS),
        _f("movement.c4", "string", BOTH, values=_ASSESS),
        _f("movement_excellent_count", "integer", BOTH, derived=True, minimum=0, maximum=4),
        _f("movement_good_or_better_count", "integer", BOTH, derived=True, minimum=0, maximum=4),
        _f("gender", "string", IND, values=_GENDERS),
        _f("unit_type", "string", COL, values=_UNIT_TYPES),
        _f("members_total", "integer", COL, minimum=0, maximum=_BIG),
        _f("members_ldtt", "integer", COL, minimum=0, maximum=_BIG),
        _f("members_cstdcs", "integer", COL, minimum=0, maximum=_BIG),
        _f("members_htnv_or_better", "integer", COL, minimum=0, maximum=_BIG),
        _f("members_disciplined", "integer", COL, minimum=0, maximum=_BIG),
        _f("female_members", "integer", COL, minimum=0, maximum=_BIG),
        _f("ldtt_ratio", "number", COL, derived=True, minimum=0, maximum=1),
        _f("female_ratio", "number", COL, derived=True, minimum=0, maximum=1),
        _f("guidance_on_time", "boolean", COL),
        _f("propagated_to_all_staff", "boolean", COL),
    )
}


def initiatives_in_year(facts: IndividualFacts) -> list[str]:
    """The initiatives (ids) behind ``initiatives_in_year``: recognised in the review year."""
    return [i.id for i in facts.initiatives if i.year == facts.year]


def applied_initiatives_2y(facts: IndividualFacts) -> list[str]:
    """The initiatives (ids) behind ``applied_initiatives_2y``: applied, recognised in the
    review year or the year before (each once)."""
    y = facts.year
    return list(
        dict.fromkeys(
            i.id for i in facts.initiatives if i.applied and (i.year == y or i.year == y - 1)
        )
    )


#: The derived fields computed from the nominee's initiatives, each with the initiatives it
#: counts: a rule reading one of them rests on those initiatives (see rules/grounds.py).
INITIATIVE_FIELDS: Mapping[str, Callable[[IndividualFacts], list[str]]] = {
    "initiatives_in_year": initiatives_in_year,
    "applied_initiatives_2y": applied_initiatives_2y,
}


def discipline_in_period(facts: IndividualFacts) -> str:
    """The discipline that counts against the review year: ``discipline``, unless its period
    ended (``discipline_ends_on``) before 1 January of the review year, then ``none``. Without
    an end date the discipline counts, as it did before end dates were recorded."""
    ends = facts.discipline_ends_on
    if ends is not None and ends < dt.date(facts.year, 1, 1):
        return Discipline.NONE.value
    return facts.discipline.value


_XS = Assessment.XUAT_SAC
_GOOD = frozenset({Assessment.XUAT_SAC, Assessment.TOT})


def extract(
    facts: IndividualFacts | CollectiveFacts, ignored_history_titles: Collection[str] = ()
) -> dict[str, Value]:
    """Every catalogue field for this nominee's kind, derived ones included.

    `ignored_history_titles` (the ruleset's thematic titles, e.g. GIAY_KHEN) never count as
    grounds in history-based fields.
    """
    y = facts.year
    prev = None
    for h in facts.history:
        if h.year == y - 1:
            prev = h
            break
    prev_titles = (
        {t for t in prev.titles if t not in ignored_history_titles} if prev is not None else set()
    )
    mv = facts.movement
    c = (mv.c1, mv.c2, mv.c3, mv.c4)
    common: dict[str, Value] = {
        "kind": facts.kind,
        "year": y,
        "rating": facts.rating.value,
        "under_review": facts.under_review,
        "htxsnv_last_year": prev is not None and prev.rating == Rating.HTXSNV,
        "movement.c1": mv.c1.value,
        "movement.c2": mv.c2.value,
        "movement.c3": mv.c3.value,
        "movement.c4": mv.c4.value,
        "movement_excellent_count": sum(1 for a in c if a == _XS),
        "movement_good_or_better_count": sum(1 for a in c if a in _GOOD),
    }
    if isinstance(facts, IndividualFacts):
        ends = facts.discipline_ends_on
        common.update(
            {
                "months_worked": facts.months_worked,
                "maternity_months": facts.maternity_months,
                "months_effective": min(12, facts.months_worked + facts.maternity_months),
                "discipline": facts.discipline.value,
                "discipline_ends_on": ends.isoformat() if ends is not None else "",
                "discipline_in_period": discipline_in_period(facts),
                "research_accepted": facts.research_accepted,
                "initiatives_in_year": len(initiatives_in_year(facts)),
                "applied_initiatives_2y": len(applied_initiatives_2y(facts)),
                "cstdcs_last_year": "CSTDCS" in prev_titles,
                "gender": facts.gender.value if facts.gender is not None else _GENDER_UNKNOWN,
            }
        )
    else:
        total = facts.members_total
        common.update(
            {
                "unit_type": facts.unit_type.value,
                "members_total": total,
                "members_ldtt": facts.members_ldtt,
                "members_cstdcs": facts.members_cstdcs,
                "members_htnv_or_better": facts.members_htnv_or_better,
                "members_disciplined": facts.members_disciplined,
                "female_members": facts.female_members,
                "ldtt_ratio": facts.members_ldtt / total if total else 0.0,
                "female_ratio": facts.female_members / total if total else 0.0,
                "ttldxs_last_year": "TTLDXS" in prev_titles,
                "guidance_on_time": facts.guidance_on_time,
                "propagated_to_all_staff": facts.propagated_to_all_staff,
            }
        )
    return common
