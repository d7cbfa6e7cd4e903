"""Stateful property test: random actors take random steps on random nominations.

A Hypothesis ``RuleBasedStateMachine`` drives the real service layer (``Lifecycle``, what the API
and CLI call) against the real embedded Temporal server and a real worker (activities, rules
engine, database). Beside it, the machine keeps its own model of the lifecycle, written from the
README's "Who may do what" table and the stage diagram, not from ``thidua.domain.policy``:

- a step is accepted exactly when the model says the actor may take it in that stage (given the
  reason it carries and, for approvals past the unit, the criteria result);
- an accepted step moves the nomination along an edge of the stage machine, to the stage the
  model predicts, recorded once with its actor; a refused step changes nothing;
- a unit-scoped actor never learns about another unit's nomination (refused as not found);
- after every step our database and the workflow agree (stage, every step), and the audit chain
  verifies.

Bounded in ``make test`` (12 examples of up to 25 steps, SQLite); ``THIDUA_CRASH_SCALE=full`` or
``THIDUA_PROPERTY_PROFILE=thorough`` runs 60 examples of up to 40 steps (with full scale, on
SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.support.checks import assert_audit_chain_verifies
from tests.support.db import SeededDb
from tests.support.driver import actors, add_staff
from tests.support.nominations import eligible_facts
from tests.support.scale import backends
from tests.support.settings import fast_settings
from thidua.adapters.db.models import NominationRow, NominationStepRow
from thidua.app.lifecycle import (
    HoldRequest,
    Lifecycle,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.domain.nominations import NominationStatus
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.entrypoints.lifecycle import build_lifecycle

# SQLite in make test; both SQLite and PostgreSQL with THIDUA_CRASH_SCALE=full.
pytestmark = [pytest.mark.slow, backends("sqlite")]

T = TypeVar("T")

THOROUGH = (
    os.environ.get("THIDUA_PROPERTY_PROFILE") == "thorough"
    or os.environ.get("THIDUA_CRASH_SCALE", "").lower() == "full"
)
settings.register_profile(
    "lifecycle-bounded",
    max_examples=12,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "lifecycle-thorough",
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PROFILE = settings.get_profile("lifecycle-thorough" if THOROUGH else "lifecycle-bounded")

UNITS = ("LDVL", "GDNN")
USERS = (
    "canbo.ldvl",
    "canbo.gdnn",
    "pipeline.ldvl",
    "truongphong.ldvl",
    "truongphong.gdnn",
    "vanphong",
    "giamdoc",
    "kiemtoan",
    "thuky.hoidong",
)
# Draws: RIGHT stands for the user the README names for the step (weighted up with the
# approvals and reasons so that nominations travel far, not only get refused).
RIGHT = "<right user>"
REASON = "Cần bổ sung minh chứng"
ACTIONS = ("approve", "approve", "approve", "return", "reject", "hold", "resume", "resubmit")
REVIEW_STAGES = ("unit_review", "office_review", "director_review")
HOLDABLE = (*REVIEW_STAGES, "returned")
# The README's roles: (role, its unit if unit-scoped).
ROLE_OF = {
    "canbo.ldvl": ("unit_officer", "LDVL"),
    "canbo.gdnn": ("unit_officer", "GDNN"),
    "pipeline.ldvl": ("pipeline", "LDVL"),
    "truongphong.ldvl": ("unit_head", "LDVL"),
    "truongphong.gdnn": ("unit_head", "GDNN"),
    "vanphong": ("office", None),
    "giamdoc": ("director", None),
    "kiemtoan": ("auditor", None),
    "thuky.hoidong": ("council_secretary", None),
}
REVIEWER = {"unit_review": "unit_head", "office_review": "office", "director_review": "director"}
NEXT = {
    ("unit_review", "approve"): "office_review",
    ("unit_review", "return"): "returned",
    ("unit_review", "reject"): "rejected",
    ("office_review", "approve"): "director_review",
    ("office_review", "return"): "returned",
    ("office_review", "reject"): "rejected",
    ("director_review", "approve"): "approved",
    ("director_review", "return"): "office_review",
    ("director_review", "reject"): "rejected",
}
# Every edge of the stage diagram (including the system's own steps).
EDGES = {
    (None, "submitted"),
    ("submitted", "unit_review"),
    ("submitted", "on_hold"),
    ("returned", "submitted"),
    *((s, d) for (s, _), d in NEXT.items()),
    *((s, "on_hold") for s in HOLDABLE),
    *(("on_hold", s) for s in HOLDABLE),
}


class LoopThread:
    """An event loop in a thread: the worker runs there; the sync state machine calls into it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class World:
    """What the machine drives: the service, the actors, fresh nominees per unit, the database."""

    loop: LoopThread
    lifecycle: Lifecycle
    actors: dict[str, Actor]
    nominees: dict[str, Iterator[str]]
    db: SeededDb

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run(coro)

    def status(self, key: str) -> NominationStatus:
        workflows = self.lifecycle.workflows
        return self.call(workflows.status(workflows.workflow_id(key)))


@dataclass
class Model:
    """The model's view of one nomination."""

    key: str
    unit: str
    stage: str
    before_hold: str | None = None
    steps: int = 2


def may_act(user: str, model: Model, action: str, reason: str | None, eligible: bool) -> bool:
    """The README's table and the stage diagram, independently of thidua.domain.policy."""
    role, unit = ROLE_OF[user]
    own = unit is None or unit == model.unit
    stage = model.stage
    if action in ("approve", "return", "reject"):
        if REVIEWER.get(stage) != role or not own:
            return False
        if action != "approve" and not (reason and reason.strip()):
            return False
        return not (action == "approve" and stage in ("office_review", "director_review")) or (
            eligible
        )
    if action == "hold":
        if role in ("office", "director"):
            return stage in HOLDABLE
        return role == "unit_head" and own and stage == "unit_review"
    if action == "resume":
        return role in ("office", "director") and stage == "on_hold"
    if action == "resubmit":
        return role in ("unit_officer", "pipeline") and own and stage == "returned"
    raise AssertionError(action)


def right_user(model: Model, action: str) -> str:
    """The user the README names for this step in this stage (so that many steps succeed)."""
    if action == "resubmit":
        return f"canbo.{model.unit.lower()}"
    if action in ("hold", "resume"):
        return "vanphong"
    return {
        "unit_review": f"truongphong.{model.unit.lower()}",
        "office_review": "vanphong",
        "director_review": "giamdoc",
    }.get(model.stage, "vanphong")


def next_stage(model: Model, action: str) -> str:
    if action == "hold":
        return "on_hold"
    if action == "resume":
        assert model.before_hold is not None
        return model.before_hold
    if action == "resubmit":
        return "unit_review"  # submitted, evaluated, back in unit review (no auto-hold facts)
    return NEXT[(model.stage, action)]


TALLY: Counter[str] = Counter()


class LifecycleMachine(RuleBasedStateMachine):
    world: World  # set by the test before the machine runs

    nominations = Bundle("nominations")

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[str, Model] = {}
        self.accepted = 0
        self.refused = 0

    # ---- rules ----------------------------------------------------------------------

    @precondition(lambda self: len(self.models) < 4)  # a few nominations, taken far
    @rule(
        target=nominations,
        user=st.sampled_from((RIGHT, RIGHT, *USERS)),
        unit=st.sampled_from(UNITS),
        eligible=st.sampled_from((True, True, True, False)),
    )
    def submit(self, user: str, unit: str, eligible: bool) -> Any:
        if user == RIGHT:
            user = f"canbo.{unit.lower()}"
        code = next(self.world.nominees[unit])
        facts = eligible_facts(code) if eligible else eligible_facts(code, rating="KHTNV")
        body = NominationSubmission.model_validate(
            {"movement": "NTM-2024", "unit": unit, "facts": facts}
        )
        role, own_unit = ROLE_OF[user]
        allowed = role in ("unit_officer", "pipeline") and own_unit == unit
        try:
            detail = self.world.call(self.world.lifecycle.submit(self.world.actors[user], body))
        except Refusal as refusal:
            assert not allowed, (user, unit, refusal.code, refusal.message)
            assert refusal.code is RefusalCode.FORBIDDEN, refusal.code
            self.refused += 1
            return None
        assert allowed, f"{user} submitted for {unit}"
        assert detail.stage == "unit_review", detail.stage
        model = Model(detail.id, unit, "unit_review")
        self.models[detail.id] = model
        self.accepted += 1
        self._check_agrees(model)
        return detail.id

    @rule(
        key=nominations,
        user=st.sampled_from((RIGHT, RIGHT, RIGHT, *USERS)),
        action=st.sampled_from(ACTIONS),
        reason=st.sampled_from((None, "", REASON, REASON, REASON)),
        eligible=st.sampled_from((True, True, True, False)),
    )
    def act(
        self, key: str | None, user: str, action: str, reason: str | None, eligible: bool
    ) -> None:
        if key is None:
            return
        model = self.models[key]
        if user == RIGHT:
            user = right_user(model, action)
        before = self.world.status(key)
        assert before.stage.value == model.stage, (key, before.stage, model.stage)
        is_eligible = before.evaluation is not None and before.evaluation.status == "eligible"
        expected = may_act(user, model, action, reason, is_eligible)
        role, unit = ROLE_OF[user]
        hidden = unit is not None and unit != model.unit
        actor = self.world.actors[user]
        lc = self.world.lifecycle
        try:
            if action in ("approve", "return", "reject"):
                self.world.call(
                    lc.review(actor, key, ReviewRequest(decision=action, reason=reason))
                )
            elif action == "hold":
                self.world.call(lc.hold(actor, key, HoldRequest(reason=reason or "Tạm dừng")))
            elif action == "resume":
                self.world.call(lc.resume(actor, key, ResumeRequest(reason=reason)))
            else:
                facts = eligible_facts(key.rsplit("_", 1)[1])
                if not eligible:
                    facts["rating"] = "KHTNV"
                body = ResubmitRequest.model_validate({"facts": facts, "reason": reason})
                self.world.call(lc.resubmit(actor, key, body))
        except Refusal as refusal:
            assert not expected, (user, action, model.stage, refusal.code, refusal.message)
            if hidden:
                assert refusal.code is RefusalCode.NOT_FOUND, (user, key, refusal.code)
            after = self.world.status(key)
            assert after.stage == before.stage and len(after.steps) == len(before.steps)
            self.refused += 1
            TALLY[f"refused {action} {refusal.code.value} in {model.stage}"] += 1
            self._check_agrees(model)
            return
        assert expected, f"{user} ({role}) took {action} in {model.stage} on {key}"
        to = next_stage(model, action)
        after = self.world.status(key)
        new = after.steps[len(before.steps) :]
        assert new, (key, action)
        assert new[0].actor == user and new[0].stage_from is not None
        assert new[0].stage_from.value == model.stage
        assert all(
            (s.stage_from.value if s.stage_from else None, s.stage_to.value) in EDGES for s in new
        )
        assert after.stage.value == to, (key, action, after.stage, to)
        if action == "hold":
            model.before_hold = model.stage
        elif action == "resume":
            model.before_hold = None
        model.stage = to
        model.steps = len(after.steps)
        self.accepted += 1
        self._check_agrees(model)

    # ---- invariants -----------------------------------------------------------------

    def _check_agrees(self, model: Model) -> None:
        """Database and workflow: same stage, same steps (each once, contiguous)."""
        status = self.world.status(model.key)
        with self.world.db.uow.session() as session:
            row = session.scalars(select(NominationRow).where(NominationRow.key == model.key)).one()
            steps = list(
                session.scalars(
                    select(NominationStepRow)
                    .where(NominationStepRow.nomination_id == row.id)
                    .order_by(NominationStepRow.seq)
                )
            )
        assert row.stage == status.stage.value == model.stage, (row.stage, status.stage, model)
        assert [(s.seq, s.action, s.stage_to, s.actor) for s in steps] == [
            (s.seq, s.action.value, s.stage_to.value, s.actor) for s in status.steps
        ]
        assert [s.seq for s in steps] == list(range(1, len(steps) + 1))
        assert all((s.stage_from, s.stage_to) in EDGES for s in steps), steps

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert_audit_chain_verifies(self.world.db.uow)

    def teardown(self) -> None:
        for model in self.models.values():
            self._check_agrees(model)
        TALLY["accepted"] += self.accepted
        TALLY["refused"] += self.refused
        TALLY["nominations"] += len(self.models)
        TALLY.update(m.stage for m in self.models.values())


@pytest.fixture
def world(
    temporal_env: WorkflowEnvironment, seeded: SeededDb, task_queue: str, rules_engine: Any
) -> Iterator[World]:
    """A worker (real activities, rules, database) running in its own event loop thread."""
    from worker import build_worker

    db = seeded
    per_unit = 2 * PROFILE.max_examples * PROFILE.stateful_step_count
    codes: dict[str, list[str]] = {u: [] for u in UNITS}
    for code, unit in add_staff(db.uow, "PBT", per_unit * len(UNITS), spread=UNITS):
        codes[unit].append(code)
    settings_ = fast_settings(db.url, task_queue)
    target = temporal_env.client.service_client.config.target_host
    namespace = temporal_env.client.namespace
    loop = LoopThread()
    stop: asyncio.Event | None = None
    started = threading.Event()

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        client = await Client.connect(
            target, namespace=namespace, data_converter=pydantic_data_converter
        )
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(client, settings_, db.uow, executor, rules_engine):
                world_holder.append(
                    World(
                        loop,
                        build_lifecycle(client, db.uow, settings_),
                        actors(db.uow),
                        {u: iter(c) for u, c in codes.items()},
                        db,
                    )
                )
                started.set()
                await stop.wait()

    world_holder: list[World] = []
    serving = asyncio.run_coroutine_threadsafe(serve(), loop.loop)
    assert started.wait(30), "the worker did not start"
    try:
        yield world_holder[0]
    finally:
        assert stop is not None
        loop.loop.call_soon_threadsafe(stop.set)
        serving.result(30)
        loop.close()


def test_random_actors_and_steps_respect_the_lifecycle(world: World) -> None:
    """Random actors and steps: only authorized steps along the diagram; DB == workflow."""
    LifecycleMachine.world = world
    TALLY.clear()
    run_state_machine_as_test(LifecycleMachine, settings=PROFILE)
    print(f"lifecycle machine: {dict(TALLY)}")
    # The machine really exercised the lifecycle: steps accepted and refused, stages reached.
    assert TALLY["accepted"] > 0 and TALLY["refused"] > 0, TALLY
