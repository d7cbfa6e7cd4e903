"""First-start sample data: the Department, its staff, sample accounts and the 2024 movement."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import MovementRow, StaffRow, UnitRow, UserRow
from thidua.app import sample_data
from thidua.app.auth import issue_token


class SampleAccountToken(BaseModel):
    username: str
    display_name: str
    role: str
    unit: str | None
    token: str
    password: str | None = None  # console demo password (set by ``thidua up``)


def has_data(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(UnitRow)) or 0) > 0


def load_sample_data(session: Session) -> list[SampleAccountToken]:
    """Insert the sample Department (only into an empty database) and issue sample tokens."""
    if has_data(session):
        return []
    units: dict[str, UnitRow] = {}
    for u in sample_data.UNITS:
        units[u.code] = UnitRow(code=u.code, name=u.name, short=u.short, kind=u.kind)
        session.add(units[u.code])
    session.flush()
    staff: dict[str, StaffRow] = {}
    for s in sample_data.STAFF:
        staff[s.code] = StaffRow(
            code=s.code,
            full_name=s.full_name,
            gender=s.gender,
            position=s.position,
            birth_year=s.birth_year,
            unit_id=units[s.unit_code].id,
        )
        session.add(staff[s.code])
    m = sample_data.MOVEMENT
    session.add(
        MovementRow(
            code=m.code,
            name=m.name,
            year=m.year,
            plan_number=m.plan_number,
            plan_date=m.plan_date,
            opens=m.opens,
            closes=m.closes,
            description=m.description,
        )
    )
    session.flush()
    tokens: list[SampleAccountToken] = []
    now = datetime.now(UTC)
    for a in sample_data.ACCOUNTS:
        user = UserRow(
            username=a.username,
            display_name=a.display_name,
            role=a.role,
            unit_id=units[a.unit_code].id if a.unit_code else None,
            staff_id=staff[a.staff_code].id if a.staff_code else None,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        token = issue_token(session, user, name="sample")
        tokens.append(
            SampleAccountToken(
                username=a.username,
                display_name=a.display_name,
                role=a.role,
                unit=a.unit_code,
                token=token,
            )
        )
    return tokens


def write_sample_tokens(path: Path, tokens: list[SampleAccountToken]) -> None:
    """Keep the sample tokens for the local operator only (file mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump([t.model_dump() for t in tokens], f, ensure_ascii=False, indent=2)


def read_sample_tokens(path: Path) -> list[SampleAccountToken]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [SampleAccountToken.model_validate(d) for d in data]
