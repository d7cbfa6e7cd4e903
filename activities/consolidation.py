"""Activities of the Office's consolidation round.

They appraise across nominations, record the council's vote and the Director's decision, write
the official documents, and move each nomination's own workflow accordingly (returned, on hold,
approved, rejected). Each is idempotent: database writes are keyed by the round and step, and the
updates sent to nomination workflows carry deterministic update ids.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from thidua.adapters.db import audit
from thidua.app import rounds
from thidua.domain.nominations import (
    EvaluationSummary,
    HoldNominationInput,
    NominationStatus,
    ReviewDecision,
    ReviewNominationInput,
    RulesetRef,
)
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundActivityInput
from thidua.logging import get_logger

if TYPE_CHECKING:
    from rules.engine import RulesEngine
    from thidua.adapters.db.uow import SqlUnitOfWork

log = get_logger(__name__)
T = TypeVar("T")
PROVINCE_LEVEL = frozenset({"TTLDXS", "BANG_KHEN_UBND_TINH"})


def _heartbeating(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Heartbeat every second while the activity runs (its heartbeat timeout is 10 s)."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        async def beat() -> None:
            while True:
                activity.heartbeat()
                await asyncio.sleep(1)

        task = asyncio.create_task(beat())
        try:
            return await fn(*args, **kwargs)
        finally:
            task.cancel()

    return wrapper


def _invalid(message: str) -> ApplicationError:
    return ApplicationError(message, type="invalid", non_retryable=True)


@dataclass
class _Finalized:
    """What the Director's decision did in the database, for moving the nominations on."""

    approved: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    workflow_ids: dict[str, str] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)


class ConsolidationActivities:
    """Built once per worker with the database, the rules engine and a Temporal client."""

    def __init__(
        self,
        uow: SqlUnitOfWork,
        engine: RulesEngine,
        client: Client,
        documents_dir: Path,
    ) -> None:
        self._uow = uow
        self._engine = engine
        self._client = client
        self._documents_dir = documents_dir

    # ---- helpers --------------------------------------------------------------------

    async def _update(self, workflow_id: str, update: Any, arg: Any, update_id: str) -> bool:
        """Send one update to a nomination workflow; an already-applied step is not an error."""
        from workflows.nomination import NominationWorkflow

        handle: WorkflowHandle[NominationWorkflow, NominationStatus]
        handle = self._client.get_workflow_handle_for(NominationWorkflow.run, workflow_id)
        try:
            await handle.execute_update(update, arg, id=update_id)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type in ("wrong_stage", "forbidden"):
                log.info("nomination already moved", workflow_id=workflow_id, update=update_id)
                return False
            raise
        return True

    def _ruleset(self, key: str) -> tuple[str, str]:
        with self._uow.session() as session:
            row = rounds.round_row(session, key)
            return row.ruleset_id, row.ruleset_version

    # ---- activities -----------------------------------------------------------------
    # The long ones heartbeat (see _heartbeating) so a killed worker is noticed in seconds.

    @activity.defn
    async def record_round_step(self, data: RoundActivityInput) -> bool:
        def _write() -> bool:
            with self._uow.session() as session:
                return rounds.record_round_step(session, data.round_key, data.step)

        return await asyncio.to_thread(_write)

    @activity.defn
    @_heartbeating
    async def appraise_round(self, data: RoundActivityInput) -> dict[str, int]:
        """Close: gather, appraise across nominations, return/hold what must go back."""
        from thidua.domain.appraisal import Candidate, PastInitiativeUse, appraise

        def _appraise() -> tuple[dict[str, Any], list[rounds.CandidateRecord]]:
            with self._uow.session() as session:
                records = rounds.gather_candidates(session, data.round_key, data.step.at)
                members = rounds.members_total_by_unit(session)
                past = rounds.past_initiative_uses(session, data.round_key)
                row = rounds.round_row(session, data.round_key)
                ruleset = (row.ruleset_id, row.ruleset_version)
            candidates = [
                Candidate.model_validate(r.model_dump(exclude={"workflow_id"})) for r in records
            ]
            result = appraise(
                candidates,
                self._engine,
                ruleset=ruleset,
                past_uses=[PastInitiativeUse(initiative_id=i, used_by=k) for i, k in past],
                members_total=members,
            )
            dumped = result.model_dump(mode="json")
            levels = {
                code: ("province" if code in PROVINCE_LEVEL else "director")
                for r in dumped["results"]
                for code in [*r["titles"], *r["proposals"]]
            }
            with self._uow.session() as session:
                rounds.store_appraisal(session, data.round_key, dumped, levels)
            return dumped, records

        appraisal, records = await asyncio.to_thread(_appraise)
        workflow_ids = {r.key: r.workflow_id for r in records}
        office = data.closed_by or Actor(username="vanphong.tudong", role=Role.OFFICE)
        prefix = f"{data.round_key}:{data.step.seq}"
        counts: dict[str, int] = {"candidates": len(records)}
        for result in appraisal["results"]:
            outcome = result["outcome"]
            counts[outcome] = counts.get(outcome, 0) + 1
            wf = workflow_ids[result["key"]]
            if outcome == "returned":
                await self._update(
                    wf,
                    _review(),
                    ReviewNominationInput(
                        actor=office, decision=ReviewDecision.RETURN, reason=result["reason_vi"]
                    ),
                    f"{prefix}:{result['key']}:return",
                )
            elif outcome == "on_hold":
                await self._update(
                    wf,
                    _hold(),
                    HoldNominationInput(actor=office, reason=result["reason_vi"] or "Tạm dừng xét"),
                    f"{prefix}:{result['key']}:hold",
                )
        counts["flags"] = len(appraisal.get("flags", []))
        # The round's stage moves only once every nomination has been moved on.
        await self.record_round_step(data)
        log.info("round appraised", round=data.round_key, **counts)
        return counts

    @activity.defn
    @_heartbeating
    async def record_council(self, data: RoundActivityInput) -> dict[str, int]:
        """Record the council's ballots; CSTDCS needs the share of ALL members set in the rules file."""
        from thidua.domain.appraisal import Appraisal, recompute_after_vote, tally, vote_threshold

        council = data.council
        if council is None:
            raise _invalid("council: thiếu kết quả họp Hội đồng.")

        def _record() -> dict[str, int]:
            members_total = len(council.members)
            voters = sum(1 for m in council.members if m.present or m.written_vote)
            with self._uow.session() as session:
                row = rounds.round_row(session, data.round_key)
                lr = self._engine.registry.get(row.ruleset_id, row.ruleset_version)
                items = {
                    (i.nomination.key, i.code): i
                    for i in rounds.award_items(session, data.round_key)
                }
                appraisal = Appraisal.model_validate(row.appraisal)
            ballots = {(b.nomination, b.title): b for b in council.ballots}
            unknown = sorted(f"{k}/{c}" for k, c in ballots if (k, c) not in items)
            if unknown:
                raise _invalid(f"ballots: không có trong danh sách đề nghị: {', '.join(unknown)}.")
            missing = sorted(f"{k}/{c}" for k, c in items if (k, c) not in ballots)
            if missing:
                raise _invalid(f"ballots: thiếu kết quả bỏ phiếu cho: {', '.join(missing)}.")
            tallies: dict[tuple[str, str], dict[str, Any]] = {}
            for (key, code), b in ballots.items():
                if b.in_favour + b.against + b.abstain > voters:
                    raise _invalid(
                        f"ballots: {key}/{code} có {b.in_favour + b.against + b.abstain} phiếu, "
                        f"nhiều hơn {voters} thành viên có mặt hoặc gửi phiếu."
                    )
                threshold, of_all = vote_threshold(code, lr.params)
                try:
                    result = tally(
                        members_total=members_total,
                        in_favour=b.in_favour,
                        against=b.against,
                        abstain=b.abstain,
                        threshold=threshold,
                        of_all_members=of_all,
                    )
                except ValueError as exc:
                    raise _invalid(f"ballots: {key}/{code}: {exc}") from exc
                tallies[(key, code)] = {
                    "in_favour": b.in_favour,
                    "against": b.against,
                    "abstain": b.abstain,
                    "members_total": members_total,
                    "written_votes": sum(1 for m in council.members if m.written_vote),
                    "threshold": threshold,
                    "required": result.required,
                    "ratio": result.ratio,
                    "passed": result.passed,
                }
            updated = recompute_after_vote(
                appraisal,
                {k: bool(t["passed"]) for k, t in tallies.items()},
                self._engine,
                ruleset=(row.ruleset_id, row.ruleset_version),
            )
            still = {(r.key, code) for r in updated.results for code in [*r.titles, *r.proposals]}
            for key_code, t in tallies.items():
                if t["passed"] and key_code not in still:
                    t["passed"] = False
                    t["lost_by_member_vote"] = True
            with self._uow.session() as session:
                row = rounds.round_row(session, data.round_key)
                row.appraisal = {**updated.model_dump(mode="json")}
                rounds.store_council(
                    session,
                    data.round_key,
                    held_on=council.held_on,
                    members=[m.model_dump() for m in council.members],
                    ballots=[b.model_dump() for b in council.ballots],
                    recorded_by=council.actor.username,
                    tallies=tallies,
                )
                rounds.record_round_step(session, data.round_key, data.step)
            passed = sum(1 for t in tallies.values() if t["passed"])
            return {"passed": passed, "not_recommended": len(tallies) - passed}

        return await asyncio.to_thread(_record)

    @activity.defn
    @_heartbeating
    async def finalize_round(self, data: RoundActivityInput) -> dict[str, int]:
        """The Director's decision: statuses and amounts, documents, then each nomination moves on."""
        decision = data.decision
        if decision is None:
            raise _invalid("decision: thiếu quyết định của Giám đốc.")

        def _apply() -> _Finalized:
            from thidua.app.round_documents import generate_round_documents

            rejections: dict[tuple[str, str | None], str] = {
                (r.nomination, r.title): r.reason for r in decision.reject
            }
            out = _Finalized()
            with self._uow.session() as session:
                row = rounds.round_row(session, data.round_key)
                lr = self._engine.registry.get(row.ruleset_id, row.ruleset_version)
                items = rounds.award_items(session, data.round_key)
                undecided = any(i.director_status == "pending" for i in items)
                known = {i.nomination.key for i in items}
                unknown = sorted({k for k, _ in rejections if k not in known})
                if unknown:
                    raise _invalid(f"reject: không có trong danh sách: {', '.join(unknown)}.")
                for item in items:
                    key = item.nomination.key
                    out.workflow_ids[key] = item.nomination.workflow_id
                    if item.council_status != "passed":
                        item.director_status = "not_recommended"
                        out.reasons.setdefault(key, "Không được Hội đồng đề nghị")
                        continue
                    reason = rejections.get((key, item.code)) or rejections.get((key, None))
                    if reason is not None:
                        item.director_status = "rejected"
                        item.director_reason = reason
                        out.reasons[key] = reason
                        continue
                    item.director_status = "approved"
                    if item.level == "province":
                        item.province_status = item.province_status or "pending"
                    else:
                        item.amount_vnd = lr.award_amount(item.code)
                    out.approved.setdefault(key, []).append(item.code)
                if undecided:  # a retried activity finds them decided: no second entry
                    audit.record(
                        session,
                        action="round.decided",
                        object_type="round",
                        object_id=data.round_key,
                        actor=decision.actor.username,
                        actor_role=decision.actor.role.value,
                        after={
                            "items": {
                                f"{i.nomination.key}/{i.code}": i.director_status for i in items
                            },
                            "reason": decision.reason,
                        },
                        workflow_id=row.workflow_id,
                        run_id=activity.info().workflow_run_id,
                    )
                for key, wf in rounds.round_workflow_ids(session, data.round_key).items():
                    out.workflow_ids.setdefault(key, wf)
                out.results = list((row.appraisal or {}).get("results", []))
                generate_round_documents(
                    session,
                    data.round_key,
                    self._documents_dir,
                    self._engine.registry,
                    issued_on=data.step.at.date(),
                )
            return out

        done = await asyncio.to_thread(_apply)
        approved, reasons, workflow_ids = done.approved, done.reasons, done.workflow_ids
        office = Actor(username="vanphong.tudong", role=Role.OFFICE)
        prefix = f"{data.round_key}:{data.step.seq}"
        counts = {"approved": 0, "rejected": 0}
        for result in done.results:
            key = result["key"]
            wf = workflow_ids.get(key)
            if not wf or result["outcome"] in ("returned", "on_hold"):
                continue
            codes = approved.get(key, [])
            ruleset = (result.get("decision") or {}).get("ruleset") or {}
            if codes and ruleset:
                summary = EvaluationSummary(
                    status="eligible",
                    titles=[c for c in codes if c not in PROVINCE_LEVEL],
                    proposals=[c for c in codes if c in PROVINCE_LEVEL],
                    ruleset=RulesetRef(**ruleset),
                )
                await self._update(
                    wf,
                    _review(),
                    ReviewNominationInput(
                        actor=office,
                        decision=ReviewDecision.APPROVE,
                        evaluation=summary,
                        reason=f"Đợt xét {data.round_key}: Hội đồng đề nghị",
                    ),
                    f"{prefix}:{key}:office-approve",
                )
                await self._update(
                    wf,
                    _review(),
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
                await self._update(
                    wf,
                    _review(),
                    ReviewNominationInput(
                        actor=office,
                        decision=ReviewDecision.REJECT,
                        reason=reason or reasons.get(key) or "Không được đề nghị khen thưởng",
                    ),
                    f"{prefix}:{key}:office-reject",
                )
                counts["rejected"] += 1
        await self.record_round_step(data)
        log.info("round decided", round=data.round_key, **counts)
        return counts


def _review() -> Any:
    from workflows.nomination import NominationWorkflow

    return NominationWorkflow.review


def _hold() -> Any:
    from workflows.nomination import NominationWorkflow

    return NominationWorkflow.hold
