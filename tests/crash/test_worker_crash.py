"""SIGKILL of the worker with 100 nominations in flight at every stage, then a new worker.

The nominations follow three scripts (approved; returned, resubmitted, approved; rejected by the
Office) driven concurrently through the service layer. The worker process is killed three times
while they are spread over the stages and started again each time. At the end every nomination is
where its script leads, in our database and in its workflow alike, every step and evaluation is
recorded once, and the audit chain verifies.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support.checks import assert_audit_chain_verifies, check_consistent, final_statuses
from tests.support.db import SeededDb
from tests.support.driver import Driver, add_staff, plan_for, run_plans, wait_progress
from tests.support.scale import backends, scaled
from tests.support.stack import Stack
from thidua.adapters.db.models import NominationRow
from thidua.adapters.temporal.client import connect_client

# Bounded: one backend per crash test (PostgreSQL for this one); full size: both.
pytestmark = [pytest.mark.crash, pytest.mark.slow, backends("postgres")]

N = scaled(100, 1000)
# When the worker is killed: after this fraction of all human steps, and once a nomination
# stands at this stage (the stages are passed through quickly, so the kill waits for one).
KILL_AT = ((0.12, "unit_review"), (0.45, "office_review"), (0.75, "director_review"))


def stage_counts(db: SeededDb, prefix: str) -> Counter[str]:
    with db.uow.session() as session:
        rows = session.execute(
            select(NominationRow.stage, func.count())
            .where(NominationRow.nominee_code.like(f"{prefix}%"))
            .group_by(NominationRow.stage)
        )
        return Counter({stage: n for stage, n in rows})


async def test_worker_sigkill_with_nominations_in_flight_loses_nothing(
    stack: Stack, seeded: SeededDb
) -> None:
    """Three kill -9 of the worker mid-flight: every nomination ends as scripted, once."""
    staff = add_staff(seeded.uow, "CRW", N)
    plans = [plan_for(i, code, unit) for i, (code, unit) in enumerate(staff)]
    client = await connect_client(stack.settings.temporal)
    driver = Driver(client, seeded.uow, stack.settings)
    run = asyncio.create_task(run_plans(driver, plans, in_flight=min(N, 100)))
    total = sum(1 + len(p.steps) for p in plans)
    seen_at_kill: list[Counter[str]] = []
    try:
        for fraction, stage in KILL_AT:
            await wait_progress(driver, int(total * fraction), run)
            counts = stage_counts(seeded, "CRW")
            while not counts[stage] and not run.done():
                await asyncio.sleep(0.02)
                counts = stage_counts(seeded, "CRW")
            assert not run.done(), "the run finished before the worker could be killed"
            seen_at_kill.append(counts)
            stack.worker.kill()
            await asyncio.sleep(0.5)
            stack.worker.start()
        await asyncio.wait_for(asyncio.shield(run), 300)
    except BaseException:
        run.cancel()
        print(stack.tails())
        raise
    # The kills hit nominations waiting at or moving through every review stage.
    stages_hit = set().union(*seen_at_kill)
    assert {"unit_review", "office_review", "director_review"} <= stages_hit, seen_at_kill

    results = await final_statuses(client, stack.settings, [p.key for p in plans])
    counts = check_consistent(seeded.uow, plans, results)
    assert counts["nominations"] == N
    assert stack.worker.kills == len(KILL_AT)
    print(f"worker crash: {counts}, retried calls {driver.retries}, stages at kills {seen_at_kill}")
    assert_audit_chain_verifies(seeded.uow)
