"""Rules 1, 2 and 4 of the appraisal: completeness, hold, and one candidate's evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules.decision import Decision, DecisionStatus
from rules.engine import RulesEngine
from rules.errors import FactsError
from thidua.domain.appraisal.initiatives import claims_grounds, one_award_per_initiative
from thidua.domain.appraisal.models import (
    Candidate,
    CandidateResult,
    Flag,
    InitiativeConflict,
    Outcome,
)

_HOLD_DEFAULT_VI = "đang bị xem xét kỷ luật, điều tra, thanh tra hoặc xác minh khiếu nại, tố cáo"


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def missing_documents(candidate: Candidate) -> list[str]:
    """Rule 1 (completeness): what the dossier lacks, as Vietnamese phrases (empty if complete)."""
    d = candidate.dossier
    missing: list[str] = []
    if d is None or not (d.achievement_report or "").strip():
        missing.append("thiếu báo cáo thành tích")
    if d is None or not (d.review_minutes or "").strip():
        missing.append("thiếu biên bản họp xét")
    has_evidence = d is not None and any(e.strip() for e in d.evidence)
    if not has_evidence and claims_grounds(candidate.facts):
        missing.append("thiếu minh chứng cho sáng kiến, đề tài nghiên cứu đã kê khai")
    return missing


def _failed_reason(decision: Decision) -> str:
    """Why a decision is not_eligible, from its rule traces' message_vi."""
    disq = [
        r["message_vi"]
        for r in decision.rules
        if r["kind"] == "disqualify" and r["outcome"] == "fired"
    ]
    if disq:
        return "; ".join(disq)
    failed = [
        r["message_vi"]
        for r in decision.rules
        if r["kind"] in ("grant", "propose") and r["outcome"] == "not_fired"
    ]
    return "; ".join(failed) or "Không đạt tiêu chí nào của bộ tiêu chí"


def _hold_reason(decision: Decision | None) -> str:
    msgs: list[str] = []
    if decision is not None:
        msgs = [
            r["message_vi"]
            for r in decision.rules
            if r["kind"] == "hold" and r["outcome"] == "fired"
        ]
    return "; ".join(msgs) or f"Tạm dừng xét (không phải từ chối): {_HOLD_DEFAULT_VI}"


def _facts_error_reason(exc: FactsError) -> str:
    items = "; ".join(f"{e['loc'] or 'facts'}: {e['msg']}" for e in exc.errors)
    return f"Thông tin xét không hợp lệ, trả lại để bổ sung: {items}"


def evaluate(
    candidate_kind: str,
    facts: dict[str, Any],
    engine: RulesEngine,
    ref: tuple[str, str],
) -> tuple[Outcome, str | None, list[str], list[str], dict[str, Any] | None, list[Flag]]:
    """Rules 2 and 4: evaluate and map the engine's status to an outcome."""
    if facts.get("kind", candidate_kind) != candidate_kind:
        reason = (
            f"Thông tin xét không hợp lệ, trả lại để bổ sung: kind '{facts.get('kind')}' "
            f"không khớp với đối tượng '{candidate_kind}'"
        )
        return (
            Outcome.RETURNED,
            reason,
            [],
            [],
            None,
            [Flag(code="invalid_facts", message_vi=reason)],
        )
    try:
        decision = engine.evaluate(facts, ruleset_id=ref[0], version=ref[1])
    except FactsError as exc:
        reason = _facts_error_reason(exc)
        return (
            Outcome.RETURNED,
            reason,
            [],
            [],
            None,
            [Flag(code="invalid_facts", message_vi=reason)],
        )
    dumped = decision.model_dump(mode="json")
    if decision.status == DecisionStatus.ON_HOLD or facts.get("under_review") is True:
        return Outcome.ON_HOLD, _hold_reason(decision), [], [], dumped, []
    if decision.status == DecisionStatus.ELIGIBLE:
        return (
            Outcome.RECOMMENDED,
            None,
            list(decision.titles),
            list(decision.proposals),
            dumped,
            [],
        )
    return Outcome.NOT_ELIGIBLE, _failed_reason(decision), [], [], dumped, []


def assess(
    candidate: Candidate,
    facts: dict[str, Any],
    flags: list[Flag],
    engine: RulesEngine,
    ruleset: tuple[str, str],
    choices: Mapping[str, str] | None = None,
) -> CandidateResult:
    """Rules 1, 2, 4 and 3b for one candidate (``choices``: the Office's initiative → award
    choices for this nomination)."""
    missing = missing_documents(candidate)
    if missing:
        if candidate.dossier is None:
            missing = ["chưa có hồ sơ", *missing]
        return CandidateResult(
            key=candidate.key,
            kind=candidate.kind,
            unit=candidate.unit,
            name=candidate.name,
            outcome=Outcome.RETURNED,
            reason_vi=_capitalize("; ".join(missing)),
            titles=[],
            proposals=[],
            decision=None,
            facts_used=facts,
            flags=flags,
            rank=0,
        )
    ref = candidate.pinned or ruleset
    outcome, reason, titles, proposals, decision, extra = evaluate(
        candidate.kind, facts, engine, ref
    )
    grounds: dict[str, list[str]] = {}
    conflicts: list[InitiativeConflict] = []
    if outcome == Outcome.RECOMMENDED and candidate.kind == "individual":
        lr = engine.resolve(ruleset_id=ref[0], version=ref[1])
        titles, proposals, grounds, conflicts, more = one_award_per_initiative(
            candidate, facts, (titles, proposals), lr, choices or {}
        )
        extra = [*extra, *more]
    return CandidateResult(
        key=candidate.key,
        kind=candidate.kind,
        unit=candidate.unit,
        name=candidate.name,
        outcome=outcome,
        reason_vi=reason,
        titles=titles,
        proposals=proposals,
        decision=decision,
        facts_used=facts,
        flags=[*flags, *extra],
        rank=0,
        initiative_grounds=grounds,
        initiative_conflicts=conflicts,
    )
