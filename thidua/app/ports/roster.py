"""Ports of the roster: who belongs to which unit on a date, and the annual ratings register."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from thidua.domain.roster import Assignment, RegisterEntry, RosterMember


class RosterQueries(Protocol):
    """What the appraisal and submission read about rosters and the register."""

    def roster_on(self, on: date, unit_code: str | None = None) -> list[RosterMember]:
        """Staff whose assignment covers ``on`` (``valid_from <= on <= valid_to``, or open),
        except those who left before it; of one unit when ``unit_code`` is given. Sorted by
        unit, then staff code."""
        ...

    def assignments_in(self, year: int) -> list[Assignment]:
        """Every assignment overlapping ``year`` (for the ``longest_service`` transfer rule)."""
        ...

    def register(
        self, year: int, staff_codes: Collection[str] | None = None
    ) -> list[RegisterEntry]:
        """The ratings register's rows of ``year`` (of ``staff_codes`` when given)."""
        ...

    def final_review_start(self, movement_code: str) -> date | None:
        """The start of the movement's ``final_review`` phase, if its phases declare one."""
        ...
