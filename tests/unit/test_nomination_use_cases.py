"""The nomination use cases (thidua.app.lifecycle, nominations, recording, bulk) over fakes of
their ports: an in-memory store and scripted workflows, no database and no Temporal.

One module (a little over 500 lines): the fakes of the ports are defined once here for all the
nomination use cases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from structlog.contextvars import bound_contextvars
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.nomination import NominationActivities
from rules.canonical import Encoding
from tests.support.roster import EmptyRoster
from thidua.app import bulk, nominations
from thidua.app.lifecycle import (
    HoldRequest,
    Lifecycle,
    NominationSubmission,
    ResubmitRequest,
    ResumeRequest,
)
from thidua.app.ports.nominations import (
    EvaluationRecord,
    MovementInfo,
    NewNomination,
    NominationDetail,
    NominationRef,
    StaffInfo,
    SubmissionLookup,
    UnitInfo,
)
from thidua.app.ports.tabular import RawFile, RawRow, RowError
from thidua.app.recording import NominationRecording
from thidua.domain.nominations import (
    EvaluateCriteriaInput,
    NominationStatus,
    NominationWorkflowInput,
    RulesetRef,
    Stage,
    StageDeadlines,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role

T = TypeVar("T")

MOVEMENT = "NTM-2024"
KEY = "NTM-2024_2024_NV018"
WORKFLOW_ID = f"nomination-{KEY}"
OFFICER = Actor(username="canbo.ldvl", role=Role.UNIT_OFFICER, units=("LDVL",))
OFFICE = Actor(username="vanphong", role=Role.OFFICE)
HEAD_OTHER = Actor(username="truongphong.gdnn", role=Role.UNIT_HEAD, units=("GDNN",))
DEADLINES = StageDeadlines(
    unit_review=timedelta(days=1),
    office_review=timedelta(days=1),
    director_review=timedelta(days=1),
    returned=timedelta(days=1),
    reminder_every=timedelta(days=1),
)
AT = datetime(2024, 12, 1, 8, 0, tzinfo=UTC)


# ---- fakes of the ports ------------------------------------------------------------------------


@dataclass
class FakeNominationStore:
    """Our records in memory: one movement, two units and their staff."""

    rows: dict[str, NewNomination] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluations: list[EvaluationRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def lookup_submission(
        self, movement: str, unit: str, staff: str | None, key: str
    ) -> SubmissionLookup:
        staff_of = {"NV018": "LDVL", "NV023": "GDNN"}
        return SubmissionLookup(
            movement=MovementInfo(MOVEMENT, 2024, date(2024, 12, 20))
            if movement == MOVEMENT
            else None,
            unit=UnitInfo(unit, f"Phòng {unit}") if unit in ("LDVL", "GDNN") else None,
            staff=StaffInfo(staff, f"Cán bộ {staff}", staff_of[staff])
            if staff in staff_of
            else None,
            existing=self.ref(key),
        )

    def create(self, nomination: NewNomination) -> bool:
        if nomination.key in self.rows:
            return False
        self.rows[nomination.key] = nomination
        self.stages[nomination.key] = Stage.SUBMITTED.value
        return True

    def delete_unstarted(self, key: str) -> None:
        self.rows.pop(key, None)
        self.deleted.append(key)

    def update_dossier(self, key: str, dossier: dict[str, Any], actor: str | None) -> None:
        self.dossiers[key] = dossier

    def record_evaluation(self, evaluation: EvaluationRecord) -> bool:
        self.evaluations.append(evaluation)
        return True

    def ref(self, key: str) -> NominationRef | None:
        row = self.rows.get(key)
        if row is None:
            return None
        return NominationRef(
            unit=row.unit_code, stage=self.stages[key], movement=row.movement_code, year=2024
        )

    def detail(self, key: str) -> NominationDetail | None:
        row = self.rows.get(key)
        if row is None:
            return None
        return NominationDetail(
            id=key,
            workflow_id=row.workflow_id,
            movement=row.movement_code,
            year=2024,
            unit=row.unit_code,
            kind="individual",
            nominee_code=str(row.facts["id"]),
            nominee_name=row.nominee_name,
            stage=self.stages[key],
            stage_label="",
            deadline=None,
            status=None,
            titles=[],
            proposals=[],
            ruleset=None,
            submitted_by=row.submitted_by,
            created_at=AT,
            updated_at=AT,
            facts=row.facts,
            dossier=self.dossiers.get(key, row.dossier),
            steps=[],
            evaluation=None,
        )


@dataclass
class FakeTx:
    nominations: FakeNominationStore
    roster: EmptyRoster = field(default_factory=EmptyRoster)


class FakeUow:
    def __init__(self, store: FakeNominationStore) -> None:
        self.tx = FakeTx(store)

    @contextmanager
    def __call__(self) -> Iterator[FakeTx]:
        yield self.tx

    async def run(self, fn: Callable[[Any], T]) -> T:
        return fn(self.tx)


class FakeWorkflows:
    """Workflows that exist once started; ``start`` may be scripted to fail."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.started: list[NominationWorkflowInput] = []
        self.updates: list[tuple[str, str]] = []
        self.start_fails_with: Refusal | None = None
        self.started_before_failing = False
        self.exists_fails = False

    def workflow_id(self, nomination_key: str) -> str:
        return f"nomination-{nomination_key}"

    async def start(self, input: NominationWorkflowInput) -> NominationStatus:
        self.started.append(input)
        if self.start_fails_with is not None:
            if self.started_before_failing:
                self.running.add(self.workflow_id(input.nomination_id))
            raise self.start_fails_with
        self.running.add(self.workflow_id(input.nomination_id))
        return NominationStatus(
            nomination_id=input.nomination_id,
            stage=Stage.UNIT_REVIEW,
            stage_entered_at=AT,
            deadline=None,
            evaluation=None,
            steps=[],
        )

    async def exists(self, workflow_id: str) -> bool:
        if self.exists_fails:
            raise Refusal(RefusalCode.UNAVAILABLE, "down")
        return workflow_id in self.running

    async def _update(self, name: str, workflow_id: str) -> NominationStatus:
        self.updates.append((name, workflow_id))
        return NominationStatus(
            nomination_id=workflow_id,
            stage=Stage.UNIT_REVIEW,
            stage_entered_at=AT,
            deadline=None,
            evaluation=None,
            steps=[],
        )

    async def hold(self, workflow_id: str, input: Any, update_id: str | None = None) -> Any:
        return await self._update("hold", workflow_id)

    async def resubmit(self, workflow_id: str, input: Any, update_id: str | None = None) -> Any:
        return await self._update("resubmit", workflow_id)

    async def resume(self, workflow_id: str, input: Any, update_id: str | None = None) -> Any:
        return await self._update("resume", workflow_id)


@pytest.fixture
def store() -> FakeNominationStore:
    return FakeNominationStore()


@pytest.fixture
def workflows() -> FakeWorkflows:
    return FakeWorkflows()


@pytest.fixture
def lifecycle(store: FakeNominationStore, workflows: FakeWorkflows) -> Lifecycle:
    return Lifecycle(FakeUow(store), workflows, DEADLINES)  # type: ignore[arg-type]


def submission(nominee: str = "NV018", unit: str = "LDVL", **facts: Any) -> NominationSubmission:
    return NominationSubmission.model_validate(
        {
            "movement": MOVEMENT,
            "unit": unit,
            "facts": {
                "kind": "individual",
                "id": nominee,
                "year": 2024,
                "rating": "HTXSNV",
                **facts,
            },
        }
    )


# ---- submit --------------------------------------------------------------------------------------


class TestSubmit:
    async def test_creates_the_row_then_starts_the_workflow_with_the_deadlines(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """The row is stored before the start; the workflow gets the movement's closing day."""
        detail = await lifecycle.submit(OFFICER, submission())
        assert detail.id == KEY and KEY in store.rows
        (started,) = workflows.started
        assert (started.as_of, started.deadlines) == (date(2024, 12, 20), DEADLINES)

    async def test_refuses_a_duplicate_whose_workflow_runs(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows
    ) -> None:
        """A second submission of the same nominee is refused before any start."""
        await lifecycle.submit(OFFICER, submission())
        with pytest.raises(Refusal) as refused:
            await lifecycle.submit(OFFICER, submission())
        assert refused.value.code is RefusalCode.DUPLICATE
        assert len(workflows.started) == 1

    async def test_a_row_left_without_workflow_is_started_again(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """A row whose workflow does not exist (a start cut off earlier) is not a duplicate."""
        await lifecycle.submit(OFFICER, submission())
        workflows.running.clear()
        await lifecycle.submit(OFFICER, submission())
        assert len(workflows.started) == 2 and KEY in store.rows

    async def test_cut_off_start_removes_the_row_when_no_workflow_exists(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """Temporal unavailable and the workflow known not to exist: the row goes."""
        workflows.start_fails_with = Refusal(RefusalCode.UNAVAILABLE, "down")
        with pytest.raises(Refusal) as refused:
            await lifecycle.submit(OFFICER, submission())
        assert refused.value.code is RefusalCode.UNAVAILABLE
        assert store.deleted == [KEY] and KEY not in store.rows

    async def test_cut_off_start_keeps_the_row_when_the_workflow_started(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """The start went through before the cut: the row stays for the workflow's steps."""
        workflows.start_fails_with = Refusal(RefusalCode.UNAVAILABLE, "down")
        workflows.started_before_failing = True
        with pytest.raises(Refusal):
            await lifecycle.submit(OFFICER, submission())
        assert store.deleted == [] and KEY in store.rows

    async def test_cut_off_start_keeps_the_row_when_it_is_unknown_whether_it_started(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """Temporal cannot even say whether the workflow exists: the row is kept."""
        workflows.start_fails_with = Refusal(RefusalCode.UNAVAILABLE, "down")
        workflows.exists_fails = True
        with pytest.raises(Refusal):
            await lifecycle.submit(OFFICER, submission())
        assert store.deleted == [] and KEY in store.rows

    async def test_a_start_refused_as_duplicate_keeps_the_row(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """Only an unavailable Temporal leads to removing the row."""
        workflows.start_fails_with = Refusal(RefusalCode.DUPLICATE, "dup")
        with pytest.raises(Refusal):
            await lifecycle.submit(OFFICER, submission())
        assert store.deleted == [] and KEY in store.rows

    async def test_foreign_unit_is_refused_naming_the_unit(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """An officer submitting for another unit: forbidden, field ``unit``, nothing stored."""
        with pytest.raises(Refusal) as refused:
            await lifecycle.submit(OFFICER, submission("NV023", unit="GDNN"))
        assert (refused.value.code, refused.value.field) == (RefusalCode.FORBIDDEN, "unit")
        assert store.rows == {} and workflows.started == []


class TestResolveSubmission:
    """Each refusal names the input at fault, and keeps its message."""

    @pytest.mark.parametrize(
        ("movement", "unit", "facts", "code", "field_"),
        [
            ("NTM-2099", "LDVL", {"id": "NV018"}, RefusalCode.NOT_FOUND, "movement"),
            (MOVEMENT, "XYZ", {"id": "NV018"}, RefusalCode.NOT_FOUND, "unit"),
            (MOVEMENT, "LDVL", {"id": "NV018", "year": 2023}, RefusalCode.FORBIDDEN, "facts.year"),
            (MOVEMENT, "LDVL", {"id": "NV023"}, RefusalCode.FORBIDDEN, "facts.id"),
            (MOVEMENT, "LDVL", {"id": "GDNN", "kind": "collective"}, RefusalCode.FORBIDDEN, "facts.id"),
        ],
    )  # fmt: skip
    def test_refusal_names_the_field(
        self,
        store: FakeNominationStore,
        movement: str,
        unit: str,
        facts: dict[str, Any],
        code: RefusalCode,
        field_: str,
    ) -> None:
        """The message starts with the field it names (as API clients read it today)."""
        facts = {"kind": "individual", "year": 2024, **facts}
        with pytest.raises(Refusal) as refused:
            nominations.resolve_submission(FakeTx(store), movement, unit, facts, KEY)  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field) == (code, field_)
        assert refused.value.message.startswith(f"{field_}: ")

    def test_collective_takes_the_unit_name(self, store: FakeNominationStore) -> None:
        """A collective nominee is the unit itself."""
        facts = {"kind": "collective", "id": "LDVL", "year": 2024}
        target = nominations.resolve_submission(FakeTx(store), MOVEMENT, "LDVL", facts, KEY)  # type: ignore[arg-type]
        assert (target.nominee_name, target.existing_stage) == ("Phòng LDVL", None)


# ---- the other commands ---------------------------------------------------------------------------


class TestCommands:
    async def test_a_nomination_out_of_sight_is_not_found_and_never_updated(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows
    ) -> None:
        """A unit head of another unit gets not found; the workflow is not called."""
        await lifecycle.submit(OFFICER, submission())
        with pytest.raises(Refusal) as refused:
            await lifecycle.hold(HEAD_OTHER, KEY, HoldRequest(reason="kiểm tra"))
        assert refused.value.code is RefusalCode.NOT_FOUND
        assert workflows.updates == []

    async def test_resubmit_replaces_the_dossier_after_the_workflow_took_the_step(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """The supplemented dossier is stored once the update went through."""
        await lifecycle.submit(OFFICER, submission())
        body = ResubmitRequest.model_validate(
            {
                "facts": {"kind": "individual", "id": "NV018", "year": 2024, "rating": "HTXSNV"},
                "dossier": {"evidence": ["QD-1.pdf"]},
            }
        )
        detail = await lifecycle.resubmit(OFFICER, KEY, body)
        assert workflows.updates == [("resubmit", WORKFLOW_ID)]
        assert detail.dossier is not None and detail.dossier["evidence"] == ["QD-1.pdf"]


class TestFactsSentAgain:
    """Issue 16 #9: a resubmission or a resume with facts passes the submission's checks."""

    @pytest.mark.parametrize("command", ["resubmit", "resume"])
    async def test_another_year_is_refused_naming_facts_year_and_never_sent(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows, command: str
    ) -> None:
        """facts.year moved off the movement's year: forbidden on ``facts.year``, no update."""
        await lifecycle.submit(OFFICER, submission())
        facts = {"kind": "individual", "id": "NV018", "year": 2023, "rating": "HTXSNV"}
        with pytest.raises(Refusal) as refused:
            if command == "resubmit":
                await lifecycle.resubmit(OFFICER, KEY, ResubmitRequest(facts=facts))  # type: ignore[arg-type]
            else:
                await lifecycle.resume(OFFICE, KEY, ResumeRequest(facts=facts))  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field) == (RefusalCode.FORBIDDEN, "facts.year")
        assert refused.value.message.startswith("facts.year: ") and "2023" in refused.value.message
        assert workflows.updates == []

    async def test_a_nominee_no_longer_of_the_unit_is_refused_naming_facts_id(
        self, lifecycle: Lifecycle, store: FakeNominationStore, workflows: FakeWorkflows
    ) -> None:
        """The submission's nominee check runs again: another unit's staff is ``facts.id``."""
        await lifecycle.submit(OFFICER, submission())
        facts = {"kind": "individual", "id": "NV023", "year": 2024, "rating": "HTXSNV"}
        with pytest.raises(Refusal) as refused:
            await lifecycle.resubmit(OFFICER, KEY, ResubmitRequest(facts=facts))  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field) == (RefusalCode.FORBIDDEN, "facts.id")
        assert workflows.updates == []

    async def test_the_same_year_goes_to_the_workflow(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows
    ) -> None:
        """Facts of the movement's year pass and the resume is sent."""
        await lifecycle.submit(OFFICER, submission())
        facts = {"kind": "individual", "id": "NV018", "year": 2024, "rating": "HTXSNV"}
        await lifecycle.resume(OFFICE, KEY, ResumeRequest(facts=facts))  # type: ignore[arg-type]
        assert workflows.updates == [("resume", WORKFLOW_ID)]


# ---- recording --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeDecision:
    sha256: str

    @property
    def ruleset(self) -> RulesetRef:
        return RulesetRef(id="ntm-2024", version="1", sha256=self.sha256)

    def model_dump(self, mode: str) -> dict[str, Any]:
        return {
            "status": "eligible",
            "titles": ["LDTT"],
            "proposals": [],
            "ruleset": self.ruleset.model_dump(),
        }


class FakeEngine:
    def __init__(self, sha256: str = "a" * 64) -> None:
        self.sha256 = sha256

    def evaluate(self, facts: Any, **kwargs: Any) -> FakeDecision:
        return FakeDecision(self.sha256)


def evaluate_input(**kw: Any) -> EvaluateCriteriaInput:
    return EvaluateCriteriaInput(
        workflow_id=WORKFLOW_ID,
        nomination_id=KEY,
        seq=2,
        facts={"kind": "individual", "id": "NV018", "year": 2024},
        as_of=date(2024, 12, 20),
        phase="submission",
        **kw,
    )


class TestEvaluateCriteria:
    def test_stores_the_evaluation_hashed_with_jcs(self, store: FakeNominationStore) -> None:
        """A new evaluation records encoding 2 (RFC 8785) under the activity's key."""
        recording = NominationRecording(FakeUow(store), FakeEngine())  # type: ignore[arg-type]
        summary = recording.evaluate_criteria(evaluate_input(), idempotency_key="k", run_id="r")
        assert (summary.status, summary.titles) == ("eligible", ["LDTT"])
        (stored,) = store.evaluations
        assert (stored.idempotency_key, stored.run_id) == ("k", "r")
        assert stored.hash_encoding is Encoding.JCS

    def test_a_tried_evaluation_stores_nothing(self, store: FakeNominationStore) -> None:
        """``record=False`` (a resume trying proposed facts) only evaluates."""
        recording = NominationRecording(FakeUow(store), FakeEngine())  # type: ignore[arg-type]
        recording.evaluate_criteria(evaluate_input(record=False), idempotency_key="k")
        assert store.evaluations == []

    def test_pinned_version_with_another_content_is_refused_without_retry(
        self, store: FakeNominationStore
    ) -> None:
        """The activity turns the mismatch into a non-retryable ``ruleset_mismatch``."""
        pinned = RulesetRef(id="ntm-2024", version="1", sha256="b" * 64)
        recording = NominationRecording(FakeUow(store), FakeEngine())  # type: ignore[arg-type]
        with pytest.raises(ApplicationError) as info:
            ActivityEnvironment().run(
                NominationActivities(recording).evaluate_criteria, evaluate_input(pinned=pinned)
            )
        assert (info.value.type, info.value.non_retryable) == ("ruleset_mismatch", True)
        assert store.evaluations == []


# ---- bulk ---------------------------------------------------------------------------------------------


def flat(row: int, **cells: Any) -> RawRow:
    facts = {"kind": "individual", "year": 2024, "rating": "HTXSNV", **cells}
    return RawRow(row, {"movement": MOVEMENT, "unit": "LDVL", "facts": facts}, flat=True)


class TestBulkValidation:
    def test_rows_with_bad_cells_are_reported_and_never_submitted(self) -> None:
        """Cell errors stand; the row's other problems are added, its own column once."""
        bad_cell = RawRow(
            3,
            {
                "movement": MOVEMENT,
                "unit": "LDVL",
                "facts": {"kind": "individual", "id": "NV1", "rating": "HTXSNV"},
            },
            flat=True,
            errors=[RowError(3, "months_worked", "phải là số nguyên")],
        )
        parsed = bulk.validate_file(RawFile(rows=[flat(2, id="NV018"), bad_cell]))
        assert [i.row for i in parsed.items] == [2]
        assert [(e.row, e.column) for e in parsed.errors] == [(3, "months_worked"), (3, "year")]
        assert parsed.total_rows == 2

    def test_the_second_row_of_a_nominee_is_a_duplicate(self) -> None:
        """Two rows naming the same nominee: the first is kept, the second reported on ``id``."""
        parsed = bulk.validate_file(RawFile(rows=[flat(2, id="NV018"), flat(5, id="NV018")]))
        assert [i.row for i in parsed.items] == [2]
        assert [(e.row, e.column) for e in parsed.errors] == [(5, "id")]

    async def test_a_refused_row_is_reported_on_the_refusals_field(
        self, lifecycle: Lifecycle
    ) -> None:
        """A refusal's field gives the column (``facts.id`` → ``id``), not its message."""
        parsed = bulk.validate_file(RawFile(rows=[flat(2, id="NV999"), flat(3, id="NV018")]))
        report = await bulk.import_items(lifecycle, OFFICER, parsed, dry_run=True)
        assert report.accepted == 1
        assert [(e.row, e.column) for e in report.errors] == [(2, "id")]


class TestBulkUnexpectedErrors:
    """Issue 16 #14c: an unexpected failure of one item never shows the exception's text."""

    SECRET = "connection to db.internal:5432 failed: password authentication for user thidua"

    async def test_an_unexpected_error_is_generic_for_the_caller_and_logged_with_its_ref(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows
    ) -> None:
        """The item reads "internal error" with a reference; the log has the exception under it."""

        async def broken_start(input: NominationWorkflowInput) -> NominationStatus:
            raise RuntimeError(self.SECRET)

        workflows.start = broken_start  # type: ignore[method-assign]
        parsed = bulk.validate_file(RawFile(rows=[flat(2, id="NV018")]))
        with capture_logs() as logs:
            (outcome,) = await bulk.submit_items(lifecycle, OFFICER, parsed.items)
        assert (outcome.status, outcome.code) == ("error", "internal_error")
        assert outcome.detail is not None
        assert "internal error" in outcome.detail
        assert self.SECRET not in outcome.detail and "RuntimeError" not in outcome.detail
        (logged,) = [e for e in logs if e["event"] == "bulk submit failed"]
        assert logged["error_ref"] in outcome.detail
        assert self.SECRET in str(logged["exc_info"])

    async def test_the_reference_is_the_requests_id_when_one_is_bound(
        self, lifecycle: Lifecycle, workflows: FakeWorkflows
    ) -> None:
        """Behind the API the reference is the request id (the X-Request-ID of the response)."""

        async def broken_start(input: NominationWorkflowInput) -> NominationStatus:
            raise RuntimeError(self.SECRET)

        workflows.start = broken_start  # type: ignore[method-assign]
        parsed = bulk.validate_file(RawFile(rows=[flat(2, id="NV018")]))
        with bound_contextvars(request_id="req-abc123"), capture_logs() as logs:
            report = await bulk.import_items(lifecycle, OFFICER, parsed, dry_run=False)
        (error,) = report.errors
        assert "req-abc123" in error.message and self.SECRET not in error.message
        assert [e["error_ref"] for e in logs if e["event"] == "bulk submit failed"] == [
            "req-abc123"
        ]
