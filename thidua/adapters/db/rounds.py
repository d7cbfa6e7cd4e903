"""The rounds store over SQLAlchemy: rounds, their award items, the council's meeting, the
documents' files; each change audited in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AwardItemRow,
    MovementRow,
    NominationRow,
    RoundRow,
    StaffRow,
    UnitRow,
)
from thidua.adapters.db.round_items import SqlRoundItems, now
from thidua.app.ports.rounds import (
    CandidateRecord,
    MovementRecord,
    NewRound,
    RoundRecord,
)
from thidua.domain.appraisal import InitiativeChoice, PastInitiativeUse
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor
from thidua.domain.rounds import LatePolicy, RoundStage, RoundStep


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _record(row: RoundRow) -> RoundRecord:
    return RoundRecord(
        key=row.key,
        workflow_id=row.workflow_id,
        movement=row.movement.code,
        year=row.year,
        seq=row.seq,
        stage=RoundStage(row.stage),
        late_policy=LatePolicy(row.late_policy),
        closes_at=_utc(row.closes_at),
        closed_at=_utc(row.closed_at) if row.closed_at else None,
        ruleset_id=row.ruleset_id,
        ruleset_version=row.ruleset_version,
        steps=list(row.steps or []),
        appraisal=row.appraisal,
    )


class SqlRoundStore(SqlRoundItems):
    """Implements ``thidua.app.ports.rounds.RoundStore`` (its award items' half in
    ``thidua.adapters.db.round_items``)."""

    # ---- rounds ---------------------------------------------------------------------------

    def movement(self, code: str) -> MovementRecord | None:
        row = self.session.scalars(
            select(MovementRow).where(MovementRow.code == code)
        ).one_or_none()
        return MovementRecord(code=row.code, year=row.year, closes=row.closes) if row else None

    def get(self, key: str) -> RoundRecord | None:
        row = self.session.scalars(select(RoundRow).where(RoundRow.key == key)).one_or_none()
        return _record(row) if row is not None else None

    def latest(self, movement: str, year: int) -> RoundRecord | None:
        row = self.session.scalars(
            select(RoundRow)
            .join(MovementRow)
            .where(MovementRow.code == movement, RoundRow.year == year)
            .order_by(RoundRow.seq.desc())
            .limit(1)
        ).first()
        return _record(row) if row is not None else None

    def list_rounds(self) -> list[RoundRecord]:
        return [_record(r) for r in self.session.scalars(select(RoundRow).order_by(RoundRow.id))]

    def add(self, new: NewRound) -> RoundRecord:
        movement = self.session.scalars(
            select(MovementRow).where(MovementRow.code == new.movement)
        ).one()
        at = now()
        row = RoundRow(
            key=new.key,
            workflow_id=new.workflow_id,
            movement_id=movement.id,
            year=new.year,
            seq=new.seq,
            stage=RoundStage.OPEN.value,
            late_policy=new.late_policy.value,
            opened_by=new.opened_by.username,
            opened_at=at,
            closes_at=new.closes_at,
            closed_at=None,
            appraisal=None,
            ruleset_id=new.ruleset_id,
            ruleset_version=new.ruleset_version,
            steps=[],
            updated_at=at,
        )
        self.session.add(row)
        self.session.flush()
        audit.record(
            self.session,
            action="round.opened",
            object_type="round",
            object_id=new.key,
            actor=new.opened_by.username,
            actor_role=new.opened_by.role.value,
            after={
                "movement": new.movement,
                "year": new.year,
                "seq": new.seq,
                "closes_at": new.closes_at,
                "late_policy": new.late_policy.value,
                "ruleset": f"{new.ruleset_id}@{new.ruleset_version}",
            },
            workflow_id=row.workflow_id,
        )
        return _record(row)

    def delete_unstarted(self, key: str) -> None:
        row = self.session.scalars(select(RoundRow).where(RoundRow.key == key)).one_or_none()
        if row is not None and not row.steps:
            self.session.delete(row)

    def record_step(self, key: str, step: RoundStep) -> bool:
        row = self._row(key)
        steps = list(row.steps or [])
        if any(s.get("seq") == step.seq for s in steps):
            return False
        steps.append(step.model_dump(mode="json"))
        before = {"stage": row.stage}
        row.steps = steps
        row.stage = step.stage_to.value
        if step.action == "close":
            row.closed_at = step.at
        row.updated_at = now()
        self.session.flush()
        audit.record(
            self.session,
            action="round.step",
            object_type="round",
            object_id=key,
            actor=step.actor,
            before=before,
            after=step.model_dump(mode="json"),
            workflow_id=row.workflow_id,
        )
        return True

    # ---- the appraisal --------------------------------------------------------------------

    def gather_candidates(self, key: str, closed_at: datetime) -> list[CandidateRecord]:
        row = self._row(key)
        nominations = self.session.scalars(
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
            out.append(self._candidate(n))
        self.session.flush()
        return out

    def appraised_candidates(self, key: str) -> list[CandidateRecord]:
        row = self._row(key)
        keys = [r["key"] for r in (row.appraisal or {}).get("results", [])]
        if not keys:
            return []
        nominations = self.session.scalars(
            select(NominationRow).where(NominationRow.key.in_(keys)).order_by(NominationRow.id)
        ).all()
        return [self._candidate(n) for n in nominations]

    def _candidate(self, n: NominationRow) -> CandidateRecord:
        gender = None
        if n.kind == "individual":
            staff = self.session.scalars(
                select(StaffRow).where(StaffRow.code == n.nominee_code)
            ).first()
            gender = staff.gender if staff else n.facts.get("gender")
        return CandidateRecord(
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

    def members_total_by_unit(self) -> dict[str, int]:
        rows = self.session.execute(
            select(UnitRow.code, func.count(StaffRow.id))
            .join(StaffRow, StaffRow.unit_id == UnitRow.id)
            .group_by(UnitRow.code)
        ).all()
        return {code: int(count) for code, count in rows}

    def past_initiative_uses(self, key: str) -> list[PastInitiativeUse]:
        row = self._row(key)
        items = self.session.scalars(
            select(AwardItemRow).where(
                AwardItemRow.round_id != row.id,
                AwardItemRow.director_status == "approved",
                AwardItemRow.revoked_at.is_(None),
            )
        ).all()
        uses: list[PastInitiativeUse] = []
        for item in items:
            key = item.nomination.key
            if item.initiatives is not None:  # the grounds recorded with the item
                uses.extend(
                    PastInitiativeUse(initiative_id=str(ini), used_by=key, code=item.code)
                    for ini in item.initiatives
                )
                continue
            for ini in item.nomination.facts.get("initiatives", []) or []:
                uses.append(
                    PastInitiativeUse(
                        initiative_id=str(ini.get("id")),
                        used_by=key,
                        code=item.code,
                        recorded=False,
                    )
                )
        return uses

    def initiative_choices(self, key: str) -> list[InitiativeChoice]:
        return [
            InitiativeChoice(
                nomination=c["nomination"], initiative=c["initiative"], award=c["award"]
            )
            for c in self._row(key).initiative_choices or []
        ]

    def choose_initiative(
        self,
        key: str,
        choice: InitiativeChoice,
        actor: Actor,
        outcome: Mapping[str, Any] | None = None,
    ) -> InitiativeChoice | None:
        row = self._row(key)
        before = list(row.initiative_choices or [])
        previous = next(
            (
                c
                for c in before
                if (c["nomination"], c["initiative"]) == (choice.nomination, choice.initiative)
            ),
            None,
        )
        kept = [c for c in before if c is not previous]
        at = now()
        row.initiative_choices = [
            *kept,
            {**choice.model_dump(), "chosen_by": actor.username, "chosen_at": at.isoformat()},
        ]
        row.updated_at = at
        self.session.flush()
        audit.record(
            self.session,
            action="round.initiative_chosen",
            object_type="round",
            object_id=key,
            actor=actor.username,
            actor_role=actor.role.value,
            before={"award": previous["award"]} if previous else None,
            after={**choice.model_dump(), **({"outcome": dict(outcome)} if outcome else {})},
            workflow_id=row.workflow_id,
        )
        return (
            InitiativeChoice(
                nomination=previous["nomination"],
                initiative=previous["initiative"],
                award=previous["award"],
            )
            if previous
            else None
        )

    def store_appraisal(
        self, key: str, appraisal: dict[str, Any], levels: Mapping[str, str]
    ) -> None:
        row = self._row(key)
        first = row.appraisal is None
        row.appraisal = appraisal
        self.session.execute(delete(AwardItemRow).where(AwardItemRow.round_id == row.id))
        ids = dict(
            self.session.execute(
                select(NominationRow.key, NominationRow.id).where(NominationRow.round_id == row.id)
            ).all()
        )
        at = now()
        sent_back = [
            r["key"] for r in appraisal["results"] if r["outcome"] in ("returned", "on_hold")
        ]
        if sent_back:
            # Returned or held: they come back to a later round once supplemented or cleared.
            for n in self.session.scalars(
                select(NominationRow).where(NominationRow.key.in_(sent_back))
            ):
                n.round_id = None
        for result in appraisal["results"]:
            if result["outcome"] != "recommended":
                continue
            grounds = result.get("initiative_grounds") or {}
            for code in [*result["titles"], *result["proposals"]]:
                self.session.add(
                    AwardItemRow(
                        initiatives=list(grounds.get(code, [])),
                        round_id=row.id,
                        nomination_id=ids[result["key"]],
                        code=code,
                        level=levels.get(code, "director"),
                        rank=int(result["rank"]),
                        council_status="pending",
                        director_status="pending",
                        updated_at=at,
                    )
                )
        self.session.flush()
        if first:  # a retried appraisal (same round, same candidates) adds no second entry
            audit.record(
                self.session,
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

    def replace_appraisal(self, key: str, appraisal: dict[str, Any]) -> None:
        self._row(key).appraisal = {**appraisal}
