"""The agency store over SQLAlchemy: the agency row and its dated profile versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from thidua.adapters.db import audit
from thidua.adapters.db.models import AgencyProfileRow, AgencyRow
from thidua.app.ports.agency import StoredProfile
from thidua.domain.agency import AgencyProfile


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

    def add_profile(self, profile: AgencyProfile, sha256: str, created_by: str) -> StoredProfile:
        s = self.session
        agency = s.scalars(select(AgencyRow).order_by(AgencyRow.id).with_for_update()).first()
        if agency is None:
            raise LookupError("no agency: ensure_agency first")
        last = s.scalar(
            select(func.max(AgencyProfileRow.version)).where(
                AgencyProfileRow.agency_id == agency.id
            )
        )
        row = AgencyProfileRow(
            agency_id=agency.id,
            version=int(last or 0) + 1,
            effective_from=profile.effective_from,
            profile=profile.as_data(),
            sha256=sha256,
            created_by=created_by,
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        return _stored(row)

    def profile_on(self, day: dt.date) -> StoredProfile | None:
        row = self.session.scalars(
            select(AgencyProfileRow)
            .where(AgencyProfileRow.effective_from <= day)
            .order_by(AgencyProfileRow.effective_from.desc(), AgencyProfileRow.version.desc())
            .limit(1)
        ).first()
        return _stored(row) if row is not None else None

    def profiles(self) -> list[StoredProfile]:
        rows = self.session.scalars(
            select(AgencyProfileRow).order_by(AgencyProfileRow.version.desc())
        )
        return [_stored(r) for r in rows]

    def record(
        self,
        action: str,
        actor: str,
        actor_role: str | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        audit.record(
            self.session,
            action=action,
            object_type="agency",
            object_id=self.agency_code() or "",
            actor=actor,
            actor_role=actor_role,
            before=before,
            after=after,
        )


def _stored(row: AgencyProfileRow) -> StoredProfile:
    return StoredProfile(
        version=row.version,
        profile=AgencyProfile.model_validate(row.profile),
        sha256=row.sha256,
        created_by=row.created_by,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
    )
