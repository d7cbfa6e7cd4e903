"""The Director's decision revoking an award he decided (Quyết định về việc hủy bỏ quyết định
khen thưởng, thu hồi hiện vật và tiền thưởng).

It names the original decision (its number and date, from the round's documents), the award and
who held it, the reason, and the money to recover: what the original decision paid for that award.
The provision it applies is the law's data in force on its date (``rules/law/instruments.yaml``,
``REVOKE_AWARD``: Law 06/2022/QH15 art. 93(2), unconfirmed there).
"""

from __future__ import annotations

from datetime import date

from rules.law import REVOKE_AWARD
from thidua.domain.documents.context import RoundContext, award_line, is_thematic
from thidua.domain.documents.decision import fund_of
from thidua.domain.documents.models import RevocationDoc
from thidua.domain.documents.snapshot import AwardItemRecord
from thidua.domain.money import award_money

__all__ = ["build_revocation", "original_decision_kind"]


def original_decision_kind(ctx: RoundContext, item: AwardItemRecord) -> str | None:
    """The kind of the round's decision that granted ``item``: the thematic movement's decision
    for its own awards, else the annual one (a round decided before the two were split issued
    one decision: that one). None when the round has issued neither."""
    kinds = ("decision_movement", "decision") if is_thematic(ctx, item.code) else ("decision",)
    return next((k for k in kinds if k in ctx.numbers), None)


def build_revocation(
    ctx: RoundContext, item_id: int, number: str, issued_on: date
) -> RevocationDoc | None:
    """The decision revoking the award item ``item_id`` of the round (None: the item is not a
    revoked award of a Director's decision issued in this round)."""
    item = next((i for i in ctx.items if i.id == item_id), None)
    if item is None or not item.revoked or item.level != "director":
        return None
    original = original_decision_kind(ctx, item)
    original_date = ctx.dates.get(original) if original else None
    if original is None or original_date is None:
        return None
    recover = item.amount_vnd
    if recover is None:  # no amount stored: the law's on the original decision's date
        money = award_money(
            ctx.law, item.code, original_date, collective=item.nomination.kind == "collective"
        )
        recover = money.amount if money is not None else 0
    line = award_line(ctx, item, original_date).model_copy(update={"amount": recover, "note": None})
    provision = ctx.law.provision(REVOKE_AWARD, issued_on)
    law = ctx.law.law(issued_on)
    basis = provision.citation if provision is not None else law.citation
    return RevocationDoc(
        agency=ctx.agency,
        number=number,
        date=issued_on,
        award=line,
        year=ctx.year,
        original_number=ctx.numbers[original],
        original_date=original_date,
        reason=(item.revoked_reason or "").strip(),
        legal_bases=[
            *ctx.profile.competence_basis,
            *ctx.legal_bases(issued_on),
            *ctx.profile.emulation_regulation,
        ],
        revocation_basis=basis,
        recover_amount=recover,
        fund=fund_of(ctx.year),
        recipients=list(ctx.profile.recipients.decision),
        signer=ctx.director_signer(),
    )
