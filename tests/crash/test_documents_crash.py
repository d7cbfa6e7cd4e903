"""SIGKILL of the worker while the round's documents are being generated.

The Director's decision renders the round's documents (report, minutes, decision, submission to
the province) inside the activity that applies it, writing the files before the transaction that
records them commits. The worker process is killed as soon as the first file appears, before any
document row is committed; a new worker takes the activity up again. At the end each document
exists once with its own number, its recorded hash is the hash of the file on disk, every
approved nomination is approved once, and the audit chain verifies with each document issued
once. (``tests/workflows/test_consolidation_crash.py`` kills the worker during the Office's
closing and just after the documents are committed; this test closes the window between.)
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.db import SeededDb
from tests.support.rounds import DOSSIER, Round
from tests.support.stack import RECOVERY_SECONDS, Proc
from tests.support.waits import poll
from thidua.adapters.db.models import AuditEntryRow, DocumentRow, NominationRow, RoundRow
from thidua.app import audit
from thidua.domain.documents.wording import ANNEX_OF
from thidua.domain.nominations import Stage
from thidua.domain.rounds import RoundStage
from workflows.consolidation import ConsolidationWorkflow

pytestmark = [pytest.mark.crash, pytest.mark.slow]

NOMINEES = (("NV018", "LDVL", "HTXSNV"), ("NV019", "LDVL", "HTTNV"), ("NV024", "GDNN", "HTXSNV"))


def committed_documents(db: SeededDb, key: str) -> list[DocumentRow]:
    with db.uow.session() as session:
        rnd = session.scalars(select(RoundRow).where(RoundRow.key == key)).one()
        return list(session.scalars(select(DocumentRow).where(DocumentRow.round_id == rnd.id)))


def file_hash(path: str) -> str | None:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None


async def test_worker_sigkill_during_document_generation_issues_each_document_once(
    worker: Proc,
    driver: Round,
    seeded_sqlite: SeededDb,
    tmp_path: Path,
) -> None:
    """kill -9 once the first document file is written: documents once, numbers, hashes."""
    db = seeded_sqlite
    keys = [
        await asyncio.wait_for(
            driver.submit_and_approve(nominee, unit=unit, dossier=DOSSIER, rating=rating), 30
        )
        for nominee, unit, rating in NOMINEES
    ]
    opened = await driver.open()
    handle = driver.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, opened.workflow_id)
    await asyncio.wait_for(driver.close(), 30)
    await asyncio.wait_for(driver.council(), 30)

    folder = tmp_path / "var" / "documents"
    decide = asyncio.create_task(driver.decide())
    # A tight loop (5 ms): the whole set renders in a fraction of a second.
    async with asyncio.timeout(30):
        while not any(folder.rglob("*.docx")):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
    worker.kill()
    written_at_kill = sorted(p.name for p in folder.rglob("*.*"))
    committed_at_kill = committed_documents(db, driver.key)
    assert committed_at_kill == [], "the documents were committed before the kill"
    worker.start()
    try:
        await asyncio.wait_for(decide, RECOVERY_SECONDS)
    except Exception:  # the call may give up while no worker runs; the workflow goes on
        await poll(
            lambda: handle.query(ConsolidationWorkflow.status),
            lambda s: s.stage is RoundStage.DECIDED,
            within=RECOVERY_SECONDS,
        )
    status = await asyncio.wait_for(handle.result(), 30)
    assert [s.action for s in status.steps] == ["close", "council", "approve"]

    docs = committed_documents(db, driver.key)
    kinds = Counter(d.kind for d in docs)
    assert kinds and max(kinds.values()) == 1, kinds
    assert {"report", "minutes", "decision"} <= set(kinds)
    # Each numbered document its own number; an annex (the vote-counting record) its parent's.
    numbered = [d for d in docs if d.kind not in ANNEX_OF]
    assert len({d.number for d in numbered}) == len(numbered)
    numbers = {d.kind: d.number for d in docs}
    assert numbers["vote_count"] == numbers["minutes"]
    for d in docs:
        assert file_hash(d.files["docx"]) == d.sha256, (d.kind, d.files)

    def stages() -> dict[str, str]:
        with db.uow.session() as session:
            rows = session.scalars(select(NominationRow).where(NominationRow.key.in_(keys)))
            return {r.key: r.stage for r in rows}

    await poll(stages, lambda s: set(s.values()) == {Stage.APPROVED.value}, within=20)
    with db.uow() as tx:
        session = tx.session
        assert audit.verify(tx).ok
        issued = Counter(
            e.object_id
            for e in session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "document.issued")
            )
        )
    assert sorted(issued) == sorted(f"{driver.key}/{k}" for k in kinds), issued
    assert max(issued.values()) == 1, issued
    print(f"documents crash: files at the kill {written_at_kill}; committed {sorted(kinds)}")
