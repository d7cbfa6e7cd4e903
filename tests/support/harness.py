"""An in-process worker, and a harness driving NominationWorkflow through the service layer.

``in_process_worker`` runs the real worker (real activities, database and rules engine) for the
duration of a block. ``Harness`` wraps one such worker on a private task queue, the ``Lifecycle``
service (what the API and CLI call), the sample accounts and helpers reading our own database.
Shared by the tests and the history recorders (``tests/workflows/record_*.py``).
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.worker import Worker

from tests.support.db import SeededDb
from tests.support.nominations import MOVEMENT, individual_facts
from tests.support.settings import fast_settings
from tests.support.waits import poll
from thidua.adapters.db.models import EvaluationRow, NominationRow, NominationStepRow, StageAlertRow
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.accounts.authentication import authenticate
from thidua.app.lifecycle import (
    HoldRequest,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.app.ports.nominations import NominationDetail
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, Stage, workflow_id_for
from thidua.domain.roles import Actor
from thidua.entrypoints.lifecycle import build_lifecycle
from workflows.nomination import NominationWorkflow


@asynccontextmanager
async def in_process_worker(
    client: Client, settings: Settings, uow: SqlUnitOfWork, rules_engine: Any
) -> AsyncIterator[Worker]:
    """Run the worker (real activities, database and engine) for the duration of the block."""
    from worker import build_worker

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(client, settings, uow, executor, rules_engine)
        async with worker:
            yield worker


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


class Harness:
    """One worker plus the service used by the API and CLI, over one seeded database."""

    def __init__(
        self, client: Client, db: SeededDb, settings: Settings, engine: RecordingEngine
    ) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self.lifecycle = build_lifecycle(client, db.uow, settings)
        self.engine = engine

    def workflow_id(self, key: str) -> str:
        return workflow_id_for(key, self.settings.temporal.workflow_id_prefix)

    def actor(self, username: str) -> Actor:
        with self.db.uow() as tx:
            actor = authenticate(tx, self.db.token(username))
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
        with self.db.uow.session() as session:
            nomination = session.scalars(
                select(NominationRow).where(NominationRow.key == key)
            ).one()
            return list(
                session.scalars(
                    select(model).where(model.nomination_id == nomination.id).order_by(order)
                )
            )

    def nomination(self, key: str) -> NominationRow:
        with self.db.uow.session() as session:
            return session.scalars(select(NominationRow).where(NominationRow.key == key)).one()

    def steps(self, key: str) -> list[NominationStepRow]:
        return self._rows(NominationStepRow, key, NominationStepRow.seq)

    def evaluations(self, key: str) -> list[EvaluationRow]:
        return self._rows(EvaluationRow, key, EvaluationRow.id)

    def alerts(self, key: str) -> list[StageAlertRow]:
        return self._rows(StageAlertRow, key, StageAlertRow.id)


@asynccontextmanager
async def harness(
    client: Client,
    db: SeededDb,
    task_queue: str,
    rules_engine: Any,
    **lifecycle_days: float,
) -> AsyncIterator[Harness]:
    """A ``Harness`` whose worker runs for the duration of the block."""
    settings = fast_settings(db.url, task_queue, **lifecycle_days)
    engine = RecordingEngine(rules_engine)
    async with in_process_worker(client, settings, db.uow, engine):
        yield Harness(client, db, settings, engine)


HarnessFactory = Callable[..., AbstractAsyncContextManager[Harness]]
"""``make_harness(db, **lifecycle_days)``: the fixture that starts a harness over ``db``."""


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
