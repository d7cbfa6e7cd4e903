"""The two runs of the lifecycle benchmark, on one server: ours through ``Lifecycle``, and the bare baseline.

Each drives its nominations with asyncio, at most ``concurrency`` in flight, and records the
latency of every step, the errors, and the CPU seconds of this process and of the server.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.worker import Worker

from bench.baseline import BareInput, BareWorkflow, bare_step
from bench.machine import own_cpu_seconds, percentile, process_cpu_seconds
from rules.engine import RulesEngine
from rules.registry import RulesRegistry
from tests.support.db import seeded_db
from tests.support.driver import UNITS, actors, add_staff
from tests.support.nominations import MOVEMENT, eligible_facts
from thidua.adapters.db.models import EvaluationRow, NominationRow, NominationStepRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.lifecycle import NominationSubmission, ReviewRequest
from thidua.config import Settings
from thidua.domain.nominations import ReviewDecision, RulesetRef
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints.lifecycle import build_lifecycle
from thidua.entrypoints.runtime import freeze_startup_heap
from worker import build_worker
from workflows.search_attributes import STAGE

STAFF_PREFIX = "BENCH"
RETRIES = 600  # x 50 ms: how long the first review retries a `submitted` refusal


@dataclass
class RunResult:
    name: str
    n: int
    concurrency: int
    seconds: float = 0.0
    errors: int = 0
    first_error: str | None = None
    race_retries: int = 0
    cpu_bench_s: float = 0.0
    cpu_server_s: float = 0.0
    sample_workflow_id: str | None = None
    history: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return (self.n - self.errors) / self.seconds if self.seconds else 0.0

    def add(self, op: str, seconds: float) -> None:
        self.latencies.setdefault(op, []).append(seconds)

    def percentiles(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for op, values in self.latencies.items():
            s = sorted(values)
            out[op] = {
                "p50_ms": round(1000 * percentile(s, 50), 1),
                "p95_ms": round(1000 * percentile(s, 95), 1),
                "max_ms": round(1000 * s[-1], 1),
            }
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 3),
            "nominations_per_second": round(self.per_second, 2),
            "errors": self.errors,
            "first_error": self.first_error,
            "race_retries": self.race_retries,
            "cpu_seconds": {
                "bench_process": round(self.cpu_bench_s, 2),
                "temporal_server": round(self.cpu_server_s, 2),
            },
            "history_per_nomination": self.history,
            "latency": self.percentiles(),
        }


async def _timed(result: RunResult, op: str, call: Awaitable[Any]) -> Any:
    t0 = time.perf_counter()
    value = await call
    result.add(op, time.perf_counter() - t0)
    return value


async def _drive(
    result: RunResult,
    items: list[int],
    one: Callable[[int], Awaitable[None]],
    server_pid: int | None,
) -> RunResult:
    """Run ``one(item)`` for every item, at most ``result.concurrency`` at a time."""
    sem = asyncio.Semaphore(result.concurrency)

    async def guarded(item: int) -> None:
        async with sem:
            try:
                await one(item)
            except Exception as exc:  # counted and reported, never hidden
                result.errors += 1
                if result.first_error is None:
                    result.first_error = f"{type(exc).__name__}: {exc}"

    cpu0, srv0 = own_cpu_seconds(), process_cpu_seconds(server_pid)
    t0 = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in items))
    result.seconds = time.perf_counter() - t0
    result.cpu_bench_s = own_cpu_seconds() - cpu0
    result.cpu_server_s = process_cpu_seconds(server_pid) - srv0
    return result


# ---- our database and rules engine -------------------------------------------------------


def staff_code(i: int) -> str:
    return f"{STAFF_PREFIX}{i + 1:05d}"


def seed_database(url: str, count: int) -> dict[str, Actor]:
    """Migrate, load the sample Department, add ``count`` bench staff; return actors by username.

    Staff ``BENCH00001...`` are spread over ``UNITS`` (those with sample accounts) in turn.
    """
    with seeded_db(url) as db:
        add_staff(db.uow, STAFF_PREFIX, count)
        return actors(db.uow)


class FakeRulesEngine:
    """Stand-in for rules.engine.RulesEngine (``--fake-rules``): everyone is eligible."""

    class _Decision:
        # The activity compares the ruleset's hash with the one pinned at submission.
        ruleset = RulesetRef(id="ntm-2024", version="1", sha256="0" * 64)

        def model_dump(self, mode: str = "json") -> dict[str, Any]:
            return {
                "status": "eligible",
                "titles": ["LDTT"],
                "proposals": [],
                "ruleset": self.ruleset.model_dump(mode=mode),
            }

    def evaluate(self, facts: Any, **_: Any) -> FakeRulesEngine._Decision:
        return FakeRulesEngine._Decision()


def rules_engine(fake: bool, rules_dir: Path | None) -> tuple[Any, str]:
    """The real engine over ``rules_dir`` (default: the shipped rulesets), or the fake one."""
    if fake:
        return FakeRulesEngine(), "fake"
    return RulesEngine(RulesRegistry.from_directory(rules_dir)), "real"


# ---- the two runs ------------------------------------------------------------------------


async def run_ours(
    client: Client,
    settings: Settings,
    accounts: dict[str, Actor],
    indexes: list[int],
    concurrency: int,
    engine: Any,
    server_pid: int | None,
    name: str = "ours",
) -> RunResult:
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    lifecycle = build_lifecycle(client, uow, settings)
    approve = ReviewRequest(decision=ReviewDecision.APPROVE)
    office, director = accounts["vanphong"], accounts["giamdoc"]
    result = RunResult(name, len(indexes), concurrency)

    async def one(i: int) -> None:
        code = staff_code(i)
        unit = UNITS[i % len(UNITS)]
        officer = accounts[f"canbo.{unit.lower()}"]
        head = accounts[f"truongphong.{unit.lower()}"]
        body = NominationSubmission.model_validate(
            {"movement": MOVEMENT, "unit": unit, "facts": eligible_facts(code)}
        )
        # Lifecycle.submit returns once our DB shows the nomination left `submitted` (or after
        # its own time limit).
        detail = await _timed(result, "submit", lifecycle.submit(officer, body))
        result.sample_workflow_id = result.sample_workflow_id or detail.workflow_id
        t0 = time.perf_counter()
        for attempt in range(RETRIES):
            try:
                await lifecycle.review(head, detail.id, approve)
                break
            except Refusal as refusal:
                # Race: our DB shows unit_review (written by the record_step activity) before
                # the workflow has applied that step, so the update validator still sees
                # `submitted` and refuses. Retry like a user would; counted in race_retries.
                if refusal.code is not RefusalCode.WRONG_STAGE or attempt == RETRIES - 1:
                    raise
                result.race_retries += 1
                await asyncio.sleep(0.05)
        result.add("review_unit", time.perf_counter() - t0)
        await _timed(result, "review_office", lifecycle.review(office, detail.id, approve))
        final = await _timed(
            result, "review_director", lifecycle.review(director, detail.id, approve)
        )
        if final.stage != "approved":
            raise RuntimeError(f"{detail.id} ended in {final.stage}, not approved")

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, uow, executor, engine)
        freeze_startup_heap()  # as worker.run_worker does
        async with worker:
            await _drive(result, indexes, one, server_pid)
    uow.engine.dispose()
    return result


async def run_baseline(
    client: Client,
    task_queue: str,
    indexes: list[int],
    concurrency: int,
    search_attributes: bool,
    server_pid: int | None,
    name: str = "baseline",
) -> RunResult:
    result = RunResult(name, len(indexes), concurrency)
    run_id = time.monotonic_ns()
    initial = (
        TypedSearchAttributes([SearchAttributePair(STAGE, "submitted")])
        if search_attributes
        else None
    )

    result.sample_workflow_id = f"bare-{run_id}-{indexes[0]}" if indexes else None

    async def one(i: int) -> None:
        start = WithStartWorkflowOperation(
            BareWorkflow.run,
            BareInput(name=f"bare-{run_id}-{i}", search_attributes=search_attributes),
            id=f"bare-{run_id}-{i}",
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=initial,
        )
        await _timed(
            result,
            "start",
            client.execute_update_with_start_workflow(
                BareWorkflow.started, start_workflow_operation=start
            ),
        )
        handle = client.get_workflow_handle_for(BareWorkflow.run, f"bare-{run_id}-{i}")
        for step, op in ((1, "update_1"), (2, "update_2"), (3, "update_3")):
            await _timed(result, op, handle.execute_update(BareWorkflow.approve, step))

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[BareWorkflow],
            activities=[bare_step],
            activity_executor=executor,
            max_concurrent_activities=16,  # as build_worker
            sticky_queue_schedule_to_start_timeout=timedelta(seconds=2),
        )
        freeze_startup_heap()  # the same for both runs
        async with worker:
            await _drive(result, indexes, one, server_pid)
    return result


async def history_size(client: Client, workflow_id: str | None) -> dict[str, int]:
    """Events and serialized bytes of one workflow's history (what the server persisted)."""
    if workflow_id is None:
        return {}
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return {"events": len(history.events), "bytes": len(history.to_json())}


def verify_ours(url: str, codes: list[str]) -> dict[str, int]:
    """Count what our database recorded for the measured nominations."""
    uow = SqlUnitOfWork(make_engine(url))
    with uow.session() as session:
        ids = select(NominationRow.id).where(NominationRow.nominee_code.in_(codes))
        approved = session.scalar(
            select(func.count())
            .select_from(NominationRow)
            .where(NominationRow.nominee_code.in_(codes), NominationRow.stage == "approved")
        )
        steps = session.scalar(
            select(func.count())
            .select_from(NominationStepRow)
            .where(NominationStepRow.nomination_id.in_(ids))
        )
        evaluations = session.scalar(
            select(func.count())
            .select_from(EvaluationRow)
            .where(EvaluationRow.nomination_id.in_(ids))
        )
    uow.engine.dispose()
    return {"approved": approved or 0, "steps": steps or 0, "evaluations": evaluations or 0}
