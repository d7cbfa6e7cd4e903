"""The submission to the province (Tờ trình) proposing its awards, with each nominee's achievements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rules.registry import LoadedRuleset
from thidua.domain.documents.context import (
    RoundContext,
    approved,
    award_line,
    document_title,
    int_of,
    movement_assessments,
)
from thidua.domain.documents.models import (
    ProposalLine,
    SubmissionDoc,
)
from thidua.domain.documents.text import count_vi
from thidua.domain.documents.wording import RATING_VI


def _contents_phrase(numbers: list[str]) -> str:
    return "nội dung " + ", ".join(numbers)


def achievements_summary(facts: Mapping[str, Any], year: int, ruleset: LoadedRuleset) -> str:
    """A short summary of achievements from a nomination's facts (for the submission's list)."""
    parts: list[str] = []
    rating = facts.get("rating")
    if isinstance(rating, str) and rating in RATING_VI:
        parts.append(f"{RATING_VI[rating]} năm {year}")
    if facts.get("kind") == "collective":
        total = int_of(facts.get("members_total"))
        ldtt = int_of(facts.get("members_ldtt"))
        cstdcs = int_of(facts.get("members_cstdcs"))
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
    research = int_of(facts.get("research_accepted"))
    if research:
        parts.append(f"{count_vi(research)} đề tài, đề án khoa học được nghiệm thu")
    history = facts.get("history")
    if isinstance(history, list):
        for h in sorted(
            (h for h in history if isinstance(h, Mapping)), key=lambda h: int_of(h.get("year"))
        ):
            titles = [
                document_title(ruleset.titles[t].name_vi)
                for t in h.get("titles") or []
                if t in ruleset.titles
            ]
            if titles:
                parts.append(f"năm {int_of(h.get('year'))} đạt {', '.join(titles)}")
    assessed = movement_assessments(facts)
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


def build_submission(ctx: RoundContext, number: str, issued_on: date) -> SubmissionDoc | None:
    items = approved(ctx, "province")
    if not items:
        return None
    movement = ctx.movement
    proposals = [
        ProposalLine(
            **award_line(ctx, i, issued_on).model_dump(),
            achievements=achievements_summary(i.nomination.facts, ctx.year, ctx.ruleset),
        )
        for i in items
    ]
    meeting_date = ctx.meeting.held_on if ctx.meeting is not None else issued_on
    minutes = ctx.numbers.get("minutes")
    minutes_ref = f"số {minutes} " if minutes else ""
    return SubmissionDoc(
        agency=ctx.agency,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        proposals=proposals,
        council_meeting_date=meeting_date,
        recipients=list(ctx.profile.recipients.submission),
        signer=ctx.director_signer(),
        legal_bases=[
            *(f"{b};" for b in ctx.legal_bases(issued_on)),
            *(f"{b};" for b in ctx.profile.emulation_regulation),
        ],
        addressee=ctx.profile.board,
        plan_number=movement.plan_number,
        plan_date=movement.plan_date,
        attachments=[
            "Báo cáo thành tích của các tập thể, cá nhân (có xác nhận của Thủ trưởng đơn vị);",
            f"Biên bản {minutes_ref}họp Hội đồng Thi đua – Khen thưởng Sở ngày "
            f"{meeting_date:%d/%m/%Y}.",
        ],
    )
