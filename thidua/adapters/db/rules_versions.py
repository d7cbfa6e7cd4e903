"""The rules versions store over SQLAlchemy (filled in as the area moves behind its ports)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlRulesVersionStore:
    """Implements ``thidua.app.ports.rules_versions``."""

    def __init__(self, session: Session) -> None:
        self.session = session
