"""The Office's consolidation rounds in our database: candidates, appraisal, votes, decisions."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AwardItemRow,
    CouncilMeetingRow,
    DocumentRow,
    MovementRow,
    NominationRow,
    RoundRow,
    StaffRow,
    UnitRow,
)
from thidua.domain.labels import ROUND_STAGE_LABEL_VI
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import UNIT_SCOPED_ROLES, Actor, Role
from thidua.domain.rounds import LatePolicy, RoundStage, RoundStep, round_key, round_workflow_id

READERS = frozenset(
    {Role.OFFICE, Role.COUNCIL_SECRETARY, Role.DIRECTOR, Role.AUDITOR, Role.RULES_ADMIN}
)
PROVINCE_ANSWERS = ("approved", "rejected", "returned")


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def require_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise Refusal(
            RefusalCode.FORBIDDEN, "Vai trò này không xem được đợt xét tổng hợp của Văn phòng Sở."
        )


def round_row(session: Session, key: str) -> RoundRow:
    row = session.scalars(select(RoundRow).where(RoundRow.key == key)).one_or_none()
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đợt xét «{key}».")
    return row


def movement_row(session: Session, movement_code: str) -> MovementRow:
    movement = session.scalars(
        select(MovementRow).where(MovementRow.code == movement_code)
    ).one_or_none()
    if movement is None:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"movement: không có phong trào thi đua «{movement_code}»."
        )
    return movement


def latest_round(session: Session, movement_code: str, year: int) -> RoundRow | None:
    return session.scalars(
        select(RoundRow)
        .join(MovementRow)
        .where(MovementRow.code == movement_code, RoundRow.year == year)
        .order_by(RoundRow.seq.desc())
        .limit(1)
    ).first()


def check_late_arrival(session: Session, movement_code: str, year: int) -> None:
    """A unit approval after the round closed: refused when the Office chose ``refuse``."""
    latest = latest_round(session, movement_code, year)
    if latest is None or latest.stage == RoundStage.OPEN.value:
        return
    if latest.late_policy == LatePolicy.REFUSE.value:
        closed = _utc(latest.closed_at or latest.closes_at)
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"Đợt xét {latest.key} của Văn phòng Sở đã đóng lúc {closed:%d/%m/%Y %H:%M} UTC; "
            "hồ sơ đến sau không được nhận vào đợt này.",
        )


def create_round(
    session: Session,
    *,
    movement_code: str,
    year: int,
    closes_at: datetime,
    late_policy: LatePolicy,
    actor: Actor,
    ruleset_id: str,
    ruleset_version: str,
    workflow_id_prefix: str = "",
) -> RoundRow:
    movement = session.scalars(
        select(MovementRow).where(MovementRow.code == movement_code)
    ).one_or_none()
    if movement is None:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"movement: không có phong trào thi đua «{movement_code}»."
        )
    if year != movement.year:
        raise Refusal(
            RefusalCode.INVALID, f"year: phong trào {movement_code} xét năm {movement.year}."
        )
    latest = latest_round(session, movement_code, year)
    if latest is not None and latest.stage != RoundStage.DECIDED.value:
        raise Refusal(
            RefusalCode.DUPLICATE,
            f"Đợt xét {latest.key} chưa kết thúc ({ROUND_STAGE_LABEL_VI[RoundStage(latest.stage)]}).",
        )
    seq = (latest.seq + 1) if latest else 1
    key = round_key(movement_code, year, seq)
    now = _now()
    row = RoundRow(
        key=key,
        workflow_id=round_workflow_id(key, workflow_id_prefix),
        movement_id=movement.id,
        year=year,
        seq=seq,
        stage=RoundStage.OPEN.value,
        late_policy=late_policy.value,
        opened_by=actor.username,
        opened_at=now,
        closes_at=closes_at,
        closed_at=None,
        appraisal=None,
        ruleset_id=ruleset_id,
        ruleset_version=ruleset_version,
        steps=[],
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="round.opened",
        object_type="round",
        object_id=key,
        actor=actor.username,
        actor_role=actor.role.value,
        after={
            "movement": movement_code,
            "year": year,
            "seq": seq,
            "closes_at": closes_at,
            "late_policy": late_policy.value,
            "ruleset": f"{ruleset_id}@{ruleset_version}",
        },
        workflow_id=row.workflow_id,
    )
    return row


def delete_unstarted_round(session: Session, key: str) -> None:
    row = session.scalars(select(RoundRow).where(RoundRow.key == key)).one_or_none()
    if row is not None and not row.steps:
        session.delete(row)


def record_round_step(session: Session, key: str, step: RoundStep) -> bool:
    """Append a step (idempotent by its sequence number) and move the round's stage."""
    row = round_row(session, key)
    steps = list(row.steps or [])
    if any(s.get("seq") == step.seq for s in steps):
        return False
    steps.append(step.model_dump(mode="json"))
    before = {"stage": row.stage}
    row.steps = steps
    row.stage = step.stage_to.value
    if step.action == "close":
        row.closed_at = step.at
    row.updated_at = _now()
    session.flush()
    audit.record(
        session,
        action="round.step",
        object_type="round",
        object_id=key,
        actor=step.actor,
        before=before,
        after=step.model_dump(mode="json"),
        workflow_id=row.workflow_id,
    )
    return True


# ---- appraisal --------------------------------------------------------------------------


class CandidateRecord(BaseModel):
    key: str
    kind: str
    unit: str
    name: str
    gender: str | None
    facts: dict[str, Any]
    dossier: dict[str, Any] | None
    order: int
    pinned: tuple[str, str] | None
    workflow_id: str


def gather_candidates(session: Session, key: str, closed_at: datetime) -> list[CandidateRecord]:
    """Every nomination the units approved before closing, not yet in an earlier round."""
    row = round_row(session, key)
    nominations = session.scalars(
        select(NominationRow)
        .where(
            NominationRow.movement_id == row.movement_id,
            NominationRow.year == row.year,
            NominationRow.stage == Stage.OFFICE_REVIEW.value,
            (NominationRow.round_id.is_(None)) | (NominationRow.round_id == row.id),
        )
        .order_by(NominationRow.id)
    ).all()
    out: list[CandidateRecord] = []
    for n in nominations:
        if n.unit_approved_at is not None and _utc(n.unit_approved_at) > _utc(closed_at):
            continue  # arrived after closing: waits for the next round
        n.round_id = row.id
        gender = None
        if n.kind == "individual":
            staff = session.scalars(select(StaffRow).where(StaffRow.code == n.nominee_code)).first()
            gender = staff.gender if staff else n.facts.get("gender")
        out.append(
            CandidateRecord(
                key=n.key,
                kind=n.kind,
                unit=n.unit.code,
                name=n.nominee_name,
                gender=gender,
                facts=n.facts,
                dossier=n.dossier,
                order=n.id,
                pinned=(n.ruleset_id, n.ruleset_version)
                if n.ruleset_id and n.ruleset_version
                else None,
                workflow_id=n.workflow_id,
            )
        )
    session.flush()
    return out


def round_workflow_ids(session: Session, key: str) -> dict[str, str]:
    """Nomination key → its workflow id, for every nomination gathered into the round."""
    row = round_row(session, key)
    pairs = session.execute(
        select(NominationRow.key, NominationRow.workflow_id).where(NominationRow.round_id == row.id)
    ).all()
    return {k: wf for k, wf in pairs}


def members_total_by_unit(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(UnitRow.code, func.count(StaffRow.id))
        .join(StaffRow, StaffRow.unit_id == UnitRow.id)
        .group_by(UnitRow.code)
    ).all()
    return {code: int(count) for code, count in rows}


def past_initiative_uses(session: Session, key: str) -> list[tuple[str, str]]:
    """Initiatives already used by awards of earlier rounds (approved and not revoked)."""
    row = round_row(session, key)
    items = session.scalars(
        select(AwardItemRow).where(
            AwardItemRow.round_id != row.id,
            AwardItemRow.director_status == "approved",
            AwardItemRow.revoked_at.is_(None),
        )
    ).all()
    uses: list[tuple[str, str]] = []
    for item in items:
        for ini in item.nomination.facts.get("initiatives", []) or []:
            uses.append((str(ini.get("id")), item.nomination.key))
    return uses


def store_appraisal(
    session: Session, key: str, appraisal: dict[str, Any], levels: dict[str, str]
) -> None:
    """Keep the appraisal and (re)create the round's award items, in tie-break order."""
    row = round_row(session, key)
    first = row.appraisal is None
    row.appraisal = appraisal
    session.execute(delete(AwardItemRow).where(AwardItemRow.round_id == row.id))
    ids = dict(
        session.execute(
            select(NominationRow.key, NominationRow.id).where(NominationRow.round_id == row.id)
        ).all()
    )
    now = _now()
    sent_back = [r["key"] for r in appraisal["results"] if r["outcome"] in ("returned", "on_hold")]
    if sent_back:
        # Returned or held: they come back to a later round once supplemented or cleared.
        for n in session.scalars(select(NominationRow).where(NominationRow.key.in_(sent_back))):
            n.round_id = None
    for result in appraisal["results"]:
        if result["outcome"] != "recommended":
            continue
        for code in [*result["titles"], *result["proposals"]]:
            session.add(
                AwardItemRow(
                    round_id=row.id,
                    nomination_id=ids[result["key"]],
                    code=code,
                    level=levels.get(code, "director"),
                    rank=int(result["rank"]),
                    council_status="pending",
                    director_status="pending",
                    updated_at=now,
                )
            )
    session.flush()
    if first:  # a retried appraisal (same round, same candidates) adds no second entry
        audit.record(
            session,
            action="round.appraised",
            object_type="round",
            object_id=key,
            actor=None,
            after={
                "results": [
                    {
                        "key": r["key"],
                        "outcome": r["outcome"],
                        "rank": r.get("rank"),
                        "titles": r.get("titles", []),
                        "proposals": r.get("proposals", []),
                    }
                    for r in appraisal["results"]
                ],
                "flags": len(appraisal.get("flags", [])),
            },
            workflow_id=row.workflow_id,
        )


def award_items(session: Session, key: str) -> list[AwardItemRow]:
    row = round_row(session, key)
    return list(
        session.scalars(
            select(AwardItemRow)
            .where(AwardItemRow.round_id == row.id)
            .order_by(AwardItemRow.rank, AwardItemRow.id)
        )
    )


def store_council(
    session: Session,
    key: str,
    *,
    held_on: Any,
    members: list[dict[str, Any]],
    ballots: list[dict[str, Any]],
    recorded_by: str,
    tallies: dict[tuple[str, str], dict[str, Any]],
) -> None:
    row = round_row(session, key)
    existing = session.scalars(
        select(CouncilMeetingRow).where(CouncilMeetingRow.round_id == row.id)
    ).first()
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(
        CouncilMeetingRow(
            round_id=row.id,
            held_on=held_on,
            members=members,
            ballots=ballots,
            recorded_by=recorded_by,
            recorded_at=_now(),
        )
    )
    for item in award_items(session, key):
        tally = tallies.get((item.nomination.key, item.code))
        if tally is None:
            continue
        item.tally = tally
        item.council_status = "passed" if tally["passed"] else "not_recommended"
        item.updated_at = _now()
    session.flush()
    if existing is None:  # a retried activity replaces the same ballots: no second entry
        audit.record(
            session,
            action="council.vote_recorded",
            object_type="round",
            object_id=key,
            actor=recorded_by,
            after={
                "held_on": held_on,
                "members": len(members),
                "tallies": {f"{k}/{c}": t for (k, c), t in sorted(tallies.items())},
            },
            workflow_id=row.workflow_id,
        )


# ---- reading ----------------------------------------------------------------------------


class AwardItemView(BaseModel):
    nomination: str
    nominee_name: str
    unit: str
    kind: str
    code: str
    level: str
    rank: int
    council_status: str
    tally: dict[str, Any] | None
    director_status: str
    director_reason: str | None
    province_status: str | None
    province_reason: str | None
    amount_vnd: int | None
    revoked: bool
    revoked_reason: str | None


class DocumentView(BaseModel):
    kind: str
    number: str
    formats: list[str]
    sha256: str


class RoundView(BaseModel):
    key: str
    workflow_id: str
    movement: str
    year: int
    stage: str
    stage_label: str
    late_policy: str
    closes_at: datetime
    closed_at: datetime | None
    ruleset: dict[str, str]
    steps: list[dict[str, Any]]
    counts: dict[str, int]
    by_title: dict[str, list[str]]
    by_unit: dict[str, list[str]]
    flags: list[dict[str, Any]]
    results: list[dict[str, Any]]
    items: list[AwardItemView]
    documents: list[DocumentView]


def item_view(item: AwardItemRow) -> AwardItemView:
    n = item.nomination
    return AwardItemView(
        nomination=n.key,
        nominee_name=n.nominee_name,
        unit=n.unit.code,
        kind=n.kind,
        code=item.code,
        level=item.level,
        rank=item.rank,
        council_status=item.council_status,
        tally=item.tally,
        director_status=item.director_status,
        director_reason=item.director_reason,
        province_status=item.province_status,
        province_reason=item.province_reason,
        amount_vnd=item.amount_vnd,
        revoked=item.revoked_at is not None,
        revoked_reason=item.revoked_reason,
    )


def get_round(session: Session, actor: Actor, key: str, *, with_results: bool = True) -> RoundView:
    require_reader(actor)
    row = round_row(session, key)
    appraisal = row.appraisal or {}
    results = appraisal.get("results", [])
    counts = Counter(r["outcome"] for r in results)
    items = award_items(session, key)
    counts.update({f"council_{i.council_status}": 1 for i in items})
    docs = session.scalars(
        select(DocumentRow).where(DocumentRow.round_id == row.id).order_by(DocumentRow.id)
    )
    return RoundView(
        key=row.key,
        workflow_id=row.workflow_id,
        movement=row.movement.code,
        year=row.year,
        stage=row.stage,
        stage_label=ROUND_STAGE_LABEL_VI[RoundStage(row.stage)],
        late_policy=row.late_policy,
        closes_at=_utc(row.closes_at),
        closed_at=_utc(row.closed_at) if row.closed_at else None,
        ruleset={"id": row.ruleset_id, "version": row.ruleset_version},
        steps=list(row.steps or []),
        counts=dict(counts),
        by_title=appraisal.get("by_title", {}),
        by_unit=appraisal.get("by_unit", {}),
        flags=appraisal.get("flags", []),
        results=results if with_results else [],
        items=[item_view(i) for i in items],
        documents=[
            DocumentView(
                kind=d.kind,
                number=d.number,
                formats=[fmt for fmt, path in (d.files or {}).items() if path],
                sha256=d.sha256,
            )
            for d in docs
        ],
    )


def list_rounds(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require_reader(actor)
    rows = session.scalars(select(RoundRow).order_by(RoundRow.id)).all()
    return [
        {
            "key": r.key,
            "movement": r.movement.code,
            "year": r.year,
            "stage": r.stage,
            "closes_at": _utc(r.closes_at),
        }
        for r in rows
    ]


def document_file(session: Session, actor: Actor, key: str, kind: str, fmt: str) -> str:
    require_reader(actor)
    row = round_row(session, key)
    doc = session.scalars(
        select(DocumentRow).where(DocumentRow.round_id == row.id, DocumentRow.kind == kind)
    ).first()
    path = (doc.files or {}).get(fmt) if doc else None
    if not path:
        raise Refusal(RefusalCode.NOT_FOUND, f"Đợt {key} chưa có văn bản «{kind}» dạng {fmt}.")
    return str(path)


# ---- after the decision: province answers and revocation --------------------------------


def _item(session: Session, nomination_key: str, code: str) -> AwardItemRow:
    item = session.scalars(
        select(AwardItemRow)
        .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
        .where(NominationRow.key == nomination_key, AwardItemRow.code == code)
        .order_by(AwardItemRow.id.desc())
    ).first()
    if item is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"Không có danh hiệu/hình thức {code} của hồ sơ {nomination_key}.",
        )
    return item


def record_province_answer(
    session: Session, actor: Actor, nomination_key: str, code: str, answer: str, reason: str | None
) -> AwardItemView:
    if actor.role is not Role.OFFICE:
        raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Văn phòng Sở ghi nhận kết quả của tỉnh.")
    if answer not in PROVINCE_ANSWERS:
        raise Refusal(
            RefusalCode.INVALID, f"answer: phải là một trong {', '.join(PROVINCE_ANSWERS)}."
        )
    item = _item(session, nomination_key, code)
    if item.level != "province" or item.province_status is None:
        raise Refusal(
            RefusalCode.WRONG_STAGE, f"{code} của {nomination_key} chưa được trình lên tỉnh."
        )
    if answer != "approved" and not (reason and reason.strip()):
        raise Refusal(RefusalCode.INVALID, "reason: tỉnh trả lại hoặc không đồng ý phải có lý do.")
    before = {"province_status": item.province_status, "province_reason": item.province_reason}
    item.province_status = answer
    item.province_reason = reason
    item.updated_at = _now()
    session.flush()
    audit.record(
        session,
        action="award.province_answer",
        object_type="award",
        object_id=f"{nomination_key}/{code}",
        actor=actor.username,
        actor_role=actor.role.value,
        before=before,
        after={"province_status": answer, "province_reason": reason},
    )
    return item_view(item)


def revoke_award(
    session: Session, actor: Actor, nomination_key: str, code: str, reason: str
) -> AwardItemView:
    """Revoke an issued award (e.g. false records); the record stays, marked revoked with the reason."""
    if actor.role is not Role.DIRECTOR:
        raise Refusal(RefusalCode.FORBIDDEN, "Chỉ Giám đốc được thu hồi khen thưởng.")
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID, "reason: thu hồi phải ghi rõ lý do.")
    item = _item(session, nomination_key, code)
    issued = item.director_status == "approved" and (
        item.level == "director" or item.province_status == "approved"
    )
    if not issued:
        raise Refusal(
            RefusalCode.WRONG_STAGE,
            f"{code} của {nomination_key} chưa được tặng nên không thể thu hồi.",
        )
    if item.revoked_at is not None:
        raise Refusal(RefusalCode.DUPLICATE, f"{code} của {nomination_key} đã bị thu hồi.")
    item.revoked_at = _now()
    item.revoked_reason = reason
    item.revoked_by = actor.username
    item.updated_at = _now()
    session.flush()
    audit.record(
        session,
        action="award.revoked",
        object_type="award",
        object_id=f"{nomination_key}/{code}",
        actor=actor.username,
        actor_role=actor.role.value,
        before={"revoked": False},
        after={"revoked": True, "reason": reason, "at": item.revoked_at},
    )
    return item_view(item)


def unit_scoped(actor: Actor) -> bool:
    return actor.role in UNIT_SCOPED_ROLES
