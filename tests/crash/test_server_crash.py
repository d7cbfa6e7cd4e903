"""SIGKILL of the Temporal server and the worker together, then the server again on its file.

Nominations are in flight through the service layer and every step is sent to a webhook
subscriber. Both processes are killed at once; the server restarts on the same SQLite file (as
``make run`` does) and a new worker starts. Calls cut off by the crash are retried only when the
workflow shows they were not applied. At the end every nomination is where its script leads,
database and workflow agree, nothing is recorded twice and every event has exactly one delivery,
delivered.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.support.checks import (
    assert_audit_chain_verifies,
    check_consistent,
    check_deliveries,
    final_statuses,
)
from tests.support.db import SeededDb
from tests.support.driver import Driver, add_staff, plan_for, run_plans, wait_progress
from tests.support.receiver import Receiver
from tests.support.scale import backends, scaled
from tests.support.stack import Stack
from tests.support.waits import poll
from thidua.adapters.db.models import WebhookDeliveryRow
from thidua.adapters.temporal.client import connect_client
from thidua.app import webhooks
from thidua.app.accounts.authentication import authenticate
from thidua.app.ports.webhooks import SubscriptionRequest

pytestmark = [pytest.mark.crash, pytest.mark.slow, backends("sqlite")]

N = scaled(24, 300)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


async def test_server_and_worker_sigkill_together_lose_nothing(
    stack: Stack, seeded: SeededDb, receiver: Receiver
) -> None:
    """kill -9 of server and worker mid-flight, restart on the same file: all as scripted."""
    with seeded.uow() as tx:
        auditor = authenticate(tx, seeded.token("kiemtoan"))
        assert auditor is not None
        sub = webhooks.create_subscription(
            tx,
            auditor,
            SubscriptionRequest(url=receiver.url),
            rules=stack.settings.webhooks.rules(),
        )
    staff = add_staff(seeded.uow, "CRS", N)
    plans = [plan_for(i, code, unit) for i, (code, unit) in enumerate(staff)]
    client = await connect_client(stack.settings.temporal)
    driver = Driver(client, seeded.uow, stack.settings)
    run = asyncio.create_task(run_plans(driver, plans, in_flight=min(N, 100)))
    total = sum(1 + len(p.steps) for p in plans)
    try:
        await wait_progress(driver, int(total * 0.4), run)
        assert not run.done(), "the run finished before the server could be killed"
        stack.temporal.kill()
        stack.worker.kill()
        await asyncio.sleep(1)
        stack.start_temporal()
        stack.worker.start()
        await asyncio.wait_for(asyncio.shield(run), 300)
    except BaseException:
        run.cancel()
        print(stack.tails())
        raise

    results = await final_statuses(client, stack.settings, [p.key for p in plans])
    counts = check_consistent(seeded.uow, plans, results)

    def statuses() -> Counter[str]:
        with seeded.uow.session() as session:
            return Counter(
                session.scalars(
                    select(WebhookDeliveryRow.status).where(
                        WebhookDeliveryRow.subscription_id == sub.id
                    )
                )
            )

    # One delivery workflow per event: ~20 a second on this server at best.
    within = 120 + counts["steps"] / 5
    await poll(statuses, lambda c: c.get("delivered", 0) == counts["steps"], within=within)
    assert check_deliveries(seeded.uow, sub.id) == Counter({"delivered": counts["steps"]})
    # At least once to the receiver (it deduplicates by X-Thidua-Event-Id).
    assert len(receiver.received) == counts["steps"]
    print(
        f"server+worker crash: {counts}, retried calls {driver.retries}, "
        f"receiver duplicates {sum(receiver.received.values()) - len(receiver.received)}"
    )
    assert_audit_chain_verifies(seeded.uow)
