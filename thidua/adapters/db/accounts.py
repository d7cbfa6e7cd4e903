"""The accounts store over SQLAlchemy (filled in as the area moves behind its ports)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlAccountStore:
    """Implements ``thidua.app.ports.accounts``."""

    def __init__(self, session: Session) -> None:
        self.session = session
