"""The consolidation round's steps, as its workflow's activities take them.

At closing the Office appraises every nomination together (``appraise``) and the ones returned or
held go back to their units; the council's ballots are counted and the appraisal re-checked
(``record_council``); the Director's decision sets each award item's status and amount, issues the
round's documents and moves every nomination on (``finalize``). Each is idempotent, as an activity
must be: database writes are keyed by the round and the step, and each update sent to a
nomination's workflow carries an update id derived from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rules.engine import RulesEngine
from rules.law import LawBook, shipped_law
from thidua.app import publication, rounds
from thidua.app.ports.nominations import NominationWorkflows
from thidua.app.ports.rounds import AwardItemView, CandidateRecord, ItemDecision, RoundRecord
from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.app.roster import roster_basis
from thidua.domain.appraisal import (
    Appraisal,
    Candidate,
    InitiativeChoice,
    PastInitiativeUse,
    appraise,
    keep_settled,
    recompute_after_vote,
)
from thidua.domain.appraisal.registrations import RegistrationBook, flag_unregistered
from thidua.domain.council import (
    count_ballots,
    count_meeting,
    identify_members,
    mark_lost_by_member_vote,
)
from thidua.domain.documents.register import vietnam_date
from thidua.domain.money import award_money, highest_only
from thidua.domain.nominations import (
    EvaluationSummary,
    HoldNominationInput,
    ReviewDecision,
    ReviewNominationInput,
    RulesetRef,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import ACTOR_NOT_RECORDED, OFFICE_ROBOT
from thidua.domain.roster import RosterBasis
from thidua.domain.rounds import PROVINCE_LEVEL, RoundActivityInput, award_level
from thidua.logging import get_logger

log = get_logger(__name__)

#: Issue the round's official documents in the decision's transaction: (tx, round key, issued on).
IssueDocuments = Callable[[Tx, str, date], None]

# A nomination's workflow refusing an update with one of these has already taken that step.
ALREADY_MOVED = frozenset({RefusalCode.WRONG_STAGE, RefusalCode.FORBIDDEN})


class NominationNotMoved(RuntimeError):
    """A nomination's workflow refused to move on for another reason than having moved already:
    the activity fails and Temporal runs it again (never a non-retryable refusal)."""


def _invalid(field_name: str, message: str) -> Refusal:
    return Refusal(RefusalCode.INVALID, f"{field_name}: {message}", field=field_name)


def _council_register(tx: Tx, year: int) -> dict[str, str]:
    """The year's council membership register: staff code → full name (empty: none kept)."""
    out: dict[str, str] = {}
    for member in tx.org.council(year):
        staff = tx.org.staff_member(member.staff_code)
        out[member.staff_code] = staff.full_name if staff is not None else member.staff_code
    return out


@dataclass
class _Decided:
    """What the Director's decision did in the database, for moving the nominations on."""

    approved: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    workflow_ids: dict[str, str] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)


class Consolidation:
    """The round's activities' use cases, built once per worker.

    ``engine`` evaluates the criteria; ``nominations`` moves each nomination's workflow on;
    ``issue_documents`` renders and records the round's documents in the decision's transaction.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        engine: RulesEngine,
        nominations: NominationWorkflows,
        issue_documents: IssueDocuments,
        law: LawBook | None = None,
    ) -> None:
        self._uow = uow
        self._law = law or shipped_law()
        self._engine = engine
        self._nominations = nominations
        self._issue_documents = issue_documents

    # ---- helpers ----------------------------------------------------------------------------

    async def _moved(
        self, workflow_id: str, send: Callable[..., Awaitable[object]], arg: Any, update_id: str
    ) -> bool:
        """Send one update to a nomination's workflow; a step already taken is not an error."""
        try:
            await send(workflow_id, arg, update_id=update_id)
        except Refusal as refusal:
            # An actor our accounts no longer record (e.g. deactivated since the decision) has
            # not moved anything: never taken for a step already taken.
            if refusal.code in ALREADY_MOVED and refusal.problem != ACTOR_NOT_RECORDED:
                log.info("nomination already moved", workflow_id=workflow_id, update=update_id)
                return False
            raise NominationNotMoved(
                f"{workflow_id} ({update_id}): [{refusal.code}] {refusal.message}"
            ) from refusal
        return True

    # ---- the steps --------------------------------------------------------------------------

    async def record_step(self, data: RoundActivityInput) -> bool:
        """A step with no effect but its record (a reminder, the Director's return, the end of
        the publication; a closing's publication period with the closing)."""

        def _record(tx: Tx) -> bool:
            recorded = tx.rounds.record_step(data.round_key, data.step)
            publication.record_period(tx, data)
            return recorded

        return await self._uow.run(_record)

    def _appraise_and_store(
        self, data: RoundActivityInput
    ) -> tuple[dict[str, Any], list[CandidateRecord]]:
        with self._uow() as tx:
            inputs = gather_appraisal_inputs(tx, data.round_key, data.step.at)
        dumped = compute_appraisal(self._engine, inputs)
        with self._uow() as tx:
            tx.rounds.store_appraisal(data.round_key, dumped, award_levels(dumped))
        return dumped, inputs.records

    async def appraise(self, data: RoundActivityInput) -> dict[str, int]:
        """Close: gather, appraise across nominations, return/hold what must go back."""
        appraisal, records = await asyncio.to_thread(self._appraise_and_store, data)
        workflow_ids = {r.key: r.workflow_id for r in records}
        office = data.closed_by or OFFICE_ROBOT
        prefix = f"{data.round_key}:{data.step.seq}"
        counts: dict[str, int] = {"candidates": len(records)}
        for result in appraisal["results"]:
            outcome = result["outcome"]
            counts[outcome] = counts.get(outcome, 0) + 1
            wf = workflow_ids[result["key"]]
            if outcome == "returned":
                await self._moved(
                    wf,
                    self._nominations.review,
                    ReviewNominationInput(
                        actor=office, decision=ReviewDecision.RETURN, reason=result["reason_vi"]
                    ),
                    f"{prefix}:{result['key']}:return",
                )
            elif outcome == "on_hold":
                await self._moved(
                    wf,
                    self._nominations.hold,
                    HoldNominationInput(actor=office, reason=result["reason_vi"] or "Tạm dừng xét"),
                    f"{prefix}:{result['key']}:hold",
                )
        counts["flags"] = len(appraisal.get("flags", []))
        # The round's stage moves only once every nomination has been moved on.
        await self.record_step(data)
        log.info("round appraised", round=data.round_key, **counts)
        return counts

    def _record_council(self, data: RoundActivityInput) -> dict[str, int]:
        council = data.council
        if council is None:
            raise _invalid("council", "thiếu kết quả họp Hội đồng.")
        with self._uow() as tx:
            rnd = rounds.round_of(tx, data.round_key)
            award_items = tx.rounds.award_items(data.round_key)
            register = _council_register(tx, rnd.year)
            listed = {(i.nomination, i.code) for i in award_items}
            items = publication.votable_items(tx, data.round_key, listed)  # held: refused
        nominees = {
            i.nomination: i.nominee_code
            for i in award_items
            if i.kind == "individual" and i.nominee_code
        }
        ruleset = (rnd.ruleset_id, rnd.ruleset_version)
        lr = self._engine.registry.get(*ruleset)
        appraisal = Appraisal.model_validate(rnd.appraisal)
        members = identify_members(council.members, register, rnd.year)
        meeting = count_meeting(
            members,
            lr.params,
            ballots_received=council.ballots_received,
            ballots_invalid=council.ballots_invalid,
        )
        tallies = count_ballots(
            members, council.ballots, items, lr.params, nominees=nominees, meeting=meeting
        )
        # An item an upheld objection withdrew counts as failed: its collective is recounted.
        updated = recompute_after_vote(
            appraisal,
            {k: bool(t["passed"]) for k, t in tallies.items()},
            self._engine,
            ruleset=ruleset,
            withdrawn=listed - items,
        )
        mark_lost_by_member_vote(tallies, updated)
        details = {
            **meeting.model_dump(),
            "counting_board": list(council.counting_board),
            "established_by": council.established_by,
        }
        with self._uow() as tx:
            # An objection filed since the list was read: refused, nothing written.
            publication.confirm_votable(tx, data.round_key, listed, items)
            tx.rounds.replace_appraisal(data.round_key, updated.model_dump(mode="json"))
            tx.rounds.store_council(
                data.round_key,
                held_on=council.held_on,
                members=[m.model_dump() for m in members],
                ballots=[b.model_dump() for b in council.ballots],
                recorded_by=council.actor.username,
                tallies=tallies,
                details=details,
            )
            tx.rounds.record_step(data.round_key, data.step)
        passed = sum(1 for t in tallies.values() if t["passed"])
        return {"passed": passed, "not_recommended": len(tallies) - passed}

    async def record_council(self, data: RoundActivityInput) -> dict[str, int]:
        """Record the council's meeting: members identified from the year's council register, the
        quorum checked, each item counted on the members entitled to vote on it (a member who is
        the nominee does not vote on their own item; CSTDCS needs the share of them set in the
        rules file). See :mod:`thidua.domain.council`."""
        return await asyncio.to_thread(self._record_council, data)

    def _decide(self, tx: Tx, data: RoundActivityInput, run_id: str | None) -> _Decided:
        decision = data.decision
        assert decision is not None
        rejections: dict[tuple[str, str | None], str] = {
            (r.nomination, r.title): r.reason for r in decision.reject
        }
        out = _Decided()
        rnd = rounds.round_of(tx, data.round_key)
        items = tx.rounds.award_items(data.round_key)
        known = {i.nomination for i in items}
        unknown = sorted({k for k, _ in rejections if k not in known})
        if unknown:
            raise _invalid("reject", f"không có trong danh sách: {', '.join(unknown)}.")
        decided_on = vietnam_date(data.step.at)  # the day the decision bears, as its documents
        decisions = [_decide_item(item, rejections, out) for item in items]
        decisions = _pay(items, decisions, self._law, decided_on)
        tx.rounds.decide_items(
            data.round_key,
            decisions,
            actor=decision.actor,
            reason=decision.reason,
            run_id=run_id,
        )
        out.workflow_ids = tx.rounds.workflow_ids(data.round_key)
        out.results = list((rnd.appraisal or {}).get("results", []))
        self._issue_documents(tx, data.round_key, vietnam_date(data.step.at))
        return out

    async def finalize(self, data: RoundActivityInput, *, run_id: str | None) -> dict[str, int]:
        """The Director's decision: statuses and amounts, documents, then each nomination moves
        on. ``run_id``: the workflow run taking the decision (in its audit entry)."""
        decision = data.decision
        if decision is None:
            raise _invalid("decision", "thiếu quyết định của Giám đốc.")
        done = await self._uow.run(lambda tx: self._decide(tx, data, run_id))
        prefix = f"{data.round_key}:{data.step.seq}"
        counts = {"approved": 0, "rejected": 0}
        for result in done.results:
            key = result["key"]
            wf = done.workflow_ids.get(key)
            if not wf or result["outcome"] in ("returned", "on_hold"):
                continue
            codes = done.approved.get(key, [])
            ruleset = (result.get("decision") or {}).get("ruleset") or {}
            if codes and ruleset:
                summary = EvaluationSummary(
                    status="eligible",
                    titles=[c for c in codes if c not in PROVINCE_LEVEL],
                    proposals=[c for c in codes if c in PROVINCE_LEVEL],
                    ruleset=RulesetRef(**ruleset),
                )
                await self._moved(
                    wf,
                    self._nominations.review,
                    ReviewNominationInput(
                        actor=OFFICE_ROBOT,
                        decision=ReviewDecision.APPROVE,
                        evaluation=summary,
                        reason=f"Đợt xét {data.round_key}: Hội đồng đề nghị",
                    ),
                    f"{prefix}:{key}:office-approve",
                )
                await self._moved(
                    wf,
                    self._nominations.review,
                    ReviewNominationInput(
                        actor=decision.actor,
                        decision=ReviewDecision.APPROVE,
                        reason=decision.reason,
                    ),
                    f"{prefix}:{key}:director-approve",
                )
                counts["approved"] += 1
            else:
                reason = result.get("reason_vi") if result["outcome"] == "not_eligible" else None
                await self._moved(
                    wf,
                    self._nominations.review,
                    ReviewNominationInput(
                        actor=OFFICE_ROBOT,
                        decision=ReviewDecision.REJECT,
                        reason=reason or done.reasons.get(key) or "Không được đề nghị khen thưởng",
                    ),
                    f"{prefix}:{key}:office-reject",
                )
                counts["rejected"] += 1
        await self.record_step(data)
        log.info("round decided", round=data.round_key, **counts)
        return counts


@dataclass
class AppraisalInputs:
    """What a round's appraisal reads from the database (one transaction)."""

    round: RoundRecord
    records: list[CandidateRecord]
    members: dict[str, int]
    past: list[PastInitiativeUse]
    roster: RosterBasis | None
    book: RegistrationBook
    choices: list[InitiativeChoice]


def gather_appraisal_inputs(
    tx: Tx, key: str, closed_at: datetime, *, again: bool = False
) -> AppraisalInputs:
    """Gather the round's candidates and what the appraisal reads beside them: members, past
    initiative uses, the roster on the review date, registrations and the Office's initiative
    choices. The candidates: at closing, the nominations approved by their units before
    ``closed_at`` (now marked as in the round); ``again``, every nomination of the stored
    appraisal (a closed round appraised again)."""
    rnd = rounds.round_of(tx, key)
    records = (
        tx.rounds.appraised_candidates(key)
        if again
        else tx.rounds.gather_candidates(key, closed_at)
    )
    return AppraisalInputs(
        round=rnd,
        records=records,
        members=tx.rounds.members_total_by_unit(),
        past=tx.rounds.past_initiative_uses(key),
        # rule 5 from the whole roster, on the review date (the final review, else closing)
        roster=roster_basis(tx, rnd.movement, rnd.year, vietnam_date(closed_at)),
        book=tx.movements.registration_book(rnd.movement, rnd.year),
        choices=tx.rounds.initiative_choices(key),
    )


def compute_appraisal(
    engine: RulesEngine, inputs: AppraisalInputs, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The round's appraisal (``thidua.domain.appraisal.appraise``) with the registration
    flags, as stored (JSON). ``previous``: the stored appraisal this one replaces after the
    round's closing (its returned and held results are kept: ``keep_settled``)."""
    rnd = inputs.round
    candidates = [
        Candidate.model_validate(r.model_dump(exclude={"workflow_id"})) for r in inputs.records
    ]
    result = appraise(
        candidates,
        engine,
        ruleset=(rnd.ruleset_id, rnd.ruleset_version),
        past_uses=inputs.past,
        members_total=inputs.members,
        roster=inputs.roster,
        choices=inputs.choices,
    )
    lr = engine.registry.get(rnd.ruleset_id, rnd.ruleset_version)
    if previous is not None:
        result = keep_settled(result, Appraisal.model_validate(previous), lr)
    titles = lr.titles
    result = flag_unregistered(result, inputs.book, {c: t.name_vi for c, t in titles.items()})
    return result.model_dump(mode="json")


def award_levels(appraisal: dict[str, Any]) -> dict[str, str]:
    """Who decides each award code of the appraisal (director / province)."""
    return {
        code: award_level(code)
        for r in appraisal["results"]
        for code in [*r["titles"], *r["proposals"]]
    }


def _pay(
    items: list[AwardItemView], decisions: list[ItemDecision], law: LawBook, on: date
) -> list[ItemDecision]:
    """The amounts of the Director's decision on ``on``: each approved award's coefficient × the
    base salary in force that day (rules/law); of one nominee's awards for the same achievement
    only the highest is paid. A proposal the Director sends to the province counts as the higher
    award (the province pays it if it approves), so the Director's lower title of the same
    achievement is decided with amount 0; its note in the round's view says why."""
    kinds = {(i.nomination, i.code): i.kind for i in items}
    by_nominee: dict[str, dict[str, int]] = {}
    for d in decisions:
        if d.director_status != "approved":
            continue
        money = award_money(
            law, d.code, on, collective=kinds[(d.nomination, d.code)] == "collective"
        )
        if money is not None:
            by_nominee.setdefault(d.nomination, {})[d.code] = money.amount
    out: list[ItemDecision] = []
    for d in decisions:
        amounts = by_nominee.get(d.nomination)
        if d.director_status != "approved" or d.to_province or not amounts or d.code not in amounts:
            out.append(d)
            continue
        paid = highest_only(amounts, on, law)
        out.append(d.model_copy(update={"amount_vnd": paid[d.code]}))
    return out


def _decide_item(
    item: AwardItemView,
    rejections: dict[tuple[str, str | None], str],
    out: _Decided,
) -> ItemDecision:
    """The Director's decision on one item: not passed by the council, rejected (for this title
    or the whole nomination), or approved (with its amount, or sent to the province)."""
    key = item.nomination
    if item.council_status == "withdrawn":
        out.reasons.setdefault(key, "Rút khỏi danh sách do phản ánh được chấp nhận")
    if item.council_status != "passed":
        out.reasons.setdefault(key, "Không được Hội đồng đề nghị")
        return ItemDecision(nomination=key, code=item.code, director_status="not_recommended")
    reason = rejections.get((key, item.code)) or rejections.get((key, None))
    if reason is not None:
        out.reasons[key] = reason
        return ItemDecision(
            nomination=key, code=item.code, director_status="rejected", director_reason=reason
        )
    out.approved.setdefault(key, []).append(item.code)
    if item.level == "province":
        return ItemDecision(
            nomination=key, code=item.code, director_status="approved", to_province=True
        )
    return ItemDecision(nomination=key, code=item.code, director_status="approved")
