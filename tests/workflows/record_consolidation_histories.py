"""Record one ConsolidationWorkflow history per round path, as replay fixtures.

Run from the project root: ``python -m tests.workflows.record_consolidation_histories [path ...]``.
It starts an in-memory embedded Temporal server and, for every path in ``PATHS``, a worker with
the real activities and rules engine over a fresh SQLite database; it drives the round with the
``Round`` driver of ``test_consolidation.py`` to its decision and writes
``tests/workflows/histories/consolidation_<path>.json``. ``test_consolidation_replay.py`` replays
them against the current workflow code: re-record only for a deliberate, replay-safe change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory, WorkflowUpdateFailedError

from tests.support.harness import Harness
from tests.support.rounds import MEMBERS, Round
from tests.support.temporal import fast_forward
from tests.support.waits import poll
from tests.workflows.record_histories import record_paths, run
from thidua.app import publication
from thidua.app.publication import FileObjectionRequest, ResolveObjectionRequest
from thidua.app.round_commands import CouncilRequest, DecisionRequest, OpenRoundRequest
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import DecideRoundInput, RoundDecision, RoundStage
from workflows.consolidation import ConsolidationWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
PREFIX = "consolidation_"
# How far ahead the deadline path sets the round's closing time.
DEADLINE_SECONDS = 4


async def _nominations(rnd: Round) -> None:
    """Two complete nominations (one with CSTDCS) and one the appraisal returns."""
    await rnd.submit_and_approve("NV018", rating="HTXSNV")
    await rnd.submit_and_approve("NV019")
    await rnd.submit_and_approve("NV020", dossier={"achievement_report": "bc.pdf"})


async def _expect_refusal(coro: Awaitable[object], code: RefusalCode) -> None:
    try:
        await coro
    except Refusal as refusal:
        assert refusal.code is code, (refusal.code, refusal.message)
    else:
        raise AssertionError(f"expected a refusal {code.value}")


async def path_approve(rnd: Round) -> None:
    await _nominations(rnd)
    await rnd.open()
    await rnd.close()
    await rnd.council()
    await rnd.decide()


async def path_director_return(rnd: Round) -> None:
    await _nominations(rnd)
    await rnd.open()
    await rnd.close()
    await rnd.council()
    view = await rnd.svc.decide(
        rnd.h.actor("giamdoc"),
        rnd.key,
        DecisionRequest(action="return", reason="Rà soát lại minh chứng"),
    )
    assert view.stage == "office", view.stage
    await rnd.close()
    await rnd.council()
    await rnd.decide()


async def path_deadline_close(rnd: Round) -> None:
    await _nominations(rnd)
    body = OpenRoundRequest(
        movement="NTM-2024",
        year=2024,
        closes_at=datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS),
        publication_days=0,
    )
    view = await rnd.svc.open(rnd.h.actor("vanphong"), body)
    rnd.key = view.key
    # Wait on the workflow, not the database: the appraisal records the close step in the
    # database before it has moved the nominations on and the workflow has left ``open``.
    handle = rnd.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, view.workflow_id)
    closed = await poll(
        lambda: handle.query(ConsolidationWorkflow.status),
        lambda s: s.stage is RoundStage.COUNCIL,
        within=30,
    )
    assert closed.steps[-1].action == "close" and closed.steps[-1].actor is None
    await rnd.council()
    await rnd.decide()


async def path_actor_checked(rnd: Round) -> None:
    """Since ``actor-checked-against-accounts``: closed by its deadline (the Office robot returns
    NV020 for the round, accepted), a decision sent with a forged Director refused, then the
    real Director's decision (the robot's Office approvals accepted for the round)."""
    await _nominations(rnd)
    body = OpenRoundRequest(
        movement="NTM-2024",
        year=2024,
        closes_at=datetime.now(UTC) + timedelta(seconds=DEADLINE_SECONDS),
        publication_days=0,
    )
    view = await rnd.svc.open(rnd.h.actor("vanphong"), body)
    rnd.key = view.key
    handle = rnd.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, view.workflow_id)
    await poll(
        lambda: handle.query(ConsolidationWorkflow.status),
        lambda s: s.stage is RoundStage.COUNCIL,
        within=30,
    )
    await poll(
        lambda: rnd.h.lifecycle.workflow_status(rnd.h.actor("vanphong"), "NTM-2024_2024_NV020"),
        lambda s: s.stage.value == "returned",
        within=30,
    )
    await rnd.council()
    forged = Actor(username="canbo.ldvl", role=Role.DIRECTOR)
    try:
        await handle.execute_update(
            ConsolidationWorkflow.decide,
            DecideRoundInput(actor=forged, action=RoundDecision.APPROVE),
        )
    except WorkflowUpdateFailedError as exc:
        assert "actor:" in str(exc.cause), exc.cause
    else:
        raise AssertionError("a decision by a forged Director was accepted")
    await rnd.decide()


async def path_refused_steps(rnd: Round) -> None:
    await _nominations(rnd)
    await rnd.open()
    # Rejected by the update validator: the Director may not close the round.
    await _expect_refusal(rnd.svc.close(rnd.h.actor("giamdoc"), rnd.key), RefusalCode.FORBIDDEN)
    await rnd.close()
    # Accepted, then failed inside the council activity: a ballot for something not on the list.
    body = CouncilRequest.model_validate(
        {
            "held_on": "2024-12-22",
            "members": MEMBERS,
            "ballots": [{"nomination": "KHONG_CO", "title": "LDTT", "in_favour": 9}],
        }
    )
    await _expect_refusal(
        rnd.svc.council(rnd.h.actor("thuky.hoidong"), rnd.key, body), RefusalCode.INVALID
    )
    await rnd.council()
    await rnd.decide()


async def _object(rnd: Round, user: str, nomination: str) -> int:
    request = FileObjectionRequest(nomination=nomination, content="Chưa tham gia phong trào")
    filed = await rnd.h.db.uow.run(
        lambda tx: publication.file_objection(tx, rnd.h.actor(user), rnd.key, request)
    )
    return filed.id


async def path_objection_dismissed(rnd: Round) -> None:
    """No publication period (0 days): an objection holds a nominee, the council is refused in
    its activity, the Office dismisses it, the council votes, the Director approves."""
    await _nominations(rnd)
    await rnd.open(publication_days=0)
    view = await rnd.close()
    first = next(i.nomination for i in view.items)
    objection = await _object(rnd, "canbo.gdnn", first)
    await _expect_refusal(rnd.council(), RefusalCode.CONFLICT)
    request = ResolveObjectionRequest(decision="dismissed", reason="Không có căn cứ")
    await rnd.h.db.uow.run(
        lambda tx: publication.resolve_objection(
            tx, rnd.h.actor("vanphong"), rnd.key, objection, request
        )
    )
    await rnd.council()
    await rnd.decide()


async def path_publication_period(rnd: Round) -> None:
    """Closed into a publication period of 1 working day: the council is refused by the
    validator (never in the history); the round is left waiting on the period's timer."""
    await _nominations(rnd)
    await rnd.open(publication_days=1)
    view = await rnd.close()
    assert view.stage == "publication", view.stage
    await _expect_refusal(rnd.council(), RefusalCode.WRONG_STAGE)


async def path_publication_ended(rnd: Round) -> None:
    """Closed into a publication period of 1 working day; the round's clock is fast-forwarded
    past its end: the timer fires, ``publication_end`` takes it to the council, which votes;
    the Director approves."""
    await _nominations(rnd)
    await rnd.open(publication_days=1)
    view = await rnd.close()
    assert view.stage == "publication", view.stage
    handle = rnd.h.client.get_workflow_handle_for(ConsolidationWorkflow.run, view.workflow_id)
    status = await handle.query(ConsolidationWorkflow.status)
    assert status.published_until is not None
    await fast_forward(
        rnd.h.client, handle, status.published_until - status.steps[-1].at + timedelta(hours=1)
    )
    await poll(
        lambda: handle.query(ConsolidationWorkflow.status),
        lambda s: s.stage is RoundStage.COUNCIL,
        within=30,
    )
    await poll(
        lambda: rnd.svc.read(rnd.h.actor("vanphong"), rnd.key),
        lambda v: v.stage == "council",
        within=30,
    )
    await rnd.council()
    await rnd.decide()


PATHS: dict[str, Callable[[Round], Awaitable[None]]] = {
    "approve": path_approve,
    "director_return": path_director_return,
    "deadline_close": path_deadline_close,
    "refused_steps": path_refused_steps,
    "objection_dismissed": path_objection_dismissed,
    "publication_period": path_publication_period,
    "publication_ended": path_publication_ended,
    "actor_checked": path_actor_checked,
}
#: Paths that end before the decision (the round waits): recorded as they stand, then ended.
UNFINISHED = frozenset({"publication_period"})


async def _drive(
    h: Harness, drive: Callable[[Round], Awaitable[None]], *, finished: bool = True
) -> WorkflowHistory:
    rnd = Round(h)
    await drive(rnd)
    view = await rnd.svc.read(h.actor("vanphong"), rnd.key)
    handle = h.client.get_workflow_handle(view.workflow_id)
    if not finished:
        history = await handle.fetch_history()
        await handle.terminate("recorded")
        return history
    assert view.stage == "decided", view.stage
    await handle.result()
    return await handle.fetch_history()


async def record(only: list[str]) -> list[Path]:
    async def history_of(name: str, h: Harness) -> WorkflowHistory:
        return await _drive(h, PATHS[name], finished=name not in UNFINISHED)

    return await record_paths(list(PATHS), only, history_of, file_prefix=PREFIX)


if __name__ == "__main__":
    run(record)
