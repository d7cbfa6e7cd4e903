"""Rosters and the annual ratings register, as the appraisal and the submission use them.

A unit's **roster** on a date is every staff member whose assignment to the unit covers the date
(``valid_from <= d <= valid_to``, or open), except staff who left before it. The **register** holds
each staff member's rating and record for a year (rating, months worked, maternity months,
discipline). Pure: the app layer reads both from the stores and passes them in.

**The transfer rule** (``roster_rule``, a ruleset parameter; Law 06/2022 art. 27 counts "the
collective's individuals" and is silent on a transfer within the year):

- ``review_date`` (the default when a ruleset does not declare it): a staff member counts in the
  unit whose roster holds them on the review date.
- ``longest_service``: a staff member on the staff on the review date counts in the unit where
  they served the most days of the review year (ties: the unit of the later assignment).

The review date is the movement's ``final_review`` phase start when its phases declare one, else
the day the round was closed (see ``thidua.app.consolidation``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

#: The ruleset parameter naming the transfer rule, its values, and the default.
ROSTER_RULE_PARAM = "roster_rule"
ROSTER_RULE_REVIEW_DATE = "review_date"
ROSTER_RULE_LONGEST_SERVICE = "longest_service"
ROSTER_RULES: tuple[str, ...] = (ROSTER_RULE_REVIEW_DATE, ROSTER_RULE_LONGEST_SERVICE)

#: The individual facts the register holds, in reporting order, with their Vietnamese labels.
REGISTER_FIELDS_VI: dict[str, str] = {
    "rating": "xếp loại",
    "months_worked": "số tháng làm việc",
    "maternity_months": "số tháng nghỉ thai sản",
    "discipline": "kỷ luật",
}

#: The facts contract's defaults of the register fields (rules/facts.py IndividualFacts).
_CONTRACT_DEFAULTS: dict[str, Any] = {
    "months_worked": 12,
    "maternity_months": 0,
    "discipline": "none",
}


@dataclass(frozen=True)
class RosterMember:
    """A staff member on a unit's roster."""

    staff_code: str
    full_name: str
    gender: str  # nam | nu
    unit_code: str


@dataclass(frozen=True)
class Assignment:
    """A staff member in a unit from ``valid_from`` to ``valid_to`` (inclusive; None: open)."""

    staff_code: str
    unit_code: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class RegisterEntry:
    """One staff member's row of the ratings register for a year."""

    staff_code: str
    year: int
    rating: str
    months_worked: int
    maternity_months: int
    discipline: str
    discipline_until: date | None = None
    """The last day of the discipline's period (the register's ``discipline_until``)."""

    def facts(self) -> dict[str, Any]:
        """Individual facts (the facts contract) built from this row alone."""
        out: dict[str, Any] = {
            "kind": "individual",
            "id": self.staff_code,
            "year": self.year,
            "rating": self.rating,
            "months_worked": self.months_worked,
            "maternity_months": self.maternity_months,
            "discipline": self.discipline,
        }
        if self.discipline_until is not None and self.discipline != "none":
            out["discipline_ends_on"] = self.discipline_until.isoformat()
        return out

    def value(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class RosterBasis:
    """What rule 5 reads beyond the round: the staff on the review date, the year's assignments
    (for ``longest_service``), and the register of the year (by staff code)."""

    year: int
    review_date: date
    on_review_date: Sequence[RosterMember]
    assignments: Sequence[Assignment] = ()
    register: Mapping[str, RegisterEntry] | None = None

    def entries(self) -> Mapping[str, RegisterEntry]:
        return self.register or {}


def roster_rule(params: Mapping[str, object]) -> str:
    """The ruleset's transfer rule (``review_date`` when it does not declare one).

    ValueError for a value that is not one of ``ROSTER_RULES``.
    """
    value = params.get(ROSTER_RULE_PARAM, ROSTER_RULE_REVIEW_DATE)
    if value not in ROSTER_RULES:
        raise ValueError(
            f"tham số {ROSTER_RULE_PARAM} = {value!r} không hợp lệ; chọn một trong: "
            + ", ".join(ROSTER_RULES)
        )
    return str(value)


def _days_in_year(a: Assignment, year: int) -> int:
    start = max(a.valid_from, date(year, 1, 1))
    end = min(a.valid_to or date(year, 12, 31), date(year, 12, 31))
    return max(0, (end - start).days + 1)


def members_by_unit(basis: RosterBasis, rule: str) -> dict[str, list[RosterMember]]:
    """Each unit's members under the transfer rule ``rule`` (see the module's docstring).

    Every staff member on the staff on the review date counts in exactly one unit.
    """
    out: dict[str, list[RosterMember]] = {}
    by_staff: dict[str, list[Assignment]] = {}
    if rule == ROSTER_RULE_LONGEST_SERVICE:
        for a in basis.assignments:
            by_staff.setdefault(a.staff_code, []).append(a)
    for m in basis.on_review_date:
        unit = m.unit_code
        served: dict[str, tuple[int, date]] = {}
        for a in by_staff.get(m.staff_code, []):
            days = _days_in_year(a, basis.year)
            if days <= 0:
                continue
            total, latest = served.get(a.unit_code, (0, a.valid_from))
            served[a.unit_code] = (total + days, max(latest, a.valid_from))
        if served:
            unit = max(served, key=lambda u: served[u])  # most days, then the later assignment
        out.setdefault(unit, []).append(
            RosterMember(m.staff_code, m.full_name, m.gender, unit) if unit != m.unit_code else m
        )
    return out


# ---- the register at submission and at consolidation -----------------------------------------


def prefill_individual(raw: Mapping[str, Any], entry: RegisterEntry | None) -> dict[str, Any]:
    """``raw`` with its absent register fields (rating, months worked, maternity months,
    discipline) taken from ``entry``; what ``raw`` holds is kept as sent. The discipline's end
    date (``discipline_ends_on``) comes from the register's ``discipline_until`` when ``raw``
    gives none and its discipline (sent or taken) is the register's measure."""
    out = dict(raw)
    if entry is not None:
        for name in REGISTER_FIELDS_VI:
            if out.get(name) is None:
                out[name] = entry.value(name)
        if (
            out.get("discipline_ends_on") is None
            and entry.discipline_until is not None
            and entry.discipline != "none"
            and out.get("discipline") == entry.discipline
        ):
            out["discipline_ends_on"] = entry.discipline_until.isoformat()
    return out


def prefill_collective(raw: Mapping[str, Any], roster_size: int | None) -> dict[str, Any]:
    """``raw`` with an absent ``members_total`` taken from the unit's roster size."""
    out = dict(raw)
    if out.get("members_total") is None and roster_size is not None:
        out["members_total"] = roster_size
    return out


def register_differences(facts: Mapping[str, Any], entry: RegisterEntry) -> list[str]:
    """Where an individual's facts disagree with the register: "xếp loại: hồ sơ HTXSNV, sổ xếp
    loại HTTNV" for each field (an absent field is the facts contract's default)."""
    out: list[str] = []
    for name, label in REGISTER_FIELDS_VI.items():
        submitted = facts.get(name, _CONTRACT_DEFAULTS.get(name))
        recorded = entry.value(name)
        if submitted != recorded:
            shown = "(không khai)" if submitted is None else submitted
            out.append(f"{label}: hồ sơ {shown}, sổ xếp loại {recorded}")
    return out


def staff_codes(members: Iterable[RosterMember]) -> list[str]:
    return [m.staff_code for m in members]
