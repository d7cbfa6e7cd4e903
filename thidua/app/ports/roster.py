"""Ports of the roster: who belongs to which unit on a date, and the annual ratings register."""

from __future__ import annotations

from typing import Protocol


class RosterQueries(Protocol):
    """What the appraisal and submission read about rosters and the register."""
