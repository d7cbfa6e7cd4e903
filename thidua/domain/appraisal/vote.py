"""After the council's vote: drop what failed (with its cascade) and what an upheld objection
withdrew from the list, and re-check the collectives."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from rules.engine import RulesEngine
from rules.registry import LoadedRuleset
from thidua.domain.appraisal.candidates import evaluate
from thidua.domain.appraisal.collectives import collective_facts, recount_after_vote
from thidua.domain.appraisal.models import Appraisal, CandidateResult, Flag, Outcome, label
from thidua.domain.appraisal.ranking import assemble
from thidua.domain.labels import COUNCIL_STATUS_LABEL_VI

#: Why a member's title is gone after the vote, as the collective's flag names it.
_MEMBER_CAUSE_VI = {
    "failed_vote": "Hội đồng không thông qua danh hiệu của thành viên",
    "withdrawn_by_objection": "danh hiệu của thành viên bị rút khỏi danh sách do phản ánh được "
    "chấp nhận",
}


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
    withdrawn: Collection[tuple[str, str]] = (),
) -> tuple[CandidateResult, set[str]]:
    """Drop the codes of a RECOMMENDED result that failed the vote or that an upheld objection
    withdrew from the list (with their cascade). Returns the result and the causes of what was
    dropped (``failed_vote``, ``withdrawn_by_objection``: also the codes of the flags added)."""
    if r.outcome != Outcome.RECOMMENDED:
        return r, set()
    held = [*r.titles, *r.proposals]
    out = {code for code in held if (r.key, code) in withdrawn}
    failed = {code for code in held if code not in out and passed.get((r.key, code)) is False}
    if not failed and not out:
        return r, set()
    kept, cascaded = _drop(held, failed | out, _grounds(r.decision, lr))
    names = {code: lr.titles[code].name_vi if code in lr.titles else code for code in held}
    parts: list[tuple[str, str]] = []
    if failed:
        parts.append(
            (
                "failed_vote",
                "Hội đồng Thi đua – Khen thưởng không thông qua: "
                + ", ".join(names[c] for c in held if c in failed),
            )
        )
    if out:
        parts.append(
            (
                "withdrawn_by_objection",
                COUNCIL_STATUS_LABEL_VI["withdrawn"]
                + ": "
                + ", ".join(names[c] for c in held if c in out),
            )
        )
    tail = (
        "; do đó không còn đủ điều kiện: " + ", ".join(names[c] for c in cascaded)
        if cascaded
        else ""
    )
    new_flags = [Flag(code=code, message_vi=msg + tail, related=[r.key]) for code, msg in parts]
    titles = [c for c in r.titles if c in kept]
    proposals = [c for c in r.proposals if c in kept]
    update: dict[str, Any] = {
        "titles": titles,
        "proposals": proposals,
        "flags": [*r.flags, *new_flags],
    }
    if not kept:
        update["outcome"] = Outcome.NOT_ELIGIBLE
        update["reason_vi"] = "; ".join(msg for _, msg in parts) + tail
    return r.model_copy(update=update), {code for code, _ in parts}


def recompute_after_vote(
    appraisal: Appraisal,
    passed: Mapping[tuple[str, str], bool],
    engine: RulesEngine,
    *,
    ruleset: tuple[str, str],
    withdrawn: Collection[tuple[str, str]] = (),
) -> Appraisal:
    """Apply the council's vote to an appraisal and re-check the collectives.

    `passed[(candidate key, code)]` is the vote on one title/proposal of one candidate. Only an
    explicit False drops a code; a missing entry leaves it unchanged (not put to a vote).
    `withdrawn`: the (candidate key, code) items upheld objections withdrew from the list the
    council voted on; each is dropped as if it had failed the vote (flag
    `withdrawn_by_objection`), so a collective whose member's title was withdrawn is recounted
    without it.

    1. Individuals: the codes that failed are dropped, and with them every code whose every
       fired rule `requires` a dropped one (e.g. LDTT fails → CSTDCS, and a provincial proposal
       grounded only on CSTDCS, go too). Flag `failed_vote` (`withdrawn_by_objection` for a
       withdrawn code). An individual left with nothing becomes NOT_ELIGIBLE (reason: the council
       did not pass it, or it was withdrawn).
    2. Collectives: member counts are recomputed from the members' *passed* titles (same rule as
       :func:`appraise` rule 5, starting from the facts used at appraisal, whose members_total
       and submitted bounds are kept) and evaluated again (with the ruleset recorded in their
       decision, else `ruleset`); held and returned collectives only get their facts refreshed.
       Any code a RECOMMENDED collective had and no longer has is reported with flag
       `lost_by_member_vote` naming the members whose titles failed or were withdrawn, and why
       (on the collective and in
       `Appraisal.flags`). A collective counted from its whole roster (`member_basis`) is
       recounted from its nominated members' passed titles plus the members the register
       qualified for LDTT. Then the collective's own failed votes and withdrawn codes are
       applied as in step 1.
    3. The lists and ranks are rebuilt (rule 6 of :func:`appraise`).
    """
    lr = engine.resolve(ruleset_id=ruleset[0], version=ruleset[1])
    results: dict[str, CandidateResult] = {}
    changed_members: dict[str, set[str]] = {}  # member key -> causes of what it lost
    for r in appraisal.results:
        if r.kind != "individual":
            continue
        new, causes = _apply_vote(r, passed, _loaded(engine, r, ruleset), withdrawn)
        results[r.key] = new
        if causes:
            changed_members[r.key] = causes
    round_flags = list(appraisal.flags)
    individuals = [results[r.key] for r in appraisal.results if r.kind == "individual"]
    for r in appraisal.results:
        if r.kind != "collective":
            continue
        if r.member_basis is not None:  # counted from the whole roster (appraise, rule 5)
            nominated = set(r.member_basis.get("nominees", []))
            members = [m for m in individuals if m.key in nominated]
            computed, changes = recount_after_vote(r.facts_used, members, r.member_basis)
        else:
            members = [m for m in individuals if m.unit == r.unit]
            computed, changes = collective_facts(r.facts_used, members, None)
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
                outcome, reason, titles, proposals, decision, extra = evaluate(
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
                why = "; ".join(
                    f"{text}: "
                    + ", ".join(label(m) for m in culprits if cause in changed_members[m.key])
                    for cause, text in _MEMBER_CAUSE_VI.items()
                    if any(cause in changed_members[m.key] for m in culprits)
                )
                msg = f"{r.name} không còn đủ điều kiện {names} vì {why}"
                flag = Flag(
                    code="lost_by_member_vote",
                    message_vi=msg,
                    related=[r.key, *(m.key for m in culprits)],
                )
                new = new.model_copy(update={"flags": [*new.flags, flag]})
                round_flags.append(flag)
        new, _ = _apply_vote(new, passed, _loaded(engine, new, ruleset), withdrawn)
        results[r.key] = new
    return assemble((results[r.key] for r in appraisal.results), lr, round_flags)
