"""Updates sent straight to a NominationWorkflow, past the service (anyone who reaches the Temporal
frontend can): the workflow itself refuses facts of another year (issue 16 #9) and actors our
accounts do not record (issue 16 #14a)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.support.harness import Harness, accepted_updates
from tests.support.nominations import individual_facts
from tests.support.rounds import Round
from thidua.app.lifecycle import ReviewRequest
from thidua.domain.nominations import (
    HoldNominationInput,
    ResubmitNominationInput,
    ResumeNominationInput,
    ReviewDecision,
    ReviewNominationInput,
    Stage,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import OFFICE_ROBOT, Actor, Role
from thidua.domain.rounds import DecideRoundInput, RoundDecision, RoundStage
from workflows.consolidation import ConsolidationWorkflow
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


class TestForgedActors:
    """Issue 16 #14a: an update naming an actor our accounts do not record is refused by the
    workflow (the ``check_actor`` local activity), and changes nothing."""

    @pytest.mark.parametrize(
        ("actor", "why"),
        [
            (Actor(username="giamdoc.gia", role=Role.DIRECTOR), "không phải tài khoản"),
            (Actor(username="canbo.ldvl", role=Role.DIRECTOR), "có vai trò"),
        ],
    )
    async def test_a_forged_director_approval_is_refused_and_the_stage_stays(
        self, h: Harness, actor: Actor, why: str
    ) -> None:
        """At the Director's review, an approval by an unknown username or by an officer
        claiming the Director's role is refused; the real Director's still goes through."""
        key = await h.submit("NV018")
        await h.review("truongphong.ldvl", key, "approve")
        await h.review("vanphong", key, "approve")
        before = await h.status(key)
        assert before.stage is Stage.DIRECTOR_REVIEW
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.review,
                ReviewNominationInput(actor=actor, decision=ReviewDecision.APPROVE),
            )
        )
        assert refusal.type == "forbidden"
        assert refusal.message.startswith(f"actor: «{actor.username}» {why}")
        after = await h.status(key)
        assert (after.stage, after.steps) == (before.stage, before.steps)
        assert h.nomination(key).stage == "director_review"
        assert len(h.steps(key)) == len(before.steps)

        detail = await h.review("giamdoc", key, "approve")  # the real Director still can
        assert detail.stage == "approved"

    async def test_a_unit_head_claiming_another_unit_is_refused(self, h: Harness) -> None:
        """GDNN's head claiming LDVL (not granted) cannot approve LDVL's nomination."""
        key = await h.submit("NV018")
        forged = Actor(username="truongphong.gdnn", role=Role.UNIT_HEAD, units=("LDVL",))
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.review,
                ReviewNominationInput(actor=forged, decision=ReviewDecision.APPROVE),
            )
        )
        assert refusal.message.startswith("actor: «truongphong.gdnn» không được giao đơn vị LDVL")
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW

    async def test_a_deactivated_account_is_refused(self, h: Harness) -> None:
        """An account deactivated after signing in can no longer hold a nomination."""
        key = await h.submit("NV018")
        office = h.actor("vanphong")
        with h.db.uow() as tx:
            tx.accounts.deactivate("vanphong", by=None)
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.hold, HoldNominationInput(actor=office, reason="Chờ xác minh")
            )
        )
        assert refusal.message.startswith("actor: «vanphong» là tài khoản đã bị khoá")
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW

    async def test_the_service_path_names_the_actor_in_its_refusal(self, h: Harness) -> None:
        """Through the service (as the API) the refusal is ``forbidden`` with the same message."""
        key = await h.submit("NV018")
        forged = Actor(username="ke.mao.danh", role=Role.UNIT_HEAD, units=("LDVL",))
        with pytest.raises(Refusal) as info:
            await h.lifecycle.review(forged, key, ReviewRequest(decision=ReviewDecision.APPROVE))
        assert info.value.code is RefusalCode.FORBIDDEN
        assert (info.value.field, info.value.problem) == ("actor", "actor_not_recorded")
        assert info.value.message.startswith("actor: «ke.mao.danh»")
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW

    async def test_the_office_robot_is_refused_outside_a_round(self, h: Harness) -> None:
        """The robot (no account) acts only on nominations a round appraised: not on this one,
        neither to hold it nor to resume it."""
        key = await h.submit("NV018")
        robot = "actor: «vanphong.tudong» không phải tài khoản"
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.hold, HoldNominationInput(actor=OFFICE_ROBOT, reason="Đợt xét")
            )
        )
        assert refusal.message.startswith(robot)
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW
        await h.hold("vanphong", key, "Chờ xác minh")
        refusal = await update_refusal(
            h.handle(key).execute_update(
                NominationWorkflow.resume, ResumeNominationInput(actor=OFFICE_ROBOT)
            )
        )
        assert refusal.message.startswith(robot)
        assert (await h.status(key)).stage is Stage.ON_HOLD


class TestForgedRoundSteps:
    """The round's Director decision and council vote, sent straight to its workflow."""

    async def test_a_forged_director_decision_is_refused_and_the_round_stays(
        self, h: Harness
    ) -> None:
        """An officer claiming the Director's role cannot approve the round's list."""
        rnd = Round(h)
        nominee = await rnd.submit_and_approve("NV018", rating="HTXSNV")
        await rnd.open()
        await rnd.close()
        await rnd.council()
        handle = h.client.get_workflow_handle_for(
            ConsolidationWorkflow.run, rnd.svc.workflows.workflow_id(rnd.key)
        )
        forged = Actor(username="canbo.ldvl", role=Role.DIRECTOR)
        refusal = await update_refusal(
            handle.execute_update(
                ConsolidationWorkflow.decide,
                DecideRoundInput(actor=forged, action=RoundDecision.APPROVE),
            )
        )
        assert refusal.message.startswith("actor: «canbo.ldvl» có vai trò")
        assert (await handle.query(ConsolidationWorkflow.status)).stage is RoundStage.DIRECTOR
        assert h.nomination(nominee).stage == Stage.OFFICE_REVIEW.value

        view = await rnd.decide()  # the real Director
        assert view.stage == "decided"
        assert h.nomination(nominee).stage == Stage.APPROVED.value
