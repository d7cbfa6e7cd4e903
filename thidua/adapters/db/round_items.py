"""The award items of the rounds over SQLAlchemy: the council's tallies, the Director's decision,
the province's answers and revocations, and the documents' files (part of ``SqlRoundStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import (
    AwardItemRow,
    CouncilMeetingRow,
    DocumentRegisterEntryRow,
    DocumentRow,
    NominationRow,
    RoundRow,
)
from thidua.app.ports.rounds import (
    AwardItemView,
    DocumentView,
    ItemDecision,
    ReceivedAwardRecord,
)
from thidua.domain.council import Tallies
from thidua.domain.roles import Actor


def now() -> datetime:
    return datetime.now(UTC)


def item_view(item: AwardItemRow) -> AwardItemView:
    n = item.nomination
    return AwardItemView(
        item_id=item.id,
        nomination=n.key,
        nominee_name=n.nominee_name,
        nominee_code=n.nominee_code,
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


class SqlRoundItems:
    """The award items' and documents' half of ``SqlRoundStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, key: str) -> RoundRow:
        """The round (the use cases have found it first: a missing one here is a bug)."""
        return self.session.scalars(select(RoundRow).where(RoundRow.key == key)).one()

    # ---- the council and the Director --------------------------------------------------------

    def _items(self, row: RoundRow) -> list[AwardItemRow]:
        return list(
            self.session.scalars(
                select(AwardItemRow)
                .where(AwardItemRow.round_id == row.id)
                .order_by(AwardItemRow.rank, AwardItemRow.id)
            )
        )

    def store_council(
        self,
        key: str,
        *,
        held_on: date,
        members: list[dict[str, Any]],
        ballots: list[dict[str, Any]],
        recorded_by: str,
        tallies: Tallies,
        details: dict[str, Any] | None = None,
    ) -> None:
        row = self._row(key)
        existing = self.session.scalars(
            select(CouncilMeetingRow).where(CouncilMeetingRow.round_id == row.id)
        ).first()
        if existing is not None:
            self.session.delete(existing)
            self.session.flush()
        self.session.add(
            CouncilMeetingRow(
                round_id=row.id,
                held_on=held_on,
                members=members,
                ballots=ballots,
                details=details,
                recorded_by=recorded_by,
                recorded_at=now(),
            )
        )
        for item in self._items(row):
            tally = tallies.get((item.nomination.key, item.code))
            if tally is None:
                continue
            item.tally = tally
            item.council_status = "passed" if tally["passed"] else "not_recommended"
            item.updated_at = now()
        self.session.flush()
        if existing is None:  # a retried activity replaces the same ballots: no second entry
            audit.record(
                self.session,
                action="council.vote_recorded",
                object_type="round",
                object_id=key,
                actor=recorded_by,
                after={
                    "held_on": held_on,
                    "members": len(members),
                    **({"meeting": details} if details else {}),
                    "tallies": {f"{k}/{c}": t for (k, c), t in sorted(tallies.items())},
                },
                workflow_id=row.workflow_id,
            )

    def award_items(self, key: str) -> list[AwardItemView]:
        return [item_view(i) for i in self._items(self._row(key))]

    def decide_items(
        self,
        key: str,
        decisions: Sequence[ItemDecision],
        *,
        actor: Actor,
        reason: str | None,
        run_id: str | None,
    ) -> None:
        row = self._row(key)
        items = self._items(row)
        undecided = any(i.director_status == "pending" for i in items)
        by_item = {(d.nomination, d.code): d for d in decisions}
        for item in items:
            decision = by_item.get((item.nomination.key, item.code))
            if decision is None:
                continue
            item.director_status = decision.director_status
            if decision.director_reason is not None:
                item.director_reason = decision.director_reason
            if decision.to_province:
                item.province_status = item.province_status or "pending"
            if decision.amount_vnd is not None:
                item.amount_vnd = decision.amount_vnd
        if undecided:  # a retried activity finds them decided: no second entry
            audit.record(
                self.session,
                action="round.decided",
                object_type="round",
                object_id=key,
                actor=actor.username,
                actor_role=actor.role.value,
                after={
                    "items": {f"{i.nomination.key}/{i.code}": i.director_status for i in items},
                    "reason": reason,
                },
                workflow_id=row.workflow_id,
                run_id=run_id,
            )

    def workflow_ids(self, key: str) -> dict[str, str]:
        row = self._row(key)
        out = {i.nomination.key: i.nomination.workflow_id for i in self._items(row)}
        pairs = self.session.execute(
            select(NominationRow.key, NominationRow.workflow_id).where(
                NominationRow.round_id == row.id
            )
        ).all()
        for k, wf in pairs:
            out.setdefault(k, wf)
        return out

    # ---- after the decision ------------------------------------------------------------------

    def _award_item(self, nomination_key: str, code: str) -> AwardItemRow | None:
        return self.session.scalars(
            select(AwardItemRow)
            .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
            .where(NominationRow.key == nomination_key, AwardItemRow.code == code)
            .order_by(AwardItemRow.id.desc())
        ).first()

    def _existing_item(self, nomination_key: str, code: str) -> AwardItemRow:
        """The item (the use cases have found it first: a missing one here is a bug)."""
        item = self._award_item(nomination_key, code)
        if item is None:
            raise LookupError(f"no award item {code} of {nomination_key}")
        return item

    def award_item(self, nomination_key: str, code: str) -> AwardItemView | None:
        item = self._award_item(nomination_key, code)
        return item_view(item) if item is not None else None

    def nomination_awards(self, nomination_key: str) -> list[AwardItemView]:
        rows = self.session.scalars(
            select(AwardItemRow)
            .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
            .where(NominationRow.key == nomination_key)
            .order_by(AwardItemRow.id)
        )
        latest = {row.code: row for row in rows}  # a later round's item replaces an earlier one
        return [item_view(r) for r in sorted(latest.values(), key=lambda r: (r.rank, r.id))]

    def record_province_answer(
        self, nomination_key: str, code: str, answer: str, reason: str | None, actor: Actor
    ) -> AwardItemView:
        item = self._existing_item(nomination_key, code)
        before = {"province_status": item.province_status, "province_reason": item.province_reason}
        item.province_status = answer
        item.province_reason = reason
        item.updated_at = now()
        self.session.flush()
        audit.record(
            self.session,
            action="award.province_answer",
            object_type="award",
            object_id=f"{nomination_key}/{code}",
            actor=actor.username,
            actor_role=actor.role.value,
            before=before,
            after={"province_status": answer, "province_reason": reason},
        )
        return item_view(item)

    def round_key_of(self, nomination_key: str, code: str) -> str:
        item = self._existing_item(nomination_key, code)
        return str(
            self.session.scalars(select(RoundRow.key).where(RoundRow.id == item.round_id)).one()
        )

    def set_amount(
        self, nomination_key: str, code: str, amount_vnd: int, reason: str, actor: Actor
    ) -> AwardItemView:
        item = self._existing_item(nomination_key, code)
        before = {"amount_vnd": item.amount_vnd}
        item.amount_vnd = amount_vnd
        item.updated_at = now()
        self.session.flush()
        audit.record(
            self.session,
            action="award.amount",
            object_type="award",
            object_id=f"{nomination_key}/{code}",
            actor=actor.username,
            actor_role=actor.role.value,
            before=before,
            after={"amount_vnd": amount_vnd, "reason": reason},
        )
        return item_view(item)

    def revoke_award(
        self, nomination_key: str, code: str, reason: str, actor: Actor
    ) -> AwardItemView:
        item = self._existing_item(nomination_key, code)
        item.revoked_at = now()
        item.revoked_reason = reason
        item.revoked_by = actor.username
        item.updated_at = now()
        self.session.flush()
        audit.record(
            self.session,
            action="award.revoked",
            object_type="award",
            object_id=f"{nomination_key}/{code}",
            actor=actor.username,
            actor_role=actor.role.value,
            before={"revoked": False},
            after={"revoked": True, "reason": reason, "at": item.revoked_at},
        )
        return item_view(item)

    def awards_received(
        self, kind: str, nominee_code: str, before_year: int
    ) -> list[ReceivedAwardRecord]:
        rows = self.session.execute(
            select(AwardItemRow, RoundRow)
            .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
            .join(RoundRow, AwardItemRow.round_id == RoundRow.id)
            .where(
                NominationRow.kind == kind,
                NominationRow.nominee_code == nominee_code,
                RoundRow.year < before_year,
                AwardItemRow.director_status == "approved",
                AwardItemRow.revoked_at.is_(None),
            )
            .order_by(RoundRow.year, AwardItemRow.code, AwardItemRow.id)
        ).all()
        decisions: dict[int, tuple[str, date | None]] = {}
        round_ids = {r.id for _, r in rows}
        if round_ids:
            for doc, issued_on in self.session.execute(
                select(DocumentRow, DocumentRegisterEntryRow.issued_on)
                .outerjoin(
                    DocumentRegisterEntryRow,
                    DocumentRegisterEntryRow.document_id == DocumentRow.id,
                )
                .where(DocumentRow.round_id.in_(round_ids), DocumentRow.kind == "decision")
            ).all():
                decisions[doc.round_id] = (doc.number, issued_on)
        out: list[ReceivedAwardRecord] = []
        for item, rnd in rows:
            if item.level == "province" and item.province_status != "approved":
                continue
            number: str | None = None
            decided_on: date | None = None
            if item.level == "director" and rnd.id in decisions:
                number, decided_on = decisions[rnd.id]
            out.append(
                ReceivedAwardRecord(
                    year=rnd.year,
                    code=item.code,
                    level=item.level,
                    ruleset_id=rnd.ruleset_id,
                    ruleset_version=rnd.ruleset_version,
                    decision_number=number,
                    decision_date=decided_on,
                )
            )
        return out

    # ---- the documents -------------------------------------------------------------------------

    def documents(self, key: str) -> list[DocumentView]:
        row = self._row(key)
        docs = self.session.scalars(
            select(DocumentRow).where(DocumentRow.round_id == row.id).order_by(DocumentRow.id)
        )
        return [
            DocumentView(
                kind=d.kind,
                number=d.number,
                formats=[fmt for fmt, path in (d.files or {}).items() if path],
                sha256=d.sha256,
            )
            for d in docs
        ]

    def document_file(self, key: str, kind: str, fmt: str) -> str | None:
        row = self._row(key)
        doc = self.session.scalars(
            select(DocumentRow).where(DocumentRow.round_id == row.id, DocumentRow.kind == kind)
        ).first()
        path = (doc.files or {}).get(fmt) if doc else None
        return str(path) if path else None
