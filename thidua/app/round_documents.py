"""The official documents of a consolidation round, generated from the database.

For one round (:class:`~thidua.adapters.db.models.RoundRow`) this builds, renders and records:

* ``report``     – Báo cáo tổng hợp (the Office's consolidated report),
* ``minutes``    – Biên bản họp Hội đồng Thi đua – Khen thưởng (when the council met),
* ``decision``   – Quyết định of the Director (when at least one Director-level award is approved),
* ``submission`` – Tờ trình to the province (when at least one province-level proposal is approved).

Each document is a :class:`~thidua.adapters.db.models.DocumentRow` (unique per round and kind) with its
Word, HTML and (when LibreOffice is installed) PDF files under ``out_dir/<round_key>/``.
Generation is idempotent: an existing row keeps its number and files; only missing files are
rendered again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules.registry import LoadedRuleset, RulesRegistry
from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AwardItemRow,
    CouncilMeetingRow,
    DocumentRow,
    MovementRow,
    NominationRow,
    RoundRow,
    StaffRow,
    UnitRow,
    UserRow,
)
from thidua.adapters.documents import (
    Agency,
    AwardLine,
    CouncilMinutesDoc,
    CouncilVote,
    DecisionDoc,
    ProposalLine,
    ReportDoc,
    ReportUnitStats,
    Signer,
    SubmissionDoc,
    render_docx,
    render_html,
    render_pdf,
)
from thidua.adapters.documents.layout import AnyDoc, award_phrase, count_vi, date_long_vi
from thidua.adapters.documents.samples import TITLE_VI
from thidua.domain.money import BASE_SALARY_2024

__all__ = [
    "AGENCY",
    "DOCUMENT_KINDS",
    "DOCUMENT_SYMBOLS",
    "NUMBER_OFFSET",
    "RoundNotFound",
    "achievements_summary",
    "generate_round_documents",
]

#: Kinds in generation order (the minutes come before the decision, which cites their number).
DOCUMENT_KINDS: tuple[str, ...] = ("report", "minutes", "decision", "submission")

#: The symbol after the number ("101/QĐ-SLĐTBXH").
DOCUMENT_SYMBOLS: dict[str, str] = {
    "report": "BC-SLĐTBXH",
    "minutes": "BB-HĐTĐKT",
    "decision": "QĐ-SLĐTBXH",
    "submission": "TTr-SLĐTBXH",
}

#: Numbers of a kind start at NUMBER_OFFSET + 1 (101, 102, ...).
NUMBER_OFFSET = 100

AGENCY = Agency(
    parent="UBND TỈNH BÌNH PHƯỚC",
    name="SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI",
    short="SLĐTBXH",
    place="Bình Phước",
)

DIRECTOR_UNIT = "BGD"
DIRECTOR_POSITION = "Giám đốc"

LAW = "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022"
DECREE = (
    "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi "
    "tiết thi hành một số điều của Luật Thi đua, khen thưởng"
)

DECISION_RECIPIENTS = ["Như Điều 3;", "Ban Thi đua – Khen thưởng tỉnh;", "Lưu: VT, VP."]
SUBMISSION_RECIPIENTS = ["Như trên;", "GĐ, các PGĐ Sở;", "Lưu: VT, VP."]
REPORT_RECIPIENTS = [
    "Ban Thi đua – Khen thưởng tỉnh;",
    "GĐ, các PGĐ Sở;",
    "Các phòng, đơn vị thuộc Sở;",
    "Lưu: VT, VP.",
]

#: Order of title groups in lists: the higher title first, titles before forms.
CODE_ORDER: tuple[str, ...] = (
    "CSTDCS",
    "LDTT",
    "TTLDXS",
    "TTLDTT",
    "GIAY_KHEN",
    "BANG_KHEN_UBND_TINH",
)

RATING_VI: dict[str, str] = {
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
}

#: The plan's four contents (Kế hoạch phát động phong trào), short labels for the report.
MOVEMENT_CONTENTS: tuple[tuple[str, str], ...] = (
    (
        "c1",
        "Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới, gắn với Cuộc vận động "
        "“Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh” và phong trào “Cả nước chung "
        "tay vì người nghèo – Không để ai bị bỏ lại phía sau”",
    ),
    (
        "c2",
        "Hoàn thành và vượt các chỉ tiêu nhiệm vụ chính trị năm {year}, trọng tâm là giảm nghèo, "
        "giáo dục nghề nghiệp, lao động và việc làm",
    ),
    (
        "c3",
        "Thực hiện tốt các chính sách an sinh xã hội; sáng kiến, mô hình hay, cách làm mới giúp "
        "đẩy nhanh xây dựng nông thôn mới",
    ),
    (
        "c4",
        "Tuyên truyền, vận động cán bộ, doanh nghiệp và người dân đóng góp nguồn lực, tạo đồng "
        "thuận xã hội",
    ),
)

_UNKNOWN_TIME = "…… giờ …… phút"


class RoundNotFound(LookupError):
    """No consolidation round with this key."""


# ----------------------------------------------------------------------------- context


@dataclass
class _Context:
    """Everything about one round the builders read (loaded once)."""

    session: Session
    round: RoundRow
    movement: MovementRow
    ruleset: LoadedRuleset
    items: list[AwardItemRow]
    nominations: list[NominationRow]
    meeting: CouncilMeetingRow | None
    units: list[UnitRow]
    staff_by_code: dict[str, StaffRow]
    staff_by_name: dict[str, StaffRow]
    director: StaffRow | None
    director_name: str
    numbers: dict[str, str] = field(default_factory=dict)
    """Numbers of this round's documents, filled in as they are found or created."""

    @property
    def year(self) -> int:
        return self.round.year

    @property
    def base_salary(self) -> int:
        value = self.ruleset.params.get("base_salary_vnd")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        return BASE_SALARY_2024

    def director_signer(self) -> Signer:
        return Signer(position=AGENCY.head_title, name=self.director_name)


def _load_context(session: Session, round_key: str, registry: RulesRegistry) -> _Context:
    row = session.scalars(select(RoundRow).where(RoundRow.key == round_key)).one_or_none()
    if row is None:
        raise RoundNotFound(f"Không tìm thấy đợt xét «{round_key}».")
    items = list(
        session.scalars(
            select(AwardItemRow)
            .where(AwardItemRow.round_id == row.id)
            .order_by(AwardItemRow.rank, AwardItemRow.id)
        )
    )
    # The round's nominations: gathered into it, holding one of its items, or in its appraisal.
    appraisal_keys = [
        str(r["key"]) for r in _appraisal_results(row) if isinstance(r.get("key"), str)
    ]
    item_ids = {i.nomination_id for i in items}
    condition = NominationRow.round_id == row.id
    if item_ids:
        condition = condition | NominationRow.id.in_(item_ids)
    if appraisal_keys:
        condition = condition | NominationRow.key.in_(appraisal_keys)
    nominations = list(
        session.scalars(select(NominationRow).where(condition).order_by(NominationRow.id))
    )
    meeting = session.scalars(
        select(CouncilMeetingRow).where(CouncilMeetingRow.round_id == row.id)
    ).first()
    units = list(session.scalars(select(UnitRow).order_by(UnitRow.id)))
    staff = list(session.scalars(select(StaffRow).order_by(StaffRow.id)))
    director = _find_director(session)
    if director is not None:
        director_name = director.full_name
    else:
        user = session.scalars(
            select(UserRow).where(UserRow.role == "director").order_by(UserRow.id)
        ).first()
        if user is None:
            raise LookupError(
                f"Không tìm thấy Giám đốc Sở (cán bộ đơn vị {DIRECTOR_UNIT} có chức vụ "
                f"«{DIRECTOR_POSITION}») để ký văn bản."
            )
        director_name = user.display_name
    by_name: dict[str, StaffRow] = {}
    for s in staff:
        by_name.setdefault(s.full_name, s)
    return _Context(
        session=session,
        round=row,
        movement=row.movement,
        ruleset=registry.get(row.ruleset_id, row.ruleset_version),
        items=items,
        nominations=nominations,
        meeting=meeting,
        units=units,
        staff_by_code={s.code: s for s in staff},
        staff_by_name=by_name,
        director=director,
        director_name=director_name,
    )


def _find_director(session: Session) -> StaffRow | None:
    return session.scalars(
        select(StaffRow)
        .join(UnitRow, StaffRow.unit_id == UnitRow.id)
        .where(UnitRow.code == DIRECTOR_UNIT, StaffRow.position == DIRECTOR_POSITION)
        .order_by(StaffRow.id)
    ).first()


def _appraisal_results(row: RoundRow) -> list[dict[str, Any]]:
    appraisal = row.appraisal or {}
    results = appraisal.get("results") if isinstance(appraisal, Mapping) else None
    if not isinstance(results, list):
        return []
    return [dict(r) for r in results if isinstance(r, Mapping)]


# ----------------------------------------------------------------------------- helpers


def _int(value: object, default: int = 0) -> int:
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


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _title_vi(ctx: _Context, code: str) -> str:
    if code in TITLE_VI:
        return TITLE_VI[code]
    title = ctx.ruleset.titles.get(code)
    if title is None:
        return code
    name = title.name_vi.removeprefix("danh hiệu ").strip()
    return name[:1].upper() + name[1:]


def _code_key(code: str) -> int:
    return CODE_ORDER.index(code) if code in CODE_ORDER else len(CODE_ORDER)


def _sorted_items(items: Iterable[AwardItemRow]) -> list[AwardItemRow]:
    return sorted(
        items,
        key=lambda i: (
            _code_key(i.code),
            i.code,
            i.nomination.kind == "collective",
            i.rank,
            i.id,
        ),
    )


def _honorific(staff: StaffRow | None) -> str:
    if staff is None:
        return ""
    return "Bà" if staff.gender == "nu" else "Ông"


def _staff_role(staff: StaffRow) -> str:
    """ "Giám đốc Sở", "Trưởng phòng Giáo dục nghề nghiệp", "Viên chức, Trung tâm …"."""
    unit = staff.unit
    position = staff.position
    if unit.code == DIRECTOR_UNIT or position in (
        "Chánh Văn phòng",
        "Phó Chánh Văn phòng",
        "Chánh Thanh tra",
        "Phó Chánh Thanh tra",
    ):
        return f"{position} Sở"
    if unit.kind == "phong" and position in ("Trưởng phòng", "Phó Trưởng phòng"):
        return f"{position} {unit.name.removeprefix('Phòng ').strip()}"
    return f"{position}, {unit.name}"


def _person(staff: StaffRow | None, name: str, role: str | None = None) -> str:
    """ "Ông Trương Minh Khôi – Giám đốc Sở, Chủ tịch Hội đồng"."""
    parts = [p for p in (_staff_role(staff) if staff else None, role) if p]
    who = f"{_honorific(staff)} {name}".strip()
    return f"{who} – {', '.join(parts)}" if parts else who


def _collective_unit_label(unit: UnitRow) -> str:
    kind = "Phòng chuyên môn" if unit.kind == "phong" else "Đơn vị sự nghiệp trực thuộc"
    return f"{kind} Sở"


def _award_line(ctx: _Context, item: AwardItemRow) -> AwardLine:
    nomination = item.nomination
    code = item.code
    title = ctx.ruleset.titles.get(code)
    coef: Decimal | None = None
    if title is not None and title.award_coefficient_param:
        coef = _decimal(ctx.ruleset.params.get(title.award_coefficient_param))
    amount = item.amount_vnd if item.amount_vnd is not None else ctx.ruleset.award_amount(code)
    if nomination.kind == "collective":
        return AwardLine(
            name=nomination.unit.name,
            position=None,
            unit=_collective_unit_label(nomination.unit),
            title_code=code,
            title_vi=_title_vi(ctx, code),
            coefficient=coef,
            amount=amount,
            is_collective=True,
        )
    staff = ctx.staff_by_code.get(nomination.nominee_code)
    return AwardLine(
        name=nomination.nominee_name,
        position=staff.position if staff else None,
        unit=nomination.unit.name,
        title_code=code,
        title_vi=_title_vi(ctx, code),
        coefficient=coef,
        amount=amount,
        is_collective=False,
    )


def _plan_reference(movement: MovementRow) -> str:
    return (
        f"Kế hoạch số {movement.plan_number} ngày {movement.plan_date:%d/%m/%Y} của "
        f"{AGENCY.full_name} về phát động phong trào thi đua “{movement.name}” năm {movement.year}"
    )


def _who(items: Sequence[AwardItemRow]) -> str:
    people = sum(1 for i in items if i.nomination.kind != "collective")
    teams = len(items) - people
    parts = []
    if people:
        parts.append(f"{count_vi(people)} cá nhân")
    if teams:
        parts.append(f"{count_vi(teams)} tập thể")
    return ", ".join(parts)


def _grouped_phrases(ctx: _Context, items: Sequence[AwardItemRow]) -> list[str]:
    groups: dict[str, list[AwardItemRow]] = {}
    for item in _sorted_items(items):
        groups.setdefault(item.code, []).append(item)
    return [
        f"{award_phrase(code, _title_vi(ctx, code))} cho {_who(group)}"
        for code, group in groups.items()
    ]


def _approved(ctx: _Context, level: str) -> list[AwardItemRow]:
    return _sorted_items(
        i
        for i in ctx.items
        if i.level == level and i.director_status == "approved" and i.revoked_at is None
    )


# ----------------------------------------------------------------------------- decision


def _build_decision(ctx: _Context, number: str, issued_on: date) -> DecisionDoc | None:
    items = _approved(ctx, "director")
    if not items:
        return None
    movement = ctx.movement
    council = "Theo đề nghị của Hội đồng Thi đua – Khen thưởng Sở"
    minutes_number = ctx.numbers.get("minutes")
    if minutes_number and ctx.meeting is not None:
        council += f" tại Biên bản số {minutes_number} {date_long_vi(ctx.meeting.held_on)}"
    elif ctx.meeting is not None:
        council += f" tại cuộc họp {date_long_vi(ctx.meeting.held_on)}"
    council += " và của Chánh Văn phòng Sở"
    return DecisionDoc(
        agency=AGENCY,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        legal_bases=[LAW, DECREE, f"Căn cứ {_plan_reference(movement)}", council],
        awards=[_award_line(ctx, i) for i in items],
        base_salary=ctx.base_salary,
        recipients=list(DECISION_RECIPIENTS),
        signer=ctx.director_signer(),
        funding_source=f"Quỹ thi đua, khen thưởng của Sở năm {ctx.year}",
    )


# ----------------------------------------------------------------------------- submission


def _movement_assessments(facts: Mapping[str, Any]) -> dict[str, str]:
    movement = facts.get("movement")
    if not isinstance(movement, Mapping):
        return {}
    return {k: str(v) for k, v in movement.items() if isinstance(v, str)}


def _contents_phrase(numbers: list[str]) -> str:
    return "nội dung " + ", ".join(numbers)


def achievements_summary(facts: Mapping[str, Any], year: int) -> str:
    """A short summary of achievements from a nomination's facts (for the submission's list)."""
    parts: list[str] = []
    rating = facts.get("rating")
    if isinstance(rating, str) and rating in RATING_VI:
        parts.append(f"{RATING_VI[rating]} năm {year}")
    if facts.get("kind") == "collective":
        total = _int(facts.get("members_total"))
        ldtt = _int(facts.get("members_ldtt"))
        cstdcs = _int(facts.get("members_cstdcs"))
        if total:
            parts.append(f"{count_vi(ldtt)}/{count_vi(total)} thành viên đạt Lao động tiên tiến")
        if cstdcs:
            parts.append(f"{count_vi(cstdcs)} Chiến sĩ thi đua cơ sở")
    initiatives = facts.get("initiatives")
    if isinstance(initiatives, list) and initiatives:
        applied = sum(1 for i in initiatives if isinstance(i, Mapping) and i.get("applied"))
        text = f"{count_vi(len(initiatives))} sáng kiến được công nhận"
        if applied:
            text += f" (trong đó {count_vi(applied)} sáng kiến được áp dụng)"
        parts.append(text)
    research = _int(facts.get("research_accepted"))
    if research:
        parts.append(f"{count_vi(research)} đề tài, đề án khoa học được nghiệm thu")
    history = facts.get("history")
    if isinstance(history, list):
        for h in sorted(
            (h for h in history if isinstance(h, Mapping)), key=lambda h: _int(h.get("year"))
        ):
            titles = [TITLE_VI[t] for t in h.get("titles") or [] if t in TITLE_VI]
            if titles:
                parts.append(f"năm {_int(h.get('year'))} đạt {', '.join(titles)}")
    assessed = _movement_assessments(facts)
    excellent = [k[1:] for k, v in sorted(assessed.items()) if v == "xuat_sac"]
    good = [k[1:] for k, v in sorted(assessed.items()) if v == "tot"]
    movement_parts = []
    if excellent:
        movement_parts.append(f"{_contents_phrase(excellent)} đạt xuất sắc")
    if good:
        movement_parts.append(f"{_contents_phrase(good)} đạt tốt")
    if movement_parts:
        parts.append("phong trào thi đua: " + ", ".join(movement_parts))
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _build_submission(ctx: _Context, number: str, issued_on: date) -> SubmissionDoc | None:
    items = _approved(ctx, "province")
    if not items:
        return None
    movement = ctx.movement
    proposals = [
        ProposalLine(
            **_award_line(ctx, i).model_dump(),
            achievements=achievements_summary(i.nomination.facts or {}, ctx.year),
        )
        for i in items
    ]
    meeting_date = ctx.meeting.held_on if ctx.meeting is not None else issued_on
    minutes = ctx.numbers.get("minutes")
    minutes_ref = f"số {minutes} " if minutes else ""
    return SubmissionDoc(
        agency=AGENCY,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        proposals=proposals,
        council_meeting_date=meeting_date,
        recipients=list(SUBMISSION_RECIPIENTS),
        signer=ctx.director_signer(),
        legal_bases=[f"{LAW};", f"{DECREE};"],
        plan_number=movement.plan_number,
        plan_date=movement.plan_date,
        attachments=[
            "Báo cáo thành tích của các tập thể, cá nhân (có xác nhận của Thủ trưởng đơn vị);",
            f"Biên bản {minutes_ref}họp Hội đồng Thi đua – Khen thưởng Sở ngày "
            f"{meeting_date:%d/%m/%Y}.",
        ],
    )


# ----------------------------------------------------------------------------- minutes


def _ballots(meeting: CouncilMeetingRow) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for b in meeting.ballots or []:
        if isinstance(b, Mapping):
            out[(str(b.get("nomination")), str(b.get("title")))] = b
    return out


def _vote(
    ctx: _Context,
    item: AwardItemRow,
    ballot: Mapping[str, Any] | None,
    members_total: int,
    written: int,
) -> CouncilVote | None:
    tally: Mapping[str, Any] = item.tally if isinstance(item.tally, Mapping) else {}
    if not tally and not ballot:
        return None
    source: dict[str, Any] = {**(ballot or {}), **tally}  # the tally wins, the ballot fills gaps
    in_favour = _int(source.get("in_favour"))
    against = _int(source.get("against"))
    abstain = _int(source.get("abstain"))
    total = _int(tally.get("members_total"), members_total) or members_total
    total = max(total, in_favour + against + abstain, 1)
    threshold = _decimal(tally.get("threshold"))
    if threshold is None:
        title = ctx.ruleset.titles.get(item.code)
        param = title.vote_ratio_param if title is not None else None
        name = param or (
            "cstdcs_vote_ratio" if item.code == "CSTDCS" else "other_titles_vote_ratio"
        )
        threshold = _decimal(ctx.ruleset.params.get(name)) or Decimal("0.5")
    passed = tally.get("passed")
    if not isinstance(passed, bool):
        passed = item.council_status == "passed"
    nomination = item.nomination
    return CouncilVote(
        nominee=nomination.nominee_name,
        unit=nomination.unit.name,
        title_code=item.code,
        title_vi=_title_vi(ctx, item.code),
        in_favour=in_favour,
        against=against,
        abstain=abstain,
        written_votes=_int(tally.get("written_votes"), written),
        members_total=total,
        threshold=threshold,
        passed=passed,
    )


def _minutes_conclusion(ctx: _Context, voted: list[tuple[AwardItemRow, CouncilVote]]) -> str:
    passed = [i for i, v in voted if v.passed]
    failed = [i for i, v in voted if not v.passed]
    director = [i for i in passed if i.level != "province"]
    province = [i for i in passed if i.level == "province"]
    sentences: list[str] = []
    proposals: list[str] = []
    if director:
        proposals.append("đề nghị Giám đốc Sở tặng " + "; ".join(_grouped_phrases(ctx, director)))
    if province:
        proposals.append(
            "đề nghị Chủ tịch Ủy ban nhân dân tỉnh tặng "
            + "; ".join(_grouped_phrases(ctx, province))
        )
    if proposals:
        sentences.append(
            f"Hội đồng thống nhất {'; '.join(proposals)} ({count_vi(len(passed))} trường hợp đạt "
            "tỷ lệ phiếu đồng ý theo quy định)."
        )
    else:
        sentences.append("Không có trường hợp nào đạt tỷ lệ phiếu đồng ý theo quy định.")
    if failed:
        names = ", ".join(f"{i.nomination.nominee_name} ({_title_vi(ctx, i.code)})" for i in failed)
        sentences.append(
            f"Có {count_vi(len(failed))} trường hợp không đạt tỷ lệ phiếu đồng ý tối thiểu, Hội "
            f"đồng không đề nghị khen thưởng: {names}."
        )
    if passed:
        sentences.append(
            "Giao Văn phòng Sở hoàn thiện hồ sơ, trình Giám đốc Sở ban hành quyết định khen "
            "thưởng và tờ trình đề nghị cấp trên khen thưởng theo quy định."
        )
    return " ".join(sentences)


def _secretary(ctx: _Context) -> tuple[str, StaffRow | None]:
    session = ctx.session
    user = session.scalars(
        select(UserRow)
        .where(UserRow.role == "council_secretary", UserRow.active.is_(True))
        .order_by(UserRow.id)
    ).first()
    if user is None and ctx.meeting is not None:
        user = session.scalars(
            select(UserRow).where(UserRow.username == ctx.meeting.recorded_by)
        ).first()
    if user is None:
        return "", None
    staff = session.get(StaffRow, user.staff_id) if user.staff_id is not None else None
    return user.display_name, staff


def _build_minutes(ctx: _Context, number: str, issued_on: date) -> CouncilMinutesDoc | None:
    meeting = ctx.meeting
    if meeting is None:
        return None
    members = [m for m in meeting.members or [] if isinstance(m, Mapping)]
    written = sum(1 for m in members if m.get("written_vote"))
    ballots = _ballots(meeting)
    voted: list[tuple[AwardItemRow, CouncilVote]] = []
    ordered = sorted(
        _sorted_items(ctx.items), key=lambda i: i.level == "province"
    )  # Director-level titles first, then proposals to the province (stable).
    for item in ordered:
        vote = _vote(
            ctx,
            item,
            ballots.get((item.nomination.key, item.code)),
            len(members),
            written,
        )
        if vote is not None:
            voted.append((item, vote))
    members_total = max(
        [len(members), *(v.members_total for _, v in voted), 1],
    )
    present: list[str] = []
    absent: list[str] = []
    for m in members:
        name = str(m.get("name", "")).strip()
        if not name:
            continue
        staff = ctx.staff_by_name.get(name)
        role = "Chủ tịch Hội đồng" if name == ctx.director_name else None
        who = _person(staff, name, role)
        if m.get("present", True):
            present.append(who)
        elif m.get("written_vote"):
            absent.append(f"{who} (đã gửi phiếu bằng văn bản)")
        else:
            absent.append(who)
    secretary_name, secretary_staff = _secretary(ctx)
    chair = _person(ctx.director, ctx.director_name, "Chủ tịch Hội đồng")
    if ctx.director is None:
        chair = f"{ctx.director_name} – Giám đốc Sở, Chủ tịch Hội đồng"
    return CouncilMinutesDoc(
        agency=AGENCY,
        number=number,
        date=meeting.held_on,
        place_room=f"trụ sở {AGENCY.full_name}",
        start_time=_UNKNOWN_TIME,
        chair=chair,
        secretary=_person(secretary_staff, secretary_name, "Thư ký Hội đồng")
        if secretary_name
        else "……",
        members_total=members_total,
        present=present,
        absent=absent,
        votes=[v for _, v in voted],
        conclusion=_minutes_conclusion(ctx, voted),
        signer_chair=Signer(position="CHỦ TỊCH HỘI ĐỒNG", name=ctx.director_name),
        signer_secretary=Signer(position="THƯ KÝ", name=secretary_name or "……"),
        title=(
            "Họp Hội đồng Thi đua – Khen thưởng Sở xét danh hiệu thi đua và hình thức khen "
            f"thưởng năm {ctx.year}"
        ),
        agenda=[
            "Văn phòng Sở (cơ quan thường trực của Hội đồng) báo cáo tổng hợp hồ sơ đề nghị khen "
            "thưởng của các phòng, đơn vị và kết quả thẩm định theo tiêu chuẩn của Luật Thi đua, "
            "khen thưởng năm 2022 và Nghị định số 98/2023/NĐ-CP.",
            "Các thành viên Hội đồng thảo luận, nhận xét thành tích của từng tập thể, cá nhân.",
        ],
    )


# ----------------------------------------------------------------------------- report


def _granted(item: AwardItemRow) -> bool:
    if item.revoked_at is not None or item.director_status != "approved":
        return False
    return item.level != "province" or item.province_status == "approved"


def _results_text(ctx: _Context) -> list[str]:
    noms = ctx.nominations
    people = sum(1 for n in noms if n.kind != "collective")
    teams = len(noms) - people
    paragraphs = [
        f"Các phòng, đơn vị thuộc Sở đã gửi {count_vi(len(noms))} hồ sơ đề nghị khen thưởng "
        f"({count_vi(people)} cá nhân, {count_vi(teams)} tập thể). Kết quả đánh giá bốn nội dung "
        "thi đua của Kế hoạch theo hồ sơ đề nghị như sau:"
    ]
    assessments = [_movement_assessments(n.facts or {}) for n in noms]
    for index, (key, label) in enumerate(MOVEMENT_CONTENTS, start=1):
        counts = Counter(a.get(key, "") for a in assessments)
        text = (
            f"{index}. {label.format(year=ctx.year)}: {count_vi(counts['xuat_sac'])} trường hợp "
            f"được đánh giá xuất sắc, {count_vi(counts['tot'])} trường hợp được đánh giá tốt"
        )
        if counts["dat"]:
            text += f", {count_vi(counts['dat'])} trường hợp đạt"
        rest = len(noms) - counts["xuat_sac"] - counts["tot"] - counts["dat"]
        if rest:
            text += f", {count_vi(rest)} trường hợp không đạt hoặc chưa được đánh giá"
        paragraphs.append(text + ".")
    return paragraphs


def _build_report(ctx: _Context, number: str, issued_on: date) -> ReportDoc:
    movement = ctx.movement
    by_unit: dict[int, list[NominationRow]] = {}
    for n in ctx.nominations:
        by_unit.setdefault(n.unit_id, []).append(n)
    granted: dict[int, Counter[str]] = {}
    for item in ctx.items:
        if _granted(item):
            granted.setdefault(item.nomination.unit_id, Counter())[item.code] += 1
    stats: list[ReportUnitStats] = []
    for unit in ctx.units:
        noms = by_unit.get(unit.id, [])
        if unit.kind == "leadership" and not noms:
            continue
        stats.append(
            ReportUnitStats(
                unit=unit.name,
                nominated_individuals=sum(1 for n in noms if n.kind != "collective"),
                nominated_collectives=sum(1 for n in noms if n.kind == "collective"),
                granted=dict(granted.get(unit.id, Counter())),
            )
        )
    outcomes = Counter(str(r.get("outcome")) for r in _appraisal_results(ctx.round))
    not_recommended = outcomes["not_recommended"] + sum(
        1 for i in ctx.items if i.council_status == "not_recommended"
    )
    return ReportDoc(
        agency=AGENCY,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        plan_number=movement.plan_number,
        plan_date=movement.plan_date,
        stats_by_unit=stats,
        results_text=_results_text(ctx),
        returned=outcomes["returned"],
        on_hold=outcomes["on_hold"],
        not_eligible=outcomes["not_eligible"],
        not_recommended=not_recommended,
        recipients=list(REPORT_RECIPIENTS),
        signer=ctx.director_signer(),
    )


# ----------------------------------------------------------------------------- rendering


def _build(ctx: _Context, kind: str, number: str, issued_on: date) -> AnyDoc | None:
    if kind == "report":
        return _build_report(ctx, number, issued_on)
    if kind == "minutes":
        return _build_minutes(ctx, number, issued_on)
    if kind == "decision":
        return _build_decision(ctx, number, issued_on)
    if kind == "submission":
        return _build_submission(ctx, number, issued_on)
    raise ValueError(f"unknown document kind: {kind}")


def _next_number(session: Session, kind: str) -> str:
    """ "101/QĐ-SLĐTBXH": 1 + the documents of that kind so far + 100 (skipping a taken one)."""
    symbol = DOCUMENT_SYMBOLS[kind]
    count = session.scalar(
        select(func.count()).select_from(DocumentRow).where(DocumentRow.kind == kind)
    )
    taken = set(session.scalars(select(DocumentRow.number).where(DocumentRow.kind == kind)))
    n = NUMBER_OFFSET + 1 + int(count or 0)
    while f"{n}/{symbol}" in taken:
        n += 1
    return f"{n}/{symbol}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _exists(value: object) -> bool:
    return isinstance(value, str) and bool(value) and Path(value).is_file()


def _write_files(
    doc: AnyDoc | None,
    folder: Path,
    kind: str,
    files: Mapping[str, Any],
    *,
    with_pdf: bool,
) -> dict[str, str | None]:
    """Render the files missing from ``files`` (``doc`` None: only a PDF from an existing docx)."""
    out: dict[str, str | None] = {
        fmt: (str(files[fmt]) if files.get(fmt) else None) for fmt in ("docx", "html", "pdf")
    }
    rendered_docx = False
    if doc is not None and not _exists(out["docx"]):
        out["docx"] = str(render_docx(doc, folder / f"{kind}.docx"))
        rendered_docx = True
    if doc is not None and not _exists(out["html"]):
        out["html"] = str(render_html(doc, folder / f"{kind}.html"))
    docx = out["docx"]
    if with_pdf and docx is not None and _exists(docx):
        if rendered_docx or not _exists(out["pdf"]):
            pdf = render_pdf(Path(docx), folder)
            if pdf is not None:
                out["pdf"] = str(pdf)
            elif rendered_docx:
                out["pdf"] = None  # an older PDF would not match the new Word file
    elif rendered_docx:
        out["pdf"] = None
    return out


def generate_round_documents(
    session: Session,
    round_key: str,
    out_dir: Path,
    registry: RulesRegistry,
    *,
    issued_on: date,
    with_pdf: bool = True,
) -> list[DocumentRow]:
    """Create (or keep) the round's documents; returns them in :data:`DOCUMENT_KINDS` order.

    An existing document keeps its number and files; a missing file is rendered again (with the
    current data and ``issued_on``). The decision (submission) is left out when no Director-level
    award (province-level proposal) is approved; the minutes when the council has not met.
    ``with_pdf=False`` skips the LibreOffice conversion (PDF is also skipped when LibreOffice is
    not installed; ``files["pdf"]`` is then None). Raises :class:`RoundNotFound` for an unknown
    round and ``rules.registry.UnknownRuleset`` when the round's ruleset is not registered.
    """
    ctx = _load_context(session, round_key, registry)
    folder = Path(out_dir).resolve() / round_key
    existing = {
        d.kind: d
        for d in session.scalars(select(DocumentRow).where(DocumentRow.round_id == ctx.round.id))
    }
    ctx.numbers.update({kind: d.number for kind, d in existing.items()})
    out: list[DocumentRow] = []
    for kind in DOCUMENT_KINDS:
        row = existing.get(kind)
        if row is not None:
            files = dict(row.files or {})
            has_docx = _exists(files.get("docx"))
            complete = has_docx and _exists(files.get("html"))
            if not complete or (with_pdf and not _exists(files.get("pdf"))):
                doc = None if complete else _build(ctx, kind, row.number, issued_on)
                new_files = _write_files(doc, folder, kind, files, with_pdf=with_pdf)
                if new_files != files:
                    row.files = new_files
                docx = new_files["docx"]
                if not has_docx and docx is not None and _exists(docx):
                    row.sha256 = _sha256(Path(docx))
            out.append(row)
            continue
        number = _next_number(session, kind)
        built = _build(ctx, kind, number, issued_on)
        if built is None:
            continue
        new_files = _write_files(built, folder, kind, {}, with_pdf=with_pdf)
        docx_path = new_files["docx"]
        if docx_path is None:
            raise RuntimeError(f"{kind}: the Word file was not rendered")
        row = DocumentRow(
            round_id=ctx.round.id,
            kind=kind,
            number=number,
            files=new_files,
            sha256=_sha256(Path(docx_path)),
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            action="document.issued",
            object_type="document",
            object_id=f"{round_key}/{kind}",
            actor=None,
            after={"kind": kind, "number": number, "sha256": row.sha256},
            workflow_id=ctx.round.workflow_id,
        )
        ctx.numbers[kind] = number
        out.append(row)
    return out
