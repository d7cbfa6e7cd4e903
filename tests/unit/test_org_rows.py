"""Validating rows of the organisation's tables and planning assignments (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from thidua.app import org_rows
from thidua.app.org_tables import CellError, Table, TableRow
from thidua.app.ports.org import Assignment, StaffRecord


def _rows(kind: str, *rows: dict[str, str]) -> Table:
    return Table(kind, [TableRow(n, dict(r)) for n, r in enumerate(rows, 2)])  # type: ignore[arg-type]


class TestUnitRows:
    def test_each_bad_cell_is_named(self) -> None:
        """Bad code, unknown kind, missing abbreviation, duplicate code: all four reported."""
        errors: list[CellError] = []
        org_rows.parse_units(
            _rows(
                "units",
                {"code": "V P", "name": "x", "kind": "phong", "abbreviation": None},  # type: ignore[dict-item]
                {"code": "A", "name": "a", "kind": "division", "abbreviation": "A"},
                {"code": "A", "name": "b", "kind": "division", "abbreviation": "B"},
            ),
            errors,
        )
        where = [(e.row, e.column) for e in errors]
        assert where == [(2, "code"), (2, "kind"), (2, "abbreviation"), (4, "code")]
        assert str(errors[3]) == "sheet units, dòng 4, cột code: trùng mã đơn vị với dòng 3"


class TestStaffRows:
    def test_dates_and_order(self) -> None:
        """A date not in ISO form, and left before joined, are named by column."""
        errors: list[CellError] = []
        org_rows.parse_staff(
            _rows(
                "staff",
                {
                    "code": "A",
                    "full_name": "An",
                    "gender": "nam",
                    "unit": "VP",
                    "position": "CV",
                    "joined": "01/02/2020",
                },
                {
                    "code": "B",
                    "full_name": "Bình",
                    "gender": "nu",
                    "unit": "VP",
                    "position": "CV",
                    "joined": "2020-01-01",
                    "left": "2019-01-01",
                },
            ),
            lambda code: code == "VP",
            errors,
        )
        assert [(e.row, e.column) for e in errors] == [(2, "joined"), (3, "left")]


class TestRatingRows:
    @pytest.mark.parametrize(
        ("cells", "column"),
        [
            ({"rating": "XX"}, "rating"),
            ({"months_worked": "13"}, "months_worked"),
            ({"maternity_months": "-1"}, "maternity_months"),
            ({"discipline": "phat"}, "discipline"),
            ({"discipline_until": "2026-13-01"}, "discipline_until"),
            ({"year": "1800"}, "year"),
        ],
    )
    def test_bad_value_names_its_column(self, cells: dict[str, str], column: str) -> None:
        """Each kind of bad rating cell is reported on its column."""
        row = {"year": "2026", "staff_code": "A", "rating": "HTNV", **cells}
        errors: list[CellError] = []
        assert (
            org_rows.parse_rating(org_rows.RowReader("ratings", TableRow(5, row), errors)) is None
        )  # type: ignore[arg-type]
        assert [(e.sheet, e.row, e.column) for e in errors] == [("ratings", 5, column)]


def _staff(unit: str, left: date | None = None) -> StaffRecord:
    return StaffRecord("A", "An", "nam", unit, "CV", None, left)


OLD = (Assignment("VP", "CV", date(2020, 1, 1), None),)


class TestPlanAssignments:
    def test_transfer_closes_the_day_before(self) -> None:
        """A unit change from 1 July ends the old assignment on 30 June."""
        planned, moved = org_rows.plan_assignments(
            OLD, _staff("TC"), _staff("VP"), date(2026, 7, 1), date(2026, 12, 31)
        )
        assert moved and planned == [
            Assignment("VP", "CV", date(2020, 1, 1), date(2026, 6, 30)),
            Assignment("TC", "CV", date(2026, 7, 1), None),
        ]

    def test_transfer_before_current_start_is_refused(self) -> None:
        """A transfer dated before the current assignment began names unit_from."""
        with pytest.raises(org_rows.Bad) as caught:
            org_rows.plan_assignments(
                OLD, _staff("TC"), _staff("VP"), date(2019, 1, 1), date.today()
            )
        assert caught.value.column == "unit_from"

    def test_in_force_picks_the_assignment_of_the_day(self) -> None:
        """On 30 June the old unit, on 1 July the new one."""
        planned, _ = org_rows.plan_assignments(
            OLD, _staff("TC"), _staff("VP"), date(2026, 7, 1), date(2026, 7, 1)
        )
        assert org_rows.in_force(planned, date(2026, 6, 30)).unit == "VP"
        assert org_rows.in_force(planned, date(2026, 7, 1)).unit == "TC"


class TestTextCells:
    def test_too_long_and_control_characters_are_row_errors(self) -> None:
        """A name longer than its column, or with a NUL byte, is named by column."""
        errors: list[CellError] = []
        org_rows.parse_units(
            _rows(
                "units",
                {"code": "A", "name": "x" * 256, "kind": "division", "abbreviation": "A"},
                {"code": "B", "name": "b", "kind": "division", "abbreviation": "B\x00"},
            ),
            errors,
        )
        assert [str(e) for e in errors] == [
            "sheet units, dòng 2, cột name: dài quá 255 ký tự (256)",
            "sheet units, dòng 3, cột abbreviation: chứa ký tự điều khiển không hợp lệ",
        ]
