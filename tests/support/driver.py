"""Scripted lifecycles carried through the service layer across crashes.

``add_staff`` adds staff to nominate; ``plan_for`` gives each nomination one of three scripts
(approved; returned once then approved; rejected by the Office) and where it must end.
``Driver`` carries planned nominations through ``Lifecycle``, retrying a step only when the
workflow shows it was not applied (a call cut off by a crash may or may not have been).
Used by the crash, load and property suites, and by ``bench.lifecycle``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError

from tests.support.nominations import MOVEMENT, YEAR, eligible_facts
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.lifecycle import NominationSubmission, ResubmitRequest, ReviewRequest
from thidua.app.ports.org import NewStaff
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints.lifecycle import build_lifecycle

# Units with a sample unit officer (canbo.<unit>) and unit head (truongphong.<unit>).
UNITS = ("VP", "TTRA", "LDVL", "GDNN", "NCC", "BTXH", "TEBDG", "TTDVVL", "TTCTXH", "CSCN")


def add_staff(
    uow: SqlUnitOfWork, prefix: str, count: int, spread: Sequence[str] = UNITS
) -> list[tuple[str, str]]:
    """Add ``count`` staff ``<prefix>00001...`` spread over units; return (code, unit) pairs."""
    out: list[tuple[str, str]] = []
    new: list[NewStaff] = []
    for i in range(count):
        code, unit = f"{prefix}{i + 1:05d}", spread[i % len(spread)]
        new.append(
            NewStaff(
                code=code,
                full_name=f"Cán bộ thử {prefix} {i + 1}",
                gender="nu" if i % 2 else "nam",
                position="Chuyên viên",
                birth_year=1975 + i % 25,
                unit=unit,
            )
        )
        out.append((code, unit))
    with uow() as tx:
        tx.org.add_staff(new)
    return out


def actors(uow: SqlUnitOfWork) -> dict[str, Actor]:
    with uow() as tx:
        return {a.username: a.actor() for a in tx.accounts.accounts()}


# ---- scripted lifecycles -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One human step of a script: who does what (a review decision, or a resubmission)."""

    user: str
    kind: str  # review | resubmit
    decision: str | None = None
    reason: str | None = None


@dataclass
class Plan:
    """A nomination's script and where it must end: final stage and its (action, stage) steps."""

    code: str
    unit: str
    steps: list[Step]
    final: Stage
    transitions: list[tuple[str, str]]
    key: str = ""
    done: list[str] = field(default_factory=list)


def plan_for(i: int, code: str, unit: str) -> Plan:
    """Three scripts in turn: approved; returned once then approved; rejected by the Office."""
    head = f"truongphong.{unit.lower()}"
    submit = [("submit", "submitted"), ("evaluate", "unit_review")]
    office = [("approve", "office_review")]
    if i % 3 == 1:
        return Plan(
            code,
            unit,
            [
                Step(head, "review", "return", "Bổ sung minh chứng"),
                Step(f"canbo.{unit.lower()}", "resubmit"),
                Step(head, "review", "approve"),
                Step("vanphong", "review", "approve"),
                Step("giamdoc", "review", "approve"),
            ],
            Stage.APPROVED,
            [
                *submit,
                ("return", "returned"),
                ("resubmit", "submitted"),
                ("evaluate", "unit_review"),
                *office,
                ("approve", "director_review"),
                ("approve", "approved"),
            ],
        )
    if i % 3 == 2:
        return Plan(
            code,
            unit,
            [
                Step(head, "review", "approve"),
                Step("vanphong", "review", "reject", "Không đủ minh chứng"),
            ],
            Stage.REJECTED,
            [*submit, *office, ("reject", "rejected")],
        )
    return Plan(
        code,
        unit,
        [
            Step(head, "review", "approve"),
            Step("vanphong", "review", "approve"),
            Step("giamdoc", "review", "approve"),
        ],
        Stage.APPROVED,
        [*submit, *office, ("approve", "director_review"), ("approve", "approved")],
    )


# Errors a call may end with when a process it depends on is killed mid-call.
TRANSIENT: tuple[type[BaseException], ...] = (RPCError, TimeoutError, OSError)


def transient(exc: BaseException) -> bool:
    """A call cut off by a crash: an RPC or connection error, or a timed-out update call."""
    return isinstance(exc, TRANSIENT) or "Timeout" in type(exc).__name__


class Driver:
    """Carries planned nominations through the lifecycle via ``Lifecycle``, across crashes."""

    def __init__(self, client: Client, uow: SqlUnitOfWork, settings: Settings) -> None:
        self.lifecycle = build_lifecycle(client, uow, settings)
        self.workflows = self.lifecycle.workflows
        self.actors = actors(uow)
        self.retries = 0
        self.steps_done = 0
        self.calls = 0

    async def status(self, key: str) -> NominationStatus | None:
        try:
            return await self.workflows.status(self.workflows.workflow_id(key))
        except TRANSIENT:
            return None

    async def _retrying(
        self, call: Callable[[], Awaitable[Any]], applied: Callable[[], Awaitable[bool]]
    ) -> None:
        """Call until it succeeds or the workflow shows it was applied (by a cut-off call)."""
        deadline = time.monotonic() + 120
        while True:
            self.calls += 1
            try:
                await asyncio.wait_for(call(), 60)
                return
            except Refusal as refusal:
                # A refusal after an earlier cut-off attempt: that attempt may have gone through.
                if await applied():
                    return
                if refusal.code is not RefusalCode.UNAVAILABLE:
                    raise
            except Exception as exc:
                if not transient(exc):
                    raise
                if await applied():
                    return
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError("a step could not be applied within 120 s")
            await asyncio.sleep(0.5)

    async def run(self, plan: Plan, sem: asyncio.Semaphore) -> None:
        body = NominationSubmission.model_validate(
            {"movement": MOVEMENT, "unit": plan.unit, "facts": eligible_facts(plan.code)}
        )
        plan.key = f"{MOVEMENT}_{YEAR}_{plan.code}"

        async def submitted() -> bool:
            # A cut-off submit may have started the workflow: then wait for its evaluation.
            try:
                if not await self.workflows.exists(self.workflows.workflow_id(plan.key)):
                    return False
            except (Refusal, *TRANSIENT):  # Temporal unavailable: not known to be started
                return False
            return await self._steps_count(plan.key) > 0

        async with sem:
            await self._retrying(
                lambda: self.lifecycle.submit(self.actors[f"canbo.{plan.unit.lower()}"], body),
                submitted,
            )
        self.steps_done += 1
        for step in plan.steps:
            before = await self._steps_count(plan.key)

            async def applied(before: int = before) -> bool:
                return (await self._steps_count(plan.key)) > before

            actor = self.actors[step.user]

            def call(step: Step = step, actor: Actor = actor) -> Awaitable[Any]:
                if step.kind == "resubmit":
                    return self.lifecycle.resubmit(
                        actor,
                        plan.key,
                        ResubmitRequest.model_validate(
                            {"facts": eligible_facts(plan.code), "reason": "Đã bổ sung"}
                        ),
                    )
                return self.lifecycle.review(
                    actor, plan.key, ReviewRequest(decision=step.decision, reason=step.reason)
                )

            async with sem:
                await self._retrying(call, applied)
            plan.done.append(f"{step.user}:{step.decision or step.kind}")
            self.steps_done += 1

    async def _steps_count(self, key: str) -> int:
        """How many steps the workflow has applied, once it has left ``submitted``."""
        deadline = time.monotonic() + 180
        last: NominationStatus | None = None
        while time.monotonic() < deadline:
            st = await self.status(key)
            if st is not None and st.stage is not Stage.SUBMITTED:
                return len(st.steps)
            last = st or last
            await asyncio.sleep(0.3)
        seen = f"stage {last.stage.value}, {len(last.steps)} steps" if last else "no answer"
        raise AssertionError(f"{key}: the workflow did not leave 'submitted' in 180 s ({seen})")


IN_FLIGHT = 100  # nominations in flight at once, whatever the size of the run


async def run_plans(driver: Driver, plans: Sequence[Plan], in_flight: int = IN_FLIGHT) -> None:
    sem = asyncio.Semaphore(in_flight)
    await asyncio.gather(*(driver.run(p, sem) for p in plans))


async def wait_progress(driver: Driver, at_least: int, task: asyncio.Task[Any]) -> None:
    """Wait until ``at_least`` human steps are done (or the run ended)."""
    while driver.steps_done < at_least and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
