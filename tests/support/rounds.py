"""``Round``: drives one consolidation round as the Office, the council secretary and the Director.

Used by the consolidation tests, the crash tests and the consolidation history recorder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.support.harness import Harness
from tests.support.nominations import MOVEMENT, YEAR, round_facts
from thidua.adapters.temporal.rounds import TemporalRoundWorkflows
from thidua.app.lifecycle import NominationSubmission
from thidua.app.ports.rounds import AwardItemView, RoundView
from thidua.app.round_commands import (
    CouncilRequest,
    DecisionRequest,
    OpenRoundRequest,
    Rounds,
)

DOSSIER = {
    "achievement_report": "bao-cao-thanh-tich.pdf",
    "review_minutes": "bien-ban-hop-xet.pdf",
    "evidence": ["quyet-dinh-cong-nhan-sang-kien.pdf"],
}
MEMBERS = [{"name": f"Thành viên {i}", "present": True} for i in range(1, 11)]  # 10 members


class Round:
    """Drives one round as the Office, the council secretary and the Director would."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.svc = Rounds(
            h.db.uow,
            TemporalRoundWorkflows(h.client, h.settings.temporal),
            reminder_every=timedelta(days=h.settings.lifecycle.reminder_every_days),
        )
        self.key = ""

    async def submit_and_approve(
        self,
        nominee: str,
        *,
        unit: str = "LDVL",
        dossier: dict[str, Any] | None = DOSSIER,
        **extra: Any,
    ) -> str:
        body = NominationSubmission.model_validate(
            {
                "movement": MOVEMENT,
                "unit": unit,
                "facts": round_facts(nominee, **extra),
                "dossier": dossier,
            }
        )
        detail = await self.h.lifecycle.submit(self.h.actor(f"canbo.{unit.lower()}"), body)
        await self.h.review(f"truongphong.{unit.lower()}", detail.id, "approve")
        return detail.id

    async def open(self, late_policy: str = "refuse", publication_days: int = 0) -> RoundView:
        """Open the round; no publication period unless asked (the council may vote at once)."""
        body = OpenRoundRequest(
            movement=MOVEMENT,
            year=YEAR,
            closes_at=datetime.now(UTC) + timedelta(days=30),
            late_policy=late_policy,  # type: ignore[arg-type]
            publication_days=publication_days,
        )
        view = await self.svc.open(self.h.actor("vanphong"), body)
        self.key = view.key
        return view

    async def close(self) -> RoundView:
        return await self.svc.close(self.h.actor("vanphong"), self.key)

    async def council(
        self, votes: dict[tuple[str, str], int] | None = None, default: int = 10
    ) -> RoundView:
        view = await self.svc.read(self.h.actor("thuky.hoidong"), self.key)
        ballots = [
            {
                "nomination": i.nomination,
                "title": i.code,
                "in_favour": (votes or {}).get((i.nomination, i.code), default),
                "against": 10 - (votes or {}).get((i.nomination, i.code), default),
            }
            for i in view.items
        ]
        body = CouncilRequest.model_validate(
            {"held_on": date(2024, 12, 22), "members": MEMBERS, "ballots": ballots}
        )
        return await self.svc.council(self.h.actor("thuky.hoidong"), self.key, body)

    async def decide(self, **body: Any) -> RoundView:
        return await self.svc.decide(
            self.h.actor("giamdoc"),
            self.key,
            DecisionRequest.model_validate({"action": "approve", **body}),
        )

    def item(self, view: RoundView, nomination: str, code: str) -> AwardItemView:
        return next(i for i in view.items if i.nomination == nomination and i.code == code)
