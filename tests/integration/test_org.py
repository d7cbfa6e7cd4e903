"""The organisation and the ratings register as data, on SQLite and PostgreSQL: import, dry run,
all-or-nothing, transfers as dated assignments, export round trip, ratings and unit scoping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from tests.support.db import SeededDb
from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import org, ratings
from thidua.app.org_tables import Table, TableRow
from thidua.app.ports.audit import AuditFilter
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

ADMIN = Actor(username="quantri", role=Role.ADMIN)


def table(kind: str, *rows: dict[str, str]) -> Table:
    return Table(
        kind, [TableRow(n, {k: (v or None) for k, v in r.items()}) for n, r in enumerate(rows, 2)]
    )


UNITS = table(
    "units",
    {"code": "VP", "name": "Văn phòng", "kind": "division", "abbreviation": "VP"},
    {"code": "TCCB", "name": "Phòng Tổ chức cán bộ", "kind": "division", "abbreviation": "TCCB"},
)
STAFF = table(
    "staff",
    {"code": "A1", "full_name": "Nguyễn An", "gender": "nam", "unit": "VP", "position": "CV"},
    {
        "code": "A2",
        "full_name": "Trần Bình",
        "gender": "nu",
        "unit": "VP",
        "position": "CV",
        "joined": "2020-01-01",
    },
    {"code": "A3", "full_name": "Lê Chi", "gender": "nu", "unit": "TCCB", "position": "TP"},
)


@pytest.fixture
def uow(db_url: str) -> Iterator[SqlUnitOfWork]:
    """A migrated database with an agency and no organisation."""
    upgrade(db_url)
    u = SqlUnitOfWork(make_engine(db_url))
    with u() as tx:
        tx.agency.ensure_agency("SNV-TEST")
    yield u
    u.engine.dispose()


def _import(uow: SqlUnitOfWork, *tables: Table, **kw: object) -> org.ImportSummary:
    with uow() as tx:
        return org.import_org(tx, ADMIN, {t.kind: t for t in tables}, **kw)  # type: ignore[arg-type]


class TestImportOrg:
    def test_import_creates_units_and_staff_with_audit(self, uow: SqlUnitOfWork) -> None:
        """A first import creates every unit and staff member, one audit entry each."""
        summary = _import(uow, UNITS, STAFF)
        assert summary.sheets["units"].created == 2 and summary.sheets["staff"].created == 3
        with uow() as tx:
            assert [u.code for u in org.list_units(tx, ADMIN)] == ["TCCB", "VP"]
            assert [s.code for _, s in org.list_staff(tx, ADMIN, "VP")] == ["A1", "A2"]
            entries = tx.audit.find(AuditFilter(action="org."), None, 100)
        assert sorted(e.action for e in entries).count("org.staff_created") == 3
        assert sum(e.action == "org.unit_created" for e in entries) == 2

    def test_dry_run_writes_nothing(self, uow: SqlUnitOfWork) -> None:
        """A dry run reports what it would do and leaves the database as it was."""
        summary = _import(uow, UNITS, STAFF, dry_run=True)
        assert summary.dry_run and summary.sheets["staff"].created == 3
        with uow() as tx:
            assert tx.org.units() == [] and tx.org.all_staff() == []

    def test_one_bad_row_imports_nothing_and_lists_every_error(self, uow: SqlUnitOfWork) -> None:
        """Two bad cells in a file: both reported with sheet, row, column; nothing written."""
        bad = table(
            "staff",
            {
                "code": "A1",
                "full_name": "Nguyễn An",
                "gender": "nam",
                "unit": "VP",
                "position": "CV",
            },
            {"code": "A2", "full_name": "Trần Bình", "gender": "x", "unit": "ZZ", "position": "CV"},
        )
        with pytest.raises(Refusal) as caught:
            _import(uow, UNITS, bad)
        messages = [e.message for e in caught.value.errors]
        assert "sheet staff, dòng 3, cột gender: «x» không hợp lệ; chỉ nhận: nam, nu" in messages
        assert any(m.startswith("sheet staff, dòng 3, cột unit:") for m in messages)
        assert "không nhập dòng nào" in caught.value.message
        with uow() as tx:
            assert tx.org.units() == []

    def test_import_without_agency_is_refused(self, db_url: str) -> None:
        """Before the agency profile exists, an import says to set it first."""
        upgrade(db_url)
        u = SqlUnitOfWork(make_engine(db_url))
        try:
            with pytest.raises(Refusal) as caught, u() as tx:
                org.import_org(tx, ADMIN, {"units": UNITS})
            assert caught.value.message == org.NO_AGENCY
        finally:
            u.engine.dispose()

    def test_non_admin_cannot_import(self, uow: SqlUnitOfWork) -> None:
        """The Office reads the organisation but does not import it."""
        with pytest.raises(Refusal) as caught, uow() as tx:
            org.import_org(tx, Actor(username="vp", role=Role.OFFICE), {"units": UNITS})
        assert caught.value.code is RefusalCode.FORBIDDEN


class TestTransfers:
    def test_transfer_on_1_july_gives_two_assignments_and_two_rosters(
        self, uow: SqlUnitOfWork
    ) -> None:
        """A unit changed with unit_from 2026-07-01: rosters before and after differ."""
        _import(uow, UNITS, STAFF)
        moved = table(
            "staff",
            {
                "code": "A1",
                "full_name": "Nguyễn An",
                "gender": "nam",
                "unit": "TCCB",
                "position": "CV",
                "unit_from": "2026-07-01",
            },
        )
        summary = _import(uow, moved, effective=date(2026, 12, 31))
        assert summary.sheets["staff"].transferred == 1
        with uow() as tx:
            detail = org.get_staff(tx, ADMIN, "A1")
            june = {s.code for _, s in org.list_staff(tx, ADMIN, "VP", date(2026, 6, 30))}
            december = {s.code for _, s in org.list_staff(tx, ADMIN, "VP", date(2026, 12, 31))}
            tccb = {s.code for _, s in org.list_staff(tx, ADMIN, "TCCB", date(2026, 12, 31))}
            actions = [e.action for e in tx.audit.find(AuditFilter(object_id="A1"), None, 10)]
        assert [(a.unit, a.valid_to) for a in detail.assignments] == [
            ("VP", date(2026, 6, 30)),
            ("TCCB", None),
        ]
        assert detail.assignments[1].valid_from == date(2026, 7, 1)
        assert detail.staff.unit == "TCCB"
        assert "A1" in june and "A1" not in december and "A1" in tccb
        assert "org.staff_transferred" in actions

    def test_left_closes_the_open_assignment(self, uow: SqlUnitOfWork) -> None:
        """A leaving date ends the staff member's assignment on that date."""
        _import(uow, UNITS, STAFF)
        with uow() as tx:
            detail = org.correct_staff(tx, ADMIN, "A2", {"left": "2026-03-31"})
        assert detail.assignments[-1].valid_to == date(2026, 3, 31)
        with uow() as tx:
            assert "A2" not in {
                s.code for _, s in org.list_staff(tx, ADMIN, "VP", date(2026, 4, 1))
            }


class TestExportRoundTrip:
    def test_export_then_import_changes_nothing(self, uow: SqlUnitOfWork) -> None:
        """What export writes, import reads back as unchanged (no audit entry added)."""
        _import(uow, UNITS, STAFF)
        with uow() as tx:
            exported = org.export_org(tx, ADMIN)
            before = len(tx.audit.find(AuditFilter(), None, 1000))
        tables = {k: table(k, *rows) for k, rows in exported.items()}
        summary = _import(uow, *tables.values())
        assert summary.sheets["units"].unchanged == 2
        assert summary.sheets["staff"].unchanged == 3
        with uow() as tx:
            assert len(tx.audit.find(AuditFilter(), None, 1000)) == before


def _rating(code: str, rating: str = "HTXSNV", **extra: str) -> dict[str, str]:
    return {"year": "2026", "staff_code": code, "rating": rating, **extra}


class TestRatings:
    def test_import_upserts_per_staff_and_year(self, seeded: SeededDb) -> None:
        """A second import of a staff member's year updates the same record."""
        office = Actor(username="vanphong", role=Role.OFFICE)
        with seeded.uow() as tx:
            first = ratings.import_ratings(tx, office, table("ratings", _rating("NV020")))
        with seeded.uow() as tx:
            second = ratings.import_ratings(
                tx, office, table("ratings", _rating("NV020", "HTTNV", months_worked="10"))
            )
            rec = tx.org.rating("NV020", 2026)
        assert first.sheets["ratings"].created == 1 and second.sheets["ratings"].updated == 1
        assert rec is not None and (rec.rating, rec.months_worked) == ("HTTNV", 10)

    def test_discipline_needs_its_end_date(self, seeded: SeededDb) -> None:
        """A discipline without discipline_until is a row error naming that column."""
        office = Actor(username="vanphong", role=Role.OFFICE)
        with pytest.raises(Refusal) as caught, seeded.uow() as tx:
            ratings.import_ratings(
                tx, office, table("ratings", _rating("NV020", discipline="canh_cao"))
            )
        assert caught.value.errors[0].message.startswith(
            "sheet ratings, dòng 2, cột discipline_until:"
        )

    def test_unit_officer_rates_only_own_units_staff(self, seeded: SeededDb) -> None:
        """LDVL's officer: a GDNN staff row is 'not in your units' and nothing is imported."""
        officer = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=("LDVL",))
        rows = table("ratings", _rating("NV020"), _rating("NV026"), _rating("NV999"))
        with pytest.raises(Refusal) as caught, seeded.uow() as tx:
            ratings.import_ratings(tx, officer, rows)
        messages = [e.message for e in caught.value.errors]
        assert messages == [
            f"sheet ratings, dòng {n}, cột staff_code: {ratings.NOT_YOURS}" for n in (3, 4)
        ]
        with seeded.uow() as tx:
            assert tx.org.rating("NV020", 2026) is None
            assert (
                ratings.import_ratings(tx, officer, table("ratings", _rating("NV020")))
                .sheets["ratings"]
                .created
                == 1
            )

    def test_unit_role_reads_only_own_staff(self, seeded: SeededDb) -> None:
        """Another unit's staff member is not found for a unit head."""
        head = Actor(username="truongphong.ldvl", role=Role.UNIT_HEAD, units=("LDVL",))
        with seeded.uow() as tx:
            assert org.get_staff(tx, head, "NV020").staff.unit == "LDVL"
            with pytest.raises(Refusal) as caught:
                org.get_staff(tx, head, "NV026")
            assert caught.value.code is RefusalCode.NOT_FOUND
            assert {u.code for u in org.list_units(tx, head)} == {"LDVL"}


class TestCouncil:
    def test_council_rows_are_upserted_and_validated(self, uow: SqlUnitOfWork) -> None:
        """Council members are set per year; an unknown staff code or role is a row error."""
        _import(uow, UNITS, STAFF)
        council = table(
            "council",
            {"year": "2026", "staff_code": "A3", "role": "chair"},
            {"year": "2026", "staff_code": "A1", "role": "secretary"},
        )
        assert _import(uow, council).sheets["council"].created == 2
        changed = table("council", {"year": "2026", "staff_code": "A1", "role": "member"})
        assert _import(uow, changed).sheets["council"].updated == 1
        bad = table(
            "council",
            {"year": "2026", "staff_code": "ZZ", "role": "member"},
            {"year": "2026", "staff_code": "A2", "role": "boss"},
        )
        with pytest.raises(Refusal) as caught:
            _import(uow, bad)
        assert [(e.line, e.field) for e in caught.value.errors] == [
            (2, "council.staff_code"),
            (3, "council.role"),
        ]
        with uow() as tx:
            assert {(c.staff_code, c.role) for c in tx.org.council(2026)} == {
                ("A3", "chair"),
                ("A1", "member"),
            }


class TestRegister:
    def test_a_staff_member_moved_mid_year_is_in_both_units_registers(
        self, uow: SqlUnitOfWork
    ) -> None:
        """Transferred on 1 July: listed under VP and TCCB for 2026, only TCCB for 2027."""
        _import(uow, UNITS, STAFF)
        with uow() as tx:
            org.transfer_staff(tx, ADMIN, "A1", "TCCB", date(2026, 7, 1))
            ratings.import_ratings(tx, ADMIN, table("ratings", _rating("A1")))
        with uow() as tx:
            lines = [
                (r.unit, r.rating is not None)
                for r in ratings.register(tx, ADMIN, 2026)
                if r.staff_code == "A1"
            ]
            later = [r.unit for r in ratings.register(tx, ADMIN, 2027) if r.staff_code == "A1"]
            exported = ratings.ratings_rows(tx, ADMIN, 2026)
        assert lines == [("TCCB", True), ("VP", True)]
        assert later == ["TCCB"]
        assert [r["staff_code"] for r in exported] == ["A1"]


class TestSampleDataSet:
    def test_sample_files_load_the_sample_department(self, uow: SqlUnitOfWork) -> None:
        """units.csv and staff.csv give the sample_data module's units and staff."""
        from thidua.app import sample_data

        with uow() as tx:
            org.load_org_files(tx, org.SAMPLE_ORG_FILES, "seed")
        with uow() as tx:
            units = {(u.code, u.name, u.kind, u.abbreviation) for u in tx.org.units()}
            staff = {
                (s.code, s.full_name, s.gender, s.unit, s.position, s.birth_year)
                for s in tx.org.all_staff()
            }
        assert units == {(u.code, u.name, u.kind, u.short) for u in sample_data.UNITS}
        assert staff == {
            (s.code, s.full_name, s.gender, s.unit_code, s.position, s.birth_year)
            for s in sample_data.STAFF
        }
