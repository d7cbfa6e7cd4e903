"""A crash of the worker during consolidation loses nothing and records nothing twice.

The worker runs as a real ``python -m thidua.entrypoints.cli worker`` subprocess over a SQLite file, against
the session's Temporal server (on this test's own namespace). It is killed with SIGKILL while the
Office's close is appraising the round, and again while the Director's decision is being applied;
a fresh worker process picks the work up. The database must end as if nothing had happened.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError

from tests.support.db import SeededDb
from tests.support.rounds import DOSSIER, Round
from tests.support.stack import RECOVERY_SECONDS, Proc
from tests.support.waits import poll
from thidua.adapters.db.models import (
    AuditEntryRow,
    AwardItemRow,
    DocumentRow,
    NominationRow,
    NominationStepRow,
    RoundRow,
)
from thidua.app import audit
from thidua.domain.documents.wording import ANNEX_OF
from thidua.domain.nominations import Stage
from thidua.domain.rounds import RoundStage, RoundStatus
from workflows.consolidation import ConsolidationWorkflow

pytestmark = [pytest.mark.slow, pytest.mark.crash]

INCOMPLETE = {"achievement_report": "bao-cao.pdf"}  # no review minutes: returned at closing
# (nominee, unit, extra facts, dossier): 8 nominations over two units; one goes back at closing.
NOMINATIONS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("NV018", "LDVL", {"rating": "HTXSNV"}, DOSSIER),
    ("NV019", "LDVL", {}, DOSSIER),
    ("NV020", "LDVL", {}, INCOMPLETE),
    ("NV021", "LDVL", {}, DOSSIER),
    ("NV022", "LDVL", {}, DOSSIER),
    ("NV024", "GDNN", {"rating": "HTXSNV"}, DOSSIER),
    ("NV025", "GDNN", {}, DOSSIER),
    ("NV027", "GDNN", {}, DOSSIER),
]


def _round(db: SeededDb, key: str) -> RoundRow:
    with db.uow.session() as session:
        return session.scalars(select(RoundRow).where(RoundRow.key == key)).one()


def _gathered(db: SeededDb, key: str) -> int:
    """How many nominations the appraisal has gathered into the round (committed)."""
    with db.uow.session() as session:
        row = session.scalars(select(RoundRow).where(RoundRow.key == key)).one()
        return len(
            session.scalars(select(NominationRow.id).where(NominationRow.round_id == row.id)).all()
        )


def _has_documents(db: SeededDb, key: str) -> bool:
    """The decision's statuses and documents are committed (the nominations move on next)."""
    with db.uow.session() as session:
        row = session.scalars(select(RoundRow).where(RoundRow.key == key)).one()
        return bool(
            session.scalars(select(DocumentRow.id).where(DocumentRow.round_id == row.id)).first()
        )


async def _finish(
    task: asyncio.Task[Any],
    worker: Proc,
    handle: WorkflowHandle[ConsolidationWorkflow, RoundStatus],
    stage: RoundStage,
    what: str,
) -> None:
    """Wait for the interrupted step: by its update call, or (if that call gave up) the workflow.

    ``Rounds`` sends its updates without an update id, so a caller whose update call timed out
    while no worker was running cannot wait on the update itself; the workflow still completes it.
    """
    deadline = asyncio.get_running_loop().time() + RECOVERY_SECONDS
    try:
        await asyncio.wait_for(task, RECOVERY_SECONDS)
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        remaining = max(1.0, deadline - asyncio.get_running_loop().time())
        try:
            await poll(
                lambda: handle.query(ConsolidationWorkflow.status),
                lambda s: s.stage is stage,
                within=remaining,
            )
        except TimeoutError:
            pytest.fail(f"{what} did not complete after the worker was restarted.\n{worker.tail()}")
    except TimeoutError:
        pytest.fail(
            f"{what} did not complete within {RECOVERY_SECONDS} s after the worker was killed "
            f"and restarted.\n{worker.tail()}"
        )


async def test_worker_crash_during_consolidation_loses_nothing_and_records_nothing_twice(
    worker: Proc, driver: Round, seeded_sqlite: SeededDb
) -> None:
    db = seeded_sqlite
    keys: dict[str, str] = {}
    for nominee, unit, extra, dossier in NOMINATIONS:
        keys[nominee] = await asyncio.wait_for(
            driver.submit_and_approve(nominee, unit=unit, dossier=dossier, **extra), 30
        )
    worker.assert_alive()
    opened = await driver.open()
    handle = driver.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, opened.workflow_id)

    # ---- crash #1: while the Office's close is appraising the round ---------------------
    close = asyncio.create_task(driver.close())
    await poll(lambda: _gathered(db, driver.key), lambda n: n > 0, within=20)
    worker.kill()
    assert not close.done(), "the close finished before the worker could be killed"
    worker.start()
    await _finish(close, worker, handle, RoundStage.COUNCIL, "The Office's close")

    # ---- the council, then crash #2: while the Director's decision is being applied -------
    await asyncio.wait_for(driver.council(), 30)
    decide = asyncio.create_task(driver.decide())
    await poll(lambda: _has_documents(db, driver.key), bool, within=30)
    worker.kill()
    assert not decide.done(), "the decision finished before the worker could be killed"
    worker.start()
    await _finish(decide, worker, handle, RoundStage.DECIDED, "The Director's decision")

    status = await asyncio.wait_for(handle.result(), 20)
    assert [s.action for s in status.steps] == ["close", "council", "approve"]

    # ---- every nomination reached its final stage ------------------------------------------
    returned = {keys["NV020"]}
    approved = set(keys.values()) - returned

    def stages() -> dict[str, str]:
        with db.uow.session() as session:
            rows = session.scalars(
                select(NominationRow).where(NominationRow.key.in_(keys.values()))
            )
            return {r.key: r.stage for r in rows}

    expected = {k: Stage.RETURNED.value for k in returned} | {
        k: Stage.APPROVED.value for k in approved
    }
    await poll(stages, lambda s: s == expected, within=10)
    for key, stage in expected.items():
        wf_status = await driver.h.status(key)
        assert wf_status.stage.value == stage, (key, wf_status.stage)

    with db.uow.session() as session:
        rnd = session.scalars(select(RoundRow).where(RoundRow.key == driver.key)).one()
        ids = {
            r.key: r.id
            for r in session.scalars(
                select(NominationRow).where(NominationRow.key.in_(keys.values()))
            )
        }
        steps = session.scalars(
            select(NominationStepRow).where(NominationStepRow.nomination_id.in_(ids.values()))
        ).all()
        items = session.scalars(select(AwardItemRow).where(AwardItemRow.round_id == rnd.id)).all()
        docs = session.scalars(select(DocumentRow).where(DocumentRow.round_id == rnd.id)).all()
        round_steps = list(rnd.steps or [])

    # ---- nomination steps: unique, contiguous, each decision recorded once ---------------
    pairs = Counter((s.nomination_id, s.seq) for s in steps)
    assert [p for p, n in pairs.items() if n > 1] == []
    by_nomination: dict[int, list[NominationStepRow]] = {}
    for s in steps:
        by_nomination.setdefault(s.nomination_id, []).append(s)
    for key, nid in ids.items():
        own = sorted(by_nomination.get(nid, []), key=lambda s: s.seq)
        assert [s.seq for s in own] == list(range(1, len(own) + 1)), (key, [s.seq for s in own])
        transitions = [(s.action, s.stage_to) for s in own]
        assert len(set(transitions)) == len(transitions), (key, transitions)
        final = Stage.RETURNED.value if key in returned else Stage.APPROVED.value
        assert [t for t in transitions if t[1] == final] == [transitions[-1]], (key, transitions)

    # ---- award items: one per (round, nomination, code), all decided -------------------
    triples = Counter((i.round_id, i.nomination_id, i.code) for i in items)
    assert items and [t for t, n in triples.items() if n > 1] == []
    assert {i.nomination_id for i in items} == {ids[k] for k in approved}
    assert all(i.director_status == "approved" for i in items)

    # ---- documents: one per kind, distinct numbers ------------------------------------
    kinds = Counter(d.kind for d in docs)
    assert {k for k, n in kinds.items() if n > 1} == set()
    assert set(kinds) >= {"report", "minutes", "decision"}
    # Each numbered document its own number; an annex (the vote-counting record) its parent's.
    numbered = [d for d in docs if d.kind not in ANNEX_OF]
    assert len({d.number for d in numbered}) == len(numbered)
    numbers = {d.kind: d.number for d in docs}
    assert numbers["vote_count"] == numbers["minutes"]

    # ---- round steps: unique, contiguous, and the same as the workflow's -----------------
    seqs = [s["seq"] for s in round_steps]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [(s["seq"], s["action"]) for s in round_steps] == [
        (s.seq, s.action) for s in status.steps
    ]
    assert worker.started == 3

    # ---- audit: the chain verifies; each document issued and the council recorded once -----
    with db.uow() as tx:
        session = tx.session
        assert audit.verify(tx).ok
        entries = Counter(
            (e.action, e.object_id)
            for e in session.scalars(
                select(AuditEntryRow).where(
                    AuditEntryRow.action.in_(("document.issued", "council.vote_recorded"))
                )
            )
        )
    assert entries and [k for k, n in entries.items() if n > 1] == [], entries
