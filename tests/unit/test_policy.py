"""Who may do what, in which stage, on whose nominations (thidua.domain.policy)."""

from __future__ import annotations

import itertools

import pytest

from thidua.domain import policy
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

UNIT = "LDVL"
OTHER_UNIT = "GDNN"
REVIEW_STAGES = (Stage.UNIT_REVIEW, Stage.OFFICE_REVIEW, Stage.DIRECTOR_REVIEW)
HOLDABLE = (Stage.UNIT_REVIEW, Stage.OFFICE_REVIEW, Stage.DIRECTOR_REVIEW, Stage.RETURNED)
UNIT_SCOPED = (Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.PIPELINE)
NON_REVIEW_STAGES = tuple(s for s in Stage if s not in REVIEW_STAGES)
REVIEWER = {
    Stage.UNIT_REVIEW: Role.UNIT_HEAD,
    Stage.OFFICE_REVIEW: Role.OFFICE,
    Stage.DIRECTOR_REVIEW: Role.DIRECTOR,
}
EXPECTED_TRANSITIONS = {
    (Stage.UNIT_REVIEW, ReviewDecision.APPROVE): Stage.OFFICE_REVIEW,
    (Stage.UNIT_REVIEW, ReviewDecision.RETURN): Stage.RETURNED,
    (Stage.UNIT_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
    (Stage.OFFICE_REVIEW, ReviewDecision.APPROVE): Stage.DIRECTOR_REVIEW,
    (Stage.OFFICE_REVIEW, ReviewDecision.RETURN): Stage.RETURNED,
    (Stage.OFFICE_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.APPROVE): Stage.APPROVED,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.RETURN): Stage.OFFICE_REVIEW,
    (Stage.DIRECTOR_REVIEW, ReviewDecision.REJECT): Stage.REJECTED,
}


def actor(role: Role, *units: str) -> Actor:
    return Actor(username=f"user.{role.value}", role=role, units=units)


def of_unit(role: Role) -> Actor:
    """An actor of ``role`` who belongs to the nomination's unit."""
    return actor(role, UNIT)


def refusal_code(call: object, *args: object) -> RefusalCode:
    with pytest.raises(Refusal) as info:
        call(*args)  # type: ignore[operator]
    assert info.value.message
    return info.value.code


class TestCheckReview:
    """check_review: every stage × role × decision."""

    @pytest.mark.parametrize(("stage", "decision"), list(EXPECTED_TRANSITIONS))
    def test_reviewer_of_the_stage_gets_the_next_stage(
        self, stage: Stage, decision: ReviewDecision
    ) -> None:
        """The stage's own reviewer moves the nomination along the transition table."""
        result = policy.check_review(of_unit(REVIEWER[stage]), stage, UNIT, decision)
        assert result is EXPECTED_TRANSITIONS[(stage, decision)]

    @pytest.mark.parametrize(
        ("stage", "role"),
        [(s, r) for s, r in itertools.product(REVIEW_STAGES, Role) if r is not REVIEWER[s]],
    )
    @pytest.mark.parametrize("decision", list(ReviewDecision))
    def test_any_other_role_is_forbidden(
        self, stage: Stage, role: Role, decision: ReviewDecision
    ) -> None:
        """Every role but the stage's reviewer is refused as forbidden, whatever the decision."""
        code = refusal_code(policy.check_review, of_unit(role), stage, UNIT, decision)
        assert code is RefusalCode.FORBIDDEN

    @pytest.mark.parametrize(("stage", "role"), list(itertools.product(NON_REVIEW_STAGES, Role)))
    def test_no_one_reviews_outside_review_stages(self, stage: Stage, role: Role) -> None:
        """Submitted, returned, on hold, approved and rejected cannot be reviewed: wrong stage."""
        code = refusal_code(policy.check_review, of_unit(role), stage, UNIT, ReviewDecision.APPROVE)
        assert code is RefusalCode.WRONG_STAGE

    def test_unit_head_of_another_unit_gets_not_found(self) -> None:
        """A unit head reviewing another unit's nomination learns nothing: NOT_FOUND."""
        head = actor(Role.UNIT_HEAD, OTHER_UNIT)
        code = refusal_code(
            policy.check_review, head, Stage.UNIT_REVIEW, UNIT, ReviewDecision.APPROVE
        )
        assert code is RefusalCode.NOT_FOUND

    def test_unit_head_with_a_granted_unit_may_review_it(self) -> None:
        """A unit head granted several units reviews nominations of each of them."""
        head = actor(Role.UNIT_HEAD, OTHER_UNIT, UNIT)
        assert (
            policy.check_review(head, Stage.UNIT_REVIEW, UNIT, ReviewDecision.APPROVE)
            is Stage.OFFICE_REVIEW
        )

    @pytest.mark.parametrize("role", [Role.OFFICE, Role.DIRECTOR])
    def test_department_reviewers_are_not_unit_scoped(self, role: Role) -> None:
        """Office and Director review nominations of any unit without owning it."""
        stage = Stage.OFFICE_REVIEW if role is Role.OFFICE else Stage.DIRECTOR_REVIEW
        assert (
            policy.check_review(actor(role), stage, UNIT, ReviewDecision.REJECT) is Stage.REJECTED
        )

    def test_transition_table_covers_exactly_the_review_stages(self) -> None:
        """Each review stage has one outcome per decision, and no other stage has any."""
        assert policy.TRANSITIONS == EXPECTED_TRANSITIONS
        assert policy.REVIEWER_OF == REVIEWER


class TestCheckReason:
    """Returning or rejecting needs a reason; approving does not."""

    @pytest.mark.parametrize("reason", [None, "", " ", "\t\n"])
    @pytest.mark.parametrize("decision", [ReviewDecision.RETURN, ReviewDecision.REJECT])
    def test_return_or_reject_without_reason_is_forbidden(
        self, decision: ReviewDecision, reason: str | None
    ) -> None:
        """A missing or blank reason is refused for return and reject."""
        assert refusal_code(policy.check_reason, decision, reason) is RefusalCode.FORBIDDEN

    @pytest.mark.parametrize("decision", [ReviewDecision.RETURN, ReviewDecision.REJECT])
    def test_return_or_reject_with_reason_passes(self, decision: ReviewDecision) -> None:
        """A real reason is accepted."""
        policy.check_reason(decision, "Thiếu minh chứng")

    @pytest.mark.parametrize("reason", [None, ""])
    def test_approve_needs_no_reason(self, reason: str | None) -> None:
        """Approving without a reason is fine."""
        policy.check_reason(ReviewDecision.APPROVE, reason)


class TestCheckSubmit:
    """Only a unit's officer (or its pipeline) submits, for its own unit."""

    @pytest.mark.parametrize("role", [Role.UNIT_OFFICER, Role.PIPELINE])
    def test_unit_officer_and_pipeline_submit_for_their_unit(self, role: Role) -> None:
        """Officer and pipeline accounts of the unit may submit."""
        policy.check_submit(of_unit(role), UNIT)

    @pytest.mark.parametrize("role", [Role.UNIT_OFFICER, Role.PIPELINE])
    def test_submitting_for_another_unit_is_forbidden(self, role: Role) -> None:
        """Submitting for a unit one does not belong to is forbidden."""
        code = refusal_code(policy.check_submit, actor(role, OTHER_UNIT), UNIT)
        assert code is RefusalCode.FORBIDDEN

    @pytest.mark.parametrize(
        "role", [r for r in Role if r not in (Role.UNIT_OFFICER, Role.PIPELINE)]
    )
    def test_other_roles_cannot_submit(self, role: Role) -> None:
        """Heads, Office, Director, secretaries, rules admins and auditors never submit."""
        assert refusal_code(policy.check_submit, of_unit(role), UNIT) is RefusalCode.FORBIDDEN


class TestCheckResubmit:
    """Only the unit's officer (or pipeline) resubmits, and only a returned nomination."""

    @pytest.mark.parametrize("role", [Role.UNIT_OFFICER, Role.PIPELINE])
    def test_unit_officer_resubmits_a_returned_nomination(self, role: Role) -> None:
        """Resubmission is allowed in the returned stage."""
        policy.check_resubmit(of_unit(role), Stage.RETURNED, UNIT)

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.RETURNED])
    def test_resubmit_outside_returned_is_wrong_stage(self, stage: Stage) -> None:
        """Any other stage is refused as wrong stage."""
        code = refusal_code(policy.check_resubmit, of_unit(Role.UNIT_OFFICER), stage, UNIT)
        assert code is RefusalCode.WRONG_STAGE

    def test_officer_of_another_unit_gets_not_found(self) -> None:
        """Another unit's officer is told the nomination does not exist."""
        other = actor(Role.UNIT_OFFICER, OTHER_UNIT)
        assert refusal_code(policy.check_resubmit, other, Stage.RETURNED, UNIT) is (
            RefusalCode.NOT_FOUND
        )

    @pytest.mark.parametrize(
        "role", [r for r in Role if r not in (Role.UNIT_OFFICER, Role.PIPELINE)]
    )
    def test_other_roles_cannot_resubmit(self, role: Role) -> None:
        """Reviewers and the other roles cannot resubmit."""
        code = refusal_code(policy.check_resubmit, of_unit(role), Stage.RETURNED, UNIT)
        assert code is RefusalCode.FORBIDDEN


class TestCheckHold:
    """Office and Director hold in any waiting stage; a unit head only in unit review."""

    @pytest.mark.parametrize("stage", HOLDABLE)
    @pytest.mark.parametrize("role", [Role.OFFICE, Role.DIRECTOR])
    def test_office_and_director_hold_any_waiting_stage(self, role: Role, stage: Stage) -> None:
        """Office and Director may hold in every holdable stage, for any unit."""
        policy.check_hold(actor(role), stage, UNIT)

    @pytest.mark.parametrize("stage", [s for s in Stage if s not in HOLDABLE])
    @pytest.mark.parametrize("role", [Role.OFFICE, Role.DIRECTOR])
    def test_holding_a_non_waiting_stage_is_wrong_stage(self, role: Role, stage: Stage) -> None:
        """Submitted, on hold, approved and rejected cannot be held."""
        assert refusal_code(policy.check_hold, actor(role), stage, UNIT) is RefusalCode.WRONG_STAGE

    def test_unit_head_holds_in_unit_review(self) -> None:
        """The unit's head may hold during unit review."""
        policy.check_hold(of_unit(Role.UNIT_HEAD), Stage.UNIT_REVIEW, UNIT)

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.UNIT_REVIEW])
    def test_unit_head_cannot_hold_in_other_stages(self, stage: Stage) -> None:
        """Outside unit review the unit head's hold is forbidden."""
        code = refusal_code(policy.check_hold, of_unit(Role.UNIT_HEAD), stage, UNIT)
        assert code is RefusalCode.FORBIDDEN

    def test_head_of_another_unit_gets_not_found(self) -> None:
        """Another unit's head cannot hold, and is not told the nomination exists."""
        other = actor(Role.UNIT_HEAD, OTHER_UNIT)
        assert refusal_code(policy.check_hold, other, Stage.UNIT_REVIEW, UNIT) is (
            RefusalCode.NOT_FOUND
        )

    @pytest.mark.parametrize(
        "role",
        [r for r in Role if r not in (Role.OFFICE, Role.DIRECTOR, Role.UNIT_HEAD)],
    )
    def test_other_roles_cannot_hold(self, role: Role) -> None:
        """Officers, pipelines, secretaries, rules admins and auditors never hold."""
        code = refusal_code(policy.check_hold, of_unit(role), Stage.UNIT_REVIEW, UNIT)
        assert code is RefusalCode.FORBIDDEN


class TestCheckResume:
    """Only Office or Director resume, and only a held nomination."""

    @pytest.mark.parametrize("role", [Role.OFFICE, Role.DIRECTOR])
    def test_office_and_director_resume_a_held_nomination(self, role: Role) -> None:
        """Resume is allowed on hold."""
        policy.check_resume(actor(role), Stage.ON_HOLD)

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.ON_HOLD])
    @pytest.mark.parametrize("role", [Role.OFFICE, Role.DIRECTOR])
    def test_resume_when_not_on_hold_is_wrong_stage(self, role: Role, stage: Stage) -> None:
        """Resuming a nomination that is not on hold is wrong stage."""
        assert refusal_code(policy.check_resume, actor(role), stage) is RefusalCode.WRONG_STAGE

    @pytest.mark.parametrize("role", [r for r in Role if r not in (Role.OFFICE, Role.DIRECTOR)])
    def test_other_roles_cannot_resume(self, role: Role) -> None:
        """Unit roles and the others cannot resume, even their own unit's nomination."""
        assert refusal_code(policy.check_resume, of_unit(role), Stage.ON_HOLD) is (
            RefusalCode.FORBIDDEN
        )


class TestCanRead:
    """Unit-scoped roles read only their units; the Department's roles read everything."""

    @pytest.mark.parametrize("role", UNIT_SCOPED)
    def test_unit_scoped_roles_read_their_own_unit(self, role: Role) -> None:
        """Officer, head and pipeline read their own unit's nominations."""
        assert policy.can_read(of_unit(role), UNIT)

    @pytest.mark.parametrize("role", UNIT_SCOPED)
    def test_unit_scoped_roles_do_not_read_other_units(self, role: Role) -> None:
        """…but not another unit's, and require_visible answers NOT_FOUND."""
        other = actor(role, OTHER_UNIT)
        assert not policy.can_read(other, UNIT)
        assert refusal_code(policy.require_visible, other, UNIT) is RefusalCode.NOT_FOUND

    @pytest.mark.parametrize("role", UNIT_SCOPED)
    def test_unit_scoped_role_reads_every_granted_unit(self, role: Role) -> None:
        """An account granted several units reads each of them."""
        granted = actor(role, OTHER_UNIT, UNIT)
        assert policy.can_read(granted, UNIT) and policy.can_read(granted, OTHER_UNIT)
        policy.require_visible(granted, UNIT)

    def test_admin_reads_no_nomination(self) -> None:
        """The admin manages the agency's data and accounts: no unit's nomination is visible."""
        assert not policy.can_read(actor(Role.ADMIN), UNIT)
        assert policy.visible_units(actor(Role.ADMIN)) == ()
        assert (
            refusal_code(policy.require_visible, actor(Role.ADMIN), UNIT) is RefusalCode.NOT_FOUND
        )

    @pytest.mark.parametrize(
        "role", [r for r in Role if r not in UNIT_SCOPED and r is not Role.ADMIN]
    )
    def test_department_roles_read_every_unit(self, role: Role) -> None:
        """Office, secretary, Director, rules admin and auditor read every unit, even unitless."""
        assert policy.can_read(actor(role), UNIT)
        assert policy.can_read(actor(role, OTHER_UNIT), UNIT)
        policy.require_visible(actor(role), UNIT)
