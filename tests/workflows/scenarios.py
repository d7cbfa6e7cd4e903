"""A harness driving NominationWorkflow through the service layer, shared by tests and scripts.

``Harness`` wraps one worker (real activities, database and rules engine) on a private task queue,
the ``Lifecycle`` service, the sample accounts and helpers reading our own database. ``PATHS``
drives each lifecycle path to its end; ``record_histories`` uses them to produce replay fixtures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from tests.conftest import SeededDb, fast_settings
from thidua.adapters.db.models import EvaluationRow, NominationRow, NominationStepRow, StageAlertRow
from thidua.app.auth import authenticate
from thidua.app.lifecycle import (
    HoldRequest,
    Lifecycle,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.app.nominations import NominationDetail
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, Stage, workflow_id_for
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from workflows.nomination import NominationWorkflow

T = TypeVar("T")

MOVEMENT = "NTM-2024"
YEAR = 2024


class RecordingEngine:
    """Wraps the real rules engine and remembers how each evaluation was asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def evaluate(self, facts: dict[str, Any], **kwargs: Any) -> Any:
        self.calls.append((dict(facts), dict(kwargs)))
        return self.inner.evaluate(facts, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def individual_facts(nominee: str, **extra: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {"kind": "individual", "id": nominee, "year": YEAR, "rating": "HTXSNV"}
    facts.update(extra)
    return facts


class Harness:
    """One worker plus the service used by the API and CLI, over one seeded database."""

    def __init__(
        self, client: Client, db: SeededDb, settings: Settings, engine: RecordingEngine
    ) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self.lifecycle = Lifecycle(client, db.uow, settings)
        self.engine = engine

    def workflow_id(self, key: str) -> str:
        return workflow_id_for(key, self.settings.temporal.workflow_id_prefix)

    def actor(self, username: str) -> Actor:
        with self.db.uow() as session:
            actor = authenticate(session, self.db.token(username))
        assert actor is not None, username
        return actor

    def handle(self, key: str) -> WorkflowHandle[NominationWorkflow, NominationStatus]:
        return self.client.get_workflow_handle_for(NominationWorkflow.run, self.workflow_id(key))

    async def submit(
        self, nominee: str, *, unit: str = "LDVL", officer: str = "canbo.ldvl", **facts: Any
    ) -> str:
        """Submit an individual nomination and wait until the workflow leaves ``submitted``."""
        body = NominationSubmission.model_validate(
            {"movement": MOVEMENT, "unit": unit, "facts": individual_facts(nominee, **facts)}
        )
        detail = await self.lifecycle.submit(self.actor(officer), body)
        await self.wait_until(detail.id, lambda s: s.stage is not Stage.SUBMITTED)
        return detail.id

    async def status(self, key: str) -> NominationStatus:
        return await self.handle(key).query(NominationWorkflow.status)

    async def wait_until(
        self, key: str, predicate: Callable[[NominationStatus], bool], within: float = 15
    ) -> NominationStatus:
        return await poll(lambda: self.status(key), predicate, within)

    async def review(
        self, username: str, key: str, decision: str, reason: str | None = None
    ) -> NominationDetail:
        return await self.lifecycle.review(
            self.actor(username), key, ReviewRequest(decision=decision, reason=reason)
        )

    async def hold(self, username: str, key: str, reason: str) -> NominationDetail:
        return await self.lifecycle.hold(self.actor(username), key, HoldRequest(reason=reason))

    async def resume(
        self, username: str, key: str, facts: dict[str, Any] | None = None
    ) -> NominationDetail:
        body = ResumeRequest.model_validate({"reason": "Đã làm rõ", "facts": facts})
        return await self.lifecycle.resume(self.actor(username), key, body)

    async def resubmit(self, username: str, key: str, facts: dict[str, Any]) -> NominationDetail:
        body = ResubmitRequest.model_validate({"facts": facts, "reason": "Bổ sung hồ sơ"})
        return await self.lifecycle.resubmit(self.actor(username), key, body)

    # ---- our own database (the audit store) ----------------------------------------------

    def _rows(self, model: Any, key: str, order: Any) -> list[Any]:
        with self.db.uow() as session:
            nomination = session.scalars(
                select(NominationRow).where(NominationRow.key == key)
            ).one()
            return list(
                session.scalars(
                    select(model).where(model.nomination_id == nomination.id).order_by(order)
                )
            )

    def nomination(self, key: str) -> NominationRow:
        with self.db.uow() as session:
            return session.scalars(select(NominationRow).where(NominationRow.key == key)).one()

    def steps(self, key: str) -> list[NominationStepRow]:
        return self._rows(NominationStepRow, key, NominationStepRow.seq)

    def evaluations(self, key: str) -> list[EvaluationRow]:
        return self._rows(EvaluationRow, key, EvaluationRow.id)

    def alerts(self, key: str) -> list[StageAlertRow]:
        return self._rows(StageAlertRow, key, StageAlertRow.id)


async def poll(
    probe: Callable[[], T | Awaitable[T]], done: Callable[[T], bool], within: float = 15
) -> T:
    """Call ``probe`` (sync or async) until ``done`` accepts its value; fail after ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if done(value):  # type: ignore[arg-type]
                return value  # type: ignore[return-value]
            await asyncio.sleep(0.05)


@asynccontextmanager
async def harness(
    client: Client,
    db: SeededDb,
    task_queue: str,
    rules_engine: Any,
    **lifecycle_days: float,
) -> AsyncIterator[Harness]:
    """Run a worker (real activities, database and engine) for the duration of the block."""
    from worker import build_worker

    settings = fast_settings(db.url, task_queue, **lifecycle_days)
    engine = RecordingEngine(rules_engine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(client, settings, db.uow, executor, engine)
        async with worker:
            yield Harness(client, db, settings, engine)


def accepted_updates(history: WorkflowHistory) -> list[tuple[str, str]]:
    """(update name, actor username) of every update accepted into the history."""
    out: list[tuple[str, str]] = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            continue
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        if not request.input.args.payloads:
            continue  # submission_evaluated: the service waiting for the first evaluation
        arg = json.loads(request.input.args.payloads[0].data)
        out.append((request.input.name, arg["actor"]["username"]))
    return out


# ---- each lifecycle path, driven to its end (used to record replay fixtures) -----------------


async def path_approve(h: Harness) -> str:
    key = await h.submit("NV018")
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


async def path_reject(h: Harness) -> str:
    key = await h.submit("NV019")
    await h.review("truongphong.ldvl", key, "approve")
    await h.review("vanphong", key, "reject", "Không đủ minh chứng")
    return key


async def path_return_resubmit(h: Harness) -> str:
    key = await h.submit("NV020", rating="KHTNV")
    await h.review("truongphong.ldvl", key, "return", "Xếp loại chưa đúng")
    await h.resubmit("canbo.ldvl", key, individual_facts("NV020"))
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


async def path_hold_resume(h: Harness) -> str:
    key = await h.submit("NV021")
    await h.review("truongphong.ldvl", key, "approve")
    await h.hold("vanphong", key, "Chờ xác minh")
    await h.resume("vanphong", key)
    await h.review("vanphong", key, "approve")
    await h.review("giamdoc", key, "approve")
    return key


async def path_deadline_escalation(h: Harness) -> str:
    key = await h.submit("NV022")

    def escalated_then_reminded() -> bool:
        kinds = [a.kind for a in h.alerts(key)]
        return "escalation" in kinds and kinds[-1] == "reminder" and kinds.count("reminder") >= 2

    await poll(escalated_then_reminded, bool)
    await h.review("truongphong.ldvl", key, "reject", "Quá hạn xét")
    return key


async def path_auto_hold(h: Harness) -> str:
    key = await h.submit("NV017", under_review=True)
    try:  # still under review: evaluated again, then refused inside the update
        await h.resume("vanphong", key)
    except Refusal as refusal:
        assert refusal.code is RefusalCode.WRONG_STAGE
    else:
        raise AssertionError("resume without cleared facts was accepted")
    await h.resume("vanphong", key, individual_facts("NV017"))
    await h.review("truongphong.ldvl", key, "reject", "Không đề nghị năm nay")
    return key


async def path_reevaluate(h: Harness) -> str:
    """Judged not eligible under v1; v2 (9 months suffice) is published; an admin re-evaluates."""
    from tests.integration.test_rules_versions import v2_content, v2_golden
    from thidua.app import rules_versions as rv
    from thidua.domain.roles import Role

    key = await h.submit("NV018", rating="HTTNV", months_worked=9)
    admin1, admin2 = h.actor("quantri.quydinh1"), h.actor("quantri.quydinh2")
    assert admin1.role is Role.RULES_ADMIN
    with h.db.uow() as session:
        body = rv.UploadRequest(content=v2_content(), golden=v2_golden(green=True))
        rv.upload(session, admin1, body)
        rv.approve(session, admin2, "ntm-2024", "2")
        start = rv.PublishRequest(effective_from=date(2024, 7, 1))
        rv.publish(session, admin2, h.engine.inner, "ntm-2024", "2", start)
    target = rv.ReevaluationRequest(ruleset_id="ntm-2024", version="2", reason="Áp dụng v2")
    plan = await rv.apply_reevaluation(h.client, h.db.uow, h.engine.inner, admin1, target)
    assert [(i.nomination, i.applied) for i in plan.items] == [(key, True)], plan
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


PATHS: dict[str, Callable[[Harness], Awaitable[str]]] = {
    "approve": path_approve,
    "reject": path_reject,
    "return_resubmit": path_return_resubmit,
    "hold_resume": path_hold_resume,
    "deadline_escalation": path_deadline_escalation,
    "auto_hold": path_auto_hold,
    "reevaluate": path_reevaluate,
}

# Deadlines short enough for the deadline path to escalate within seconds.
FAST_DEADLINES: dict[str, float] = {
    "unit_review_days": 2 / 86400,
    "reminder_every_days": 0.5 / 86400,
}
