"""Objections and the council's vote over the real store (SQLite and PostgreSQL) and the real
rules engine: a withdrawn member's title recounts the collective; an objection filed while the
council's vote is being recorded holds the vote (nothing written); the round's lock orders the
two."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from rules.engine import RulesEngine
from tests.support.db import SeededDb
from tests.support.roster import add_unit, close_round, nominate
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import publication, rounds
from thidua.app.accounts.authentication import authenticate
from thidua.app.consolidation import Consolidation
from thidua.app.publication import FileObjectionRequest, ResolveObjectionRequest
from thidua.app.round_records import round_of
from thidua.domain.documents.snapshot import ObjectionNote
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from thidua.domain.rounds import (
    Ballot,
    CouncilMember,
    RecordCouncilInput,
    RoundActivityInput,
    RoundStage,
    RoundStep,
)

KEY = "NTM-2024_2024_dot1"
VOTED_AT = datetime(2024, 12, 22, 9, 0, tzinfo=UTC)


def actor(db: SeededDb, username: str) -> Actor:
    with db.uow() as tx:
        found = authenticate(tx, db.token(username))
    assert found is not None
    return found


class _AcceptingWorkflows:
    async def review(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        return None

    async def hold(self, workflow_id: str, input: Any, update_id: str | None = None) -> None:
        return None


class HookedUow:
    """The real unit of work; ``before[n]`` runs just before its n-th transaction opens (to
    commit something between a use case's reading and its writing transactions)."""

    def __init__(self, inner: SqlUnitOfWork) -> None:
        self.inner = inner
        self.opened = 0
        self.before: dict[int, Callable[[], None]] = {}

    @contextmanager
    def __call__(self) -> Iterator[Any]:
        self.opened += 1
        hook = self.before.pop(self.opened, None)
        if hook is not None:
            hook()
        with self.inner() as tx:
            yield tx

    async def run(self, fn: Callable[[Any], Any]) -> Any:
        return await self.inner.run(fn)


def unit_of_three(db: SeededDb) -> tuple[list[str], str]:
    """Division TT of 3 staff (no register rows: counted from its nominees), the three
    nominated HTTNV, and the collective (TTLDTT needs 70 %: all three holding LDTT)."""
    codes = add_unit(db, "TT", 3)
    keys = [
        nominate(db, "TT", {"kind": "individual", "id": c, "rating": "HTTNV", "months_worked": 12})
        for c in codes
    ]
    team = nominate(
        db, "TT", {"kind": "collective", "id": "TT", "rating": "HTTNV", "members_total": 3}
    )
    return keys, team


def file(db: SeededDb, user: str, nomination: str, title: str | None = None) -> int:
    body = FileObjectionRequest(nomination=nomination, title=title, content="Chưa đủ tiêu chuẩn")
    with db.uow() as tx:
        return publication.file_objection(tx, actor(db, user), KEY, body).id


def resolve(db: SeededDb, objection: int, decision: str) -> None:
    body = ResolveObjectionRequest(decision=decision, reason="Đã xác minh")  # type: ignore[arg-type]
    with db.uow() as tx:
        publication.resolve_objection(tx, actor(db, "vanphong"), KEY, objection, body)


def council(db: SeededDb, items: list[tuple[str, str]]) -> RoundActivityInput:
    """The council's step with every ballot passing 10 of 10."""
    body = RecordCouncilInput(
        actor=actor(db, "thuky.hoidong"),
        held_on=date(2024, 12, 22),
        members=[CouncilMember(name=f"TV{i}") for i in range(10)],
        ballots=[Ballot(nomination=k, title=c, in_favour=10) for k, c in items],
    )
    done = RoundStep(
        seq=2,
        action="council",
        stage_to=RoundStage.DIRECTOR,
        actor="thuky.hoidong",
        reason=None,
        at=VOTED_AT,
    )
    return RoundActivityInput(round_key=KEY, step=done, council=body)


def steps(db: SeededDb, engine: RulesEngine, uow: Any = None) -> Consolidation:
    return Consolidation(
        uow or db.uow,
        engine,
        _AcceptingWorkflows(),  # type: ignore[arg-type]
        issue_documents=lambda tx, key, on: None,
    )


def view(db: SeededDb) -> Any:
    with db.uow() as tx:
        return rounds.get_round(tx, actor(db, "vanphong"), KEY)


class TestWithdrawnMemberRecountsTheCollective:
    async def test_a_member_title_withdrawn_takes_the_collective_under_70_percent(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """TT02's LDTT withdrawn by an upheld objection: the council passes every other item,
        yet TT is recounted 2 of 3 holding LDTT and loses TTLDTT (lost by a member's title)."""
        (tt1, tt2, tt3), team = unit_of_three(seeded)
        results = await close_round(seeded, rules_engine)
        assert results[team]["titles"] == ["TTLDTT"]
        assert results[team]["facts_used"]["members_ldtt"] == 3
        resolve(seeded, file(seeded, "vanphong", tt2, "LDTT"), "upheld")

        voted = [(tt1, "LDTT"), (tt3, "LDTT"), (team, "TTLDTT")]
        await steps(seeded, rules_engine).record_council(council(seeded, voted))

        after = view(seeded)
        by_key = {r["key"]: r for r in after.results}
        assert by_key[tt2]["titles"] == [] and by_key[tt2]["outcome"] == "not_eligible"
        assert by_key[team]["facts_used"]["members_ldtt"] == 2
        assert by_key[team]["titles"] == [] and by_key[team]["outcome"] == "not_eligible"
        lost = next(f for f in by_key[team]["flags"] if f["code"] == "lost_by_member_vote")
        assert "bị rút khỏi danh sách do phản ánh được chấp nhận" in lost["message_vi"]
        status = {(i.nomination, i.code): i.council_status for i in after.items}
        assert status == {
            (tt1, "LDTT"): "passed",
            (tt2, "LDTT"): "withdrawn",
            (tt3, "LDTT"): "passed",
            (team, "TTLDTT"): "not_recommended",
        }
        item = next(i for i in after.items if i.nomination == team)
        assert item.tally is not None and item.tally.get("lost_by_member_vote") is True
        with seeded.uow() as tx:  # what the council's minutes report
            snapshot = tx.documents.round_snapshot(KEY)
        assert snapshot is not None
        assert snapshot.objections == (ObjectionNote("TT02", "LDTT", "upheld"),)  # its name

    async def test_a_dismissed_objection_leaves_the_collective_its_title(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """The control: the objection dismissed, every item voted and passed, TT keeps TTLDTT."""
        (tt1, tt2, tt3), team = unit_of_three(seeded)
        await close_round(seeded, rules_engine)
        resolve(seeded, file(seeded, "vanphong", tt2, "LDTT"), "dismissed")
        voted = [(tt1, "LDTT"), (tt2, "LDTT"), (tt3, "LDTT"), (team, "TTLDTT")]
        await steps(seeded, rules_engine).record_council(council(seeded, voted))
        status = {(i.nomination, i.code): i.council_status for i in view(seeded).items}
        assert set(status.values()) == {"passed"}


class TestObjectionDuringTheVote:
    async def test_an_objection_filed_while_the_vote_is_counted_refuses_the_vote(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """An objection committed between the council activity's reading and its writing
        transactions: the vote is refused naming it, nothing is written (stage, tallies,
        appraisal); once dismissed the same vote is recorded; afterwards objecting is refused."""
        (tt1, tt2, tt3), team = unit_of_three(seeded)
        await close_round(seeded, rules_engine)
        before = view(seeded)
        voted = [(tt1, "LDTT"), (tt2, "LDTT"), (tt3, "LDTT"), (team, "TTLDTT")]
        filed: list[int] = []
        racing = HookedUow(seeded.uow)
        racing.before[2] = lambda: filed.append(file(seeded, "canbo.ldvl", tt2))

        with pytest.raises(Refusal) as info:
            await steps(seeded, rules_engine, racing).record_council(council(seeded, voted))
        assert filed, "the objection was filed during the vote"
        assert info.value.code is RefusalCode.CONFLICT
        assert tt2 in info.value.message and f"phản ánh số {filed[0]}" in info.value.message
        after = view(seeded)
        assert after.stage == "council" and [s["action"] for s in after.steps] == ["close"]
        assert {i.council_status for i in after.items} == {"pending"}
        assert all(i.tally is None for i in after.items)
        assert after.results == before.results

        resolve(seeded, filed[0], "dismissed")
        await steps(seeded, rules_engine).record_council(council(seeded, voted))
        assert view(seeded).stage == "director"
        with pytest.raises(Refusal) as late:
            file(seeded, "canbo.ldvl", tt1)
        assert late.value.code is RefusalCode.WRONG_STAGE

    async def test_filing_waits_for_the_round_lock_and_then_sees_the_vote(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """While a transaction holds the round's lock and moves it past the council, an
        objection waits; once that commits, it is refused (the round is with the Director):
        never filed unseen behind a recorded vote."""
        codes = add_unit(seeded, "TT", 1)
        key = nominate(seeded, "TT", {"kind": "individual", "id": codes[0], "rating": "HTTNV"})
        await close_round(seeded, rules_engine)
        outcome: list[object] = []

        def objector() -> None:
            try:
                outcome.append(file(seeded, "canbo.ldvl", key))
            except Refusal as refusal:
                outcome.append(refusal)

        with seeded.uow() as tx:
            tx.publication.lock_round(KEY)
            tx.rounds.record_step(KEY, council(seeded, [(key, "LDTT")]).step)
            waiting = threading.Thread(target=objector)
            waiting.start()
            waiting.join(timeout=1.0)
            assert waiting.is_alive(), "the objection did not wait for the round's lock"
        waiting.join(timeout=30)
        [refused] = outcome
        assert isinstance(refused, Refusal) and refused.code is RefusalCode.WRONG_STAGE
        with seeded.uow() as tx:
            assert round_of(tx, KEY).stage is RoundStage.DIRECTOR
            assert tx.publication.objections(KEY) == []
