"""A refused ``resume`` changes nothing: not the workflow's facts or evaluation, not the database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.harness import Harness
from tests.support.nominations import individual_facts
from thidua.adapters.db.models import AuditEntryRow
from thidua.domain.nominations import NominationStatus, Stage
from thidua.domain.refusals import Refusal, RefusalCode


async def refused(awaitable: Any) -> RefusalCode:
    """Await a service call expected to be refused; return the refusal code."""
    with pytest.raises(Refusal) as info:
        await awaitable
    return info.value.code


def stored(h: Harness, key: str) -> dict[str, Any]:
    """What our database keeps of the nomination, its evaluations and the audit log."""
    row = h.nomination(key)
    with h.db.uow.session() as session:
        audit_entries = session.scalar(select(func.count()).select_from(AuditEntryRow))
    return {
        "stage": row.stage,
        "status": row.status,
        "titles": row.titles,
        "facts": row.facts,
        "last_step_seq": row.last_step_seq,
        "evaluations": [(e.id, e.status) for e in h.evaluations(key)],
        "steps": len(h.steps(key)),
        "audit_entries": audit_entries,
    }


def held_state(status: NominationStatus) -> tuple[Any, ...]:
    return (status.stage, status.evaluation, len(status.steps), status.deadline)


class TestRefusedResumeChangesNothing:
    """Facts sent with a refused resume are neither kept by the workflow nor stored."""

    async def test_refused_resume_after_a_manual_hold_leaves_workflow_and_store_unchanged(
        self, h: Harness
    ) -> None:
        """Held at Office review, a resume with under-review facts is refused and changes nothing."""
        key = await h.submit("NV021")
        await h.review("truongphong.ldvl", key, "approve")
        await h.hold("vanphong", key, "Chờ xác minh")
        before, workflow_before = stored(h, key), await h.status(key)
        assert before["status"] == "eligible"

        still = individual_facts("NV021", under_review=True)
        assert await refused(h.resume("vanphong", key, still)) is RefusalCode.WRONG_STAGE

        assert stored(h, key) == before
        assert held_state(await h.status(key)) == held_state(workflow_before)

    async def test_resume_without_facts_after_a_refused_one_uses_the_kept_facts(
        self, h: Harness
    ) -> None:
        """After the refusal, a plain resume returns to Office review on the kept evaluation."""
        key = await h.submit("NV021")
        await h.review("truongphong.ldvl", key, "approve")
        await h.hold("vanphong", key, "Chờ xác minh")
        still = individual_facts("NV021", under_review=True)
        assert await refused(h.resume("vanphong", key, still)) is RefusalCode.WRONG_STAGE
        evaluations = len(h.evaluations(key))

        detail = await h.resume("vanphong", key)

        assert detail.stage == "office_review"
        assert detail.facts.get("under_review") is not True
        status = await h.status(key)
        assert status.evaluation is not None and status.evaluation.status == "eligible"
        assert len(h.evaluations(key)) == evaluations

    async def test_refused_resume_of_an_automatic_hold_stores_nothing(self, h: Harness) -> None:
        """On hold by the criteria: refused resumes (with or without facts) write nothing."""
        key = await h.submit("NV017", under_review=True)
        before, workflow_before = stored(h, key), await h.status(key)

        other = individual_facts("NV017", under_review=True, rating="HTTNV")
        assert await refused(h.resume("vanphong", key, other)) is RefusalCode.WRONG_STAGE
        assert stored(h, key) == before
        assert held_state(await h.status(key)) == held_state(workflow_before)

        calls = len(h.engine.calls)
        assert await refused(h.resume("vanphong", key)) is RefusalCode.WRONG_STAGE
        assert stored(h, key) == before
        assert held_state(await h.status(key)) == held_state(workflow_before)
        # The plain resume evaluated the facts the nomination keeps, not the refused ones.
        assert [facts for facts, _ in h.engine.calls[calls:]] == [before["facts"]]

    async def test_cleared_facts_after_refusals_are_evaluated_stored_and_resume(
        self, h: Harness
    ) -> None:
        """Cleared facts resume the nomination: one new evaluation, the facts stored, eligible."""
        key = await h.submit("NV017", under_review=True)
        still = individual_facts("NV017", under_review=True, rating="HTTNV")
        assert await refused(h.resume("vanphong", key, still)) is RefusalCode.WRONG_STAGE
        evaluations = len(h.evaluations(key))

        cleared = individual_facts("NV017")
        detail = await h.resume("vanphong", key, cleared)

        assert detail.stage == "unit_review"
        kept = h.nomination(key)
        assert (kept.facts["under_review"], kept.facts["rating"]) == (False, "HTXSNV")
        assert kept.status == "eligible"
        new = h.evaluations(key)[evaluations:]
        assert [(e.phase, e.status, e.facts) for e in new] == [("resume", "eligible", kept.facts)]
        status = await h.status(key)
        assert status.stage is Stage.UNIT_REVIEW
        assert status.evaluation is not None and status.evaluation.status == "eligible"
