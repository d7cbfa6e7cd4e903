"""The round as the document builders read it, and the phrases they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from rules.law import HIGHEST_AMOUNT_ONLY, LawBook, shipped_law
from rules.registry import LoadedRuleset
from thidua.domain.agency import AgencyProfile
from thidua.domain.documents.models import (
    Agency,
    AwardLine,
    Signer,
)
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    CouncilMeetingRecord,
    MovementRecord,
    NominationRecord,
    PersonRecord,
    RoundSnapshot,
    StaffRecord,
    UnitRecord,
)
from thidua.domain.documents.text import award_phrase, who_vi
from thidua.domain.documents.wording import CODE_ORDER
from thidua.domain.money import award_money, highest_only, not_paid_note


@dataclass
class RoundContext:
    """The round as the builders read it."""

    snapshot: RoundSnapshot
    ruleset: LoadedRuleset
    profile: AgencyProfile
    """The agency's profile in force on the document's date."""
    director: PersonRecord
    """Who signs: the head, or the deputy signing for the head ("KT.")."""
    numbers: dict[str, str]
    """Numbers of this round's documents issued so far."""
    dates: dict[str, dt.date] = field(default_factory=dict)
    """Dates of this round's documents issued so far (a revocation cites its decision's)."""
    law: LawBook = field(default_factory=shipped_law)
    """The law's dated values (``rules/law``): legal bases and money by the document's date."""

    @cached_property
    def agency(self) -> Agency:
        """The agency as the document's header and running text print it."""
        return document_agency(self.profile)

    @property
    def year(self) -> int:
        return self.snapshot.year

    @property
    def movement(self) -> MovementRecord:
        return self.snapshot.movement

    @property
    def items(self) -> tuple[AwardItemRecord, ...]:
        return self.snapshot.items

    @property
    def nominations(self) -> tuple[NominationRecord, ...]:
        return self.snapshot.nominations

    @property
    def meeting(self) -> CouncilMeetingRecord | None:
        return self.snapshot.meeting

    @property
    def units(self) -> tuple[UnitRecord, ...]:
        return self.snapshot.units

    @property
    def director_name(self) -> str:
        return self.director.name

    @cached_property
    def staff_by_code(self) -> dict[str, StaffRecord]:
        return {s.code: s for s in self.snapshot.staff}

    @cached_property
    def staff_by_name(self) -> dict[str, StaffRecord]:
        by_name: dict[str, StaffRecord] = {}
        for s in self.snapshot.staff:
            by_name.setdefault(s.full_name, s)
        return by_name

    def base_salary(self, on: dt.date) -> int:
        """The base salary in force on ``on`` (the decision's date)."""
        return self.law.base_salary(on).vnd

    def legal_bases(self, on: dt.date) -> list[str]:
        """The "Căn cứ" lines of the law and the decree in force on ``on``."""
        return self.law.basis_lines(on)

    def director_signer(self) -> Signer:
        """The head's signature block, or "KT. <HEAD>" over the deputy's when a deputy signs."""
        head = self.profile.head_title.upper()
        staff = self.director.staff
        if staff is not None and staff.position == self.profile.deputy_title:
            return Signer(
                position=self.profile.deputy_title.upper(),
                name=self.director_name,
                on_behalf=f"KT. {head}",
            )
        return Signer(position=head, name=self.director_name)


def document_agency(profile: AgencyProfile) -> Agency:
    """The document header's agency from the profile in force."""
    return Agency(
        parent=profile.governing_body,
        name=profile.name,
        short=profile.symbol,
        place=profile.place,
        head_title=profile.head_title.upper(),
        full_name=profile.text_name,
    )


def signing_director(snapshot: RoundSnapshot, profile: AgencyProfile) -> PersonRecord:
    """Who signs for the agency: the staff member of the leadership unit whose position is the
    profile's head title, else the account holding the Director's role (``snapshot.director``);
    LookupError when there is neither."""
    for staff in snapshot.staff:
        if staff.unit.kind == "leadership" and staff.position == profile.head_title:
            return PersonRecord(staff.full_name, staff)
    if snapshot.director is None:
        raise LookupError(
            f"Không tìm thấy {profile.head_title} (cán bộ đơn vị lãnh đạo có chức vụ "
            f"«{profile.head_title}») để ký văn bản."
        )
    return snapshot.director


# ----------------------------------------------------------------------------- helpers


def int_of(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return default
    return default


def decimal_of(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def document_title(name_vi: str) -> str:
    """A title's name as documents print it, from the ruleset's ``name_vi``.

    "danh hiệu Lao động tiên tiến" -> "Lao động tiên tiến"; a form's qualifier in brackets is left
    out ("Giấy khen của Giám đốc Sở (phong trào …)" -> "Giấy khen của Giám đốc Sở"): the decision
    names the movement in its own words.
    """
    name = name_vi.removeprefix("danh hiệu ").strip()
    if name.endswith(")") and " (" in name:
        name = name[: name.rindex(" (")].strip()
    return name[:1].upper() + name[1:]


def title_vi(ctx: RoundContext, code: str) -> str:
    title = ctx.ruleset.titles.get(code)
    return document_title(title.name_vi) if title is not None else code


def _code_key(code: str) -> int:
    return CODE_ORDER.index(code) if code in CODE_ORDER else len(CODE_ORDER)


def sorted_items(items: Iterable[AwardItemRecord]) -> list[AwardItemRecord]:
    """By title group (``CODE_ORDER``), collectives before individuals within a group."""
    return sorted(
        items,
        key=lambda i: (
            _code_key(i.code),
            i.code,
            i.nomination.kind != "collective",
            i.rank,
            i.id,
        ),
    )


def _honorific(staff: StaffRecord | None) -> str:
    if staff is None:
        return ""
    return "Bà" if staff.gender == "nu" else "Ông"


def _staff_role(staff: StaffRecord) -> str:
    """ "Giám đốc Sở", "Trưởng phòng Giáo dục nghề nghiệp", "Viên chức, Trung tâm …"."""
    unit = staff.unit
    position = staff.position
    if unit.kind == "leadership" or position in (
        "Chánh Văn phòng",
        "Phó Chánh Văn phòng",
        "Chánh Thanh tra",
        "Phó Chánh Thanh tra",
    ):
        return f"{position} Sở"
    if unit.kind == "division" and position in ("Trưởng phòng", "Phó Trưởng phòng"):
        return f"{position} {unit.name.removeprefix('Phòng ').strip()}"
    return f"{position}, {unit.name}"


def person(staff: StaffRecord | None, name: str, role: str | None = None) -> str:
    """ "Ông Trương Minh Khôi – Giám đốc Sở, Chủ tịch Hội đồng"."""
    parts = [p for p in (_staff_role(staff) if staff else None, role) if p]
    who = f"{_honorific(staff)} {name}".strip()
    return f"{who} – {', '.join(parts)}" if parts else who


def collective_unit_label(unit_kind: str) -> str:
    """Where a collective stands in the award lists: "Phòng chuyên môn Sở" for a division, else
    "Đơn vị sự nghiệp trực thuộc Sở"."""
    kind = "Phòng chuyên môn" if unit_kind == "division" else "Đơn vị sự nghiệp trực thuộc"
    return f"{kind} Sở"


def paid_amount(ctx: RoundContext, item: AwardItemRecord, on: dt.date) -> int | None:
    """What the agency pays for ``item`` decided on ``on``: the amount the decision stored, else
    the law's (coefficient × base salary in force that day), of the nominee's awards for the same
    achievement the highest only (a proposal to the province counts as the higher one: the
    province pays it). None for a proposal (the province decides its money) or no coefficient."""
    if item.amount_vnd is not None:
        return item.amount_vnd
    if item.level == "province":
        return None
    amounts: dict[str, int] = {}
    for other in ctx.items:
        if (
            other.nomination.id != item.nomination.id
            or other.director_status != "approved"
            or other.revoked
        ):
            continue
        collective = other.nomination.kind == "collective"
        money = award_money(ctx.law, other.code, on, collective=collective)
        if money is not None:
            amounts[other.code] = money.amount
    if item.code not in amounts:
        return None
    return highest_only(amounts, on, ctx.law)[item.code]


def unpaid_note(
    ctx: RoundContext, item: AwardItemRecord, amount: int | None, on: dt.date
) -> str | None:
    """Why an approved award is paid 0: another award of the nominee for the same achievement
    is paid (or proposed to the province), the higher amount only (rules/law)."""
    if amount != 0:
        return None
    principle = ctx.law.principle(HIGHEST_AMOUNT_ONLY, on)
    if principle is None:
        return None
    group = next((g for g in principle.groups if item.code in g), frozenset())
    for other in ctx.items:
        if (
            other.nomination.id == item.nomination.id
            and other.code != item.code
            and other.code in group
            and other.director_status == "approved"
            and not other.revoked
        ):
            return not_paid_note(title_vi(ctx, other.code), ctx.law, on)
    return None


def award_line(ctx: RoundContext, item: AwardItemRecord, on: dt.date) -> AwardLine:
    """The award as the lists print it, its money decided on ``on``: the coefficient in force
    that day (rules/law) and the amount the decision set (what is paid), else the law's."""
    nomination = item.nomination
    code = item.code
    collective = nomination.kind == "collective"
    money = award_money(ctx.law, code, on, collective=collective)
    coef: Decimal | None = money.coefficient if money is not None else None
    amount = paid_amount(ctx, item, on)
    note = unpaid_note(ctx, item, amount, on)
    if collective:
        return AwardLine(
            name=nomination.unit.name,
            position=None,
            unit=collective_unit_label(nomination.unit.kind),
            title_code=code,
            title_vi=title_vi(ctx, code),
            coefficient=coef,
            amount=amount,
            is_collective=True,
            note=note,
        )
    staff = ctx.staff_by_code.get(nomination.nominee_code)
    return AwardLine(
        name=nomination.nominee_name,
        position=staff.position if staff else None,
        unit=nomination.unit.name,
        title_code=code,
        title_vi=title_vi(ctx, code),
        coefficient=coef,
        amount=amount,
        is_collective=False,
        note=note,
    )


def plan_reference(ctx: RoundContext, movement: MovementRecord) -> str:
    return (
        f"Kế hoạch số {movement.plan_number} ngày {movement.plan_date:%d/%m/%Y} của "
        f"{ctx.agency.full_name} về phát động phong trào thi đua “{movement.name}” năm {movement.year}"
    )


def _who(items: Sequence[AwardItemRecord]) -> str:
    people = sum(1 for i in items if i.nomination.kind != "collective")
    return who_vi(people, len(items) - people)


def grouped_phrases(ctx: RoundContext, items: Sequence[AwardItemRecord]) -> list[str]:
    groups: dict[str, list[AwardItemRecord]] = {}
    for item in sorted_items(items):
        groups.setdefault(item.code, []).append(item)
    return [
        f"{award_phrase(code, title_vi(ctx, code))} cho {_who(group)}"
        for code, group in groups.items()
    ]


def approved(
    ctx: RoundContext, level: str, *, thematic: bool | None = None
) -> list[AwardItemRecord]:
    """The round's awards approved by the Director at ``level`` and not revoked; with
    ``thematic`` only the thematic movement's own awards (True) or only the others (False),
    as the ruleset marks its titles (``thematic: true``)."""
    return sorted_items(
        i
        for i in ctx.items
        if i.level == level
        and i.director_status == "approved"
        and not i.revoked
        and (thematic is None or is_thematic(ctx, i.code) == thematic)
    )


def is_thematic(ctx: RoundContext, code: str) -> bool:
    """Whether ``code`` is a thematic movement's own award (the ruleset's ``thematic: true``):
    decided in its own decision, never grounds for higher awards."""
    return code in ctx.ruleset.ruleset.thematic_titles


def money_basis(law: LawBook, lines: Sequence[AwardLine], on: dt.date) -> str:
    """Where the decision's money is set: the articles of the decree in force on ``on`` that
    set the coefficients of its awards (``rules/law``), an unconfirmed one marked "(chưa xác
    nhận)", then the decree ("Điều 54 Nghị định số 98/2023/NĐ-CP ngày … của Chính phủ")."""
    decree = law.decree(on)
    articles: dict[str, bool] = {}
    for line in lines:
        coef = law.coefficient(line.title_code, on, collective=line.is_collective)
        if coef is not None and coef.instrument == decree:
            articles[coef.article] = articles.get(coef.article, True) and coef.confirmed
    cited = ", ".join(
        article if confirmed else f"{article} (chưa xác nhận)"
        for article, confirmed in articles.items()
    )
    return f"{cited} {decree.citation}" if cited else decree.citation


def movement_assessments(facts: Mapping[str, Any]) -> dict[str, str]:
    movement = facts.get("movement")
    if not isinstance(movement, Mapping):
        return {}
    return {k: str(v) for k, v in movement.items() if isinstance(v, str)}
