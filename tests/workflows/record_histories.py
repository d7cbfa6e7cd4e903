"""Record one NominationWorkflow history per lifecycle path, as replay fixtures.

Run from the project root: ``python -m tests.workflows.record_histories``. It starts an in-memory
embedded Temporal server, a worker with the real activities and rules engine over a temporary
SQLite database, drives every path in ``NOMINATION_PATHS`` to its end and writes
``tests/workflows/histories/<path>.json``. ``test_replay.py`` replays them against the current
workflow code: re-record only for a deliberate, replay-safe change (or add a new file next to the
old ones instead of overwriting them when the change is guarded by ``workflow.patched``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.support.db import SeededDb
from tests.support.harness import Harness, harness
from tests.support.lifecycle_paths import FAST_DEADLINES, PATHS
from tests.support.nominations import individual_facts
from tests.support.temporal import DEV_SERVER_ARGS
from thidua.adapters.temporal.server import temporal_binary
from thidua.app.lifecycle import ReviewRequest
from thidua.domain.nominations import ReviewDecision
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.logging import configure_logging
from workflows import search_attributes as sa_keys

HISTORIES = Path(__file__).resolve().parent / "histories"


async def path_resume_refused_facts(h: Harness) -> str:
    """Since ``resume-tries-facts-first``: refused resumes are tried, not recorded; then resumed."""
    key = await h.submit("NV017", under_review=True)
    for facts in (individual_facts("NV017", under_review=True, rating="HTTNV"), None):
        try:
            await h.resume("vanphong", key, facts)
        except Refusal as refusal:
            assert refusal.code is RefusalCode.WRONG_STAGE
        else:
            raise AssertionError("resume of a nominee still under review was accepted")
    await h.resume("vanphong", key, individual_facts("NV017"))
    await h.review("truongphong.ldvl", key, "reject", "Không đề nghị năm nay")
    return key


async def path_actor_checked(h: Harness) -> str:
    """Since ``actor-checked-against-accounts``: a review by an actor our accounts do not know
    is refused by the workflow (accepted, then failed: nothing changes); then three approvals."""
    key = await h.submit("NV022")
    forged = Actor(username="ke.mao.danh", role=Role.UNIT_HEAD, units=("LDVL",))
    try:
        await h.lifecycle.review(forged, key, ReviewRequest(decision=ReviewDecision.APPROVE))
    except Refusal as refusal:
        assert refusal.code is RefusalCode.FORBIDDEN
    else:
        raise AssertionError("a review by an unknown actor was accepted")
    for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
        await h.review(reviewer, key, "approve")
    return key


# Each lifecycle path of ``scenarios.PATHS``, plus the paths of workflow.patched changes (their
# histories are recorded beside those of the old code, which must keep replaying).
NOMINATION_PATHS: dict[str, Callable[[Harness], Awaitable[str]]] = {
    **PATHS,
    "resume_refused_facts": path_resume_refused_facts,
    "actor_checked": path_actor_checked,
}


HistoryOf = Callable[[str, Harness], Awaitable[WorkflowHistory]]


async def record_paths(
    names: list[str],
    only: list[str],
    history_of: HistoryOf,
    *,
    file_prefix: str = "",
    lifecycle_days: Callable[[str], dict[str, float]] = lambda _name: {},
) -> list[Path]:
    """Start a server, run each path in its own database and write its history beside the tests."""
    from thidua.adapters.db.rules_versions import db_engine

    unknown = sorted(set(only) - set(names))
    if unknown:
        raise SystemExit(f"unknown path(s): {', '.join(unknown)}; known: {', '.join(names)}")
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=DEV_SERVER_ARGS,
        search_attributes=list(sa_keys.ALL),
    )
    written: list[Path] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:
                if only and name not in only:
                    continue
                db = SeededDb(f"sqlite:///{tmp}/{name}.db")
                queue = f"record-{file_prefix}{name}"
                engine = db_engine(db.uow)  # as the service: the database's rules versions
                async with harness(env.client, db, queue, engine, **lifecycle_days(name)) as h:
                    history = await history_of(name, h)
                db.uow.engine.dispose()
                path = HISTORIES / f"{file_prefix}{name}.json"
                path.write_text(history.to_json(), encoding="utf-8")
                written.append(path)
                print(f"{name}: {len(history.events)} events -> {path}")
    finally:
        await env.shutdown()
    return written


async def _nomination_history(name: str, h: Harness) -> WorkflowHistory:
    key = await NOMINATION_PATHS[name](h)
    handle = h.handle(key)
    await handle.result()
    return await handle.fetch_history()


async def record(only: list[str]) -> list[Path]:
    return await record_paths(
        list(NOMINATION_PATHS),
        only,
        _nomination_history,
        lifecycle_days=lambda name: FAST_DEADLINES if name == "deadline_escalation" else {},
    )


def run(record: Callable[[list[str]], Awaitable[list[Path]]]) -> None:
    """Entry point shared by the recording scripts."""
    configure_logging("WARNING", "console")
    HISTORIES.mkdir(parents=True, exist_ok=True)
    asyncio.run(record(sys.argv[1:]))
    sys.stdout.flush()
    # The worker and client are shut down; skip interpreter teardown, where the SDK may crash
    # (PyGILState_Release, a known issue) after the work is done.
    os._exit(0)


if __name__ == "__main__":
    run(record)
