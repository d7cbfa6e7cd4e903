"""Office consolidation of a review round: appraisal across nominations, council tally, re-check.

Pure logic (no database, no Temporal, no I/O). At the closing of a round (movement + year) the
Department Office (Văn phòng Sở) appraises every nomination the units approved, *together*:
:func:`appraise` checks completeness, puts held cases on hold, makes every initiative count once,
evaluates individuals with the rules engine, then recomputes each collective's member counts from
its members' outcomes in the same round and evaluates the collectives, and orders the lists with
the tie-break. The council then votes (:func:`vote_threshold`, :func:`tally`) and
:func:`recompute_after_vote` removes the titles that failed the vote and re-evaluates the
collectives whose thresholds depended on them. The Director decides on the result.

Every rule is documented on the function applying it; messages are in Vietnamese (domain.md §2,
§3, §5 steps 3–4).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.decision import Decision, DecisionStatus
from rules.engine import RulesEngine
from rules.errors import FactsError
from rules.registry import LoadedRuleset
from thidua.domain.nominations import Dossier

__all__ = [
    "DISCIPLINE_WARNING_OR_WORSE",
    "Appraisal",
    "Candidate",
    "CandidateResult",
    "Dossier",
    "Flag",
    "Outcome",
    "PastInitiativeUse",
    "TallyResult",
    "appraise",
    "recompute_after_vote",
    "tally",
    "vote_threshold",
]

#: Discipline forms counted against a collective: a warning (cảnh cáo) or worse.
DISCIPLINE_WARNING_OR_WORSE: frozenset[str] = frozenset(
    {"canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc", "buoc_thoi_viec"}
)

_EMPTY_TOTALS: Mapping[str, int] = MappingProxyType({})
_DEFAULT_TIE_BREAK_FEMALE_RATIO = 0.7
_HOLD_DEFAULT_VI = "đang bị xem xét kỷ luật, điều tra, thanh tra hoặc xác minh khiếu nại, tố cáo"
#: The collective fields recomputed from the members' outcomes, in reporting order.
_COLLECTIVE_FIELDS: tuple[str, ...] = (
    "members_total",
    "members_ldtt",
    "members_cstdcs",
    "members_disciplined",
    "members_htnv_or_better",
)
_FIELD_LABEL_VI: dict[str, str] = {
    "members_total": "tổng số thành viên",
    "members_ldtt": "số thành viên đạt Lao động tiên tiến",
    "members_cstdcs": "số thành viên đạt Chiến sĩ thi đua cơ sở",
    "members_disciplined": "số thành viên bị kỷ luật từ cảnh cáo trở lên",
    "members_htnv_or_better": "số thành viên xếp loại hoàn thành nhiệm vụ trở lên",
}


# -- models ------------------------------------------------------------------------------------
class Candidate(BaseModel):
    """One nomination approved by its unit, as the Office receives it at closing."""

    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["individual", "collective"]
    unit: str
    name: str
    gender: Literal["nam", "nu"] | None = None
    facts: dict[str, Any]
    dossier: Dossier | None = None
    order: int
    """Submission order (earlier = smaller): decides who keeps a shared initiative."""
    pinned: tuple[str, str] | None = None
    """(ruleset_id, version) the nomination was first evaluated with."""


class PastInitiativeUse(BaseModel):
    """An initiative that already backed an earlier award (`used_by`: that award's key)."""

    model_config = ConfigDict(extra="forbid")

    initiative_id: str
    used_by: str


class Flag(BaseModel):
    """A finding of the consolidation, for the Office and the council to see."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message_vi: str
    related: list[str] = Field(default_factory=list)


class Outcome(StrEnum):
    RECOMMENDED = "recommended"
    NOT_ELIGIBLE = "not_eligible"
    RETURNED = "returned"
    ON_HOLD = "on_hold"


class CandidateResult(BaseModel):
    """The Office's appraisal of one nomination."""

    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["individual", "collective"]
    unit: str
    name: str
    outcome: Outcome
    reason_vi: str | None
    titles: list[str]
    """Titles the Director decides (candidates for them)."""
    proposals: list[str]
    """Forms proposed to the province."""
    decision: dict[str, Any] | None
    """`Decision.model_dump(mode="json")` of the final evaluation (None when not evaluated)."""
    facts_used: dict[str, Any]
    """Facts after cross-nomination adjustments (initiatives removed, collective counts)."""
    flags: list[Flag]
    rank: int
    """0-based index in the consolidated ordering (see :func:`appraise`, rule 6)."""


class Appraisal(BaseModel):
    """The consolidated list of a round."""

    model_config = ConfigDict(extra="forbid")

    results: list[CandidateResult]
    """Every nomination, sorted by `rank`."""
    by_title: dict[str, list[str]]
    """Title/proposal code -> keys of the RECOMMENDED candidates in tie-break order."""
    by_unit: dict[str, list[str]]
    """Unit -> keys of all its candidates, in rank order."""
    flags: list[Flag]
    """Round-level findings involving several nominations (one flag per event)."""


class TallyResult(BaseModel):
    """A council vote counted: whether it passed, the share in favour, the votes needed."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    ratio: float
    required: int


# -- helpers -----------------------------------------------------------------------------------
def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _initiative_ids(facts: Mapping[str, Any]) -> list[str]:
    raw = facts.get("initiatives")
    if not isinstance(raw, list):
        return []
    out: list[str] = []
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            out.append(item["id"])
    return out


def _without_initiatives(facts: dict[str, Any], removed: set[str]) -> dict[str, Any]:
    raw = facts.get("initiatives")
    if not removed or not isinstance(raw, list):
        return facts
    kept = [i for i in raw if not (isinstance(i, Mapping) and i.get("id") in removed)]
    return {**facts, "initiatives": kept}


def _claims_grounds(facts: Mapping[str, Any]) -> bool:
    research = _as_int(facts.get("research_accepted"))
    return bool(_initiative_ids(facts)) or (research is not None and research > 0)


def _label(c: Candidate | CandidateResult) -> str:
    return f"{c.name} ({c.key})"


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _missing_documents(candidate: Candidate) -> list[str]:
    """Rule 1 (completeness): what the dossier lacks, as Vietnamese phrases (empty if complete)."""
    d = candidate.dossier
    missing: list[str] = []
    if d is None or not (d.achievement_report or "").strip():
        missing.append("thiếu báo cáo thành tích")
    if d is None or not (d.review_minutes or "").strip():
        missing.append("thiếu biên bản họp xét")
    has_evidence = d is not None and any(e.strip() for e in d.evidence)
    if not has_evidence and _claims_grounds(candidate.facts):
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


def _evaluate(
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


def _assess(
    candidate: Candidate,
    facts: dict[str, Any],
    flags: list[Flag],
    engine: RulesEngine,
    ruleset: tuple[str, str],
) -> CandidateResult:
    missing = _missing_documents(candidate)
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
    outcome, reason, titles, proposals, decision, extra = _evaluate(
        candidate.kind, facts, engine, candidate.pinned or ruleset
    )
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
    )


def _apply_initiative_rules(
    candidates: Sequence[Candidate],
    facts: dict[str, dict[str, Any]],
    past_uses: Sequence[PastInitiativeUse],
    flags: dict[str, list[Flag]],
) -> list[Flag]:
    """Rule 3 (an initiative counts once). Adjusts `facts` in place; returns round-level flags."""
    round_flags: list[Flag] = []
    by_key = {c.key: c for c in candidates}
    claims: dict[str, list[str]] = {}
    for c in sorted(candidates, key=lambda c: (c.order, c.key)):
        for ini in dict.fromkeys(_initiative_ids(c.facts)):
            claims.setdefault(ini, []).append(c.key)
    past: dict[str, list[str]] = {}
    for use in past_uses:
        past.setdefault(use.initiative_id, [])
        if use.used_by not in past[use.initiative_id]:
            past[use.initiative_id].append(use.used_by)
    removed: dict[str, set[str]] = {c.key: set() for c in candidates}
    for ini, claimers in claims.items():
        if ini in past:
            earlier = ", ".join(past[ini])
            for k in claimers:
                removed[k].add(ini)
                flags[k].append(
                    Flag(
                        code="initiative_used_before",
                        message_vi=(
                            f"Sáng kiến “{ini}” đã được dùng làm căn cứ khen thưởng {earlier}; "
                            "không được tính lại"
                        ),
                        related=[*past[ini]],
                    )
                )
            round_flags.append(
                Flag(
                    code="initiative_used_before",
                    message_vi=(
                        f"Sáng kiến “{ini}” đã được dùng làm căn cứ khen thưởng {earlier}; "
                        f"không tính cho: {', '.join(_label(by_key[k]) for k in claimers)}"
                    ),
                    related=[*claimers, *past[ini]],
                )
            )
            continue
        if len(claimers) < 2:
            continue
        keeper, others = claimers[0], claimers[1:]
        kept_by = _label(by_key[keeper])
        others_txt = ", ".join(_label(by_key[k]) for k in others)
        flags[keeper].append(
            Flag(
                code="initiative_claimed_twice",
                message_vi=(
                    f"Sáng kiến “{ini}” cũng được kê khai trong hồ sơ của {others_txt}; "
                    "sáng kiến được tính cho hồ sơ này (nộp trước)"
                ),
                related=list(others),
            )
        )
        for k in others:
            removed[k].add(ini)
            flags[k].append(
                Flag(
                    code="initiative_claimed_twice",
                    message_vi=(
                        f"Sáng kiến “{ini}” đã được tính cho {kept_by} (nộp trước); "
                        "không tính cho hồ sơ này"
                    ),
                    related=[keeper],
                )
            )
        round_flags.append(
            Flag(
                code="initiative_claimed_twice",
                message_vi=(
                    f"Sáng kiến “{ini}” được kê khai trong nhiều hồ sơ; tính cho {kept_by}, "
                    f"không tính cho {others_txt}"
                ),
                related=list(claimers),
            )
        )
    for k, ids in removed.items():
        facts[k] = _without_initiatives(facts[k], ids)
    return round_flags


def _collective_facts(
    submitted: Mapping[str, Any],
    members: Sequence[CandidateResult],
    override_total: int | None,
) -> tuple[dict[str, Any], list[str]]:
    """Rule 5: the collective's member counts from its members' outcomes in this round.

    Returns the new facts and the "label: before → after" descriptions of what changed.
    """
    out = dict(submitted)
    total = (
        override_total if override_total is not None else _as_int(submitted.get("members_total"))
    )
    if total is not None:
        out["members_total"] = total
    recommended = [m for m in members if m.outcome == Outcome.RECOMMENDED]
    out["members_ldtt"] = sum(1 for m in recommended if "LDTT" in m.titles)
    out["members_cstdcs"] = sum(1 for m in recommended if "CSTDCS" in m.titles)
    disciplined = sum(
        1 for m in members if m.facts_used.get("discipline") in DISCIPLINE_WARNING_OR_WORSE
    )
    sub_disc = _as_int(submitted.get("members_disciplined", 0))
    if sub_disc is not None:
        out["members_disciplined"] = max(sub_disc, disciplined)
    khtnv = sum(1 for m in members if m.facts_used.get("rating") == "KHTNV")
    sub_htnv = _as_int(submitted.get("members_htnv_or_better", 0))
    if sub_htnv is not None and total is not None:
        out["members_htnv_or_better"] = min(sub_htnv, max(0, total - khtnv))
    changes: list[str] = []
    for name in _COLLECTIVE_FIELDS:
        if name not in out:
            continue
        # an absent count is the contract's default 0 (members_total has no default)
        effective = submitted.get(name, None if name == "members_total" else 0)
        if effective != out[name]:
            before = submitted.get(name, "(không khai)")
            changes.append(f"{_FIELD_LABEL_VI[name]}: {before} → {out[name]}")
    return out, changes


def _collective_flags(
    members: Sequence[CandidateResult],
    changes: list[str],
    facts: Mapping[str, Any] | None = None,
) -> list[Flag]:
    flags: list[Flag] = []
    member_keys = [m.key for m in members]
    if changes:
        flags.append(
            Flag(
                code="collective_facts_computed",
                message_vi="Số liệu tập thể được tính lại từ kết quả xét thành viên trong đợt: "
                + "; ".join(changes),
                related=member_keys,
            )
        )
    total = _as_int(facts.get("members_total")) if facts is not None else None
    if total is not None and len(members) > total:
        flags.append(
            Flag(
                code="members_exceed_total",
                message_vi=(
                    f"Số cá nhân của đơn vị được đề nghị trong đợt ({len(members)}) vượt quá tổng "
                    f"số thành viên của tập thể ({total}); cần kiểm tra lại tổng số thành viên"
                ),
                related=member_keys,
            )
        )
    pending = [m for m in members if m.outcome in (Outcome.ON_HOLD, Outcome.RETURNED)]
    if pending:
        flags.append(
            Flag(
                code="members_pending",
                message_vi=(
                    "Kết quả của tập thể có thể thay đổi khi hồ sơ của các thành viên sau được "
                    "giải quyết (trả lại bổ sung hoặc tạm dừng xét): "
                    + ", ".join(_label(m) for m in pending)
                ),
                related=[m.key for m in pending],
            )
        )
    return flags


def _female_ratio(facts: Mapping[str, Any]) -> float:
    total = _as_int(facts.get("members_total"))
    female = _as_int(facts.get("female_members"))
    if not total or female is None:
        return 0.0
    return female / total


def _tie_break_key(female_ratio: float) -> Callable[[CandidateResult], tuple[int, str, str]]:
    def key(r: CandidateResult) -> tuple[int, str, str]:
        if r.kind == "individual":
            preferred = r.facts_used.get("gender") == "nu"
        else:
            preferred = _female_ratio(r.facts_used) >= female_ratio
        return (0 if preferred else 1, r.name.casefold(), r.key)

    return key


_OUTCOME_ORDER = {
    Outcome.RECOMMENDED: 0,
    Outcome.ON_HOLD: 1,
    Outcome.RETURNED: 2,
    Outcome.NOT_ELIGIBLE: 3,
}


def _assemble(
    results: Iterable[CandidateResult], lr: LoadedRuleset, flags: list[Flag]
) -> Appraisal:
    """Rule 6: tie-break lists per title, overall ordering and ranks."""
    items = list(results)
    raw_ratio = lr.params.get("tie_break_female_ratio", _DEFAULT_TIE_BREAK_FEMALE_RATIO)
    ratio = (
        float(raw_ratio) if isinstance(raw_ratio, int | float) else _DEFAULT_TIE_BREAK_FEMALE_RATIO
    )
    tb = _tie_break_key(ratio)
    order = list(lr.titles)
    extra = sorted(
        {
            code
            for r in items
            if r.outcome == Outcome.RECOMMENDED
            for code in (*r.titles, *r.proposals)
            if code not in order
        }
    )
    by_title: dict[str, list[str]] = {}
    ranked: list[CandidateResult] = []
    seen: set[str] = set()
    for code in (*order, *extra):
        holders = sorted(
            (
                r
                for r in items
                if r.outcome == Outcome.RECOMMENDED and (code in r.titles or code in r.proposals)
            ),
            key=tb,
        )
        by_title[code] = [r.key for r in holders]
        for r in holders:
            if r.key not in seen:
                seen.add(r.key)
                ranked.append(r)
    rest = sorted(
        (r for r in items if r.key not in seen), key=lambda r: (_OUTCOME_ORDER[r.outcome], *tb(r))
    )
    ranked.extend(rest)
    final = [r.model_copy(update={"rank": i}) for i, r in enumerate(ranked)]
    by_unit: dict[str, list[str]] = {}
    for r in final:
        by_unit.setdefault(r.unit, []).append(r.key)
    return Appraisal(results=final, by_title=by_title, by_unit=by_unit, flags=flags)


# -- public API --------------------------------------------------------------------------------
def appraise(
    candidates: Sequence[Candidate],
    engine: RulesEngine,
    *,
    ruleset: tuple[str, str],
    past_uses: Sequence[PastInitiativeUse] = (),
    members_total: Mapping[str, int] = _EMPTY_TOTALS,
) -> Appraisal:
    """Appraise every nomination of a round together (the Office's consolidation).

    Candidate keys must be unique (ValueError otherwise). `facts` follow the facts contract
    (rules/facts.py); a missing `kind` is taken from the candidate. `Candidate.gender`, when
    given, is the gender of record and is written into `facts_used["gender"]` (individuals).

    1. **Completeness** (hồ sơ đầy đủ): a dossier without an achievement report (báo cáo thành
       tích) or the unit's review minutes (biên bản họp xét), or without any evidence (minh
       chứng) while the facts claim initiatives or `research_accepted > 0`, is RETURNED for
       supplement with a reason naming what is missing ("Thiếu báo cáo thành tích; thiếu biên bản
       họp xét"). No dossier at all: returned, everything missing. A returned nomination is not
       evaluated (`decision` None). Completeness is checked before the hold. Facts the engine
       rejects (FactsError) are also RETURNED, with flag `invalid_facts`.
    2. **Hold** (tạm dừng xét): facts `under_review`, or the engine's status `on_hold` →
       ON_HOLD with the hold rule's message; the decision is kept, titles stay empty (the
       engine lists them as `withheld`). A hold is not a rejection.
    3. **An initiative counts once** (Decree 98 art. 4), applied before any evaluation to every
       nomination in the round, whatever its outcome (a returned or held nomination still claims
       it): an initiative in `past_uses` is removed from every candidate claiming it (flag
       `initiative_used_before` naming the earlier award); otherwise, an initiative claimed by two
       or more candidates stays with the smallest `order` (then smallest key) and is removed from
       the others' facts (flag `initiative_claimed_twice` on all of them; the message names who
       kept it). The removal shows in `facts_used`.
    4. **Individuals** are evaluated with their pinned ruleset if any, else `ruleset`. eligible
       → RECOMMENDED with the decision's titles and proposals; not_eligible → NOT_ELIGIBLE with a
       reason from the failed rules' `message_vi` (the disqualifying rules if any fired, else
       every grant/propose rule that did not fire).
    5. **Collectives after individuals**: the members of a collective are the individual
       candidates of this round with the same `unit`. Recomputed: `members_total` =
       `members_total[unit]` if given, else the submitted value; `members_ldtt` / `members_cstdcs`
       = members RECOMMENDED with LDTT / CSTDCS — so staff who were not nominated, and members
       returned, on hold or not eligible, count as NOT holding the title; `members_disciplined`
       = max(submitted, members disciplined with a warning (cảnh cáo) or worse);
       `members_htnv_or_better` = min(submitted, members_total − members rated KHTNV). The values
       are kept in `facts_used`; flag `collective_facts_computed` lists "before → after" for what
       changed; flag `members_pending` names members returned or on hold (the collective's
       outcome may change once they are settled); flag `members_exceed_total` when more
       individuals of the unit are nominated than its members_total (the facts are then
       inconsistent and the collective is RETURNED with `invalid_facts`). Then rules 1, 2 and 4 apply to the collective.
    6. **Ordering** (tie-break, Decree 98 art. 4): `by_title[code]` lists the RECOMMENDED holders
       of each title/proposal (every code of `ruleset`, in its order, possibly empty): women
       first, and collectives whose `female_members / members_total` ≥
       `params["tie_break_female_ratio"]` (0.7 if absent) first; then by name (casefold), then
       key. The overall ordering walks the codes in ruleset order and takes each candidate at
       its first appearance; the others follow (on hold, returned, not eligible; each by the
       same tie-break). `rank` is the 0-based index in it; `results` are sorted by rank;
       `by_unit` lists every candidate of a unit in rank order.

    `Appraisal.flags` holds the round-level flags (one per contested or reused initiative);
    each result's `flags` holds what concerns that nomination.
    """
    keys = [c.key for c in candidates]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"khóa hồ sơ bị trùng: {', '.join(dupes)}")
    lr = engine.resolve(ruleset_id=ruleset[0], version=ruleset[1])
    facts: dict[str, dict[str, Any]] = {}
    for c in candidates:
        f = copy.deepcopy(c.facts)
        f.setdefault("kind", c.kind)
        if c.kind == "individual" and c.gender is not None:
            f["gender"] = c.gender
        facts[c.key] = f
    flags: dict[str, list[Flag]] = {c.key: [] for c in candidates}
    round_flags = _apply_initiative_rules(candidates, facts, past_uses, flags)

    results: dict[str, CandidateResult] = {}
    individuals = [c for c in candidates if c.kind == "individual"]
    for c in individuals:
        results[c.key] = _assess(c, facts[c.key], flags[c.key], engine, ruleset)
    for c in candidates:
        if c.kind != "collective":
            continue
        members = [results[m.key] for m in individuals if m.unit == c.unit]
        computed, changes = _collective_facts(facts[c.key], members, members_total.get(c.unit))
        extra = _collective_flags(members, changes, computed)
        results[c.key] = _assess(c, computed, [*flags[c.key], *extra], engine, ruleset)
    return _assemble((results[c.key] for c in candidates), lr, round_flags)


def _grounds(
    decision: Mapping[str, Any] | None, lr: LoadedRuleset
) -> dict[str, list[tuple[str, ...]]]:
    """For each code the decision granted: the `requires` of every fired rule granting it."""
    if decision is None:
        return {}
    rules = {r.id: r for r in lr.rules}
    out: dict[str, list[tuple[str, ...]]] = {}
    for trace in decision.get("rules", []):
        rule = rules.get(trace.get("id"))
        if rule is None or trace.get("outcome") != "fired" or rule.target is None:
            continue
        out.setdefault(rule.target, []).append(rule.requires)
    return out


def _drop(
    held: list[str],
    failed: set[str],
    grounds: Mapping[str, list[tuple[str, ...]]],
) -> tuple[list[str], list[str]]:
    """Remove `failed` codes and, transitively, codes whose every ground requires a removed one.

    Returns (codes kept in their order, codes dropped by the cascade only).
    """
    kept = [c for c in held if c not in failed]
    cascaded: list[str] = []
    changed = True
    while changed:
        changed = False
        for code in list(kept):
            g = grounds.get(code)
            if g and not any(all(req in kept for req in reqs) for reqs in g):
                kept.remove(code)
                cascaded.append(code)
                changed = True
    return kept, cascaded


def _ruleset_of(result: CandidateResult, default: tuple[str, str]) -> tuple[str, str]:
    d = result.decision
    if d is not None and isinstance(d.get("ruleset"), Mapping):
        ref = d["ruleset"]
        if isinstance(ref.get("id"), str) and isinstance(ref.get("version"), str):
            return ref["id"], ref["version"]
    return default


def _loaded(engine: RulesEngine, r: CandidateResult, default: tuple[str, str]) -> LoadedRuleset:
    rid, version = _ruleset_of(r, default)
    return engine.resolve(ruleset_id=rid, version=version)


def _apply_vote(
    r: CandidateResult,
    passed: Mapping[tuple[str, str], bool],
    lr: LoadedRuleset,
) -> tuple[CandidateResult, bool]:
    """Drop the codes of a RECOMMENDED result that failed the vote (with their cascade)."""
    if r.outcome != Outcome.RECOMMENDED:
        return r, False
    held = [*r.titles, *r.proposals]
    failed = {code for code in held if passed.get((r.key, code)) is False}
    if not failed:
        return r, False
    kept, cascaded = _drop(held, failed, _grounds(r.decision, lr))
    names = {code: lr.titles[code].name_vi if code in lr.titles else code for code in held}
    msg = "Hội đồng Thi đua – Khen thưởng không thông qua: " + ", ".join(
        names[c] for c in held if c in failed
    )
    if cascaded:
        msg += "; do đó không còn đủ điều kiện: " + ", ".join(names[c] for c in cascaded)
    titles = [c for c in r.titles if c in kept]
    proposals = [c for c in r.proposals if c in kept]
    flags = [*r.flags, Flag(code="failed_vote", message_vi=msg, related=[r.key])]
    update: dict[str, Any] = {"titles": titles, "proposals": proposals, "flags": flags}
    if not kept:
        update["outcome"] = Outcome.NOT_ELIGIBLE
        update["reason_vi"] = msg
    return r.model_copy(update=update), True


def recompute_after_vote(
    appraisal: Appraisal,
    passed: Mapping[tuple[str, str], bool],
    engine: RulesEngine,
    *,
    ruleset: tuple[str, str],
) -> Appraisal:
    """Apply the council's vote to an appraisal and re-check the collectives.

    `passed[(candidate key, code)]` is the vote on one title/proposal of one candidate. Only an
    explicit False drops a code; a missing entry leaves it unchanged (not put to a vote).

    1. Individuals: the codes that failed are dropped, and with them every code whose every
       fired rule `requires` a dropped one (e.g. LDTT fails → CSTDCS, and a provincial proposal
       grounded only on CSTDCS, go too). Flag `failed_vote`. An individual left with nothing
       becomes NOT_ELIGIBLE (reason: the council did not pass it).
    2. Collectives: member counts are recomputed from the members' *passed* titles (same rule as
       :func:`appraise` rule 5, starting from the facts used at appraisal, whose members_total
       and submitted bounds are kept) and evaluated again (with the ruleset recorded in their
       decision, else `ruleset`); held and returned collectives only get their facts refreshed.
       Any code a RECOMMENDED collective had and no longer has is reported with flag
       `lost_by_member_vote` naming the members whose titles failed (on the collective and in
       `Appraisal.flags`). Then the collective's own failed votes are applied as in step 1.
    3. The lists and ranks are rebuilt (rule 6 of :func:`appraise`).
    """
    lr = engine.resolve(ruleset_id=ruleset[0], version=ruleset[1])
    results: dict[str, CandidateResult] = {}
    changed_members: set[str] = set()
    for r in appraisal.results:
        if r.kind != "individual":
            continue
        new, changed = _apply_vote(r, passed, _loaded(engine, r, ruleset))
        results[r.key] = new
        if changed:
            changed_members.add(r.key)
    round_flags = list(appraisal.flags)
    individuals = [results[r.key] for r in appraisal.results if r.kind == "individual"]
    for r in appraisal.results:
        if r.kind != "collective":
            continue
        members = [m for m in individuals if m.unit == r.unit]
        computed, changes = _collective_facts(r.facts_used, members, None)
        if not changes:
            new = r
        else:
            prefix = "Sau biểu quyết của Hội đồng: "
            flags = [
                *r.flags,
                Flag(
                    code="collective_facts_computed",
                    message_vi=prefix + "số liệu tập thể được tính lại: " + "; ".join(changes),
                    related=[m.key for m in members],
                ),
            ]
            if r.outcome in (Outcome.RECOMMENDED, Outcome.NOT_ELIGIBLE):
                ref = _ruleset_of(r, ruleset)
                outcome, reason, titles, proposals, decision, extra = _evaluate(
                    r.kind, computed, engine, ref
                )
                new = r.model_copy(
                    update={
                        "outcome": outcome,
                        "reason_vi": reason,
                        "titles": titles,
                        "proposals": proposals,
                        "decision": decision,
                        "facts_used": computed,
                        "flags": [*flags, *extra],
                    }
                )
            else:
                new = r.model_copy(update={"facts_used": computed, "flags": flags})
            before = [*r.titles, *r.proposals] if r.outcome == Outcome.RECOMMENDED else []
            after = set(new.titles) | set(new.proposals)
            if new.outcome != Outcome.RECOMMENDED:
                after = set()
            lost = [c for c in before if c not in after]
            if lost:
                culprits = [m for m in members if m.key in changed_members]
                names = ", ".join(lr.titles[c].name_vi if c in lr.titles else c for c in lost)
                msg = (
                    f"{r.name} không còn đủ điều kiện {names} vì Hội đồng không thông qua danh "
                    f"hiệu của thành viên: {', '.join(_label(m) for m in culprits)}"
                )
                flag = Flag(
                    code="lost_by_member_vote",
                    message_vi=msg,
                    related=[r.key, *(m.key for m in culprits)],
                )
                new = new.model_copy(update={"flags": [*new.flags, flag]})
                round_flags.append(flag)
        new, _ = _apply_vote(new, passed, _loaded(engine, new, ruleset))
        results[r.key] = new
    return _assemble((results[r.key] for r in appraisal.results), lr, round_flags)


def vote_threshold(title: str, params: Mapping[str, Any]) -> tuple[float, bool]:
    """(ratio, of_all_members) for the council vote on `title`.

    CSTDCS: `params["cstdcs_vote_ratio"]` (0.8) of ALL council members, by secret ballot.
    Other titles and forms: `params["other_titles_vote_ratio"]` (0.5), also counted on ALL
    members ("quá bán tổng số thành viên", the safer reading of Decree 98).
    Raises KeyError if the parameter is missing, ValueError if it is not a number.
    """
    name = "cstdcs_vote_ratio" if title == "CSTDCS" else "other_titles_vote_ratio"
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"tham số {name} phải là một số, nhận được {value!r}")
    return float(value), True


def tally(
    *,
    members_total: int,
    in_favour: int,
    against: int,
    abstain: int,
    threshold: float,
    of_all_members: bool,
) -> TallyResult:
    """Count a council vote on one title of one candidate.

    The base is every council member (`of_all_members`, absent members vote in writing) or the
    votes cast (in_favour + against + abstain). Thresholds above one half are "at least"
    (CSTDCS: in_favour ≥ ⌈0.8 × members⌉: 10 members need 8, 9 members need 8 since 7.2 rounds
    up); a threshold of one half or less must be *exceeded* ("quá bán": 10 members need 6, 9 need
    5), so a tie never passes. `required` is that smallest passing number of votes in favour;
    `ratio` is in_favour / base (0 when the base is 0). Arithmetic is exact (no float rounding).

    Raises ValueError (Vietnamese message) on negative counts, a vote total above the number of
    members, no members, or a threshold outside (0, 1].
    """
    if members_total <= 0:
        raise ValueError("số thành viên Hội đồng phải lớn hơn 0")
    for label, n in (
        ("đồng ý", in_favour),
        ("không đồng ý", against),
        ("không biểu quyết", abstain),
    ):
        if n < 0:
            raise ValueError(f"số phiếu {label} không được âm ({n})")
    cast = in_favour + against + abstain
    if cast > members_total:
        raise ValueError(
            f"tổng số phiếu ({cast}) vượt quá số thành viên Hội đồng ({members_total})"
        )
    if not 0 < threshold <= 1:
        raise ValueError(f"tỷ lệ thông qua phải trong khoảng (0, 1], nhận được {threshold}")
    base = members_total if of_all_members else cast
    t = Fraction(str(threshold))
    needed = t * base
    required = math.ceil(needed) if t > Fraction(1, 2) else math.floor(needed) + 1
    required = max(required, 1)
    ratio = in_favour / base if base else 0.0
    return TallyResult(passed=in_favour >= required, ratio=ratio, required=required)
