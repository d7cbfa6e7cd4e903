"""Roster and register queries over SQLAlchemy (staff assignments on a date, ratings)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlRosterQueries:
    """Implements ``thidua.app.ports.roster.RosterQueries``."""

    def __init__(self, session: Session) -> None:
        self.session = session
