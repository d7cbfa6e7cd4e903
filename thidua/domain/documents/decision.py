"""The Director's decisions (Quyết định) on the awards he decides.

A round may issue two: the year-end decision recognising the annual titles (``decision``:
CSTĐCS, LĐTT, TTLĐTT — they come from the year's review and the council), and a separate
decision on a thematic movement's own awards (``decision_movement``: its Giấy khen, for an
achievement in the movement, grounded on the movement's plan and its summary). Which award is
the movement's own is the ruleset's data (a title marked ``thematic: true``).
"""

from __future__ import annotations

from datetime import date

from thidua.domain.documents.context import (
    RoundContext,
    approved,
    award_line,
    money_basis,
    plan_reference,
)
from thidua.domain.documents.models import DecisionDoc
from thidua.domain.documents.text import date_long_vi

__all__ = ["build_decision", "build_movement_decision", "fund_of"]


def fund_of(year: int) -> str:
    """The fund a round's award money is paid from (and a revocation's is returned to)."""
    return f"Quỹ thi đua, khen thưởng của Sở năm {year}"


def _council(ctx: RoundContext) -> str:
    council = "Theo đề nghị của Hội đồng Thi đua – Khen thưởng Sở"
    minutes_number = ctx.numbers.get("minutes")
    if minutes_number and ctx.meeting is not None:
        council += f" tại Biên bản số {minutes_number} {date_long_vi(ctx.meeting.held_on)}"
    elif ctx.meeting is not None:
        council += f" tại cuộc họp {date_long_vi(ctx.meeting.held_on)}"
    return council + " và của Chánh Văn phòng Sở"


def _decision(
    ctx: RoundContext, number: str, issued_on: date, *, thematic: bool, grounds: list[str]
) -> DecisionDoc | None:
    items = approved(ctx, "director", thematic=thematic)
    if not items:
        return None
    awards = [award_line(ctx, i, issued_on) for i in items]
    return DecisionDoc(
        agency=ctx.agency,
        number=number,
        date=issued_on,
        movement_name=ctx.movement.name,
        year=ctx.year,
        legal_bases=[
            *ctx.profile.competence_basis,
            *ctx.legal_bases(issued_on),
            *ctx.profile.emulation_regulation,
            *grounds,
            _council(ctx),
        ],
        awards=awards,
        base_salary=ctx.base_salary(issued_on),
        money_basis=money_basis(ctx.law, awards, issued_on),
        recipients=list(ctx.profile.recipients.decision),
        signer=ctx.director_signer(),
        funding_source=fund_of(ctx.year),
        thematic=thematic,
    )


def build_decision(ctx: RoundContext, number: str, issued_on: date) -> DecisionDoc | None:
    """The year-end decision recognising the annual titles (None: the round approved none).

    Grounded on the year's review in the units and the council, never on a movement's plan:
    annual titles are not a movement's rewards."""
    grounds = [
        f"Căn cứ kết quả đánh giá, xếp loại và bình xét thi đua năm {ctx.year} của các phòng, "
        "đơn vị thuộc Sở"
    ]
    return _decision(ctx, number, issued_on, thematic=False, grounds=grounds)


def build_movement_decision(ctx: RoundContext, number: str, issued_on: date) -> DecisionDoc | None:
    """The separate decision on the thematic movement's own awards (None: none approved).

    Grounded on the movement's plan and its summary: the Office's report on the movement's
    results (the round's ``report``, cited by number when issued)."""
    movement = ctx.movement
    grounds = [f"Căn cứ {plan_reference(ctx, movement)}"]
    report = ctx.numbers.get("report")
    if report:
        grounds.append(
            f"Căn cứ Báo cáo số {report} {date_long_vi(issued_on)} của {ctx.agency.full_name} "
            f"tổng hợp kết quả thực hiện phong trào thi đua “{movement.name}” năm {movement.year}"
        )
    return _decision(ctx, number, issued_on, thematic=True, grounds=grounds)
