"""Nominations in our database: idempotent recording (for activities) and authorized reading."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, String, bindparam, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

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
from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import RecordStageAlertInput, RecordStepInput, Stage
from thidua.domain.policy import require_visible
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import UNIT_SCOPED_ROLES, Actor


class NotFound(Refusal):
    def __init__(self, message: str = "Không tìm thấy hồ sơ đề nghị.") -> None:
        super().__init__(RefusalCode.NOT_FOUND, message)


class StepView(BaseModel):
    seq: int
    action: str
    stage_from: str | None
    stage_to: str
    actor: str | None
    actor_role: str | None
    reason: str | None
    at: datetime


class RulesetView(BaseModel):
    id: str
    version: str
    sha256: str


class NominationView(BaseModel):
    id: str
    workflow_id: str
    movement: str
    year: int
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    stage: str
    stage_label: str
    deadline: datetime | None
    status: str | None
    titles: list[str]
    proposals: list[str]
    ruleset: RulesetView | None
    submitted_by: str
    created_at: datetime
    updated_at: datetime


class NominationDetail(NominationView):
    facts: dict[str, Any]
    dossier: dict[str, Any] | None
    steps: list[StepView]
    evaluation: dict[str, Any] | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _view(row: NominationRow) -> dict[str, Any]:
    ruleset = (
        RulesetView(id=row.ruleset_id, version=row.ruleset_version, sha256=row.ruleset_sha256)
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


def _by_key(session: Session, key: str, with_codes: bool = False) -> NominationRow | None:
    """The nomination ``key``; ``with_codes`` joins its unit and movement (for views) instead
    of loading each lazily on first access."""
    query = _BY_KEY_WITH_CODES if with_codes else _BY_KEY
    return session.scalars(query, {"key": key}).one_or_none()


def _require_row(session: Session, key: str, with_codes: bool = False) -> NominationRow:
    row = _by_key(session, key, with_codes)
    if row is None:
        raise NotFound()
    return row


# ---- submission -----------------------------------------------------------------------


class SubmissionTarget(BaseModel):
    """What the submission resolves to in our records before the workflow starts."""

    key: str
    movement_code: str
    unit_code: str
    nominee_name: str
    as_of_iso: str
    existing_stage: str | None


def resolve_submission(
    session: Session, movement_code: str, unit_code: str, facts: dict[str, Any], key: str
) -> SubmissionTarget:
    """Check movement, unit and nominee exist and belong together; refuse clearly otherwise."""
    movement = session.scalars(
        select(MovementRow).where(MovementRow.code == movement_code)
    ).one_or_none()
    if movement is None:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"movement: không có phong trào thi đua «{movement_code}»."
        )
    unit = session.scalars(select(UnitRow).where(UnitRow.code == unit_code)).one_or_none()
    if unit is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"unit: không có đơn vị «{unit_code}».")
    if facts["year"] != movement.year:
        raise Refusal(
            RefusalCode.FORBIDDEN,
            f"facts.year: phong trào {movement.code} xét năm {movement.year}, không phải {facts['year']}.",
        )
    nominee_id = str(facts["id"])
    if facts["kind"] == "individual":
        staff = session.scalars(select(StaffRow).where(StaffRow.code == nominee_id)).one_or_none()
        if staff is None or staff.unit_id != unit.id:
            raise Refusal(
                RefusalCode.FORBIDDEN,
                f"facts.id: «{nominee_id}» không phải cán bộ của đơn vị {unit.code}.",
            )
        name = staff.full_name
    else:
        if nominee_id != unit.code:
            raise Refusal(
                RefusalCode.FORBIDDEN,
                f"facts.id: tập thể được đề nghị phải là đơn vị {unit.code}, không phải «{nominee_id}».",
            )
        name = unit.name
    existing = _by_key(session, key)
    return SubmissionTarget(
        key=key,
        movement_code=movement.code,
        unit_code=unit.code,
        nominee_name=name,
        as_of_iso=movement.closes.isoformat(),
        existing_stage=existing.stage if existing else None,
    )


def create_nomination(
    session: Session,
    *,
    key: str,
    workflow_id: str,
    movement_code: str,
    unit_code: str,
    nominee_name: str,
    facts: dict[str, Any],
    submitted_by: str,
    dossier: dict[str, Any] | None = None,
) -> bool:
    """Insert the nomination row if it is not there yet. Returns True when it was created."""
    if _by_key(session, key) is not None:
        return False
    movement = session.scalars(select(MovementRow).where(MovementRow.code == movement_code)).one()
    unit = session.scalars(select(UnitRow).where(UnitRow.code == unit_code)).one()
    now = datetime.now(UTC)
    session.add(
        NominationRow(
            key=key,
            workflow_id=workflow_id,
            movement_id=movement.id,
            year=int(facts["year"]),
            unit_id=unit.id,
            kind=str(facts["kind"]),
            nominee_code=str(facts["id"]),
            nominee_name=nominee_name,
            stage=Stage.SUBMITTED.value,
            last_step_seq=0,
            deadline_at=None,
            facts=facts,
            status=None,
            titles=[],
            proposals=[],
            submitted_by=submitted_by,
            dossier=dossier,
            created_at=now,
            updated_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    audit.record(
        session,
        action="nomination.created",
        object_type="nomination",
        object_id=key,
        actor=submitted_by,
        after={
            "movement": movement_code,
            "unit": unit_code,
            "kind": str(facts["kind"]),
            "nominee_code": str(facts["id"]),
            "nominee_name": nominee_name,
            "stage": Stage.SUBMITTED.value,
            "facts": facts,
            "dossier": dossier,
        },
        workflow_id=workflow_id,
    )
    return True


def delete_unstarted_nomination(session: Session, key: str) -> None:
    """Undo ``create_nomination`` when the workflow could not be started (no step recorded)."""
    row = _by_key(session, key)
    if row is not None and row.last_step_seq == 0:
        session.delete(row)
        audit.record(
            session,
            action="nomination.discarded",
            object_type="nomination",
            object_id=key,
            actor=None,
            before={"stage": row.stage},
            workflow_id=row.workflow_id,
        )


def update_dossier(
    session: Session, key: str, dossier: dict[str, Any], actor: str | None = None
) -> None:
    """Replace the dossier the unit attached (after it was supplemented)."""
    row = _require_row(session, key)
    before = row.dossier
    row.dossier = dossier
    row.updated_at = datetime.now(UTC)
    if before != dossier:
        audit.record(
            session,
            action="nomination.dossier_updated",
            object_type="nomination",
            object_id=key,
            actor=actor,
            before={"dossier": before},
            after={"dossier": dossier},
            workflow_id=row.workflow_id,
        )


# ---- recording (called by activities; each call is idempotent) ----------------------------


def record_step(session: Session, data: RecordStepInput) -> bool:
    """Record one step. A retried call with the same step number writes nothing."""
    row = _require_row(session, data.nomination_id)
    step = data.step
    exists = session.scalars(
        select(NominationStepRow.id).where(
            NominationStepRow.nomination_id == row.id, NominationStepRow.seq == step.seq
        )
    ).first()
    if exists is not None:
        return False
    session.add(
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
    session.flush()
    audit.record(
        session,
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


def record_evaluation(
    session: Session,
    *,
    nomination_id: str,
    idempotency_key: str,
    phase: str,
    decision: dict[str, Any],
    facts: dict[str, Any],
    run_id: str | None = None,
    repin: bool = False,
    requested_by: Actor | None = None,
    reason: str | None = None,
) -> bool:
    """Store one rules evaluation and pin the nomination to its ruleset version.

    The first evaluation pins; later ones keep the pin unless ``repin`` (an admin's explicit
    re-evaluation under another version, audited as ``nomination.reevaluated`` naming the admin
    ``requested_by``, in this same transaction).
    """
    row = _require_row(session, nomination_id)
    if session.scalars(
        select(EvaluationRow.id).where(EvaluationRow.idempotency_key == idempotency_key)
    ).first():
        return False
    ruleset = decision["ruleset"]
    now = datetime.now(UTC)
    session.add(
        EvaluationRow(
            idempotency_key=idempotency_key,
            nomination_id=row.id,
            phase=phase,
            ruleset_id=ruleset["id"],
            ruleset_version=str(ruleset["version"]),
            ruleset_sha256=ruleset["sha256"],
            status=decision["status"],
            titles=list(decision.get("titles", [])),
            proposals=list(decision.get("proposals", [])),
            facts=facts,
            result=decision,
            evaluated_at=now,
        )
    )
    before: dict[str, Any] = {
        "status": row.status,
        "titles": row.titles,
        "proposals": row.proposals,
    }
    if repin:
        before["ruleset"] = {
            "id": row.ruleset_id,
            "version": row.ruleset_version,
            "sha256": row.ruleset_sha256,
        }
    row.status = decision["status"]
    row.titles = list(decision.get("titles", []))
    row.proposals = list(decision.get("proposals", []))
    if row.ruleset_id is None or repin:
        row.ruleset_id = ruleset["id"]
        row.ruleset_version = str(ruleset["version"])
        row.ruleset_sha256 = ruleset["sha256"]
    row.updated_at = now
    session.flush()
    after: dict[str, Any] = {
        "phase": phase,
        "idempotency_key": idempotency_key,
        "ruleset": {k: ruleset.get(k) for k in ("id", "version", "sha256")},
        "status": decision["status"],
        "titles": row.titles,
        "proposals": row.proposals,
        "facts": facts,
    }
    if repin:
        after["reason"] = reason
    audit.record(
        session,
        action="nomination.reevaluated" if repin else "evaluation.recorded",
        object_type="nomination",
        object_id=nomination_id,
        actor=requested_by.username if requested_by else None,
        actor_role=requested_by.role.value if requested_by else None,
        before=before,
        after=after,
        workflow_id=row.workflow_id,
        run_id=run_id,
    )
    return True


def record_stage_alert(session: Session, data: RecordStageAlertInput) -> bool:
    row = _require_row(session, data.nomination_id)
    if session.scalars(
        select(StageAlertRow.id).where(StageAlertRow.idempotency_key == data.key)
    ).first():
        return False
    session.add(
        StageAlertRow(
            idempotency_key=data.key,
            nomination_id=row.id,
            kind=data.kind.value,
            stage=data.stage.value,
            deadline_at=data.deadline,
            at=data.at,
        )
    )
    session.flush()
    audit.record(
        session,
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


# ---- reading (authorized by role and by object) ----------------------------------------


def get_nomination(session: Session, actor: Actor, key: str) -> NominationDetail:
    row = _require_row(session, key, with_codes=True)
    require_visible(actor, row.unit.code)
    steps = session.scalars(_STEPS, {"nomination_id": row.id})
    evaluation = session.scalars(_LATEST_EVALUATION, {"nomination_id": row.id}).first()
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
                at=_utc(s.at) or s.at,
            )
            for s in steps
        ],
        evaluation=evaluation.result if evaluation else None,
    )


class NominationRef(BaseModel):
    """What a command needs to know before it is sent: whose it is and where it stands."""

    unit: str
    stage: str
    movement: str
    year: int


def nomination_ref(session: Session, key: str) -> NominationRef:
    row = _require_row(session, key)
    return NominationRef(
        unit=row.unit.code, stage=row.stage, movement=row.movement.code, year=row.year
    )


def _list_query(
    actor: Actor,
    *,
    stage: str | None,
    unit: str | None,
    movement: str | None,
    year: int | None,
    title: str | None,
    status: str | None,
    after_id: int | None,
) -> Select[NominationRow]:
    query = select(NominationRow).join(UnitRow, NominationRow.unit_id == UnitRow.id)
    if actor.role in UNIT_SCOPED_ROLES:
        query = query.where(UnitRow.code.in_(actor.units))
    if stage:
        query = query.where(NominationRow.stage == stage)
    if unit:
        query = query.where(UnitRow.code == unit)
    if movement:
        query = query.join(MovementRow).where(MovementRow.code == movement)
    if year:
        query = query.where(NominationRow.year == year)
    if status:
        query = query.where(NominationRow.status == status)
    if title:
        # Titles and proposals are JSON lists of codes; match the quoted code in their text.
        needle = f'%"{title}"%'
        query = query.where(
            cast(NominationRow.titles, String).like(needle)
            | cast(NominationRow.proposals, String).like(needle)
        )
    if after_id:
        query = query.where(NominationRow.id > after_id)
    return query.order_by(NominationRow.id)


def list_nominations(
    session: Session,
    actor: Actor,
    *,
    stage: str | None = None,
    unit: str | None = None,
    movement: str | None = None,
    year: int | None = None,
    title: str | None = None,
    status: str | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> list[NominationView]:
    views, _ = page_nominations(
        session,
        actor,
        stage=stage,
        unit=unit,
        movement=movement,
        year=year,
        title=title,
        status=status,
        limit=limit,
        after_id=after_id,
    )
    return views


def page_nominations(
    session: Session,
    actor: Actor,
    *,
    stage: str | None = None,
    unit: str | None = None,
    movement: str | None = None,
    year: int | None = None,
    title: str | None = None,
    status: str | None = None,
    limit: int = 100,
    after_id: int | None = None,
) -> tuple[list[NominationView], int | None]:
    """One page in a stable order (by id) and the id to continue after, if there is more."""
    query = _list_query(
        actor,
        stage=stage,
        unit=unit,
        movement=movement,
        year=year,
        title=title,
        status=status,
        after_id=after_id,
    )
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return [NominationView(**_view(r)) for r in rows], (rows[-1].id if more and rows else None)
