"""The dashboard's queries over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import AwardItemRow, NominationRow, NominationStepRow, RoundRow
from thidua.adapters.db.nominations import utc_aware
from thidua.app.ports.dashboard import ApprovedAward, StageEntry


class SqlDashboardQueries:
    """Implements ``thidua.app.ports.dashboard.DashboardQueries``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def approved_awards(self, nominations: Sequence[str]) -> list[ApprovedAward]:
        rows = self.session.execute(
            select(
                RoundRow.year,
                AwardItemRow.code,
                AwardItemRow.level,
                AwardItemRow.province_status,
                RoundRow.ruleset_id,
                RoundRow.ruleset_version,
            )
            .join(RoundRow, AwardItemRow.round_id == RoundRow.id)
            .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
            .where(
                NominationRow.key.in_(nominations),
                AwardItemRow.director_status == "approved",
                AwardItemRow.revoked_at.is_(None),
            )
        ).all()
        return [ApprovedAward(*row) for row in rows]

    def stage_entries(self, nominations: Sequence[str]) -> list[StageEntry]:
        rows = self.session.execute(
            select(NominationRow.key, NominationStepRow.stage_to, NominationStepRow.at)
            .join(NominationRow, NominationStepRow.nomination_id == NominationRow.id)
            .where(NominationRow.key.in_(nominations))
            .order_by(NominationRow.key, NominationStepRow.seq)
        ).all()
        return [StageEntry(key, stage, utc_aware(at)) for key, stage, at in rows]
