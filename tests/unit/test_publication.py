"""Publication of the consolidated list and objections: the period, the hold check, the policy
(thidua.domain.publication, thidua.domain.policy)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from thidua.domain import policy
from thidua.domain.publication import (
    VIETNAM,
    Objection,
    ObjectionStatus,
    council_list,
    held_items,
    publication_end,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundStage

ITEMS = {("NV018", "LDTT"), ("NV018", "CSTDCS"), ("NV019", "LDTT")}


def objection(id: int, nomination: str, title: str | None, status: str) -> Objection:
    return Objection(id=id, nomination=nomination, title=title, status=ObjectionStatus(status))


def actor(role: Role, *units: str, name: str | None = None) -> Actor:
    return Actor(username=name or f"user.{role.value}", role=role, units=units)


class TestPublicationEnd:
    def test_five_working_days_skip_the_weekend(self) -> None:
        """Closed Friday 20/12/2024 10:00 (Vietnam): published to the end of Friday 27/12."""
        closed = datetime(2024, 12, 20, 10, tzinfo=VIETNAM)
        end = publication_end(closed, 5)
        assert end == datetime(2024, 12, 28, 0, tzinfo=VIETNAM)

    def test_days_are_counted_in_vietnam_time(self) -> None:
        """Closed Friday 20/12 at 20:00 UTC is Saturday 21/12 in Vietnam: 1 day ends Monday."""
        closed = datetime(2024, 12, 20, 20, tzinfo=UTC)
        end = publication_end(closed, 1)
        assert end.astimezone(VIETNAM) == datetime(2024, 12, 24, 0, tzinfo=VIETNAM)
        assert end.tzinfo == UTC

    def test_zero_days_end_at_the_closing(self) -> None:
        """No publication period: it ends when it starts (the council may vote at once)."""
        closed = datetime(2024, 12, 20, 3, tzinfo=UTC)
        assert publication_end(closed, 0) == closed


class TestHoldCheck:
    def test_an_open_objection_refuses_the_vote_naming_nomination_and_objection(self) -> None:
        """An unresolved objection on NV018 refuses the council, naming NV018 and its number."""
        with pytest.raises(Refusal) as info:
            council_list(ITEMS, [objection(7, "NV018", None, "open")])
        refusal = info.value
        assert (refusal.code, refusal.field, refusal.problem) == (
            RefusalCode.CONFLICT,
            "ballots",
            "objection_unresolved",
        )
        assert "NV018 (CSTDCS, LDTT)" in refusal.message and "phản ánh số 7" in refusal.message
        assert "NV019" not in refusal.message

    def test_an_objection_on_one_title_holds_only_that_title(self) -> None:
        """An objection naming CSTDCS holds NV018's CSTDCS, not its LDTT."""
        held = held_items(ITEMS, [objection(1, "NV018", "CSTDCS", "open")])
        assert held == {("NV018", "CSTDCS"): [1]}

    def test_upheld_objection_withdraws_the_items_it_names(self) -> None:
        """Upheld on NV018's CSTDCS: the council votes on the rest; dismissed ones change nothing."""
        listed = council_list(
            ITEMS,
            [objection(1, "NV018", "CSTDCS", "upheld"), objection(2, "NV019", None, "dismissed")],
        )
        assert listed == {("NV018", "LDTT"), ("NV019", "LDTT")}

    def test_no_objection_leaves_the_list_as_it_is(self) -> None:
        """Without objections the council votes on every item."""
        assert council_list(ITEMS, []) == ITEMS


class TestObjectionPolicy:
    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.PIPELINE])
    def test_every_person_account_may_object_during_publication_and_council(
        self, role: Role
    ) -> None:
        """Any role but the pipeline objects while the list is published or awaits the vote."""
        for stage in (RoundStage.PUBLICATION, RoundStage.COUNCIL):
            policy.check_file_objection(actor(role, "LDVL"), stage, on_behalf_of=None)

    def test_pipeline_may_not_object(self) -> None:
        """A machine account does not object."""
        with pytest.raises(Refusal) as info:
            policy.check_file_objection(
                actor(Role.PIPELINE, "LDVL"), RoundStage.PUBLICATION, on_behalf_of=None
            )
        assert info.value.code is RefusalCode.FORBIDDEN

    @pytest.mark.parametrize(
        "stage", [RoundStage.OPEN, RoundStage.DIRECTOR, RoundStage.OFFICE, RoundStage.DECIDED]
    )
    def test_no_objection_before_publication_or_after_the_vote(self, stage: RoundStage) -> None:
        """Objections are received from the publication until the council votes only."""
        with pytest.raises(Refusal) as info:
            policy.check_file_objection(actor(Role.UNIT_OFFICER, "LDVL"), stage, on_behalf_of=None)
        assert info.value.code is RefusalCode.WRONG_STAGE

    def test_only_the_office_records_a_paper_objection_for_someone(self) -> None:
        """on_behalf_of is the Office's; a unit head using it is forbidden, naming the field."""
        policy.check_file_objection(
            actor(Role.OFFICE), RoundStage.PUBLICATION, on_behalf_of="Nguyễn Văn A"
        )
        with pytest.raises(Refusal) as info:
            policy.check_file_objection(
                actor(Role.UNIT_HEAD, "LDVL"), RoundStage.PUBLICATION, on_behalf_of="Nguyễn Văn A"
            )
        assert (info.value.code, info.value.field) == (RefusalCode.FORBIDDEN, "on_behalf_of")

    @pytest.mark.parametrize("role", [r for r in Role if r is not Role.OFFICE])
    def test_only_the_office_resolves(self, role: Role) -> None:
        """Every other role is forbidden to resolve an objection."""
        with pytest.raises(Refusal) as info:
            policy.check_resolve_objection(actor(role, "LDVL"))
        assert info.value.code is RefusalCode.FORBIDDEN
        policy.check_resolve_objection(actor(Role.OFFICE))

    def test_who_reads_which_objection(self) -> None:
        """Department roles read all; a unit's roles their units' nominations; anyone their own."""
        for role in (Role.OFFICE, Role.DIRECTOR, Role.COUNCIL_SECRETARY, Role.AUDITOR):
            assert policy.may_read_objection(actor(role), "LDVL", "someone")
        head = actor(Role.UNIT_HEAD, "LDVL")
        assert policy.may_read_objection(head, "LDVL", "someone")
        assert not policy.may_read_objection(head, "GDNN", "someone")
        assert policy.may_read_objection(head, "GDNN", head.username)
        for role in (Role.RULES_ADMIN, Role.ADMIN, Role.PIPELINE):
            assert not policy.may_read_objection(actor(role, "LDVL"), "LDVL", "someone")

    def test_an_anonymous_objector_is_hidden_from_the_council_and_the_unit(self) -> None:
        """Only the Office, the auditor and the objector see who filed an anonymous objection."""
        assert policy.sees_objector(actor(Role.OFFICE), "a", anonymous=True)
        assert policy.sees_objector(actor(Role.AUDITOR), "a", anonymous=True)
        assert policy.sees_objector(actor(Role.UNIT_OFFICER, name="a"), "a", anonymous=True)
        for role in (Role.DIRECTOR, Role.COUNCIL_SECRETARY, Role.UNIT_HEAD):
            assert not policy.sees_objector(actor(role), "a", anonymous=True)
            assert policy.sees_objector(actor(role), "a", anonymous=False)


class TestCouncilDuringPublication:
    def test_council_during_publication_is_refused_with_the_end(self) -> None:
        """The council secretary is refused (wrong stage) with the period's end in Vietnam time."""
        until = datetime(2024, 12, 27, 17, tzinfo=UTC)
        with pytest.raises(Refusal) as info:
            policy.check_round_step(
                actor(Role.COUNCIL_SECRETARY),
                "council",
                RoundStage.PUBLICATION,
                published_until=until,
            )
        assert info.value.code is RefusalCode.WRONG_STAGE
        assert info.value.problem == "publication_not_ended"
        assert "00:00 ngày 28/12/2024" in info.value.message

    def test_nobody_may_close_or_decide_during_publication(self) -> None:
        """The Office cannot end the publication by closing again; the Director cannot decide."""
        for role, step in ((Role.OFFICE, "close"), (Role.DIRECTOR, "decide")):
            with pytest.raises(Refusal) as info:
                policy.check_round_step(actor(role), step, RoundStage.PUBLICATION)
            assert info.value.code is RefusalCode.WRONG_STAGE
