"""Consistency checks for the fictitious sample organisation in thidua.app.sample_data."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from typing import get_args

import pytest

from thidua.app.sample_data import (
    ACCOUNTS,
    DEPARTMENT_SHORT,
    MOVEMENT,
    STAFF,
    UNITS,
    AccountRole,
    SampleStaff,
    SampleUnit,
)

UNIT_CODES = {u.code for u in UNITS}
STAFF_BY_CODE = {s.code: s for s in STAFF}


class TestSampleData:
    """Sample units, staff, accounts and movement are internally consistent."""

    def test_one_director_and_three_deputies(self) -> None:
        """The leadership holds exactly one Director and three Deputy Directors."""
        positions = Counter(s.position for s in STAFF if s.unit_code == "BGD")
        assert positions == Counter({"Giám đốc": 1, "Phó Giám đốc": 3})

    def test_unit_kind_counts(self) -> None:
        """There is one leadership unit, seven divisions and three public service units."""
        kinds = Counter(u.kind for u in UNITS)
        assert kinds == Counter({"leadership": 1, "division": 7, "public_service_unit": 3})

    def test_staff_count(self) -> None:
        """There are between 55 and 65 staff members."""
        assert 55 <= len(STAFF) <= 65

    def test_each_unit_has_four_to_eight_staff(self) -> None:
        """Every non-leadership unit has between four and eight staff members."""
        per_unit = Counter(s.unit_code for s in STAFF)
        for unit in UNITS:
            if unit.kind != "leadership":
                assert 4 <= per_unit[unit.code] <= 8, unit.code

    def test_unit_codes_unique_and_ascii_upper(self) -> None:
        """Unit codes are unique, ASCII and upper case."""
        codes = [u.code for u in UNITS]
        assert len(codes) == len(set(codes))
        assert all(c.isascii() and c.isupper() for c in codes)

    def test_staff_codes_unique(self) -> None:
        """Staff codes are unique and shaped like NV001."""
        codes = [s.code for s in STAFF]
        assert len(codes) == len(set(codes))
        assert all(c.startswith("NV") and c[2:].isdigit() and len(c) == 5 for c in codes)

    def test_staff_names_unique(self) -> None:
        """No two staff members share a full name."""
        names = [s.full_name for s in STAFF]
        assert len(names) == len(set(names))

    def test_usernames_unique_ascii_lowercase(self) -> None:
        """Usernames are unique, ASCII, lower case and contain only letters, digits and dots."""
        names = [a.username for a in ACCOUNTS]
        assert len(names) == len(set(names))
        for name in names:
            assert name.isascii() and name == name.lower(), name
            assert all(ch.isalnum() or ch == "." for ch in name), name

    def test_staff_unit_codes_exist(self) -> None:
        """Every staff member belongs to a known unit."""
        assert {s.unit_code for s in STAFF} <= UNIT_CODES

    def test_account_unit_and_staff_codes_exist(self) -> None:
        """Every account's unit and staff reference, when set, exists and agrees."""
        for account in ACCOUNTS:
            if account.unit_code is not None:
                assert account.unit_code in UNIT_CODES, account.username
            if account.staff_code is not None:
                staff = STAFF_BY_CODE[account.staff_code]
                assert staff.unit_code == account.unit_code, account.username
                assert staff.full_name == account.display_name, account.username

    def test_every_role_present(self) -> None:
        """Each account role has at least one sample account."""
        assert {a.role for a in ACCOUNTS} == set(get_args(AccountRole))

    def test_each_unit_has_officer_and_head(self) -> None:
        """Each non-leadership unit has exactly one unit officer and one unit head account."""
        for unit in UNITS:
            if unit.kind == "leadership":
                continue
            roles = Counter(a.role for a in ACCOUNTS if a.unit_code == unit.code)
            assert roles["unit_officer"] == 1, unit.code
            assert roles["unit_head"] == 1, unit.code

    def test_unit_head_accounts_point_to_unit_heads(self) -> None:
        """Each unit head account's staff member belongs to that unit and heads it."""
        heads = [a for a in ACCOUNTS if a.role == "unit_head"]
        assert heads
        for account in heads:
            assert account.staff_code is not None
            staff = STAFF_BY_CODE[account.staff_code]
            assert staff.unit_code == account.unit_code
            assert not staff.position.startswith("Phó"), account.username
            assert account.username == f"truongphong.{staff.unit_code.lower()}"

    def test_director_account_is_the_director(self) -> None:
        """The director account points to the Director, who is not a real office holder."""
        (account,) = [a for a in ACCOUNTS if a.role == "director"]
        assert account.staff_code is not None
        director = STAFF_BY_CODE[account.staff_code]
        assert director.position == "Giám đốc"
        assert director.unit_code == "BGD"
        assert director.full_name != "Phùng Hiệp Quốc"

    def test_gender_balance(self) -> None:
        """Between 40% and 60% of staff are women."""
        share = sum(s.gender == "nu" for s in STAFF) / len(STAFF)
        assert 0.4 <= share <= 0.6

    @pytest.mark.parametrize("staff", STAFF, ids=lambda s: s.code)
    def test_gender_matches_middle_name(self, staff: SampleStaff) -> None:
        """Names with the middle name Thị are women and with Văn are men."""
        words = staff.full_name.split()
        if "Thị" in words[1:-1]:
            assert staff.gender == "nu"
        if "Văn" in words[1:-1]:
            assert staff.gender == "nam"

    def test_movement_dates_and_plan(self) -> None:
        """The movement's plan is dated August 2024 and it opens before it closes."""
        assert MOVEMENT.code == "NTM-2024"
        assert MOVEMENT.year == 2024
        assert MOVEMENT.plan_number.endswith(f"/KH-{DEPARTMENT_SHORT}")
        assert (MOVEMENT.plan_date.year, MOVEMENT.plan_date.month) == (2024, 8)
        assert MOVEMENT.opens == date(2024, 8, 15)
        assert MOVEMENT.closes == date(2024, 12, 20)
        assert MOVEMENT.plan_date <= MOVEMENT.opens < MOVEMENT.closes

    def test_dataclasses_are_frozen(self) -> None:
        """The sample records cannot be modified."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            UNITS[0].code = "X"  # type: ignore[misc]
        assert isinstance(UNITS[0], SampleUnit)
