"""The evaluations store over SQLAlchemy: the decision explorer's queries and what-if's snapshots.

What-if reads its snapshots with one plain query (facts as raw JSON text, no ORM objects, no
stored result): see ``thidua.app.whatif`` and bench/whatif.py for why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from rules.canonical import Encoding
from thidua.adapters.db.models import EvaluationRow, MovementRow, NominationRow, RoundRow, UnitRow
from thidua.app.ports.evaluations import DecisionFilter, RoundAppraisal, Snapshot, StoredDecision

CHUNK = 500  # ids per IN (...) when reading stored results


class SqlEvaluationStore:
    """Implements ``thidua.app.ports.evaluations.EvaluationStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- decisions ---------------------------------------------------------------------------

    def decisions(
        self,
        scope: Sequence[str] | None,
        f: DecisionFilter,
        *,
        after_id: int | None = None,
        limit: int = 200,
    ) -> list[StoredDecision]:
        q = _query(scope, f)
        if after_id is not None:
            q = q.where(EvaluationRow.id > after_id)
        rows = self.session.execute(q.order_by(EvaluationRow.id).limit(limit)).all()
        return [_decision(*row) for row in rows]

    def decision(self, scope: Sequence[str] | None, evaluation_id: int) -> StoredDecision | None:
        row = self.session.execute(
            _query(scope, DecisionFilter()).where(EvaluationRow.id == evaluation_id)
        ).first()
        return None if row is None else _decision(*row)

    def appraisals(self, *, movement: str | None, year: int | None) -> list[RoundAppraisal]:
        q = select(RoundRow.key, RoundRow.appraisal).join(
            MovementRow, MovementRow.id == RoundRow.movement_id
        )
        if movement:
            q = q.where(MovementRow.code == movement)
        if year:
            q = q.where(RoundRow.year == year)
        return [
            RoundAppraisal(key, list((appraisal or {}).get("results", [])))
            for key, appraisal in self.session.execute(q.order_by(RoundRow.id))
        ]

    # ---- what-if's snapshots -----------------------------------------------------------------

    def latest_snapshots(self, *, movement: str | None, year: int | None) -> list[Snapshot]:
        latest = select(func.max(EvaluationRow.id)).group_by(EvaluationRow.nomination_id)
        q = (
            select(
                EvaluationRow.id,
                NominationRow.key,
                UnitRow.code,
                NominationRow.kind,
                NominationRow.nominee_code,
                NominationRow.nominee_name,
                EvaluationRow.status,
                type_coerce(EvaluationRow.titles, Text),
                type_coerce(EvaluationRow.proposals, Text),
                EvaluationRow.ruleset_id,
                EvaluationRow.ruleset_version,
                type_coerce(EvaluationRow.facts, Text),
            )
            .join(NominationRow, NominationRow.id == EvaluationRow.nomination_id)
            .join(UnitRow, UnitRow.id == NominationRow.unit_id)
            .where(EvaluationRow.id.in_(latest))
        )
        if movement:
            q = q.join(MovementRow, MovementRow.id == NominationRow.movement_id).where(
                MovementRow.code == movement
            )
        if year:
            q = q.where(NominationRow.year == year)
        q = q.order_by(EvaluationRow.id)
        out: list[Snapshot] = []
        for (
            ev_id,
            key,
            unit,
            kind,
            code,
            name,
            status,
            titles,
            proposals,
            rid,
            ver,
            facts,
        ) in self.session.execute(q):
            out.append(
                Snapshot(
                    ev_id,
                    key,
                    unit,
                    kind,
                    code,
                    name,
                    status,
                    tuple(_decode(titles)),
                    tuple(_decode(proposals)),
                    f"{rid}@{ver}",
                    facts if isinstance(facts, str) else json.dumps(facts),
                )
            )
        return out

    def results(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            for ev_id, result in self.session.execute(
                select(EvaluationRow.id, EvaluationRow.result).where(EvaluationRow.id.in_(part))
            ):
                out[ev_id] = result or {}
        return out


def _query(
    scope: Sequence[str] | None, f: DecisionFilter
) -> Select[EvaluationRow, NominationRow, str, str]:
    q = (
        select(EvaluationRow, NominationRow, UnitRow.code, MovementRow.code)
        .join(NominationRow, NominationRow.id == EvaluationRow.nomination_id)
        .join(UnitRow, UnitRow.id == NominationRow.unit_id)
        .join(MovementRow, MovementRow.id == NominationRow.movement_id)
    )
    if scope is not None:
        q = q.where(UnitRow.code.in_(list(scope) or [""]))
    if f.movement:
        q = q.where(MovementRow.code == f.movement)
    if f.unit:
        q = q.where(UnitRow.code == f.unit)
    if f.year:
        q = q.where(NominationRow.year == f.year)
    if f.kind:
        q = q.where(NominationRow.kind == f.kind)
    if f.nomination:
        q = q.where(NominationRow.key == f.nomination)
    if f.phase:
        q = q.where(EvaluationRow.phase == f.phase)
    if f.outcome:
        q = q.where(EvaluationRow.status == f.outcome)
    if f.ruleset_id:
        q = q.where(EvaluationRow.ruleset_id == f.ruleset_id)
    if f.version:
        q = q.where(EvaluationRow.ruleset_version == f.version)
    if f.title:
        needle = f'%"{f.title}"%'  # titles/proposals are JSON lists of codes
        q = q.where(
            cast(EvaluationRow.titles, String).like(needle)
            | cast(EvaluationRow.proposals, String).like(needle)
        )
    return q


def _decision(ev: EvaluationRow, nom: NominationRow, unit: str, movement: str) -> StoredDecision:
    at = ev.evaluated_at if ev.evaluated_at.tzinfo else ev.evaluated_at.replace(tzinfo=dt.UTC)
    return StoredDecision(
        id=ev.id,
        nomination=nom.key,
        movement=movement,
        year=nom.year,
        unit=unit,
        kind=nom.kind,
        nominee_code=nom.nominee_code,
        nominee_name=nom.nominee_name,
        phase=ev.phase,
        ruleset_id=ev.ruleset_id,
        ruleset_version=ev.ruleset_version,
        ruleset_sha256=ev.ruleset_sha256,
        status=ev.status,
        titles=list(ev.titles or []),
        proposals=list(ev.proposals or []),
        facts=ev.facts,
        result=ev.result or {},
        evaluated_at=at,
        hash_encoding=Encoding(ev.hash_encoding or Encoding.SORTED_JSON),
    )


def _decode(raw: Any) -> Any:
    if raw is None:
        return []
    if isinstance(raw, str):
        return json.loads(raw)
    return raw
