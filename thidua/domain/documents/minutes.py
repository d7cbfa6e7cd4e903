"""The minutes of the council's meeting, with every vote."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from thidua.domain.documents.context import (
    RoundContext,
    decimal_of,
    grouped_phrases,
    int_of,
    person,
    sorted_items,
    title_vi,
)
from thidua.domain.documents.models import (
    CouncilMinutesDoc,
    CouncilVote,
    Signer,
)
from thidua.domain.documents.snapshot import (
    AwardItemRecord,
    CouncilMeetingRecord,
)
from thidua.domain.documents.text import count_vi
from thidua.domain.labels import OBJECTION_STATUS_LABEL_VI

_UNKNOWN_TIME = "…… giờ …… phút"


# ----------------------------------------------------------------------------- minutes


def _ballots(meeting: CouncilMeetingRecord) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for b in meeting.ballots:
        if isinstance(b, Mapping):
            out[(str(b.get("nomination")), str(b.get("title")))] = b
    return out


def _vote(
    ctx: RoundContext,
    item: AwardItemRecord,
    ballot: Mapping[str, Any] | None,
    members_total: int,
    written: int,
) -> CouncilVote | None:
    tally: Mapping[str, Any] = item.tally if isinstance(item.tally, Mapping) else {}
    if not tally and not ballot:
        return None
    source: dict[str, Any] = {**(ballot or {}), **tally}  # the tally wins, the ballot fills gaps
    in_favour = int_of(source.get("in_favour"))
    against = int_of(source.get("against"))
    abstain = int_of(source.get("abstain"))
    total = int_of(tally.get("members_total"), members_total) or members_total
    total = max(total, in_favour + against + abstain, 1)
    threshold = decimal_of(tally.get("threshold"))
    if threshold is None:
        title = ctx.ruleset.titles.get(item.code)
        param = title.vote_ratio_param if title is not None else None
        name = param or (
            "cstdcs_vote_ratio" if item.code == "CSTDCS" else "other_titles_vote_ratio"
        )
        threshold = decimal_of(ctx.ruleset.params.get(name)) or Decimal("0.5")
    passed = tally.get("passed")
    if not isinstance(passed, bool):
        passed = item.council_status == "passed"
    entitled = int_of(tally.get("entitled")) or None  # absent from tallies recorded before it
    if entitled is not None:
        entitled = max(min(entitled, total), in_favour + against + abstain, 1)
    not_entitled = tally.get("not_entitled")
    required = tally.get("required")
    nomination = item.nomination
    return CouncilVote(
        entitled=entitled,
        not_entitled=[str(n) for n in not_entitled] if isinstance(not_entitled, list) else [],
        required=required if isinstance(required, int) and not isinstance(required, bool) else None,
        nominee=nomination.nominee_name,
        unit=nomination.unit.name,
        title_code=item.code,
        title_vi=title_vi(ctx, item.code),
        in_favour=in_favour,
        against=against,
        abstain=abstain,
        written_votes=int_of(tally.get("written_votes"), written),
        members_total=total,
        threshold=threshold,
        passed=passed,
    )


def _minutes_conclusion(ctx: RoundContext, voted: list[tuple[AwardItemRecord, CouncilVote]]) -> str:
    passed = [i for i, v in voted if v.passed]
    failed = [i for i, v in voted if not v.passed]
    director = [i for i in passed if i.level != "province"]
    province = [i for i in passed if i.level == "province"]
    sentences: list[str] = []
    proposals: list[str] = []
    if director:
        proposals.append(
            f"đề nghị {ctx.profile.head_title} Sở tặng " + "; ".join(grouped_phrases(ctx, director))
        )
    if province:
        proposals.append(
            "đề nghị Chủ tịch Ủy ban nhân dân tỉnh tặng "
            + "; ".join(grouped_phrases(ctx, province))
        )
    if proposals:
        sentences.append(
            f"Hội đồng thống nhất {'; '.join(proposals)} ({count_vi(len(passed))} trường hợp đạt "
            "tỷ lệ phiếu đồng ý theo quy định)."
        )
    else:
        sentences.append("Không có trường hợp nào đạt tỷ lệ phiếu đồng ý theo quy định.")
    if failed:
        names = ", ".join(f"{i.nomination.nominee_name} ({title_vi(ctx, i.code)})" for i in failed)
        sentences.append(
            f"Có {count_vi(len(failed))} trường hợp không đạt tỷ lệ phiếu đồng ý tối thiểu, Hội "
            f"đồng không đề nghị khen thưởng: {names}."
        )
    if passed:
        sentences.append(
            f"Giao Văn phòng Sở hoàn thiện hồ sơ, trình {ctx.profile.head_title} Sở ban hành "
            "quyết định khen "
            "thưởng và tờ trình đề nghị cấp trên khen thưởng theo quy định."
        )
    return " ".join(sentences)


def objections_report(ctx: RoundContext) -> list[str]:
    """The Office's report of the objections to the published list (none: nothing): how many
    were received and how each was resolved, naming the nominee and title, never the objector."""
    notes = ctx.snapshot.objections
    if not notes:
        return []
    each = [
        f"{o.nominee_name}"
        + (f", danh hiệu {title_vi(ctx, o.title)}" if o.title else "")
        + f" ({OBJECTION_STATUS_LABEL_VI.get(o.status, o.status).lower()})"
        for o in notes
    ]
    return [
        f"Văn phòng Sở báo cáo: từ khi công khai danh sách tổng hợp đến trước cuộc họp đã nhận "
        f"{count_vi(len(notes))} ý kiến phản ánh, về: {'; '.join(each)}."
    ]


def council_votes(ctx: RoundContext) -> list[tuple[AwardItemRecord, CouncilVote]]:
    """Every item the council voted on with its vote, Director-level titles first, then the
    proposals to the province (the minutes' and the vote-counting record's order)."""
    meeting = ctx.meeting
    if meeting is None:
        return []
    members = [m for m in meeting.members if isinstance(m, Mapping)]
    written = sum(1 for m in members if m.get("written_vote"))
    ballots = _ballots(meeting)
    voted: list[tuple[AwardItemRecord, CouncilVote]] = []
    ordered = sorted(
        sorted_items(ctx.items), key=lambda i: i.level == "province"
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
    return voted


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def established_by(meeting: CouncilMeetingRecord) -> str | None:
    """The decision establishing the council, as the secretary recorded it (None: not given)."""
    value = meeting.details.get("established_by")
    return value.strip() if isinstance(value, str) and value.strip() else None


def build_minutes(ctx: RoundContext, number: str, issued_on: date) -> CouncilMinutesDoc | None:
    meeting = ctx.meeting
    if meeting is None:
        return None
    members = [m for m in meeting.members if isinstance(m, Mapping)]
    voted = council_votes(ctx)
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
        who = person(staff, name, role)
        if m.get("present", True) and not m.get("written_vote"):
            present.append(who)
        elif m.get("written_vote"):
            absent.append(f"{who} (đã gửi phiếu bằng văn bản)")
        else:
            absent.append(who)
    secretary = ctx.snapshot.secretary
    secretary_name = secretary.name if secretary is not None else ""
    secretary_staff = secretary.staff if secretary is not None else None
    chair = person(ctx.director.staff, ctx.director_name, "Chủ tịch Hội đồng")
    if ctx.director.staff is None:
        chair = f"{ctx.director_name} – {ctx.profile.head_title} Sở, Chủ tịch Hội đồng"
    return CouncilMinutesDoc(
        agency=ctx.agency,
        number=number,
        date=meeting.held_on,
        place_room=f"trụ sở {ctx.agency.full_name}",
        start_time=_UNKNOWN_TIME,
        chair=chair,
        secretary=person(secretary_staff, secretary_name, "Thư ký Hội đồng")
        if secretary_name
        else "……",
        members_total=members_total,
        present=present,
        absent=absent,
        votes=[v for _, v in voted],
        recipients=list(ctx.profile.recipients.minutes),
        conclusion=_minutes_conclusion(ctx, voted),
        established_by=established_by(meeting),
        quorum_ratio=_str_or_none(meeting.details.get("quorum_ratio")),
        quorum_required=int_of(meeting.details.get("quorum_required")) or None,
        signer_chair=Signer(position="CHỦ TỊCH HỘI ĐỒNG", name=ctx.director_name),
        signer_secretary=Signer(position="THƯ KÝ", name=secretary_name or "……"),
        title=(
            "Họp Hội đồng Thi đua – Khen thưởng Sở xét danh hiệu thi đua và hình thức khen "
            f"thưởng năm {ctx.year}"
        ),
        agenda=[
            "Văn phòng Sở (cơ quan thường trực của Hội đồng) báo cáo tổng hợp hồ sơ đề nghị khen "
            "thưởng của các phòng, đơn vị và kết quả thẩm định theo tiêu chuẩn của "
            f"{ctx.law.law(meeting.held_on).citation} và Nghị định số "
            f"{ctx.law.decree(meeting.held_on).number}.",
            *objections_report(ctx),
            "Các thành viên Hội đồng thảo luận, nhận xét thành tích của từng tập thể, cá nhân.",
        ],
    )
