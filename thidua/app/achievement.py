"""The nominee's achievement report (báo cáo thành tích) of a nomination, prefilled from our
records, for the unit to review and attach.

Read like the nomination itself (``policy.require_visible``: a unit's roles for their own units
only, else not found). The form is the one of the decree in force on the movement's review date
(the date that also chooses the ruleset), and the agency's profile the one in force that day, so
a 2024 nomination keeps Decree 98/2023's form however late it is printed. Not numbered and not
recorded: it is the nominee's report, built again on each request.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from rules.law import LawBook, shipped_law
from rules.registry import RulesRegistry
from thidua.app.agency import profile_in_force
from thidua.app.nominations import get_nomination
from thidua.app.ports.nominations import NominationDetail
from thidua.app.ports.rounds import ReceivedAwardRecord
from thidua.app.ports.uow import Tx
from thidua.app.roster import review_date
from thidua.domain.documents.achievement import (
    AchievementReportDoc,
    AchievementSource,
    MembersSummary,
    ReceivedAward,
    YearRating,
    build_achievement_report,
    received_from_history,
)
from thidua.domain.documents.context import document_title
from thidua.domain.documents.text import date_short_vi
from thidua.domain.documents.wording import CODE_ORDER
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

__all__ = ["achievement_report"]

#: Earlier years whose register rows the report shows when there are any (e.g. the two
#: consecutive years a provincial certificate looks at).
_EARLIER_YEARS = 2


def achievement_report(
    tx: Tx,
    actor: Actor,
    key: str,
    *,
    registry: RulesRegistry,
    law: LawBook | None = None,
) -> AchievementReportDoc:
    """The report of nomination ``key`` as ``actor`` may read it (not found otherwise)."""
    detail = get_nomination(tx, actor, key)
    law = law or shipped_law()
    movement = tx.movements.get(detail.movement)
    if movement is None:  # a nomination's movement is never deleted: a bug if it happens
        raise LookupError(f"movement {detail.movement} of {key} not found")
    on = movement.closes
    try:
        form = law.achievement_form(detail.kind, on)
    except LookupError as exc:
        raise Refusal(RefusalCode.NOT_FOUND, str(exc), problem="achievement_form_missing") from None
    profile = profile_in_force(tx, on).profile
    names = _title_names(registry, detail, on)
    unit = tx.org.unit(detail.unit)
    received = _received(tx, registry, detail, names)
    received += received_from_history(detail.facts, names, received)
    individual = detail.kind == "individual"
    staff = tx.org.staff_member(detail.nominee_code) if individual else None
    source = AchievementSource(
        key=detail.id,
        kind=detail.kind,
        year=detail.year,
        review_date=on,
        movement_name=movement.name,
        movement_contents=tuple((c.code, c.text) for c in movement.contents),
        nominee_code=detail.nominee_code,
        nominee_name=detail.nominee_name,
        unit_name=unit.name if unit is not None else detail.unit,
        unit_kind=unit.kind if unit is not None else "",
        facts=detail.facts,
        proposed=tuple((c, names.get(c, c)) for c in _proposed(detail)),
        received=tuple(received),
        gender=staff.gender if staff else None,
        position=staff.position if staff else None,
        birth_year=staff.birth_year if staff else None,
        ratings=_ratings(tx, detail) if individual else (),
        members=None if individual else _members(tx, detail, on),
        agency_head=_agency_head(tx, on, profile.head_title),
    )
    return build_achievement_report(source, form, profile)


def _proposed(detail: NominationDetail) -> list[str]:
    codes = list(dict.fromkeys([*detail.titles, *detail.proposals]))
    order = {c: i for i, c in enumerate(CODE_ORDER)}
    return sorted(codes, key=lambda c: order.get(c, len(order)))


def _names_of(registry: RulesRegistry, ruleset_id: str, version: str) -> dict[str, str]:
    try:
        loaded = registry.get(ruleset_id, version)
    except LookupError:
        return {}
    return {code: document_title(t.name_vi) for code, t in loaded.titles.items()}


def _title_names(registry: RulesRegistry, detail: NominationDetail, on: dt.date) -> dict[str, str]:
    """The titles' names of the nomination's pinned ruleset, else of the ruleset in force on the
    review date (codes read as they are when neither can be had)."""
    if detail.ruleset is not None:
        names = _names_of(registry, detail.ruleset.id, detail.ruleset.version)
        if names:
            return names
    try:
        loaded = registry.in_force(on)
    except LookupError:
        return {}
    return {code: document_title(t.name_vi) for code, t in loaded.titles.items()}


def _received(
    tx: Tx, registry: RulesRegistry, detail: NominationDetail, names: Mapping[str, str]
) -> list[ReceivedAward]:
    out: list[ReceivedAward] = []
    by_ruleset: dict[tuple[str, str], dict[str, str]] = {}
    for r in tx.rounds.awards_received(detail.kind, detail.nominee_code, detail.year):
        ref = (r.ruleset_id, r.ruleset_version)
        if ref not in by_ruleset:
            by_ruleset[ref] = _names_of(registry, *ref)
        name = by_ruleset[ref].get(r.code) or names.get(r.code, r.code)
        out.append(ReceivedAward(r.year, r.code, name, _decision_text(tx, r)))
    return out


def _decision_text(tx: Tx, r: ReceivedAwardRecord) -> str | None:
    """ "Quyết định số 05/QĐ-SLĐTBXH ngày 20/12/2024 của Giám đốc Sở …" when issued here."""
    if r.decision_number is None:
        return None
    text = f"Quyết định số {r.decision_number}"
    if r.decision_date is None:
        return text
    text += f" ngày {date_short_vi(r.decision_date)}"
    stored = tx.agency.profile_on(r.decision_date)
    if stored is not None:
        text += f" của {stored.profile.head_title} {stored.profile.text_name}"
    return text


def _ratings(tx: Tx, detail: NominationDetail) -> tuple[YearRating, ...]:
    """The review year's and earlier years' ratings: the register's rows, else the facts (the
    review year's facts, the ``history`` of earlier ones)."""
    facts = detail.facts
    history = {
        h["year"]: h
        for h in facts.get("history") or []
        if isinstance(h, Mapping) and isinstance(h.get("year"), int)
    }
    years = {detail.year, *range(detail.year - _EARLIER_YEARS, detail.year), *history}
    out: list[YearRating] = []
    for year in sorted(years):
        row = tx.org.rating(detail.nominee_code, year)
        if row is not None:
            out.append(
                YearRating(
                    year,
                    row.rating,
                    row.months_worked,
                    row.maternity_months,
                    row.discipline,
                    "register",
                )
            )
        elif year == detail.year and isinstance(facts.get("rating"), str):
            out.append(
                YearRating(
                    year,
                    facts["rating"],
                    facts.get("months_worked"),
                    facts.get("maternity_months"),
                    facts.get("discipline"),
                    "facts",
                )
            )
        elif year in history and history[year].get("rating"):
            out.append(YearRating(year, str(history[year]["rating"]), None, None, None, "facts"))
    return tuple(out)


def _members(tx: Tx, detail: NominationDetail, closes: dt.date) -> MembersSummary:
    """The unit's roster on its review date with the register's ratings of the year."""
    on = review_date(tx, detail.movement, closes)
    roster = tx.roster.roster_on(on, detail.unit)
    codes = [m.staff_code for m in roster]
    entries = tx.roster.register(detail.year, codes) if codes else []
    return MembersSummary(
        on=on,
        total=len(roster),
        by_rating=dict(Counter(e.rating for e in entries)),
        unrated=len(roster) - len(entries),
        disciplined=sum(1 for e in entries if e.discipline != "none"),
    )


def _agency_head(tx: Tx, on: dt.date, head_title: str) -> str | None:
    """The staff member of the leadership holding the profile's head title on ``on``."""
    leadership = [u.code for u in tx.org.units() if u.kind == "leadership"]
    if not leadership:
        return None
    for _, staff in tx.org.roster(leadership, on):
        if staff.position == head_title:
            return staff.full_name
    return None
