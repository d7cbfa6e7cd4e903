"""Updates sent straight to a NominationWorkflow, past the service (anyone who reaches the Temporal
frontend can): the workflow itself refuses facts of another year (issue 16 #9)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.support.harness import Harness, accepted_updates
from tests.support.nominations import individual_facts
from thidua.domain.nominations import (
    ResubmitNominationInput,
    ResumeNominationInput,
    Stage,
)
from workflows.nomination import NominationWorkflow


async def update_refusal(awaitable: Any) -> ApplicationError:
    """Await an update sent straight to the workflow, expected refused; return the refusal."""
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await awaitable
    assert isinstance(info.value.cause, ApplicationError), info.value.cause
    return info.value.cause


class TestFactsOfAnotherYear:
    """The workflow's validators refuse facts whose year is not the nomination's."""

    async def test_a_direct_resubmit_with_another_year_is_refused_and_changes_nothing(
        self, h: Harness
    ) -> None:
        """Returned, then a resubmit for 2023 sent to the workflow: refused on facts.year."""
        key = await h.submit("NV020")
        await h.review("truongphong.ldvl", key, "return", "Bổ sung")
        before = await h.status(key)
        facts = individual_facts("NV020", year=2023)
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.resubmit,
                ResubmitNominationInput(actor=h.actor("canbo.ldvl"), facts=facts, reason="x"),
            )
        )
        assert (refusal.type, refusal.message.split(":")[0]) == ("forbidden", "facts.year")
        after = await h.status(key)
        assert (after.stage, len(after.steps)) == (Stage.RETURNED, len(before.steps))
        assert h.nomination(key).facts["year"] == 2024

    async def test_a_direct_resume_with_facts_of_another_year_is_refused(self, h: Harness) -> None:
        """Held, then a resume with facts for 2025 sent to the workflow: refused, still held."""
        key = await h.submit("NV021")
        await h.hold("vanphong", key, "Chờ xác minh")
        accepted = accepted_updates(await h.handle(key).fetch_history())
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.resume,
                ResumeNominationInput(
                    actor=h.actor("vanphong"), facts=individual_facts("NV021", year=2025)
                ),
            )
        )
        assert refusal.message.startswith("facts.year: ")
        assert (await h.status(key)).stage is Stage.ON_HOLD
        assert accepted_updates(await h.handle(key).fetch_history()) == accepted
