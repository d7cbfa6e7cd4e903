"""The publication store over SQLAlchemy: a round's publication period and the objections to
its list; each change audited in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AwardItemRow,
    NominationRow,
    ObjectionRow,
    RoundPublicationRow,
    RoundRow,
)
from thidua.app.ports.publication import NewObjection, ObjectionRecord, PublicationRecord
from thidua.domain.publication import ObjectionStatus
from thidua.domain.roles import Actor


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _record(row: ObjectionRow, round_key: str) -> ObjectionRecord:
    n = row.nomination
    return ObjectionRecord(
        id=row.id,
        round_key=round_key,
        nomination=n.key,
        nominee_name=n.nominee_name,
        unit=n.unit.code,
        title=row.title,
        content=row.content,
        objector=row.objector,
        on_paper=row.on_paper,
        anonymous=row.anonymous,
        filed_by=row.filed_by,
        filed_by_role=row.filed_by_role,
        filed_at=_utc(row.filed_at) or row.filed_at,
        status=ObjectionStatus(row.status),
        resolution_reason=row.resolution_reason,
        resolved_by=row.resolved_by,
        resolved_at=_utc(row.resolved_at),
    )


def _audit_view(record: ObjectionRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "nomination": record.nomination,
        "title": record.title,
        "content": record.content,
        "objector": record.objector,
        "on_paper": record.on_paper,
        "anonymous": record.anonymous,
        "status": record.status.value,
        "resolution_reason": record.resolution_reason,
    }


class SqlPublicationStore:
    """Implements ``thidua.app.ports.publication.PublicationStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _round(self, key: str) -> RoundRow:
        """The round (the use cases have found it first: a missing one here is a bug)."""
        return self.session.scalars(select(RoundRow).where(RoundRow.key == key)).one()

    def _publication(self, round_id: int) -> RoundPublicationRow | None:
        return self.session.scalars(
            select(RoundPublicationRow).where(RoundPublicationRow.round_id == round_id)
        ).one_or_none()

    def lock_round(self, round_key: str) -> None:
        # An UPDATE rather than SELECT … FOR UPDATE: PostgreSQL locks the row either way, and on
        # SQLite (which has no FOR UPDATE) it begins the write transaction at once, so every
        # read after it sees the latest commits.
        self.session.execute(
            update(RoundRow)
            .where(RoundRow.key == round_key)
            .values(updated_at=RoundRow.updated_at)
            .execution_options(synchronize_session=False)
        )

    # ---- the period -----------------------------------------------------------------------

    def set_days(self, round_key: str, days: int, actor: Actor) -> None:
        rnd = self._round(round_key)
        row = self._publication(rnd.id)
        if row is None:
            row = RoundPublicationRow(round_id=rnd.id, days=days, updated_at=_now())
            self.session.add(row)
        else:
            row.days, row.updated_at = days, _now()
        self.session.flush()
        audit.record(
            self.session,
            action="round.publication_set",
            object_type="round",
            object_id=round_key,
            actor=actor.username,
            actor_role=actor.role.value,
            after={"publication_days": days},
            workflow_id=rnd.workflow_id,
        )

    def get(self, round_key: str) -> PublicationRecord | None:
        rnd = self.session.scalars(select(RoundRow).where(RoundRow.key == round_key)).first()
        row = self._publication(rnd.id) if rnd is not None else None
        if row is None:
            return None
        return PublicationRecord(
            days=row.days,
            published_from=_utc(row.published_from),
            published_until=_utc(row.published_until),
        )

    def set_period(self, round_key: str, published_from: datetime, until: datetime) -> bool:
        rnd = self._round(round_key)
        row = self._publication(rnd.id)
        if row is None:  # a round opened before publication existed, closed on the new code
            row = RoundPublicationRow(round_id=rnd.id, days=0, updated_at=_now())
            self.session.add(row)
        elif (_utc(row.published_from), _utc(row.published_until)) == (published_from, until):
            return False
        row.published_from, row.published_until, row.updated_at = published_from, until, _now()
        self.session.flush()
        audit.record(
            self.session,
            action="round.published",
            object_type="round",
            object_id=round_key,
            actor=None,
            after={"published_from": published_from, "published_until": until},
            workflow_id=rnd.workflow_id,
        )
        return True

    # ---- objections -----------------------------------------------------------------------

    def add_objection(self, new: NewObjection) -> ObjectionRecord:
        rnd = self._round(new.round_key)
        nomination = self.session.scalars(
            select(NominationRow).where(NominationRow.key == new.nomination)
        ).one()
        row = ObjectionRow(
            round_id=rnd.id,
            nomination_id=nomination.id,
            title=new.title,
            content=new.content,
            objector=new.objector,
            on_paper=new.on_paper,
            anonymous=new.anonymous,
            filed_by=new.filed_by.username,
            filed_by_role=new.filed_by.role.value,
            filed_at=_now(),
            status=ObjectionStatus.OPEN.value,
        )
        self.session.add(row)
        self.session.flush()
        record = _record(row, new.round_key)
        audit.record(
            self.session,
            action="objection.filed",
            object_type="round",
            object_id=new.round_key,
            actor=new.filed_by.username,
            actor_role=new.filed_by.role.value,
            after=_audit_view(record),
            workflow_id=rnd.workflow_id,
        )
        return record

    def objections(self, round_key: str) -> list[ObjectionRecord]:
        rnd = self._round(round_key)
        rows = self.session.scalars(
            select(ObjectionRow).where(ObjectionRow.round_id == rnd.id).order_by(ObjectionRow.id)
        )
        return [_record(r, round_key) for r in rows]

    def objection(self, round_key: str, objection_id: int) -> ObjectionRecord | None:
        rnd = self._round(round_key)
        row = self.session.scalars(
            select(ObjectionRow).where(
                ObjectionRow.round_id == rnd.id, ObjectionRow.id == objection_id
            )
        ).one_or_none()
        return _record(row, round_key) if row is not None else None

    def resolve_objection(
        self,
        round_key: str,
        objection_id: int,
        status: ObjectionStatus,
        reason: str,
        actor: Actor,
    ) -> ObjectionRecord:
        rnd = self._round(round_key)
        row = self.session.scalars(
            select(ObjectionRow).where(
                ObjectionRow.round_id == rnd.id, ObjectionRow.id == objection_id
            )
        ).one()
        before = _audit_view(_record(row, round_key))
        row.status = status.value
        row.resolution_reason = reason
        row.resolved_by = actor.username
        row.resolved_at = _now()
        withdrawn: list[str] = []
        if status is ObjectionStatus.UPHELD:
            items = self.session.scalars(
                select(AwardItemRow).where(
                    AwardItemRow.round_id == rnd.id,
                    AwardItemRow.nomination_id == row.nomination_id,
                )
            )
            for item in items:
                if row.title in (None, item.code):
                    item.council_status = "withdrawn"
                    item.updated_at = _now()
                    withdrawn.append(item.code)
        self.session.flush()
        record = _record(row, round_key)
        audit.record(
            self.session,
            action="objection.resolved",
            object_type="round",
            object_id=round_key,
            actor=actor.username,
            actor_role=actor.role.value,
            before=before,
            after={**_audit_view(record), "withdrawn": sorted(withdrawn)},
            workflow_id=rnd.workflow_id,
        )
        return record
