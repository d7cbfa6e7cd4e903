"""Movements and registrations over the real store (SQLite and PostgreSQL): create and update
(audited), award codes checked against the ruleset in force, registrations scoped to the unit,
the registration phase, the import of a ``registrations`` sheet (one bad row imports nothing),
and the not_registered flag at consolidation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.integration.test_rounds import (
    AcceptingNominationWorkflows,
    actor,
    approved_by_units,
    open_round,
    step,
)
from tests.support.db import SeededDb
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.models import AuditEntryRow, RegistrationRow, StaffRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import movements
from thidua.app.consolidation import Consolidation
from thidua.domain.movements import MovementSpec, parse_movements_yaml
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundStage

SAMPLE = Path(__file__).resolve().parents[2] / "thidua" / "datasets" / "sample" / "movements.yaml"
ADMIN = Actor(username="quantri", role=Role.ADMIN)

# In the registration phase of TD-2024 (Vietnam time), and after it.
DURING = datetime(2024, 1, 15, 3, 0, tzinfo=UTC)
AFTER = datetime(2024, 3, 1, 3, 0, tzinfo=UTC)


def annual(**changes: Any) -> MovementSpec:
    data: dict[str, Any] = {
        "code": "TD-2024",
        "kind": "annual_review",
        "name": "Bình xét danh hiệu thi đua năm 2024",
        "year": 2024,
        "plan": {"number": "05/KH-SLĐTBXH", "date": date(2024, 1, 3)},
        "opens": date(2024, 1, 5),
        "closes": date(2024, 12, 20),
        "awards": ["LDTT", "CSTDCS", "TTLDTT"],
        "phases": [
            {"phase": "registration", "starts": date(2024, 1, 5), "ends": date(2024, 1, 31)},
            {"phase": "final_review", "starts": date(2024, 12, 1), "ends": date(2024, 12, 20)},
        ],
        **changes,
    }
    return MovementSpec.model_validate(data)


def create(db: SeededDb, spec: MovementSpec | None = None, who: str = "vanphong") -> Any:
    with db.uow() as tx:
        return movements.create_movement(tx, actor(db, who), spec or annual())


def audits(db: SeededDb, action: str) -> list[AuditEntryRow]:
    with db.uow.session() as session:
        rows = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == action).order_by(AuditEntryRow.seq)
        ).all()
        session.expunge_all()
        return list(rows)


def refusal(fn: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        fn()
    return info.value


def register(
    db: SeededDb,
    who: str | Actor,
    unit: str,
    titles: list[str],
    staff: str | None = None,
    at: datetime = DURING,
    movement: str = "TD-2024",
) -> Any:
    with db.uow() as tx:
        acting = who if isinstance(who, Actor) else actor(db, who)
        body = movements.RegistrationRequest(unit=unit, staff=staff, titles=titles)
        return movements.register(tx, acting, movement, body, at=at)


class TestCreateAndUpdate:
    def test_the_office_creates_a_movement_audited_with_its_data(self, seeded: SeededDb) -> None:
        """Created by the Office: stored with its phases, audited ``movement.created``."""
        result = create(seeded)
        assert result.notes == []  # the 2024 ruleset knows every award
        assert [p.phase for p in result.movement.phases] == ["registration", "final_review"]
        (entry,) = [e for e in audits(seeded, "movement.created") if e.object_id == "TD-2024"]
        assert entry.actor == "vanphong"
        assert entry.after is not None and entry.after["awards"] == ["LDTT", "CSTDCS", "TTLDTT"]

    def test_update_is_audited_with_before_and_after(self, seeded: SeededDb) -> None:
        """An update stores the new data and audits both states."""
        create(seeded)
        with seeded.uow() as tx:
            movements.update_movement(tx, ADMIN, annual(name="Bình xét năm 2024 (sửa)"))
        (entry,) = audits(seeded, "movement.updated")
        assert entry.before is not None and entry.after is not None
        assert entry.before["name"] == "Bình xét danh hiệu thi đua năm 2024"
        assert entry.after["name"] == "Bình xét năm 2024 (sửa)"
        with seeded.uow() as tx:
            shown = movements.show_movement(tx, actor(seeded, "canbo.ldvl"), "TD-2024")
        assert shown.movement.name == "Bình xét năm 2024 (sửa)"

    def test_a_second_movement_with_the_same_code_is_refused(self, seeded: SeededDb) -> None:
        """Codes are unique."""
        create(seeded)
        r = refusal(lambda: create(seeded))
        assert r.code is RefusalCode.DUPLICATE and r.field == "code"

    @pytest.mark.parametrize("who", ["canbo.ldvl", "truongphong.ldvl", "giamdoc", "kiemtoan"])
    def test_other_roles_may_not_create(self, seeded: SeededDb, who: str) -> None:
        """Only the Office and administrators create movements."""
        assert refusal(lambda: create(seeded, who=who)).code is RefusalCode.FORBIDDEN

    def test_unknown_award_codes_are_refused_by_index(self, seeded: SeededDb) -> None:
        """An award no ruleset in force during the year knows is refused at its index."""
        r = refusal(lambda: create(seeded, annual(awards=["LDTT", "HUAN_CHUONG"])))
        assert r.code is RefusalCode.INVALID and r.field == "awards[1]"

    def test_a_year_without_a_ruleset_checks_the_format_only_and_says_so(
        self, seeded: SeededDb
    ) -> None:
        """No published version meets 2023 (ntm-2024@1 starts in 2024, tdkt-2025@1 has no end):
        accepted, with a note saying what was checked."""
        spec = annual(code="TD-2023", year=2023, phases=[], awards=["HUAN_CHUONG"])
        spec = spec.model_copy(update={"opens": date(2023, 1, 5), "closes": date(2023, 12, 20)})
        result = create(seeded, spec)
        assert "2023" in result.notes[0] and "định dạng" in result.notes[0]

    def test_without_an_agency_creating_is_refused_with_the_next_step(self, db_url: str) -> None:
        """An empty database: the refusal tells to set the agency's profile first."""
        upgrade(db_url)
        engine = make_engine(db_url)
        try:
            with SqlUnitOfWork(engine)() as tx:
                r = refusal(lambda: movements.create_movement(tx, ADMIN, annual()))
        finally:
            engine.dispose()
        assert r.code is RefusalCode.CONFLICT
        assert r.message == "Chưa có hồ sơ cơ quan: chạy `thidua agency set FILE.yaml` trước."

    def test_the_sample_file_is_the_seeded_movement_and_loads_again_as_a_no_op(
        self, seeded: SeededDb
    ) -> None:
        """The seed creates NTM-2024 from the sample file; loading it again changes nothing."""
        assert [(e.object_id, e.actor) for e in audits(seeded, "movement.created")] == [
            ("NTM-2024", "system")
        ]
        with seeded.uow() as tx:
            (view,) = movements.load_movements_file(tx, SAMPLE, "system")
        assert [c.code for c in view.contents] == ["c1", "c2", "c3", "c4"]
        assert view.awards[:2] == ["LDTT", "CSTDCS"] and view.phases == []
        assert audits(seeded, "movement.updated") == []


class TestRegistrations:
    def test_a_unit_registers_itself_and_its_staff(self, seeded: SeededDb) -> None:
        """A unit officer registers the unit and a staff member; each audited once."""
        create(seeded)
        unit = register(seeded, "canbo.ldvl", "LDVL", ["TTLDTT"])
        person = register(seeded, "canbo.ldvl", "LDVL", ["LDTT", "CSTDCS"], staff="NV018")
        assert (unit.subject_kind, unit.subject_code, unit.late) == ("collective", "LDVL", False)
        assert (person.subject_kind, person.subject_name) == ("individual", "Nguyễn Thị Ngọc Hân")
        assert len(audits(seeded, "registration.created")) == 2

    def test_registering_again_replaces_the_titles_audited(self, seeded: SeededDb) -> None:
        """One registration per subject: the second replaces the titles, before/after audited."""
        create(seeded)
        register(seeded, "canbo.ldvl", "LDVL", ["LDTT", "CSTDCS"], staff="NV018")
        again = register(seeded, "truongphong.ldvl", "LDVL", ["LDTT"], staff="NV018")
        assert again.titles == ["LDTT"] and again.registered_by == "truongphong.ldvl"
        with seeded.uow.session() as session:
            assert session.scalar(select(func.count()).select_from(RegistrationRow)) == 1
        (entry,) = audits(seeded, "registration.replaced")
        assert entry.before is not None and entry.after is not None
        assert (entry.before["titles"], entry.after["titles"]) == (["LDTT", "CSTDCS"], ["LDTT"])

    def test_another_units_subjects_are_not_found(self, seeded: SeededDb) -> None:
        """A unit officer of GDNN cannot register LDVL or its staff: not found, not forbidden."""
        create(seeded)
        r = refusal(lambda: register(seeded, "canbo.gdnn", "LDVL", ["TTLDTT"]))
        assert (r.code, r.field) == (RefusalCode.NOT_FOUND, "unit")
        r = refusal(lambda: register(seeded, "canbo.gdnn", "GDNN", ["LDTT"], staff="NV018"))
        assert (r.code, r.field) == (RefusalCode.NOT_FOUND, "staff")

    def test_unit_roles_list_their_own_units_only(self, seeded: SeededDb) -> None:
        """The list is scoped: GDNN sees its registration only; the Office sees both."""
        create(seeded)
        register(seeded, "canbo.ldvl", "LDVL", ["TTLDTT"])
        register(seeded, "vanphong", "GDNN", ["TTLDTT"])
        with seeded.uow() as tx:
            mine = movements.list_registrations(tx, actor(seeded, "canbo.gdnn"), "TD-2024")
            every = movements.list_registrations(tx, actor(seeded, "vanphong"), "TD-2024")
        assert [r.unit for r in mine] == ["GDNN"]
        assert [r.unit for r in every] == ["GDNN", "LDVL"]

    def test_roles_outside_units_and_the_office_do_not_register(self, seeded: SeededDb) -> None:
        """The Director does not register for titles."""
        create(seeded)
        r = refusal(lambda: register(seeded, "giamdoc", "LDVL", ["TTLDTT"]))
        assert r.code is RefusalCode.FORBIDDEN

    def test_titles_outside_the_awards_or_for_the_wrong_kind_are_refused(
        self, seeded: SeededDb
    ) -> None:
        """A title the movement does not grant, or an individual title for a unit: ``titles``."""
        create(seeded)
        r = refusal(lambda: register(seeded, "canbo.ldvl", "LDVL", ["GIAY_KHEN"]))
        assert r.field == "titles" and "TD-2024" in r.message
        r = refusal(lambda: register(seeded, "canbo.ldvl", "LDVL", ["LDTT"]))
        assert r.field == "titles" and "tập thể" in r.message

    def test_a_staff_member_who_left_is_not_registered(self, seeded: SeededDb) -> None:
        """Staff who left before the registration: refused at ``staff`` with the date."""
        create(seeded)
        with seeded.uow.session() as session:
            session.execute(
                update(StaffRow).where(StaffRow.code == "NV020").values(left=date(2023, 12, 31))
            )
        r = refusal(lambda: register(seeded, "canbo.ldvl", "LDVL", ["LDTT"], staff="NV020"))
        assert (r.code, r.field) == (RefusalCode.INVALID, "staff") and "31/12/2023" in r.message

    def test_outside_the_phase_units_are_refused_and_the_office_records_late(
        self, seeded: SeededDb
    ) -> None:
        """After the phase: a unit officer is refused with the dates; the Office's is late."""
        create(seeded)
        r = refusal(lambda: register(seeded, "canbo.ldvl", "LDVL", ["TTLDTT"], at=AFTER))
        assert r.code is RefusalCode.WRONG_STAGE and r.problem == "registration_closed"
        assert "05/01/2024" in r.message and "31/01/2024" in r.message
        late = register(seeded, "vanphong", "LDVL", ["TTLDTT"], at=AFTER)
        assert late.late
        (entry,) = audits(seeded, "registration.created")
        assert entry.after is not None and entry.after["late"] is True


def rows(*cells: tuple[str, str, str, str, str]) -> list[tuple[int, dict[str, str | None]]]:
    keys = ("movement", "kind", "code", "unit", "titles")
    return [(i, dict(zip(keys, c, strict=True))) for i, c in enumerate(cells, start=2)]


GOOD = (
    ("TD-2024", "collective", "LDVL", "", "TTLDTT"),
    ("TD-2024", "individual", "NV018", "LDVL", "LDTT, CSTDCS"),
)


def registrations_count(db: SeededDb) -> int:
    with db.uow.session() as session:
        return int(session.scalar(select(func.count()).select_from(RegistrationRow)) or 0)


class TestImport:
    def test_good_rows_are_registered(self, seeded: SeededDb) -> None:
        """Every row registered; titles split on commas."""
        create(seeded)
        with seeded.uow() as tx:
            report = movements.import_registrations(
                tx, actor(seeded, "canbo.ldvl"), rows(*GOOD), at=DURING
            )
        assert (report.rows, report.created, report.replaced) == (2, 2, 0)
        assert report.registrations[1].titles == ["LDTT", "CSTDCS"]
        with seeded.uow() as tx:  # the same file again: nothing changes, nothing audited
            again = movements.import_registrations(
                tx, actor(seeded, "canbo.ldvl"), rows(*GOOD), at=DURING
            )
        assert (again.created, again.replaced, again.unchanged) == (0, 0, 2)
        assert len(audits(seeded, "registration.created")) == 2
        assert audits(seeded, "registration.replaced") == []

    def test_one_bad_row_imports_nothing_and_names_sheet_row_and_column(
        self, seeded: SeededDb
    ) -> None:
        """An unknown staff code on row 4: refused by sheet, row and column; nothing written."""
        create(seeded)
        bad = (*GOOD, ("TD-2024", "individual", "NV999", "LDVL", "LDTT"))
        with seeded.uow() as tx:
            r = refusal(
                lambda: movements.import_registrations(
                    tx, actor(seeded, "vanphong"), rows(*bad), at=DURING
                )
            )
        assert r.code is RefusalCode.INVALID and r.field == "registrations"
        assert r.message.startswith("Trang registrations, dòng 4, cột code: ")
        assert r.message.endswith("Không nhập dòng nào.")
        assert [(e.line, e.column) for e in r.errors] == [(4, 3)]
        assert registrations_count(seeded) == 0

    def test_another_units_row_is_an_error_of_that_row(self, seeded: SeededDb) -> None:
        """A GDNN officer's file with an LDVL row: that row's unit is not found."""
        create(seeded)
        with seeded.uow() as tx:
            r = refusal(
                lambda: movements.import_registrations(
                    tx, actor(seeded, "canbo.gdnn"), rows(*GOOD), at=DURING
                )
            )
        assert [e.message.split(":")[0] for e in r.errors] == [
            "dòng 2, cột unit",
            "dòng 3, cột code",
        ]

    def test_a_dry_run_checks_and_writes_nothing(self, seeded: SeededDb) -> None:
        """--dry-run: the rows are counted, nothing is stored or audited."""
        create(seeded)
        with seeded.uow() as tx:
            report = movements.import_registrations(
                tx, actor(seeded, "vanphong"), rows(*GOOD), dry_run=True, at=DURING
            )
        assert report.dry_run and report.rows == 2
        assert registrations_count(seeded) == 0 and audits(seeded, "registration.created") == []


def with_registration_phase(db: SeededDb) -> None:
    """NTM-2024 as the sample file has it, plus a registration phase in January."""
    (spec,) = parse_movements_yaml(SAMPLE.read_text(encoding="utf-8"))
    phase = {"phase": "registration", "starts": date(2024, 1, 2), "ends": date(2024, 1, 31)}
    spec = MovementSpec.model_validate({**spec.model_dump(), "phases": [phase]})
    with db.uow() as tx:
        movements.update_movement(tx, ADMIN, spec)


class TestNotRegisteredAtConsolidation:
    async def test_recommended_titles_without_registration_are_flagged(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """NV018 registered LDTT only (CSTDCS flagged), NV019 not at all; the returned one not."""
        a, b, incomplete = approved_by_units(seeded)
        with_registration_phase(seeded)
        register(seeded, "canbo.ldvl", "LDVL", ["LDTT"], staff="NV018", movement="NTM-2024")
        open_round(seeded)
        steps = Consolidation(
            seeded.uow,
            rules_engine,
            AcceptingNominationWorkflows(),  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: None,
        )
        await steps.appraise(
            step(1, "close", RoundStage.COUNCIL, closed_by=actor(seeded, "vanphong"))
        )
        with seeded.uow() as tx:
            stored = tx.rounds.get("NTM-2024_2024_dot1")
        assert stored is not None and stored.appraisal is not None
        flags = {
            r["key"]: [f["message_vi"] for f in r["flags"] if f["code"] == "not_registered"]
            for r in stored.appraisal["results"]
        }
        assert len(flags[a]) == 1 and "(CSTDCS)" in flags[a][0] and "(LDTT)" not in flags[a][0]
        assert len(flags[b]) == 1 and "chưa đăng ký thi đua" in flags[b][0]
        assert flags[incomplete] == []

    async def test_without_a_registration_phase_nothing_is_flagged(
        self, seeded: SeededDb, rules_engine: Any
    ) -> None:
        """The sample movement has no registration phase: no not_registered flag."""
        approved_by_units(seeded)
        open_round(seeded)
        steps = Consolidation(
            seeded.uow,
            rules_engine,
            AcceptingNominationWorkflows(),  # type: ignore[arg-type]
            issue_documents=lambda tx, round_key, on: None,
        )
        await steps.appraise(
            step(1, "close", RoundStage.COUNCIL, closed_by=actor(seeded, "vanphong"))
        )
        with seeded.uow() as tx:
            stored = tx.rounds.get("NTM-2024_2024_dot1")
        assert stored is not None and stored.appraisal is not None
        codes = [f["code"] for r in stored.appraisal["results"] for f in r["flags"]]
        assert "not_registered" not in codes
