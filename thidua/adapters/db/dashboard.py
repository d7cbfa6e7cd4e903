"""The dashboard store over SQLAlchemy (filled in as the area moves behind its ports)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlDashboardQueries:
    """Implements ``thidua.app.ports.dashboard``."""

    def __init__(self, session: Session) -> None:
        self.session = session
