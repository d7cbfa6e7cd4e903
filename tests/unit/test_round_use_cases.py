"""The round use cases over fakes of their ports: the round commands (``Rounds``) and the
consolidation steps the activities take (``Consolidation``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.consolidation import ConsolidationActivities
from rules.engine import RulesEngine
from rules.registry import RulesRegistry, VersionWindow
from tests.support.roster import EmptyRoster
from thidua.app import publication
from thidua.app.consolidation import Consolidation, NominationNotMoved
from thidua.app.ports.movements import RegistrationBook
from thidua.app.ports.publication import ObjectionRecord, PublicationRecord
from thidua.app.ports.rounds import (
    AwardItemView,
    CandidateRecord,
    DocumentView,
    MovementRecord,
    NewRound,
    RoundRecord,
)
from thidua.app.round_commands import CouncilRequest, DecisionRequest, OpenRoundRequest, Rounds
from thidua.domain.appraisal import PastInitiativeUse
from thidua.domain.nominations import NominationStatus
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import ACTOR_NOT_RECORDED, Actor, Role
from thidua.domain.rounds import (
    CloseRoundInput,
    ConsolidationWorkflowInput,
    DecideRoundInput,
    LatePolicy,
    RecordCouncilInput,
    RoundActivityInput,
    RoundStage,
    RoundStatus,
    RoundStep,
)

T = TypeVar("T")
OFFICE = Actor(username="vanphong", role=Role.OFFICE)
REVIEW_DATE = date(2024, 12, 20)
CLOSES_AT = datetime(2024, 12, 20, 10, tzinfo=UTC)
RULESET = ("ntm-2024", "1")


# ---- fakes of the ports ---------------------------------------------------------------------


class FakeRoundStore:
    """The rounds in memory, for what these use cases read and write."""

    def __init__(self, *, ruleset: tuple[str, str] | None = RULESET) -> None:
        self.movements = {
            "NTM-2024": MovementRecord(code="NTM-2024", year=2024, closes=REVIEW_DATE)
        }
        self.ruleset = ruleset
        self.rounds: dict[str, RoundRecord] = {}
        self.candidates: list[CandidateRecord] = []
        self.appraisals: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []

    def movement(self, code: str) -> MovementRecord | None:
        return self.movements.get(code)

    def get(self, key: str) -> RoundRecord | None:
        return self.rounds.get(key)

    def latest(self, movement: str, year: int) -> RoundRecord | None:
        mine = [r for r in self.rounds.values() if (r.movement, r.year) == (movement, year)]
        return max(mine, key=lambda r: r.seq) if mine else None

    def add(self, new: NewRound) -> RoundRecord:
        record = RoundRecord(
            **new.model_dump(exclude={"opened_by"}),
            stage=RoundStage.OPEN,
            closed_at=None,
            steps=[],
            appraisal=None,
        )
        self.rounds[new.key] = record
        return record

    def delete_unstarted(self, key: str) -> None:
        self.deleted.append(key)
        self.rounds.pop(key, None)

    def record_step(self, key: str, step: RoundStep) -> bool:
        rnd = self.rounds[key]
        if any(s["seq"] == step.seq for s in rnd.steps):
            return False
        rnd.steps.append(step.model_dump(mode="json"))
        rnd.stage = step.stage_to
        return True

    def gather_candidates(self, key: str, closed_at: datetime) -> list[CandidateRecord]:
        return list(self.candidates)

    def members_total_by_unit(self) -> dict[str, int]:
        return {}

    def past_initiative_uses(self, key: str) -> list[PastInitiativeUse]:
        return []

    def initiative_choices(self, key: str) -> list[Any]:
        return []

    def store_appraisal(self, key: str, appraisal: dict[str, Any], levels: Any) -> None:
        self.appraisals[key] = appraisal

    def award_items(self, key: str) -> list[AwardItemView]:
        return []

    def documents(self, key: str) -> list[DocumentView]:
        return []


class FakeRulesVersions:
    """The published version windows: the round store's ruleset, in force on the review date."""

    def __init__(self, store: FakeRoundStore) -> None:
        self.store = store

    def published_windows(self) -> list[VersionWindow]:
        if self.store.ruleset is None:
            return []
        ruleset_id, version = self.store.ruleset
        return [VersionWindow(ruleset_id, version, "0" * 64, REVIEW_DATE, REVIEW_DATE)]


class NoRegistrations:
    """The movements store of a movement without a registration phase."""

    def registration_book(self, movement: str, year: int) -> RegistrationBook:
        return RegistrationBook(movement, year, has_phase=False)


class NoAgencyProfile:
    """The agency store of an agency without a profile yet."""

    def profile_on(self, day: date) -> None:
        return None


class FakePublicationStore:
    """The rounds' publication lengths and objections in memory."""

    def __init__(self) -> None:
        self.days: dict[str, int] = {}
        self.periods: dict[str, tuple[datetime, datetime]] = {}
        self.stored: list[ObjectionRecord] = []
        self.locked: list[str] = []

    def lock_round(self, round_key: str) -> None:
        self.locked.append(round_key)

    def set_days(self, round_key: str, days: int, actor: Actor) -> None:
        self.days[round_key] = days

    def get(self, round_key: str) -> PublicationRecord | None:
        if round_key not in self.days:
            return None
        start, until = self.periods.get(round_key, (None, None))
        return PublicationRecord(
            days=self.days[round_key], published_from=start, published_until=until
        )

    def set_period(self, round_key: str, published_from: datetime, until: datetime) -> bool:
        self.periods[round_key] = (published_from, until)
        return True

    def objections(self, round_key: str) -> list[ObjectionRecord]:
        return [o for o in self.stored if o.round_key == round_key]


class FakeTx:
    def __init__(self, store: FakeRoundStore) -> None:
        self.rounds = store
        self.rules_versions = FakeRulesVersions(store)
        self.roster = EmptyRoster()
        self.movements = NoRegistrations()
        self.agency = NoAgencyProfile()
        self.publication = FakePublicationStore()


class FakeUow:
    """A unit of work that notes every transaction opened on a thread running an event loop."""

    def __init__(self, store: FakeRoundStore) -> None:
        self.tx = FakeTx(store)
        self.on_event_loop: list[str] = []

    @contextmanager
    def __call__(self) -> Iterator[FakeTx]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self.on_event_loop.append(threading.current_thread().name)
        yield self.tx

    async def run(self, fn: Callable[[FakeTx], T]) -> T:
        def _in_transaction() -> T:
            with self() as tx:
                return fn(tx)

        return await asyncio.to_thread(_in_transaction)


class FakeRoundWorkflows:
    """Records what the commands ask of the round's workflow."""

    def __init__(self, start_fails: Refusal | None = None) -> None:
        self.started: list[tuple[str, ConsolidationWorkflowInput]] = []
        self.updates: list[tuple[str, str, Any]] = []
        self.start_fails = start_fails

    def workflow_id(self, round_key: str) -> str:
        return f"test-round-{round_key}"

    async def start(self, workflow_id: str, input: ConsolidationWorkflowInput) -> None:
        if self.start_fails is not None:
            raise self.start_fails
        self.started.append((workflow_id, input))

    def _status(self, workflow_id: str) -> RoundStatus:
        return RoundStatus(
            round_key=workflow_id, stage=RoundStage.COUNCIL, closes_at=CLOSES_AT, steps=[]
        )

    async def close(self, workflow_id: str, input: CloseRoundInput) -> RoundStatus:
        self.updates.append(("close", workflow_id, input))
        return self._status(workflow_id)

    async def record_council(self, workflow_id: str, input: RecordCouncilInput) -> RoundStatus:
        self.updates.append(("record_council", workflow_id, input))
        return self._status(workflow_id)

    async def decide(self, workflow_id: str, input: DecideRoundInput) -> RoundStatus:
        self.updates.append(("decide", workflow_id, input))
        return self._status(workflow_id)


class FakeNominationWorkflows:
    """Answers every update of a nomination's workflow with ``answer`` (None: it moves on)."""

    def __init__(self, answer: Refusal | None = None) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, Any, str | None]] = []

    async def _update(
        self, name: str, workflow_id: str, input: Any, update_id: str | None
    ) -> NominationStatus:
        self.sent.append((name, workflow_id, input, update_id))
        if self.answer is not None:
            raise self.answer
        raise AssertionError("these tests only need refused updates")

    async def review(self, workflow_id: str, input: Any, update_id: str | None = None) -> Any:
        return await self._update("review", workflow_id, input, update_id)

    async def hold(self, workflow_id: str, input: Any, update_id: str | None = None) -> Any:
        return await self._update("hold", workflow_id, input, update_id)


def commands(store: FakeRoundStore, workflows: FakeRoundWorkflows) -> tuple[Rounds, FakeUow]:
    uow = FakeUow(store)
    return Rounds(uow, workflows, reminder_every=timedelta(days=2)), uow  # type: ignore[arg-type]


def open_body(**changes: Any) -> OpenRoundRequest:
    return OpenRoundRequest.model_validate(
        {"movement": "NTM-2024", "year": 2024, "closes_at": CLOSES_AT, **changes}
    )


async def refused(call: Awaitable[Any]) -> Refusal:
    with pytest.raises(Refusal) as info:
        await call
    return info.value


# ---- the round commands -----------------------------------------------------------------------


class TestOpen:
    async def test_opens_the_round_and_starts_its_workflow(self) -> None:
        """The round is recorded under the ruleset in force, then its workflow is started."""
        store, workflows = FakeRoundStore(), FakeRoundWorkflows()
        rounds, _ = commands(store, workflows)
        view = await rounds.open(OFFICE, open_body(late_policy="next_round"))
        assert (view.key, view.stage, view.ruleset) == (
            "NTM-2024_2024_dot1",
            "open",
            {"id": "ntm-2024", "version": "1"},
        )
        [(workflow_id, started)] = workflows.started
        assert workflow_id == "test-round-NTM-2024_2024_dot1" == view.workflow_id
        assert started.reminder_every == timedelta(days=2)
        assert started.late_policy is LatePolicy.NEXT_ROUND and started.opened_by == OFFICE

    async def test_publication_days_default_to_five_and_may_be_chosen(self) -> None:
        """Without a profile setting the list is published 5 working days; the Office may ask 0."""
        store, workflows = FakeRoundStore(), FakeRoundWorkflows()
        rounds, uow = commands(store, workflows)
        await rounds.open(OFFICE, open_body())
        assert workflows.started[-1][1].publication_days == 5
        assert uow.tx.publication.days == {"NTM-2024_2024_dot1": 5}
        store.rounds["NTM-2024_2024_dot1"].stage = RoundStage.DECIDED
        await rounds.open(OFFICE, open_body(publication_days=0))
        assert workflows.started[-1][1].publication_days == 0

    async def test_no_ruleset_in_force_is_a_refusal_naming_the_review_date(self) -> None:
        """No ruleset in force on the movement's review date: a conflict on ``movement``."""
        store, workflows = FakeRoundStore(ruleset=None), FakeRoundWorkflows()
        rounds, _ = commands(store, workflows)
        refusal = await refused(rounds.open(OFFICE, open_body()))
        assert refusal.code is RefusalCode.CONFLICT
        assert refusal.problem == "no_ruleset_in_force"
        assert refusal.field == "movement"
        assert "20/12/2024" in refusal.message and "NTM-2024" in refusal.message
        assert store.rounds == {} and workflows.started == []

    async def test_unknown_movement_is_not_found_before_the_ruleset(self) -> None:
        """An unknown movement is refused as not found (field ``movement``)."""
        rounds, _ = commands(FakeRoundStore(ruleset=None), FakeRoundWorkflows())
        refusal = await refused(rounds.open(OFFICE, open_body(movement="NTM-2099")))
        assert (refusal.code, refusal.field) == (RefusalCode.NOT_FOUND, "movement")
        assert "không có phong trào thi đua «NTM-2099»" in refusal.message

    async def test_only_the_office_opens_and_the_deadline_needs_a_time_zone(self) -> None:
        """Another role is forbidden; a deadline without time zone is invalid (``closes_at``)."""
        rounds, _ = commands(FakeRoundStore(), FakeRoundWorkflows())
        director = Actor(username="giamdoc", role=Role.DIRECTOR)
        assert (await refused(rounds.open(director, open_body()))).code is RefusalCode.FORBIDDEN
        naive = open_body(closes_at="2024-12-20T17:00:00")
        refusal = await refused(rounds.open(OFFICE, naive))
        assert (refusal.code, refusal.field) == (RefusalCode.INVALID, "closes_at")

    async def test_a_round_still_running_blocks_a_new_one(self) -> None:
        """A second round of the same movement and year waits for the first one's decision."""
        rounds, _ = commands(FakeRoundStore(), FakeRoundWorkflows())
        await rounds.open(OFFICE, open_body())
        refusal = await refused(rounds.open(OFFICE, open_body()))
        assert refusal.code is RefusalCode.DUPLICATE and "NTM-2024_2024_dot1" in refusal.message

    async def test_temporal_unreachable_removes_the_unstarted_round(self) -> None:
        """When the workflow cannot be started the round is removed and the refusal passes on."""
        store = FakeRoundStore()
        down = Refusal(RefusalCode.UNAVAILABLE, "Không kết nối được máy chủ quy trình.")
        rounds, _ = commands(store, FakeRoundWorkflows(start_fails=down))
        assert await refused(rounds.open(OFFICE, open_body())) is down
        assert store.deleted == ["NTM-2024_2024_dot1"] and store.rounds == {}


class TestNeverBlocksTheEventLoop:
    async def test_every_command_reads_and_writes_off_the_event_loop(self) -> None:
        """open, close, council, decide and read run each transaction on a worker thread."""
        store, workflows = FakeRoundStore(), FakeRoundWorkflows()
        rounds, uow = commands(store, workflows)
        key = (await rounds.open(OFFICE, open_body())).key
        await rounds.close(OFFICE, key)
        secretary = Actor(username="thuky.hoidong", role=Role.COUNCIL_SECRETARY)
        council = CouncilRequest.model_validate(
            {
                "held_on": "2024-12-22",
                "members": [{"name": "A"}],
                "ballots": [{"nomination": "n", "title": "LDTT", "in_favour": 1}],
            }
        )
        await rounds.council(secretary, key, council)
        director = Actor(username="giamdoc", role=Role.DIRECTOR)
        await rounds.decide(director, key, DecisionRequest(action="approve"))
        await rounds.read(OFFICE, key)
        assert [name for name, *_ in workflows.updates] == ["close", "record_council", "decide"]
        assert uow.on_event_loop == []

    async def test_a_step_on_an_unknown_round_is_not_found_without_asking_temporal(self) -> None:
        """Closing a round that does not exist is refused before any workflow call."""
        workflows = FakeRoundWorkflows()
        rounds, _ = commands(FakeRoundStore(), workflows)
        refusal = await refused(rounds.close(OFFICE, "NTM-2024_2024_dot9"))
        assert refusal.code is RefusalCode.NOT_FOUND and workflows.updates == []


# ---- the consolidation steps ------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(RulesRegistry.from_directory())


def closing(store: FakeRoundStore) -> RoundActivityInput:
    """A round of one nomination whose dossier lacks its minutes (returned at closing)."""
    store.add(
        NewRound(
            key="R",
            workflow_id="round-R",
            movement="NTM-2024",
            year=2024,
            seq=1,
            late_policy=LatePolicy.REFUSE,
            closes_at=CLOSES_AT,
            ruleset_id=RULESET[0],
            ruleset_version=RULESET[1],
            opened_by=OFFICE,
        )
    )
    store.candidates = [
        CandidateRecord(
            key="N1",
            kind="individual",
            unit="LDVL",
            name="Nguyễn Văn A",
            gender="nam",
            facts={"year": 2024},
            dossier={"achievement_report": "bc.pdf"},
            order=1,
            pinned=None,
            workflow_id="nomination-N1",
        )
    ]
    step = RoundStep(
        seq=1,
        action="close",
        stage_to=RoundStage.COUNCIL,
        actor="vanphong",
        reason=None,
        at=CLOSES_AT,
    )
    return RoundActivityInput(round_key="R", step=step, closed_by=OFFICE)


def consolidation(
    store: FakeRoundStore, engine: RulesEngine, nominations: FakeNominationWorkflows
) -> Consolidation:
    return Consolidation(
        FakeUow(store),  # type: ignore[arg-type]
        engine,
        nominations,  # type: ignore[arg-type]
        issue_documents=lambda tx, key, on: None,
    )


class TestMovingNominationsOn:
    @pytest.mark.parametrize("code", [RefusalCode.WRONG_STAGE, RefusalCode.FORBIDDEN])
    async def test_a_nomination_already_moved_is_skipped(
        self, engine: RulesEngine, code: RefusalCode
    ) -> None:
        """wrong_stage or forbidden from the nomination's workflow: already moved, go on."""
        store = FakeRoundStore()
        nominations = FakeNominationWorkflows(Refusal(code, "Hồ sơ đang ở bước khác."))
        counts = await consolidation(store, engine, nominations).appraise(closing(store))
        assert counts["returned"] == 1
        [(name, workflow_id, sent, update_id)] = nominations.sent
        assert (name, workflow_id, update_id) == ("review", "nomination-N1", "R:1:N1:return")
        assert "biên bản họp xét" in sent.reason
        assert store.rounds["R"].stage is RoundStage.COUNCIL  # the step is recorded

    async def test_an_actor_refused_by_the_accounts_check_is_not_taken_for_moved(
        self, engine: RulesEngine
    ) -> None:
        """A forbidden ``actor_not_recorded`` (e.g. deactivated since) fails the step loudly."""
        store = FakeRoundStore()
        refusal = Refusal(
            RefusalCode.FORBIDDEN,
            "actor: «vanphong» là tài khoản đã bị khoá",
            problem=ACTOR_NOT_RECORDED,
        )
        with pytest.raises(NominationNotMoved):
            await consolidation(store, engine, FakeNominationWorkflows(refusal)).appraise(
                closing(store)
            )
        assert store.rounds["R"].stage is RoundStage.OPEN and store.rounds["R"].steps == []

    async def test_another_refusal_fails_the_step_to_be_retried(self, engine: RulesEngine) -> None:
        """Any other refusal is no refusal of the round's step: it fails, the round stays open."""
        store = FakeRoundStore()
        nominations = FakeNominationWorkflows(Refusal(RefusalCode.INVALID, "Lỗi lạ."))
        with pytest.raises(NominationNotMoved) as info:
            await consolidation(store, engine, nominations).appraise(closing(store))
        assert not isinstance(info.value, Refusal)
        assert store.rounds["R"].stage is RoundStage.OPEN and store.rounds["R"].steps == []

    async def test_the_activity_retries_it_but_not_a_refusal(self, engine: RulesEngine) -> None:
        """The activity lets a nomination not moved fail retryably; a refusal fails for good."""
        store = FakeRoundStore()
        data = closing(store)
        nominations = FakeNominationWorkflows(Refusal(RefusalCode.INVALID, "Lỗi lạ."))
        acts = ConsolidationActivities(consolidation(store, engine, nominations))
        with pytest.raises(NominationNotMoved):
            await ActivityEnvironment().run(acts.appraise_round, data)
        no_council = RoundActivityInput(round_key="R", step=data.step)
        with pytest.raises(ApplicationError) as info:
            await ActivityEnvironment().run(acts.record_council, no_council)
        assert info.value.non_retryable and info.value.type == "invalid"
        assert info.value.message == "council: thiếu kết quả họp Hội đồng."


class TestCouncilListConfirmed:
    """``publication.confirm_votable``: the council's list re-checked under the round's lock."""

    def objection(self, nomination: str, status: str) -> ObjectionRecord:
        return ObjectionRecord(
            id=7,
            round_key="R",
            nomination=nomination,
            nominee_name="Nguyễn Văn A",
            unit="LDVL",
            title=None,
            content="Chưa tham gia phong trào",
            objector="canbo.gdnn",
            on_paper=False,
            anonymous=False,
            filed_by="canbo.gdnn",
            filed_by_role="unit_officer",
            filed_at=CLOSES_AT,
            status=status,  # type: ignore[arg-type]
            resolution_reason=None,
            resolved_by=None,
            resolved_at=None,
        )

    def test_unchanged_list_passes_after_taking_the_lock(self) -> None:
        """No objection since the vote was counted: confirmed, the round's lock taken."""
        tx = FakeTx(FakeRoundStore())
        listed = {("N1", "LDTT"), ("N2", "LDTT")}
        publication.confirm_votable(tx, "R", listed, listed)  # type: ignore[arg-type]
        assert tx.publication.locked == ["R"]

    def test_an_objection_filed_meanwhile_refuses_the_vote(self) -> None:
        """N2 objected to after the ballots were counted: refused (conflict) naming N2 and the
        objection, so the vote's transaction writes nothing."""
        tx = FakeTx(FakeRoundStore())
        listed = {("N1", "LDTT"), ("N2", "LDTT")}
        tx.publication.stored.append(self.objection("N2", "open"))
        with pytest.raises(Refusal) as info:
            publication.confirm_votable(tx, "R", listed, listed)  # type: ignore[arg-type]
        assert info.value.code is RefusalCode.CONFLICT
        assert info.value.problem == "objection_unresolved"
        assert "N2" in info.value.message and "phản ánh số 7" in info.value.message
        assert "N1" not in info.value.message

    def test_a_list_that_differs_from_the_counted_one_is_refused(self) -> None:
        """The counted list still had N2, which is now withdrawn: refused, not written."""
        tx = FakeTx(FakeRoundStore())
        listed = {("N1", "LDTT"), ("N2", "LDTT")}
        tx.publication.stored.append(self.objection("N2", "upheld"))
        with pytest.raises(Refusal) as info:
            publication.confirm_votable(tx, "R", listed, listed)  # type: ignore[arg-type]
        assert info.value.code is RefusalCode.CONFLICT
