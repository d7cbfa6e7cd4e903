"""The nominee's achievement report (báo cáo thành tích), prefilled from what our records know.

Every nomination carries one, in the form of the appendix of the decree in force on the
nomination's review date (``rules/law/achievement_forms.yaml``, :meth:`rules.law.LawBook.
achievement_form`): the form gives the title, the headings, their numbering and the signature
blocks; this module fills the parts under them. What the records know is filled in (name,
gender, position, unit, months worked, ratings from the register, initiatives with their ids,
titles and forms received in earlier years, the members' ratings from the register); what they
do not know (date of birth, home town, the narrative of duties and results…) is left as a blank
(``None``, or a :class:`FillIn` of dotted lines), never invented.

It is the nominee's own report, not an agency document: it takes no number from the register and
is not recorded; it is built again on each request. Pure: the use case
(``thidua.app.achievement``) gathers the :class:`AchievementSource`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rules.law import AchievementForm
from thidua.domain.agency import AgencyProfile
from thidua.domain.documents.models import FORM_CODES
from thidua.domain.documents.text import award_phrase, date_short_vi, percent_vi
from thidua.domain.documents.wording import RATING_VI
from thidua.domain.labels import (
    ASSESSMENT_LABEL_VI,
    DISCIPLINE_LABEL_VI,
    GENDER_LABEL_VI,
    INITIATIVE_LEVEL_LABEL_VI,
    UNIT_KIND_LABEL_VI,
)

__all__ = [
    "AchievementReportDoc",
    "AchievementSource",
    "Entry",
    "FillIn",
    "Grid",
    "MembersSummary",
    "ReceivedAward",
    "ReportSection",
    "Signature",
    "Text",
    "YearRating",
    "build_achievement_report",
]

#: A part of a value the records do not know, inside a known one ("ngày …… tháng …… năm 1985").
GAP = "……"

# ---- what the report is built from --------------------------------------------------------------


@dataclass(frozen=True)
class YearRating:
    """A year's rating of the nominee, from the ratings register or, when the register has no
    row for the year, from the nomination's facts (``source`` says which)."""

    year: int
    rating: str
    months_worked: int | None
    maternity_months: int | None
    discipline: str | None
    source: Literal["register", "facts"]


@dataclass(frozen=True)
class ReceivedAward:
    """A title or form received in an earlier year: an approved, unrevoked award item of our
    records (with its decision when the agency issued it here), or one the nomination's facts
    declare (``history``)."""

    year: int
    code: str
    name: str
    decision: str | None = None
    """ "Quyết định số 05/QĐ-SLĐTBXH ngày 20/12/2024 của Giám đốc Sở …"; None: not known here."""
    source: Literal["records", "facts"] = "records"

    @property
    def is_form(self) -> bool:
        return self.code in FORM_CODES


@dataclass(frozen=True)
class MembersSummary:
    """A collective's members on the review date with their ratings of the year (register)."""

    on: dt.date
    total: int
    by_rating: Mapping[str, int]
    unrated: int
    disciplined: int


@dataclass(frozen=True)
class AchievementSource:
    """What the records know about a nomination, for its report."""

    key: str
    kind: str  # individual | collective
    year: int
    review_date: dt.date
    """The movement's review date: it chooses the form and the agency profile."""
    movement_name: str
    movement_contents: tuple[tuple[str, str], ...]
    nominee_code: str
    nominee_name: str
    unit_name: str
    unit_kind: str
    facts: Mapping[str, Any]
    proposed: tuple[tuple[str, str], ...]
    """(code, name) of the titles and forms the nomination is for, in the ruleset's order."""
    gender: str | None = None
    position: str | None = None
    birth_year: int | None = None
    ratings: tuple[YearRating, ...] = ()
    received: tuple[ReceivedAward, ...] = ()
    members: MembersSummary | None = None
    unit_head: str | None = None
    agency_head: str | None = None


# ---- the report -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Entry(_Model):
    """ "Label: value"; a None value is a blank to fill in."""

    type: Literal["entry"] = "entry"
    label: str
    value: str | None


class Text(_Model):
    type: Literal["text"] = "text"
    text: str


class FillIn(_Model):
    """Dotted lines for the nominee to write on (what the records cannot know)."""

    type: Literal["fill_in"] = "fill_in"
    lines: int
    hint: str | None = None


class Grid(_Model):
    """A table; a None cell is a blank to fill in."""

    type: Literal["grid"] = "grid"
    columns: list[str]
    widths_mm: list[float]
    rows: list[list[str | None]]


Item = Entry | Text | FillIn | Grid


class ReportSection(_Model):
    heading: str
    group: bool
    """A group heading ("II. THÀNH TÍCH ĐẠT ĐƯỢC") with no part of its own."""
    items: list[Item]


class Signature(_Model):
    caption: str
    note: str
    name: str | None


class AchievementReportDoc(_Model):
    """The achievement report, ready to lay out. Not numbered: the nominee's report."""

    nomination: str
    recipient: str  # individual | collective
    year: int
    governing_body: str
    """Top of the header: the agency (the unit's superior body)."""
    unit_name: str
    """Below it: the nominee's unit (individual) or the collective itself."""
    place: str
    form_label: str
    form_code: str
    title: str
    purpose: str | None
    """ "Đề nghị công nhận danh hiệu “Chiến sĩ thi đua cơ sở” năm 2024"; None: nothing proposed."""
    nominee_name: str
    sections: list[ReportSection]
    signatures: tuple[Signature, Signature]


# ---- building -------------------------------------------------------------------------------


def _purpose(src: AchievementSource) -> str | None:
    if not src.proposed:
        return None
    titles = [award_phrase(c, n) for c, n in src.proposed if c not in FORM_CODES]
    forms = [n for c, n in src.proposed if c in FORM_CODES]
    parts = []
    if titles:
        parts.append("công nhận " + ", ".join(titles))
    if forms:
        parts.append("tặng " + ", ".join(forms))
    return f"Đề nghị {'; '.join(parts)} năm {src.year}"


def _months(src: AchievementSource) -> str | None:
    months = src.facts.get("months_worked")
    if not isinstance(months, int):
        return None
    text = f"{months} tháng"
    maternity = src.facts.get("maternity_months")
    if isinstance(maternity, int) and maternity > 0:
        text += f" (trong đó {maternity} tháng nghỉ thai sản, được tính là thời gian làm việc)"
    return text


def _profile(src: AchievementSource, profile: AgencyProfile) -> list[Item]:
    gender = src.gender or src.facts.get("gender")
    born = f"ngày {GAP} tháng {GAP} năm {src.birth_year}" if src.birth_year else None
    return [
        Entry(
            label="Họ và tên (ghi đầy đủ bằng chữ in thường, không viết tắt)",
            value=src.nominee_name,
        ),
        Entry(label="Sinh ngày, tháng, năm", value=born),
        Entry(label="Giới tính", value=GENDER_LABEL_VI.get(str(gender)) if gender else None),
        Entry(label="Quê quán", value=None),
        Entry(label="Trú quán", value=None),
        Entry(label="Đơn vị công tác", value=f"{src.unit_name}, {profile.text_name}"),
        Entry(label="Chức vụ (Đảng, chính quyền, đoàn thể)", value=src.position),
        Entry(label="Trình độ chuyên môn, nghiệp vụ", value=None),
        Entry(label="Học hàm, học vị, danh hiệu, giải thưởng", value=None),
        Entry(label=f"Thời gian làm việc trong năm {src.year}", value=_months(src)),
    ]


def _assessments(src: AchievementSource) -> list[Item]:
    assessed = src.facts.get("movement")
    if not src.movement_contents or not isinstance(assessed, Mapping):
        return []
    items: list[Item] = [
        Text(text=f"Kết quả đánh giá các nội dung của phong trào thi đua “{src.movement_name}”:")
    ]
    for n, (code, label) in enumerate(src.movement_contents, start=1):
        value = assessed.get(code)
        items.append(
            Entry(
                label=f"{n}. {label}", value=ASSESSMENT_LABEL_VI.get(str(value)) if value else None
            )
        )
    return items


def _rating_line(src: AchievementSource) -> Item:
    rating = src.facts.get("rating")
    return Entry(
        label=f"Xếp loại chất lượng năm {src.year}",
        value=RATING_VI.get(str(rating)) if rating else None,
    )


def _results(src: AchievementSource) -> list[Item]:
    hint = (
        "Kết quả thực hiện nhiệm vụ (số lượng, chất lượng, hiệu quả), các giải pháp công tác"
        if src.kind == "individual"
        else "Kết quả thực hiện các chỉ tiêu, nhiệm vụ được giao trong năm"
    )
    return [_rating_line(src), *_assessments(src), FillIn(lines=8, hint=hint)]


def _initiatives(src: AchievementSource) -> list[Item]:
    raw = src.facts.get("initiatives")
    rows: list[list[str | None]] = []
    for n, ini in enumerate(raw if isinstance(raw, list) else [], start=1):
        if not isinstance(ini, Mapping):
            continue
        applied = ini.get("applied")
        rows.append(
            [
                str(n),
                str(ini.get("id", "")),
                None,  # the initiative's name: not in the records
                INITIATIVE_LEVEL_LABEL_VI.get(str(ini.get("level")), str(ini.get("level", ""))),
                str(ini.get("year", "")),
                "Có" if applied is True else "Không" if applied is False else None,
            ]
        )
    if not rows:
        rows.append([None] * 6)
    research = src.facts.get("research_accepted")
    return [
        Grid(
            columns=["STT", "Mã sáng kiến", "Tên sáng kiến", "Cấp công nhận", "Năm", "Đã áp dụng"],
            widths_mm=[11, 32, 58, 26, 16, 22],
            rows=rows,
        ),
        Entry(
            label="Đề tài nghiên cứu khoa học, đề án đã được nghiệm thu (theo hồ sơ đề nghị)",
            value=str(research) if isinstance(research, int) else None,
        ),
        FillIn(lines=3, hint="Tên đề tài, đề án; hiệu quả áp dụng của sáng kiến"),
    ]


def _ratings(src: AchievementSource) -> list[Item]:
    rows: list[list[str | None]] = []
    for r in sorted(src.ratings, key=lambda r: r.year):
        rows.append(
            [
                str(r.year),
                RATING_VI.get(r.rating, r.rating),
                str(r.months_worked) if r.months_worked is not None else None,
                DISCIPLINE_LABEL_VI.get(r.discipline, r.discipline) if r.discipline else None,
                "Sổ xếp loại" if r.source == "register" else "Hồ sơ đề nghị",
            ]
        )
    if not rows:
        rows.append([str(src.year), None, None, None, None])
    return [
        Grid(
            columns=["Năm", "Xếp loại chất lượng", "Số tháng làm việc", "Kỷ luật", "Nguồn"],
            widths_mm=[16, 62, 27, 27, 33],
            rows=rows,
        )
    ]


def _decision(award: ReceivedAward) -> str | None:
    """The decision's reference; blank when unknown (a title the facts declare says so)."""
    if award.decision:
        return award.decision
    return "Theo hồ sơ đề nghị (số quyết định: chưa có)" if award.source == "facts" else None


def _received(src: AchievementSource, *, forms: bool) -> list[Item]:
    awards = sorted((a for a in src.received if a.is_form == forms), key=lambda a: (a.year, a.code))
    rows: list[list[str | None]] = [[str(a.year), a.name, _decision(a)] for a in awards]
    rows += [[None, None, None] for _ in range(2 if not rows else 1)]  # lines to add more
    what = "Hình thức khen thưởng" if forms else "Danh hiệu thi đua"
    return [
        Grid(
            columns=[
                "Năm",
                what,
                "Số, ngày, tháng, năm của quyết định; cơ quan ban hành quyết định",
            ],
            widths_mm=[16, 64, 85],
            rows=rows,
        )
    ]


def _features(src: AchievementSource, profile: AgencyProfile) -> list[Item]:
    total = src.facts.get("members_total")
    return [
        Entry(label="Tên tập thể (ghi đầy đủ, không viết tắt)", value=src.unit_name),
        Entry(label="Loại đơn vị", value=UNIT_KIND_LABEL_VI.get(src.unit_kind)),
        Entry(label="Cơ quan chủ quản", value=profile.text_name),
        Entry(label="Địa chỉ trụ sở, điện thoại", value=None),
        Entry(
            label="Tổng số cán bộ, công chức, viên chức, người lao động",
            value=f"{total} người" if isinstance(total, int) else None,
        ),
        Entry(label="Cơ cấu tổ chức; tổ chức đảng, đoàn thể", value=None),
        FillIn(lines=3, hint="Quá trình thành lập, những đặc điểm chính của đơn vị"),
    ]


def _emulation(src: AchievementSource) -> list[Item]:
    items: list[Item] = list(_assessments(src))
    for key, label in (
        ("guidance_on_time", "Ban hành văn bản hướng dẫn đúng thời hạn"),
        ("propagated_to_all_staff", "Phổ biến phong trào đến toàn thể cán bộ"),
    ):
        if src.movement_contents and isinstance(src.facts.get(key), bool):
            items.append(Entry(label=label, value="Có" if src.facts[key] else "Không"))
    items.append(
        FillIn(lines=4, hint="Việc tổ chức phong trào thi đua, các biện pháp, kết quả đạt được")
    )
    return items


def _members(src: AchievementSource) -> list[Item]:
    m = src.members
    if m is None:
        return [FillIn(lines=3)]
    rows: list[list[str | None]] = []
    for code, label in RATING_VI.items():
        count = m.by_rating.get(code, 0)
        share = percent_vi(_ratio(count, m.total)) if m.total else "–"
        rows.append([label, str(count), share])
    if m.unrated:
        rows.append(
            ["Chưa có trong sổ xếp loại", str(m.unrated), percent_vi(_ratio(m.unrated, m.total))]
        )
    rows.append(["Tổng số", str(m.total), "100%" if m.total else "–"])
    return [
        Text(
            text=f"Theo sổ xếp loại năm {src.year} của cơ quan, danh sách cán bộ của đơn vị ngày "
            f"{date_short_vi(m.on)}:"
        ),
        Grid(columns=["Xếp loại", "Số người", "Tỷ lệ"], widths_mm=[95, 35, 35], rows=rows),
        Entry(label="Số người bị kỷ luật trong năm (sổ xếp loại)", value=str(m.disciplined)),
    ]


def _ratio(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def _part(src: AchievementSource, profile: AgencyProfile, part: str) -> list[Item]:
    if part == "profile":
        return _profile(src, profile)
    if part in ("duties", "functions"):
        return [FillIn(lines=4)]
    if part == "results":
        return _results(src)
    if part == "initiatives":
        return _initiatives(src)
    if part == "ratings":
        return _ratings(src)
    if part == "titles_received":
        return _received(src, forms=False)
    if part == "forms_received":
        return _received(src, forms=True)
    if part == "features":
        return _features(src, profile)
    if part == "emulation":
        return _emulation(src)
    if part == "members":
        return _members(src)
    raise ValueError(f"unknown part of an achievement report: {part}")


def _signature(src: AchievementSource, caption: str, note: str, who: str) -> Signature:
    name = {"nominee": src.nominee_name, "unit_head": src.unit_head, "agency_head": src.agency_head}
    return Signature(caption=caption, note=note, name=name.get(who))


def build_achievement_report(
    src: AchievementSource, form: AchievementForm, profile: AgencyProfile
) -> AchievementReportDoc:
    """The report of ``src`` in ``form`` (the decree's form in force on ``src.review_date``),
    headed with ``profile`` (the agency's profile in force that day). ValueError when the form is
    for the other kind of nominee."""
    if form.recipient != src.kind:
        raise ValueError(f"form {form.code} is for a {form.recipient}, not a {src.kind}")
    sections = [
        ReportSection(
            heading=s.heading,
            group=s.part is None,
            items=_part(src, profile, s.part) if s.part is not None else [],
        )
        for s in form.sections
    ]
    left, right = form.signers
    return AchievementReportDoc(
        nomination=src.key,
        recipient=src.kind,
        year=src.year,
        governing_body=profile.name,
        unit_name=src.unit_name,
        place=profile.place,
        form_label=form.label(),
        form_code=form.code,
        title=form.title,
        purpose=_purpose(src),
        nominee_name=src.nominee_name,
        sections=sections,
        signatures=(
            _signature(src, left.caption, left.note, left.who),
            _signature(src, right.caption, right.note, right.who),
        ),
    )


def received_from_history(
    facts: Mapping[str, Any], names: Mapping[str, str], known: Sequence[ReceivedAward]
) -> list[ReceivedAward]:
    """The titles the nomination's facts declare for earlier years (``history[].titles``) that
    our records do not already hold for the same year."""
    have = {(a.year, a.code) for a in known}
    out: list[ReceivedAward] = []
    history = facts.get("history")
    for h in history if isinstance(history, list) else []:
        if not isinstance(h, Mapping) or not isinstance(h.get("year"), int):
            continue
        for code in h.get("titles") or []:
            if (h["year"], code) not in have:
                out.append(
                    ReceivedAward(h["year"], str(code), names.get(code, code), source="facts")
                )
    return out
