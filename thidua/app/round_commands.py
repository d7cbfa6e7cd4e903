"""Commands on the Office's rounds: open, close, record the council, decide; then read.

Each step is taken by the round's ``ConsolidationWorkflow`` (through ``RoundWorkflows``), which
checks who may take it and runs its activities; the database is read and written on a worker
thread (``uow.run``), never on the caller's event loop.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from thidua.app import publication, rounds
from thidua.app.ports.rounds import RoundRecord, RoundView, RoundWorkflows
from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.domain import policy
from thidua.domain.documents.register import vietnam_date
from thidua.domain.publication import MAX_PUBLICATION_DAYS
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import (
    Ballot,
    CloseRoundInput,
    ConsolidationWorkflowInput,
    CouncilMeetingFacts,
    CouncilMember,
    DecideRoundInput,
    DirectorRejection,
    LatePolicy,
    RecordCouncilInput,
    RoundDecision,
)
from thidua.logging import get_logger

log = get_logger(__name__)


class OpenRoundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movement: str = Field(min_length=1, max_length=32)
    year: int = Field(ge=1945, le=2100)
    closes_at: datetime = Field(description="Hạn đóng đợt xét (ISO 8601, có múi giờ)")
    late_policy: LatePolicy = Field(
        default=LatePolicy.REFUSE,
        description="Hồ sơ đến sau khi đóng: refuse (từ chối) hoặc next_round (chuyển đợt sau)",
    )
    publication_days: int | None = Field(
        default=None,
        ge=0,
        le=MAX_PUBLICATION_DAYS,
        description="Số ngày làm việc công khai danh sách tổng hợp trước khi Hội đồng họp "
        "(bỏ trống: theo hồ sơ cơ quan, mặc định 5; 0: không công khai)",
    )


class CouncilRequest(CouncilMeetingFacts):
    """The council's meeting as the secretary records it: date, members with attendance (and
    staff codes), the secret-ballot totals per item, and optionally the decision establishing
    the council, the counting board and the ballot papers received / invalid."""

    model_config = ConfigDict(extra="forbid")

    held_on: date
    members: list[CouncilMember] = Field(min_length=1, max_length=100)
    ballots: list[Ballot] = Field(min_length=1, max_length=5000)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: RoundDecision
    reject: list[DirectorRejection] = Field(default_factory=list, max_length=5000)
    reason: str | None = Field(default=None, max_length=2000)


class ProvinceAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(pattern="^(approved|rejected|returned)$")
    reason: str | None = Field(default=None, max_length=2000)


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class Rounds:
    """The round commands the API, the console and the CLI share.

    ``reminder_every``: how often an open round's workflow reminds the Office of its deadline.
    """

    def __init__(
        self, uow: UnitOfWork, workflows: RoundWorkflows, *, reminder_every: timedelta
    ) -> None:
        self.uow = uow
        self.workflows = workflows
        self.reminder_every = reminder_every

    async def _workflow_id(self, actor: Actor, key: str) -> str:
        def _find(tx: Tx) -> str:
            policy.check_round_read(actor)
            return rounds.round_of(tx, key).workflow_id

        return await self.uow.run(_find)

    async def open(self, actor: Actor, body: OpenRoundRequest) -> RoundView:
        policy.check_open_round(actor)
        if body.closes_at.tzinfo is None:
            raise Refusal(
                RefusalCode.INVALID,
                "closes_at: phải có múi giờ, ví dụ 2024-12-20T17:00:00+07:00.",
                field="closes_at",
            )

        def _open(tx: Tx) -> tuple[RoundRecord, int]:
            opened = rounds.open_round(
                tx,
                actor,
                movement_code=body.movement,
                year=body.year,
                closes_at=body.closes_at,
                late_policy=body.late_policy,
                workflow_id=self.workflows.workflow_id,
            )
            days = publication.publication_days_for(
                tx, body.publication_days, vietnam_date(datetime.now(UTC))
            )
            tx.publication.set_days(opened.key, days, actor)
            return opened, days

        opened, days = await self.uow.run(_open)
        wf_input = ConsolidationWorkflowInput(
            round_key=opened.key,
            movement_code=body.movement,
            year=body.year,
            closes_at=body.closes_at,
            reminder_every=self.reminder_every,
            opened_by=actor,
            late_policy=body.late_policy,
            publication_days=days,
        )
        try:
            await self.workflows.start(opened.workflow_id, wf_input)
        except Refusal as refusal:
            if refusal.code is RefusalCode.UNAVAILABLE:
                await self.uow.run(lambda tx: tx.rounds.delete_unstarted(opened.key))
            raise
        log.info("round opened", round=opened.key, actor=actor.username)
        return await self.read(actor, opened.key)

    async def close(self, actor: Actor, key: str) -> RoundView:
        wf = await self._workflow_id(actor, key)
        await self.workflows.close(wf, CloseRoundInput(actor=actor))
        return await self.read(actor, key)

    async def council(self, actor: Actor, key: str, body: CouncilRequest) -> RoundView:
        wf = await self._workflow_id(actor, key)
        await self.workflows.record_council(
            wf,
            RecordCouncilInput(
                actor=actor,
                held_on=body.held_on,
                members=body.members,
                ballots=body.ballots,
                **body.model_dump(include=set(CouncilMeetingFacts.model_fields)),
            ),
        )
        return await self.read(actor, key)

    async def decide(self, actor: Actor, key: str, body: DecisionRequest) -> RoundView:
        wf = await self._workflow_id(actor, key)
        await self.workflows.decide(
            wf,
            DecideRoundInput(
                actor=actor, action=body.action, reject=body.reject, reason=body.reason
            ),
        )
        return await self.read(actor, key)

    async def read(self, actor: Actor, key: str) -> RoundView:
        return await self.uow.run(lambda tx: rounds.get_round(tx, actor, key))
