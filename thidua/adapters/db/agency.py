"""The agency store over SQLAlchemy: the agency row and its dated profile versions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import AgencyRow


def agency_id(session: Session) -> int:
    """The id of the deployment's agency (one agency for now); LookupError before set-up."""
    found = session.scalars(select(AgencyRow.id).order_by(AgencyRow.id)).first()
    if found is None:
        raise LookupError("no agency: set its profile first (thidua agency set FILE.yaml)")
    return found


class SqlAgencyStore:
    """Implements ``thidua.app.ports.agency.AgencyStore``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def agency_code(self) -> str | None:
        return self.session.scalars(select(AgencyRow.code).order_by(AgencyRow.id)).first()

    def ensure_agency(self, code: str) -> None:
        existing = self.agency_code()
        if existing is None:
            self.session.add(AgencyRow(code=code, created_at=datetime.now(UTC)))
            self.session.flush()
        elif existing != code:
            raise ValueError(f"this deployment serves agency {existing!r}, not {code!r}")
