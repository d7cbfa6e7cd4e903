"""NominationWorkflow on the real embedded Temporal server, with the real worker and rules engine."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.support.db import SeededDb
from tests.support.harness import Harness, HarnessFactory, accepted_updates
from tests.support.lifecycle_paths import FAST_DEADLINES
from tests.support.nominations import individual_facts
from tests.support.waits import poll
from thidua.adapters.db.models import StageAlertRow
from thidua.domain.nominations import (
    Action,
    ResumeNominationInput,
    ReviewDecision,
    ReviewNominationInput,
    Stage,
)
from thidua.domain.refusals import Refusal, RefusalCode
from workflows.nomination import NominationWorkflow


async def refused(awaitable: object) -> RefusalCode:
    """Await a service call expected to be refused; return the refusal code."""
    with pytest.raises(Refusal) as info:
        await awaitable  # type: ignore[misc]
    return info.value.code


class TestApprovePath:
    """Submission, three approvals, and what our database keeps of them."""

    async def test_three_approvals_end_approved_with_each_step_recorded_once(
        self, make_harness: HarnessFactory, seeded: SeededDb
    ) -> None:
        """Unit head, Office and Director approve: approved, every step in the DB exactly once."""
        async with make_harness(seeded) as h:
            key = await h.submit("NV018")
            for reviewer in ("truongphong.ldvl", "vanphong", "giamdoc"):
                detail = await h.review(reviewer, key, "approve")
            result = await h.handle(key).result()

            assert result.stage is Stage.APPROVED
            assert detail.stage == "approved"
            assert [s.action for s in result.steps] == [
                Action.SUBMIT,
                Action.EVALUATE,
                Action.APPROVE,
                Action.APPROVE,
                Action.APPROVE,
            ]
            rows = h.steps(key)
            assert [(r.seq, r.action, r.stage_to, r.actor) for r in rows] == [
                (1, "submit", "submitted", "canbo.ldvl"),
                (2, "evaluate", "unit_review", None),
                (3, "approve", "office_review", "truongphong.ldvl"),
                (4, "approve", "director_review", "vanphong"),
                (5, "approve", "approved", "giamdoc"),
            ]
            assert {r.run_id for r in rows} == {(await h.handle(key).describe()).run_id}

            evaluations = h.evaluations(key)
            assert [e.phase for e in evaluations] == ["submission", "office_review"]
            assert result.evaluation is not None
            ruleset = result.evaluation.ruleset
            assert ruleset.id and ruleset.version and len(ruleset.sha256) == 64
            for e in evaluations:
                assert e.status == "eligible"
                assert (e.ruleset_id, e.ruleset_version, e.ruleset_sha256) == (
                    ruleset.id,
                    ruleset.version,
                    ruleset.sha256,
                )
            row = h.nomination(key)
            assert (row.stage, row.status, row.ruleset_id, row.ruleset_version) == (
                "approved",
                "eligible",
                ruleset.id,
                ruleset.version,
            )
            assert row.titles == result.evaluation.titles


class TestRejectPath:
    """Rejection ends the nomination, and only with a reason."""

    async def test_office_rejection_with_reason_ends_rejected(self, h: Harness) -> None:
        """Office rejects with a reason: the workflow ends ``rejected`` and the reason is kept."""
        key = await h.submit("NV019")
        await h.review("truongphong.ldvl", key, "approve")
        detail = await h.review("vanphong", key, "reject", "Không đủ minh chứng")

        result = await h.handle(key).result()
        assert result.stage is Stage.REJECTED
        assert detail.stage == "rejected"
        last = h.steps(key)[-1]
        assert (last.action, last.actor, last.reason) == (
            "reject",
            "vanphong",
            "Không đủ minh chứng",
        )

    @pytest.mark.parametrize("reason", [None, "", "   "])
    async def test_rejection_without_reason_is_refused(
        self, h: Harness, reason: str | None
    ) -> None:
        """Reject with no (or a blank) reason is refused and the stage does not change."""
        key = await h.submit("NV019")
        code = await refused(h.review("truongphong.ldvl", key, "reject", reason))

        assert code is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW
        assert accepted_updates(await h.handle(key).fetch_history()) == []

    async def test_return_without_reason_is_refused(self, h: Harness) -> None:
        """Returning a nomination also needs a reason."""
        key = await h.submit("NV019")
        assert await refused(h.review("truongphong.ldvl", key, "return")) is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW


class TestReturnAndResubmit:
    """A returned nomination comes back in the same workflow, re-evaluated on its pinned ruleset."""

    async def test_resubmitted_facts_are_reevaluated_in_the_same_workflow(self, h: Harness) -> None:
        """Return, then resubmit with corrected facts: same run, new evaluation, same ruleset."""
        key = await h.submit("NV020", rating="KHTNV")
        first = await h.status(key)
        assert first.evaluation is not None and first.evaluation.status == "not_eligible"
        run_id = (await h.handle(key).describe()).run_id

        detail = await h.review("truongphong.ldvl", key, "return", "Xếp loại chưa đúng")
        assert detail.stage == "returned"
        detail = await h.resubmit("canbo.ldvl", key, individual_facts("NV020", rating="HTXSNV"))

        status = await h.status(key)
        assert status.stage is Stage.UNIT_REVIEW
        assert status.evaluation is not None and status.evaluation.status == "eligible"
        assert (await h.handle(key).describe()).run_id == run_id
        assert {r.run_id for r in h.steps(key)} == {run_id}
        assert [s.action for s in status.steps][-3:] == [
            Action.RETURN,
            Action.RESUBMIT,
            Action.EVALUATE,
        ]
        assert detail.facts["rating"] == "HTXSNV"
        assert detail.status == "eligible"

        evaluations = h.evaluations(key)
        assert [(e.phase, e.status) for e in evaluations] == [
            ("submission", "not_eligible"),
            ("resubmission", "eligible"),
        ]
        assert evaluations[1].facts["rating"] == "HTXSNV"
        assert {(e.ruleset_id, e.ruleset_version, e.ruleset_sha256) for e in evaluations} == {
            (
                first.evaluation.ruleset.id,
                first.evaluation.ruleset.version,
                first.evaluation.ruleset.sha256,
            )
        }

    async def test_reevaluation_asks_the_engine_for_the_pinned_ruleset_version(
        self, h: Harness
    ) -> None:
        """The resubmission is evaluated on the version pinned at submission, not by date."""
        key = await h.submit("NV020", rating="KHTNV")
        pinned = (await h.status(key)).evaluation
        assert pinned is not None
        await h.review("truongphong.ldvl", key, "return", "Xếp loại chưa đúng")
        await h.resubmit("canbo.ldvl", key, individual_facts("NV020"))

        (_, first_kwargs), (facts, again_kwargs) = h.engine.calls
        assert "ruleset_id" not in first_kwargs
        assert again_kwargs == {"ruleset_id": pinned.ruleset.id, "version": pinned.ruleset.version}
        assert facts["rating"] == "HTXSNV"

    async def test_resubmitting_another_nominee_is_refused(self, h: Harness) -> None:
        """Resubmitted facts must be about the same nominee."""
        key = await h.submit("NV020", rating="KHTNV")
        await h.review("truongphong.ldvl", key, "return", "Sai người")
        code = await refused(h.resubmit("canbo.ldvl", key, individual_facts("NV021")))

        assert code is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.RETURNED

    async def test_director_return_goes_back_to_office(self, h: Harness) -> None:
        """The Director returning a nomination sends it back to Office review, not to the unit."""
        key = await h.submit("NV020")
        await h.review("truongphong.ldvl", key, "approve")
        await h.review("vanphong", key, "approve")
        detail = await h.review("giamdoc", key, "return", "Cần thẩm định lại")

        assert detail.stage == "office_review"


class TestHoldAndResume:
    """The Office (or Director) suspends and resumes a nomination."""

    async def test_office_hold_then_resume_returns_to_the_same_stage(self, h: Harness) -> None:
        """Hold at Office review, resume: back at Office review, without a new evaluation."""
        key = await h.submit("NV021")
        await h.review("truongphong.ldvl", key, "approve")
        evaluations_before = len(h.evaluations(key))

        held = await h.hold("vanphong", key, "Chờ xác minh")
        assert held.stage == "on_hold"
        assert await refused(h.review("vanphong", key, "approve")) is RefusalCode.WRONG_STAGE
        resumed = await h.resume("vanphong", key)
        assert resumed.stage == "office_review"

        steps = h.steps(key)
        assert [(s.action, s.stage_from, s.stage_to, s.actor) for s in steps[-2:]] == [
            ("hold", "office_review", "on_hold", "vanphong"),
            ("resume", "on_hold", "office_review", "vanphong"),
        ]
        assert steps[-2].reason == "Chờ xác minh"
        assert len(h.evaluations(key)) == evaluations_before

        await h.review("vanphong", key, "approve")
        await h.review("giamdoc", key, "approve")
        assert (await h.handle(key).result()).stage is Stage.APPROVED

    async def test_unit_head_may_hold_only_in_unit_review(self, h: Harness) -> None:
        """The unit head holds in unit review, but not once the nomination reached the Office."""
        key = await h.submit("NV021")
        held = await h.hold("truongphong.ldvl", key, "Chờ ý kiến tập thể")
        assert held.stage == "on_hold"
        await h.resume("giamdoc", key)
        await h.review("truongphong.ldvl", key, "approve")

        code = await refused(h.hold("truongphong.ldvl", key, "Chờ"))
        assert code is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.OFFICE_REVIEW

    async def test_only_office_or_director_may_resume(self, h: Harness) -> None:
        """The unit head cannot resume a held nomination; the Office can."""
        key = await h.submit("NV021")
        await h.hold("vanphong", key, "Chờ xác minh")

        assert await refused(h.resume("truongphong.ldvl", key)) is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.ON_HOLD
        assert (await h.resume("vanphong", key)).stage == "unit_review"

    async def test_blank_hold_reason_is_refused(self, h: Harness) -> None:
        """A hold needs a reason that is not only whitespace."""
        key = await h.submit("NV021")
        assert await refused(h.hold("vanphong", key, "   ")) is RefusalCode.FORBIDDEN
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW


class TestAutomaticHold:
    """A nominee under review is put on hold by the criteria, and stays so until cleared."""

    async def test_under_review_facts_put_the_nomination_on_hold(self, h: Harness) -> None:
        """Submission with ``under_review`` ends on hold, by the system, with an on_hold evaluation."""
        key = await h.submit("NV017", under_review=True)

        status = await h.status(key)
        assert status.stage is Stage.ON_HOLD
        assert status.evaluation is not None and status.evaluation.status == "on_hold"
        last = h.steps(key)[-1]
        assert (last.action, last.stage_to, last.actor) == ("hold", "on_hold", None)
        assert h.nomination(key).status == "on_hold"

    async def test_resume_is_refused_until_cleared_facts_are_sent(self, h: Harness) -> None:
        """Resume without facts (or still under review) is refused; cleared facts resume it."""
        key = await h.submit("NV017", under_review=True)

        assert await refused(h.resume("vanphong", key)) is RefusalCode.WRONG_STAGE
        still = individual_facts("NV017", under_review=True)
        assert await refused(h.resume("vanphong", key, still)) is RefusalCode.WRONG_STAGE
        assert (await h.status(key)).stage is Stage.ON_HOLD

        detail = await h.resume("vanphong", key, individual_facts("NV017"))
        status = await h.status(key)
        assert status.stage is Stage.UNIT_REVIEW
        assert status.evaluation is not None and status.evaluation.status == "eligible"
        assert detail.facts["under_review"] is False
        last = h.steps(key)[-1]
        assert (last.action, last.stage_to, last.actor) == ("resume", "unit_review", "vanphong")

    async def test_resume_with_cleared_facts_updates_the_audit_store(self, h: Harness) -> None:
        """After refused resumes, the clearing evaluation is stored and the nomination is eligible."""
        key = await h.submit("NV017", under_review=True)
        assert await refused(h.resume("vanphong", key)) is RefusalCode.WRONG_STAGE
        await h.resume("vanphong", key, individual_facts("NV017"))

        assert h.evaluations(key)[-1].status == "eligible"
        assert h.nomination(key).status == "eligible"

    async def test_resume_with_another_nominee_is_refused(self, h: Harness) -> None:
        """Facts sent with a resume must be about the same nominee."""
        key = await h.submit("NV017", under_review=True)
        code = await refused(h.resume("vanphong", key, individual_facts("NV018")))
        assert code is RefusalCode.FORBIDDEN
        assert accepted_updates(await h.handle(key).fetch_history()) == []


class TestDeadlines:
    """A stage past its deadline is escalated once; reminders keep coming meanwhile."""

    async def test_overdue_unit_review_gets_reminders_and_exactly_one_escalation(
        self, make_harness: HarnessFactory, seeded_sqlite: SeededDb
    ) -> None:
        """Unit review with a 2 s deadline: reminders, one escalation, then reminders again."""
        async with make_harness(seeded_sqlite, **FAST_DEADLINES) as h:
            key = await h.submit("NV022")
            status = await h.status(key)
            assert status.deadline is not None
            assert 1.5 <= (status.deadline - status.stage_entered_at).total_seconds() <= 2.5

            def reminders(alerts: list[StageAlertRow]) -> int:
                return [a.kind for a in alerts].count("reminder")

            await poll(lambda: h.alerts(key), lambda a: reminders(a) >= 3)
            await h.review("truongphong.ldvl", key, "approve")

            alerts = h.alerts(key)
            kinds = [a.kind for a in alerts]
            assert kinds.count("escalation") == 1
            assert kinds.index("escalation") > 0  # a reminder came before the deadline
            assert "reminder" in kinds[kinds.index("escalation") + 1 :]
            assert {a.stage for a in alerts} == {"unit_review"}
            escalation = alerts[kinds.index("escalation")]
            assert escalation.at.replace(tzinfo=None) >= escalation.deadline_at.replace(tzinfo=None)
            assert len({a.idempotency_key for a in alerts}) == len(alerts)

            status = await h.status(key)
            assert status.stage is Stage.OFFICE_REVIEW
            assert status.deadline is not None
            assert (status.deadline - status.stage_entered_at).days == 15


class TestAuthorization:
    """Wrong callers are refused by policy, before the call is written to history."""

    async def test_wrong_role_is_refused_before_reaching_history(self, h: Harness) -> None:
        """Office and Director cannot review in unit review; no refused call enters history."""
        key = await h.submit("NV018")
        assert await refused(h.review("vanphong", key, "approve")) is RefusalCode.FORBIDDEN
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await h.handle(key).execute_update(
                NominationWorkflow.review,
                ReviewNominationInput(actor=h.actor("giamdoc"), decision=ReviewDecision.APPROVE),
            )
        assert isinstance(info.value.cause, ApplicationError)
        assert info.value.cause.type == RefusalCode.FORBIDDEN.value

        await h.review("truongphong.ldvl", key, "approve")
        history = await h.handle(key).fetch_history()
        assert accepted_updates(history) == [("review", "truongphong.ldvl")]
        assert [s.actor for s in h.steps(key)] == ["canbo.ldvl", None, "truongphong.ldvl"]

    async def test_wrong_stage_is_refused_before_reaching_history(self, h: Harness) -> None:
        """Resubmit and resume in unit review are refused as wrong stage, outside history."""
        key = await h.submit("NV018")
        code = await refused(h.resubmit("canbo.ldvl", key, individual_facts("NV018")))
        assert code is RefusalCode.WRONG_STAGE
        assert await refused(h.resume("vanphong", key)) is RefusalCode.WRONG_STAGE
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await h.handle(key).execute_update(
                NominationWorkflow.resume, ResumeNominationInput(actor=h.actor("giamdoc"))
            )
        assert isinstance(info.value.cause, ApplicationError)
        assert info.value.cause.type == RefusalCode.WRONG_STAGE.value

        assert accepted_updates(await h.handle(key).fetch_history()) == []
        assert len(h.steps(key)) == 2

    async def test_review_after_the_workflow_ended_is_refused(self, h: Harness) -> None:
        """A decision on a finished nomination is refused as wrong stage."""
        key = await h.submit("NV018")
        await h.review("truongphong.ldvl", key, "reject", "Không đạt")
        await h.handle(key).result()

        code = await refused(h.review("vanphong", key, "approve"))
        assert code is RefusalCode.WRONG_STAGE

    async def test_another_units_head_gets_not_found(self, h: Harness) -> None:
        """The head of GDNN neither sees nor reviews an LDVL nomination: NOT_FOUND both ways."""
        key = await h.submit("NV018")
        code = await refused(h.review("truongphong.gdnn", key, "approve"))
        assert code is RefusalCode.NOT_FOUND
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await h.handle(key).execute_update(
                NominationWorkflow.review,
                ReviewNominationInput(
                    actor=h.actor("truongphong.gdnn"), decision=ReviewDecision.APPROVE
                ),
            )
        assert isinstance(info.value.cause, ApplicationError)
        assert info.value.cause.type == RefusalCode.NOT_FOUND.value
        assert (await h.status(key)).stage is Stage.UNIT_REVIEW
        assert accepted_updates(await h.handle(key).fetch_history()) == []

    async def test_not_eligible_nomination_cannot_be_approved_by_office(self, h: Harness) -> None:
        """A not-eligible nomination passes the unit but the Office cannot approve it."""
        key = await h.submit("NV018", rating="KHTNV")
        await h.review("truongphong.ldvl", key, "approve")

        assert await refused(h.review("vanphong", key, "approve")) is RefusalCode.NOT_ELIGIBLE
        assert (await h.status(key)).stage is Stage.OFFICE_REVIEW
        assert accepted_updates(await h.handle(key).fetch_history()) == [
            ("review", "truongphong.ldvl")
        ]
        detail = await h.review("vanphong", key, "return", "Không đạt tiêu chuẩn")
        assert detail.stage == "returned"


class TestSearchAttributes:
    """Nominations are findable in Temporal visibility by stage and unit."""

    async def test_transition_makes_nomination_findable_by_stage_and_unit(self, h: Harness) -> None:
        """After the unit approves, the list query by stage and unit finds the workflow."""
        key = await h.submit("NV018")
        await h.review("truongphong.ldvl", key, "approve")

        query = 'NominationStage = "office_review" AND NominationUnit = "LDVL"'

        async def listed() -> list[str]:
            return [w.id async for w in h.client.list_workflows(query)]

        found = await poll(listed, bool, within=10)
        assert found == [h.workflow_id(key)]
        other = [w.id async for w in h.client.list_workflows('NominationUnit = "GDNN"')]
        assert other == []


class TestDuplicates:
    """One nomination per nominee, movement and year."""

    async def test_second_submission_of_same_nominee_is_refused(self, h: Harness) -> None:
        """Submitting the same nominee again is refused as a duplicate; the first is untouched."""
        key = await h.submit("NV018")
        with pytest.raises(Refusal) as info:
            await h.submit("NV018", rating="HTTNV")

        assert info.value.code is RefusalCode.DUPLICATE
        assert h.nomination(key).facts["rating"] == "HTXSNV"
        assert len(h.steps(key)) == 2
