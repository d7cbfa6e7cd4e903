"""Rosters, the ratings register and nominations waiting for the Office, written straight into a
seeded database (until the org and ratings imports exist), and a round's closing over the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from rules.engine import RulesEngine
from tests.support.db import SeededDb
from thidua.adapters.db.agency import agency_id
from thidua.adapters.db.models import (
    MovementRow,
    NominationRow,
    StaffAssignmentRow,
    StaffRatingRow,
    StaffRow,
    UnitRow,
)
from thidua.app import rounds
from thidua.app.consolidation import Consolidation
from thidua.app.ports.org import NewStaff, NewUnit
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import LatePolicy, RoundActivityInput, RoundStage, RoundStep

MOVEMENT, YEAR = "NTM-2024", 2024
CLOSES_AT = datetime(2024, 12, 20, 10, 0, tzinfo=UTC)
OFFICE = Actor(username="vanphong", role=Role.OFFICE)
DOSSIER = {"achievement_report": "bc.pdf", "review_minutes": "bb.pdf", "evidence": ["qd.pdf"]}


def add_unit(db: SeededDb, code: str, size: int, *, women: int = 0) -> list[str]:
    """A division ``code`` with ``size`` staff (``code``01...; the first ``women`` are women),
    all on its roster since 2020; their codes."""
    codes = [f"{code}{i:02d}" for i in range(1, size + 1)]
    with db.uow() as tx:
        tx.org.add_units([NewUnit(code=code, name=f"Phòng {code}", short=code, kind="division")])
        tx.org.add_staff(
            [
                NewStaff(
                    code=c,
                    full_name=f"Cán bộ {c}",
                    gender="nu" if i < women else "nam",
                    position="Chuyên viên",
                    birth_year=None,
                    unit=code,
                    joined=date(2020, 1, 1),
                )
                for i, c in enumerate(codes)
            ]
        )
    return codes


def rate(db: SeededDb, codes: list[str], rating: str, **record: Any) -> None:
    """The register's rows of ``YEAR`` for ``codes`` (12 months, no discipline unless given)."""
    with db.uow.session() as session:
        agency = agency_id(session)
        for code in codes:
            staff = session.scalars(select(StaffRow).where(StaffRow.code == code)).one()
            session.add(
                StaffRatingRow(
                    agency_id=agency,
                    staff_id=staff.id,
                    year=record.get("year", YEAR),
                    rating=rating,
                    months_worked=record.get("months_worked", 12),
                    maternity_months=record.get("maternity_months", 0),
                    discipline=record.get("discipline", "none"),
                    discipline_until=None,
                    updated_by="test",
                    updated_at=datetime.now(UTC),
                )
            )


def transfer(db: SeededDb, code: str, to_unit: str, on: date) -> None:
    """``code`` leaves their unit the day before ``on`` and joins ``to_unit`` on ``on``."""
    with db.uow.session() as session:
        staff = session.scalars(select(StaffRow).where(StaffRow.code == code)).one()
        unit = session.scalars(select(UnitRow).where(UnitRow.code == to_unit)).one()
        current = session.scalars(
            select(StaffAssignmentRow).where(
                StaffAssignmentRow.staff_id == staff.id, StaffAssignmentRow.valid_to.is_(None)
            )
        ).one()
        current.valid_to = on - timedelta(days=1)
        session.add(
            StaffAssignmentRow(
                staff_id=staff.id,
                unit_id=unit.id,
                position=staff.position,
                valid_from=on,
                valid_to=None,
            )
        )
        staff.unit_id = unit.id


def nominate(db: SeededDb, unit_code: str, facts: dict[str, Any]) -> str:
    """A nomination approved by its unit and waiting for the Office (complete dossier)."""
    with db.uow.session() as session:
        movement = session.scalars(select(MovementRow).where(MovementRow.code == MOVEMENT)).one()
        unit = session.scalars(select(UnitRow).where(UnitRow.code == unit_code)).one()
        key = f"{MOVEMENT}_{YEAR}_{facts['id']}"
        session.add(
            NominationRow(
                key=key,
                workflow_id=f"nomination-{key}",
                movement_id=movement.id,
                year=YEAR,
                unit_id=unit.id,
                kind=facts["kind"],
                nominee_code=facts["id"],
                nominee_name=str(facts["id"]),
                stage=Stage.OFFICE_REVIEW.value,
                facts={"year": YEAR, **facts},
                status="eligible",
                submitted_by="test",
                created_at=CLOSES_AT - timedelta(days=5),
                updated_at=CLOSES_AT - timedelta(days=4),
                dossier=DOSSIER,
                unit_approved_at=CLOSES_AT - timedelta(days=4),
            )
        )
    return key


class _AcceptingWorkflows:
    """Every nomination's workflow takes every update."""

    async def review(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        return None

    async def hold(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        return None


async def close_round(db: SeededDb, engine: RulesEngine) -> dict[str, dict[str, Any]]:
    """Open the movement's round and close it (the Office's appraisal); its results by key."""
    with db.uow() as tx:
        opened = rounds.open_round(
            tx,
            OFFICE,
            movement_code=MOVEMENT,
            year=YEAR,
            closes_at=CLOSES_AT,
            late_policy=LatePolicy.REFUSE,
            workflow_id=lambda key: f"test-round-{key}",
        )
    steps = Consolidation(
        db.uow,
        engine,
        _AcceptingWorkflows(),  # type: ignore[arg-type]
        issue_documents=lambda tx, key, on: None,
    )
    done = RoundStep(
        seq=1,
        action="close",
        stage_to=RoundStage.COUNCIL,
        actor=None,
        reason=None,
        at=CLOSES_AT + timedelta(days=1),
    )
    await steps.appraise(RoundActivityInput(round_key=opened.key, step=done, closed_by=OFFICE))
    with db.uow() as tx:
        view = rounds.get_round(tx, OFFICE, opened.key)
    return {r["key"]: r for r in view.results}


def flag(result: dict[str, Any], code: str) -> str | None:
    """The message of ``result``'s flag ``code`` (None without one)."""
    return next((f["message_vi"] for f in result["flags"] if f["code"] == code), None)


class EmptyRoster:
    """``RosterQueries`` of a deployment with no roster or register yet (for unit-test fakes)."""

    def roster_on(self, on: date, unit_code: str | None = None) -> list[Any]:
        return []

    def assignments_in(self, year: int) -> list[Any]:
        return []

    def register(self, year: int, staff_codes: Any = None) -> list[Any]:
        return []

    def final_review_start(self, movement_code: str) -> date | None:
        return None
