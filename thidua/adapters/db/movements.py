"""The movement store over SQLAlchemy: movements as data and emulation registrations."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SqlMovementStore:
    """Implements ``thidua.app.ports.movements.MovementStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session
