"""The Director's decision (Quyết định) awarding the titles and forms he decides."""

from __future__ import annotations

from datetime import date

from thidua.domain.documents.context import (
    RoundContext,
    approved,
    award_line,
    plan_reference,
)
from thidua.domain.documents.models import (
    DecisionDoc,
)
from thidua.domain.documents.text import date_long_vi


def build_decision(ctx: RoundContext, number: str, issued_on: date) -> DecisionDoc | None:
    items = approved(ctx, "director")
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
        agency=ctx.agency,
        number=number,
        date=issued_on,
        movement_name=movement.name,
        year=ctx.year,
        legal_bases=[
            *ctx.profile.competence_basis,
            *ctx.legal_bases(issued_on),
            *ctx.profile.emulation_regulation,
            f"Căn cứ {plan_reference(ctx, movement)}",
            council,
        ],
        awards=[award_line(ctx, i, issued_on) for i in items],
        base_salary=ctx.base_salary(issued_on),
        money_basis=ctx.law.decree(issued_on).citation,
        recipients=list(ctx.profile.recipients.decision),
        signer=ctx.director_signer(),
        funding_source=f"Quỹ thi đua, khen thưởng của Sở năm {ctx.year}",
    )
