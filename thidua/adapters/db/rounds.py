"""The rounds store over SQLAlchemy (filled in as the area moves behind its ports)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlRoundStore:
    """Implements ``thidua.app.ports.rounds``."""

    def __init__(self, session: Session) -> None:
        self.session = session
