"""Ports of the console dashboard: the figures it reads beyond the nominations' own views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ApprovedAward:
    """A title the Director approved for one of the nominations (and not revoked since)."""

    year: int
    code: str
    level: str
    province_status: str | None
    ruleset_id: str
    ruleset_version: str


@dataclass(frozen=True)
class StageEntry:
    """A nomination entering a stage (one recorded step)."""

    nomination: str
    stage: str
    at: datetime


class DashboardQueries(Protocol):
    """What the dashboard reads in one transaction, over the nominations it was given."""

    def approved_awards(self, nominations: Sequence[str]) -> list[ApprovedAward]: ...

    def stage_entries(self, nominations: Sequence[str]) -> list[StageEntry]:
        """Every step of the nominations, by nomination then step number (times in UTC)."""
        ...
