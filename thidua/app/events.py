"""The polling event feed: every recorded step of a nomination, in order, for pipelines.

The steps table is append-only and its ids only grow, so ``after=<cursor>`` never skips or
repeats an event. Unit-scoped roles see only their units' events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import NominationRow, NominationStepRow, UnitRow
from thidua.domain.nominations import Stage
from thidua.domain.roles import UNIT_SCOPED_ROLES, Actor


class Event(BaseModel):
    id: int
    type: str  # nomination.stage_changed | nomination.decided | nomination.evaluated
    nomination: str
    unit: str
    action: str
    stage_from: str | None
    stage_to: str
    actor: str | None
    reason: str | None
    at: datetime


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: int | None


def _type(step: NominationStepRow) -> str:
    if step.stage_to in (Stage.APPROVED.value, Stage.REJECTED.value):
        return "nomination.decided"
    if step.stage_from == step.stage_to:
        return "nomination.updated"
    return "nomination.stage_changed"


def events_after(session: Session, actor: Actor, after: int | None, limit: int) -> EventPage:
    query = (
        select(NominationStepRow, NominationRow.key, UnitRow.code)
        .join(NominationRow, NominationStepRow.nomination_id == NominationRow.id)
        .join(UnitRow, NominationRow.unit_id == UnitRow.id)
    )
    if actor.role in UNIT_SCOPED_ROLES:
        query = query.where(UnitRow.code.in_(actor.units))
    if after:
        query = query.where(NominationStepRow.id > after)
    rows = session.execute(query.order_by(NominationStepRow.id).limit(limit)).all()
    items = [
        Event(
            id=step.id,
            type=_type(step),
            nomination=key,
            unit=unit,
            action=step.action,
            stage_from=step.stage_from,
            stage_to=step.stage_to,
            actor=step.actor,
            reason=step.reason,
            at=step.at if step.at.tzinfo else step.at.replace(tzinfo=UTC),
        )
        for step, key, unit in rows
    ]
    # The cursor to poll with next time: the last event seen (or the same one when none).
    return EventPage(items=items, next_cursor=items[-1].id if items else after)
