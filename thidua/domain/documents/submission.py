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
)
from thidua.domain.documents.models import (
    ProposalLine,
    SubmissionDoc,
)
from thidua.domain.documents.text import count_vi
from thidua.domain.documents.wording import RATING_VI


def achievements_summary(facts: Mapping[str, Any], year: int, ruleset: LoadedRuleset) -> str:
    """A short summary of the year's achievements from a nomination's facts (the submission's
    list): the rating, the members' titles, initiatives, research and past annual titles. A
    thematic movement's assessments and awards are left out: they do not ground the province's
    awards (Decree 98/2023 art. 4, Decree 152/2025 art. 4; domain.md §3, §6a)."""
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
        # A thematic movement's awards never ground a higher award: left out of past titles.
        counted = {c: t for c, t in ruleset.titles.items() if not t.thematic}
        for h in sorted(
            (h for h in history if isinstance(h, Mapping)), key=lambda h: int_of(h.get("year"))
        ):
            titles = [
                document_title(counted[t].name_vi) for t in h.get("titles") or [] if t in counted
            ]
            if titles:
                parts.append(f"năm {int_of(h.get('year'))} đạt {', '.join(titles)}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def build_submission(ctx: RoundContext, number: str, issued_on: date) -> SubmissionDoc | None:
    """The proposal to the province of its own forms (TTLĐXS, Bằng khen of the chairman) for the
    year's achievements: no movement's plan among its grounds (thematic awards do not ground
    higher ones)."""
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
        attachments=[
            "Báo cáo thành tích của các tập thể, cá nhân (có xác nhận của Thủ trưởng đơn vị);",
            f"Biên bản {minutes_ref}họp Hội đồng Thi đua – Khen thưởng Sở ngày "
            f"{meeting_date:%d/%m/%Y}.",
        ],
    )
