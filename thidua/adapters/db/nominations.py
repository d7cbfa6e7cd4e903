"""The nominations store over SQLAlchemy: our records of each nomination, its steps, evaluations
and alerts (each change audited in the same transaction), its views and the event feed.

One piece (a little over 500 lines): it is the one implementation of the ``NominationStore``
port, and its reads and writes share the row mapping and the visibility filter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from rules.decision import RulesetRef
from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    EvaluationRow,
    MovementRow,
    NominationRow,
    NominationStepRow,
    StaffRow,
    StageAlertRow,
    UnitRow,
)
from thidua.app.ports.nominations import (
    EvaluationRecord,
    Event,
    EventPage,
    MovementInfo,
    NewNomination,
    NominationDetail,
    NominationFilter,
    NominationRef,
    NominationView,
    StaffInfo,
    StepView,
    SubmissionLookup,
    UnitInfo,
    UnknownNomination,
    event_type,
)
from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import RecordStageAlertInput, RecordStepInput, Stage


def utc_aware(value: datetime) -> datetime:
    """A stored time as an aware datetime (SQLite gives naive ones; every stored time is UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _utc(value: datetime | None) -> datetime | None:
    return utc_aware(value) if value is not None else None


def _view(row: NominationRow) -> dict[str, Any]:
    ruleset = (
        RulesetRef(id=row.ruleset_id, version=row.ruleset_version, sha256=row.ruleset_sha256)
        if row.ruleset_id and row.ruleset_version and row.ruleset_sha256
        else None
    )
    return {
        "id": row.key,
        "workflow_id": row.workflow_id,
        "movement": row.movement.code,
        "year": row.year,
        "unit": row.unit.code,
        "kind": row.kind,
        "nominee_code": row.nominee_code,
        "nominee_name": row.nominee_name,
        "stage": row.stage,
        "stage_label": STAGE_LABEL_VI[Stage(row.stage)],
        "deadline": _utc(row.deadline_at),
        "status": row.status,
        "titles": list(row.titles or []),
        "proposals": list(row.proposals or []),
        "ruleset": ruleset,
        "submitted_by": row.submitted_by,
        "created_at": _utc(row.created_at),
        "updated_at": _utc(row.updated_at),
    }


# Statements on the hot paths (every read and every recorded step), built once with bound
# parameters: building and hashing a statement costs more than running it on SQLite.
_BY_KEY = select(NominationRow).where(NominationRow.key == bindparam("key"))
_BY_KEY_WITH_CODES = _BY_KEY.options(
    joinedload(NominationRow.unit), joinedload(NominationRow.movement)
)
_STEPS = (
    select(NominationStepRow)
    .where(NominationStepRow.nomination_id == bindparam("nomination_id"))
    .order_by(NominationStepRow.seq)
)
_LATEST_EVALUATION = (
    select(EvaluationRow)
    .where(EvaluationRow.nomination_id == bindparam("nomination_id"))
    .order_by(EvaluationRow.id.desc())
    .limit(1)
)


class SqlNominationStore:
    """Implements ``thidua.app.ports.nominations.NominationStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _by_key(self, key: str, with_codes: bool = False) -> NominationRow | None:
        """The nomination ``key``; ``with_codes`` joins its unit and movement (for views)
        instead of loading each lazily on first access."""
        query = _BY_KEY_WITH_CODES if with_codes else _BY_KEY
        return self.session.scalars(query, {"key": key}).one_or_none()

    def _require(self, key: str, with_codes: bool = False) -> NominationRow:
        row = self._by_key(key, with_codes)
        if row is None:
            raise UnknownNomination(f"nomination {key!r} is not in our records")
        return row

    # ---- submission ----------------------------------------------------------------------

    def lookup_submission(
        self, movement: str, unit: str, staff: str | None, key: str
    ) -> SubmissionLookup:
        movement_row = self.session.scalars(
            select(MovementRow).where(MovementRow.code == movement)
        ).one_or_none()
        unit_row = self.session.scalars(select(UnitRow).where(UnitRow.code == unit)).one_or_none()
        staff_info = None
        if staff is not None:
            staff_row = self.session.scalars(
                select(StaffRow).options(joinedload(StaffRow.unit)).where(StaffRow.code == staff)
            ).one_or_none()
            if staff_row is not None:
                staff_info = StaffInfo(staff_row.code, staff_row.full_name, staff_row.unit.code)
        return SubmissionLookup(
            movement=(
                MovementInfo(movement_row.code, movement_row.year, movement_row.closes)
                if movement_row is not None
                else None
            ),
            unit=UnitInfo(unit_row.code, unit_row.name) if unit_row is not None else None,
            staff=staff_info,
            existing=self.ref(key),
        )

    def create(self, nomination: NewNomination) -> bool:
        n = nomination
        if self._by_key(n.key) is not None:
            return False
        movement = self.session.scalars(
            select(MovementRow).where(MovementRow.code == n.movement_code)
        ).one()
        unit = self.session.scalars(select(UnitRow).where(UnitRow.code == n.unit_code)).one()
        now = datetime.now(UTC)
        self.session.add(
            NominationRow(
                key=n.key,
                workflow_id=n.workflow_id,
                movement_id=movement.id,
                year=int(n.facts["year"]),
                unit_id=unit.id,
                kind=str(n.facts["kind"]),
                nominee_code=str(n.facts["id"]),
                nominee_name=n.nominee_name,
                stage=Stage.SUBMITTED.value,
                last_step_seq=0,
                deadline_at=None,
                facts=n.facts,
                status=None,
                titles=[],
                proposals=[],
                submitted_by=n.submitted_by,
                dossier=n.dossier,
                created_at=now,
                updated_at=now,
            )
        )
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            return False
        audit.record(
            self.session,
            action="nomination.created",
            object_type="nomination",
            object_id=n.key,
            actor=n.submitted_by,
            after={
                "movement": n.movement_code,
                "unit": n.unit_code,
                "kind": str(n.facts["kind"]),
                "nominee_code": str(n.facts["id"]),
                "nominee_name": n.nominee_name,
                "stage": Stage.SUBMITTED.value,
                "facts": n.facts,
                "dossier": n.dossier,
            },
            workflow_id=n.workflow_id,
        )
        return True

    def delete_unstarted(self, key: str) -> None:
        row = self._by_key(key)
        if row is not None and row.last_step_seq == 0:
            self.session.delete(row)
            audit.record(
                self.session,
                action="nomination.discarded",
                object_type="nomination",
                object_id=key,
                actor=None,
                before={"stage": row.stage},
                workflow_id=row.workflow_id,
            )

    def update_dossier(self, key: str, dossier: dict[str, Any], actor: str | None) -> None:
        row = self._require(key)
        before = row.dossier
        row.dossier = dossier
        row.updated_at = datetime.now(UTC)
        if before != dossier:
            audit.record(
                self.session,
                action="nomination.dossier_updated",
                object_type="nomination",
                object_id=key,
                actor=actor,
                before={"dossier": before},
                after={"dossier": dossier},
                workflow_id=row.workflow_id,
            )

    # ---- recording (each call idempotent) ------------------------------------------------

    def record_step(self, data: RecordStepInput) -> bool:
        row = self._require(data.nomination_id)
        step = data.step
        exists = self.session.scalars(
            select(NominationStepRow.id).where(
                NominationStepRow.nomination_id == row.id, NominationStepRow.seq == step.seq
            )
        ).first()
        if exists is not None:
            return False
        self.session.add(
            NominationStepRow(
                nomination_id=row.id,
                seq=step.seq,
                action=step.action.value,
                stage_from=step.stage_from.value if step.stage_from else None,
                stage_to=step.stage_to.value,
                actor=step.actor,
                actor_role=step.actor_role.value if step.actor_role else None,
                reason=step.reason,
                at=step.at,
                workflow_id=data.workflow_id,
                run_id=data.run_id,
                recorded_at=datetime.now(UTC),
            )
        )
        before = {"stage": row.stage, "last_step_seq": row.last_step_seq}
        if step.seq > row.last_step_seq:
            row.last_step_seq = step.seq
            row.stage = step.stage_to.value
            row.deadline_at = data.deadline
            if step.stage_to is Stage.OFFICE_REVIEW and step.stage_from is Stage.UNIT_REVIEW:
                row.unit_approved_at = step.at
            if data.facts is not None:
                row.facts = data.facts
            row.updated_at = datetime.now(UTC)
        self.session.flush()
        audit.record(
            self.session,
            action="nomination.step",
            object_type="nomination",
            object_id=data.nomination_id,
            actor=step.actor,
            actor_role=step.actor_role.value if step.actor_role else None,
            before=before,
            after={
                "seq": step.seq,
                "action": step.action.value,
                "stage_from": step.stage_from.value if step.stage_from else None,
                "stage_to": step.stage_to.value,
                "stage": row.stage,
                "reason": step.reason,
                "at": step.at,
                "deadline": data.deadline,
                "facts": data.facts,
            },
            workflow_id=data.workflow_id,
            run_id=data.run_id,
        )
        return True

    def record_evaluation(self, evaluation: EvaluationRecord) -> bool:
        e = evaluation
        row = self._require(e.nomination_id)
        if self.session.scalars(
            select(EvaluationRow.id).where(EvaluationRow.idempotency_key == e.idempotency_key)
        ).first():
            return False
        decision = e.decision
        ruleset = decision["ruleset"]
        now = datetime.now(UTC)
        self.session.add(
            EvaluationRow(
                idempotency_key=e.idempotency_key,
                nomination_id=row.id,
                phase=e.phase,
                ruleset_id=ruleset["id"],
                ruleset_version=str(ruleset["version"]),
                ruleset_sha256=ruleset["sha256"],
                status=decision["status"],
                titles=list(decision.get("titles", [])),
                proposals=list(decision.get("proposals", [])),
                facts=e.facts,
                result=decision,
                evaluated_at=now,
                hash_encoding=int(e.hash_encoding),
            )
        )
        before: dict[str, Any] = {
            "status": row.status,
            "titles": row.titles,
            "proposals": row.proposals,
        }
        if e.repin:
            before["ruleset"] = {
                "id": row.ruleset_id,
                "version": row.ruleset_version,
                "sha256": row.ruleset_sha256,
            }
        row.status = decision["status"]
        row.titles = list(decision.get("titles", []))
        row.proposals = list(decision.get("proposals", []))
        if row.ruleset_id is None or e.repin:
            row.ruleset_id = ruleset["id"]
            row.ruleset_version = str(ruleset["version"])
            row.ruleset_sha256 = ruleset["sha256"]
        row.updated_at = now
        self.session.flush()
        after: dict[str, Any] = {
            "phase": e.phase,
            "idempotency_key": e.idempotency_key,
            "ruleset": {k: ruleset.get(k) for k in ("id", "version", "sha256")},
            "status": decision["status"],
            "titles": row.titles,
            "proposals": row.proposals,
            "facts": e.facts,
        }
        if e.repin:
            after["reason"] = e.reason
        audit.record(
            self.session,
            action="nomination.reevaluated" if e.repin else "evaluation.recorded",
            object_type="nomination",
            object_id=e.nomination_id,
            actor=e.requested_by.username if e.requested_by else None,
            actor_role=e.requested_by.role.value if e.requested_by else None,
            before=before,
            after=after,
            workflow_id=row.workflow_id,
            run_id=e.run_id,
        )
        return True

    def record_stage_alert(self, data: RecordStageAlertInput) -> bool:
        row = self._require(data.nomination_id)
        if self.session.scalars(
            select(StageAlertRow.id).where(StageAlertRow.idempotency_key == data.key)
        ).first():
            return False
        self.session.add(
            StageAlertRow(
                idempotency_key=data.key,
                nomination_id=row.id,
                kind=data.kind.value,
                stage=data.stage.value,
                deadline_at=data.deadline,
                at=data.at,
            )
        )
        self.session.flush()
        audit.record(
            self.session,
            action="nomination.alert",
            object_type="nomination",
            object_id=data.nomination_id,
            actor=None,
            after={
                "kind": data.kind.value,
                "stage": data.stage.value,
                "deadline": data.deadline,
                "at": data.at,
            },
            workflow_id=row.workflow_id,
        )
        return True

    # ---- reading -------------------------------------------------------------------------

    def detail(self, key: str) -> NominationDetail | None:
        row = self._by_key(key, with_codes=True)
        if row is None:
            return None
        steps = self.session.scalars(_STEPS, {"nomination_id": row.id})
        evaluation = self.session.scalars(_LATEST_EVALUATION, {"nomination_id": row.id}).first()
        return NominationDetail(
            **_view(row),
            facts=row.facts,
            dossier=row.dossier,
            steps=[
                StepView(
                    seq=s.seq,
                    action=s.action,
                    stage_from=s.stage_from,
                    stage_to=s.stage_to,
                    actor=s.actor,
                    actor_role=s.actor_role,
                    reason=s.reason,
                    at=utc_aware(s.at),
                )
                for s in steps
            ],
            evaluation=evaluation.result if evaluation else None,
        )

    def ref(self, key: str) -> NominationRef | None:
        row = self._by_key(key, with_codes=True)
        if row is None:
            return None
        return NominationRef(
            unit=row.unit.code, stage=row.stage, movement=row.movement.code, year=row.year
        )

    def page(
        self,
        units: tuple[str, ...] | None,
        filters: NominationFilter,
        limit: int,
        after_id: int | None = None,
    ) -> tuple[list[NominationView], int | None]:
        query = _list_query(units, filters, after_id)
        rows = list(self.session.scalars(query.limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return [NominationView(**_view(r)) for r in rows], (rows[-1].id if more and rows else None)

    def events_after(
        self, units: tuple[str, ...] | None, after: int | None, limit: int
    ) -> EventPage:
        # The steps table is append-only and its ids only grow: ``after`` never skips or repeats.
        query = (
            select(NominationStepRow, NominationRow.key, UnitRow.code)
            .join(NominationRow, NominationStepRow.nomination_id == NominationRow.id)
            .join(UnitRow, NominationRow.unit_id == UnitRow.id)
        )
        if units is not None:
            query = query.where(UnitRow.code.in_(units))
        if after:
            query = query.where(NominationStepRow.id > after)
        rows = self.session.execute(query.order_by(NominationStepRow.id).limit(limit)).all()
        items = [
            Event(
                id=step.id,
                type=event_type(step.stage_from, step.stage_to),
                nomination=key,
                unit=unit,
                action=step.action,
                stage_from=step.stage_from,
                stage_to=step.stage_to,
                actor=step.actor,
                reason=step.reason,
                at=utc_aware(step.at),
            )
            for step, key, unit in rows
        ]
        # The cursor to poll with next time: the last event seen (or the same one when none).
        return EventPage(items=items, next_cursor=items[-1].id if items else after)


def _list_query(
    units: tuple[str, ...] | None, filters: NominationFilter, after_id: int | None
) -> Select[NominationRow]:
    f = filters
    query = select(NominationRow).join(UnitRow, NominationRow.unit_id == UnitRow.id)
    if units is not None:
        query = query.where(UnitRow.code.in_(units))
    if f.stage:
        query = query.where(NominationRow.stage == f.stage)
    if f.unit:
        query = query.where(UnitRow.code == f.unit)
    if f.movement:
        query = query.join(MovementRow).where(MovementRow.code == f.movement)
    if f.year:
        query = query.where(NominationRow.year == f.year)
    if f.status:
        query = query.where(NominationRow.status == f.status)
    if f.title:
        # Titles and proposals are JSON lists of codes; match the quoted code in their text.
        needle = f'%"{f.title}"%'
        query = query.where(
            cast(NominationRow.titles, String).like(needle)
            | cast(NominationRow.proposals, String).like(needle)
        )
    if after_id:
        query = query.where(NominationRow.id > after_id)
    return query.order_by(NominationRow.id)
