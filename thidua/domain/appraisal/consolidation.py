"""The Office's appraisal of a whole round at its closing (rules 1 to 6)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rules.decision import DecisionStatus
from rules.engine import RulesEngine
from rules.errors import FactsError
from rules.registry import LoadedRuleset
from thidua.domain.appraisal.candidates import assess
from thidua.domain.appraisal.collectives import (
    collective_facts,
    collective_flags,
    roster_basis_vi,
    roster_collective_facts,
)
from thidua.domain.appraisal.initiatives import apply_initiative_rules, counts_as_used
from thidua.domain.appraisal.models import (
    Appraisal,
    Candidate,
    CandidateResult,
    Flag,
    InitiativeChoice,
    Outcome,
    PastInitiativeUse,
    label,
)
from thidua.domain.appraisal.ranking import assemble
from thidua.domain.roster import (
    RegisterEntry,
    RosterBasis,
    RosterMember,
    members_by_unit,
    register_differences,
    roster_rule,
)

_EMPTY_TOTALS: Mapping[str, int] = MappingProxyType({})


def appraise(
    candidates: Sequence[Candidate],
    engine: RulesEngine,
    *,
    ruleset: tuple[str, str],
    past_uses: Sequence[PastInitiativeUse] = (),
    members_total: Mapping[str, int] = _EMPTY_TOTALS,
    roster: RosterBasis | None = None,
    choices: Sequence[InitiativeChoice] = (),
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
       kept it). The removal shows in `facts_used`. A past use is an initiative an approved,
       unrevoked award of an earlier round rested on (`CandidateResult.initiative_grounds`,
       kept on the award item); for awards finalised before that was recorded, every
       initiative of the nomination, except for awards no rule of which reads initiatives
       under the round's ruleset (LĐTT, TTLĐTT…: `counts_as_used`).

       **3b. One initiative, one award** (Official Letter 5007/BNV-TĐKT), within one
       RECOMMENDED individual, after its evaluation: an initiative that would ground two or more
       of its titles/forms (read from the rules that fired, ``rules.grounds``) is kept by the
       award the Office chose (`choices`, a round command before the council), else — until it
       chooses — by the highest award (a form proposed to the province above a Director's
       title, then the later in the ruleset's titles); the other awards are evaluated without
       it and dropped when they no longer hold. Flag `initiative_grounds_twice` (it stays
       visible, saying whether the Office chose); `initiative_conflicts` and
       `initiative_grounds` (award → the initiatives it rests on) on the result. `decision`
       stays the engine's evaluation of `facts_used`; `titles`/`proposals` are after rule 3b.
    4. **Individuals** are evaluated with their pinned ruleset if any, else `ruleset`. eligible
       → RECOMMENDED with the decision's titles and proposals; not_eligible → NOT_ELIGIBLE with a
       reason from the failed rules' `message_vi` (the disqualifying rules if any fired, else
       every grant/propose rule that did not fire).
    5. **Collectives after individuals**, counted from the **whole roster** when the register
       has rows for the collective (Law 06/2022 art. 27: the share of the collective's
       individuals reaching LĐTT), else from the round's nominees.

       *From the roster* (`roster` given, and at least one member of the unit has a row in
       `roster.register`): the members are the unit's staff on `roster.review_date` under the
       ruleset's transfer rule (param `roster_rule`: `review_date`, the default, or
       `longest_service`; see ``thidua.domain.roster``). `members_total` = their number;
       `female_members` = the women among them; a member nominated in this round counts by
       their outcome (RECOMMENDED with LDTT / CSTDCS); a member not nominated who has a register
       row counts for LDTT when the same engine and ruleset grant LDTT on facts built from that
       row alone (kind, id, year, rating, months_worked, maternity_months, discipline), never
       for CSTDCS (it needs initiatives the register does not hold); a member with no row counts
       as not holding LDTT. `members_htnv_or_better` = members rated HTNV or better (round facts,
       else the register); `members_disciplined` = max(submitted, members disciplined with a
       warning or worse). Flag `collective_facts_computed` says "tính từ danh sách N thành viên
       và sổ xếp loại năm Y", names members missing from the register, and lists "before →
       after"; `member_basis` keeps what the council's vote recounts from.

       *From the nominees* (no register rows for the unit, or no `roster`): the members are
       the individual candidates of this round with the same `unit`. Recomputed: `members_total`
       = `members_total[unit]` if given, else the submitted value; `members_ldtt` /
       `members_cstdcs` = members RECOMMENDED with LDTT / CSTDCS — so staff who were not
       nominated, and members returned, on hold or not eligible, count as NOT holding the title;
       `members_disciplined` = max(submitted, members disciplined with a warning (cảnh cáo) or
       worse); `members_htnv_or_better` = min(submitted, members_total − members rated KHTNV).
       Flag `collective_facts_computed` lists "before → after" for what changed; flag
       `members_exceed_total` when more individuals of the unit are nominated than its
       members_total (the facts are then inconsistent and the collective is RETURNED with
       `invalid_facts`).

       Either way the values are kept in `facts_used`; flag `members_pending` names members
       returned or on hold (the collective's outcome may change once they are settled). Then
       rules 1, 2 and 4 apply to the collective.

       **Register check**: an individual whose facts disagree with the register's row of
       (staff, year) gets flag `facts_differ_from_register` naming each field with both values
       ("xếp loại: hồ sơ HTXSNV, sổ xếp loại HTTNV"); the submitted facts are still the ones
       evaluated.
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
    past = [u for u in past_uses if counts_as_used(u, lr)]
    round_flags = apply_initiative_rules(candidates, facts, past, flags)
    register = roster.entries() if roster is not None else {}
    for c in candidates:
        entry = register.get(str(c.facts.get("id"))) if c.kind == "individual" else None
        if entry is not None:
            diffs = register_differences(c.facts, entry)
            if diffs:
                flags[c.key].append(
                    Flag(
                        code="facts_differ_from_register",
                        message_vi=f"Thông tin hồ sơ khác sổ xếp loại năm {entry.year}: "
                        + "; ".join(diffs),
                        related=[c.key],
                    )
                )

    chosen: dict[str, dict[str, str]] = {}
    for choice in choices:
        chosen.setdefault(choice.nomination, {})[choice.initiative] = choice.award
    results: dict[str, CandidateResult] = {}
    individuals = [c for c in candidates if c.kind == "individual"]
    for c in individuals:
        results[c.key] = assess(
            c, facts[c.key], flags[c.key], engine, ruleset, chosen.get(c.key, {})
        )
        round_flags.extend(
            Flag(code=f.code, message_vi=f"{label(c)}: {f.message_vi}", related=[c.key])
            for f in results[c.key].flags
            if f.code == "initiative_grounds_twice"
        )
    units = members_by_unit(roster, roster_rule(lr.params)) if roster is not None else {}
    by_staff = {str(facts[c.key].get("id")): results[c.key] for c in individuals}
    for c in candidates:
        if c.kind != "collective":
            continue
        on_roster = units.get(c.unit, [])
        if any(m.staff_code in register for m in on_roster):
            assert roster is not None
            results[c.key] = _from_roster(
                c, facts[c.key], flags[c.key], on_roster, by_staff, roster, engine, ruleset
            )
            continue
        members = [results[m.key] for m in individuals if m.unit == c.unit]
        computed, changes = collective_facts(facts[c.key], members, members_total.get(c.unit))
        extra = collective_flags(members, changes, computed)
        results[c.key] = assess(c, computed, [*flags[c.key], *extra], engine, ruleset)
    return assemble((results[c.key] for c in candidates), lr, round_flags)


def keep_settled(new: Appraisal, previous: Appraisal, lr: LoadedRuleset) -> Appraisal:
    """A closed round appraised again (the Office's initiative choice): every nomination of the
    first appraisal is a candidate again, so rules 3 and 5 see the round as at closing, but the
    ones already sent back then (returned or on hold: their workflows have moved on) keep their
    result as it was; ranks and lists are rebuilt (rule 6)."""
    settled = {
        r.key: r for r in previous.results if r.outcome in (Outcome.RETURNED, Outcome.ON_HOLD)
    }
    return assemble([settled.get(r.key, r) for r in new.results], lr, new.flags)


def _register_ldtt(
    entries: Sequence[RegisterEntry], engine: RulesEngine, ref: tuple[str, str]
) -> set[str]:
    """The staff codes whose register row alone qualifies for LDTT under ``ref``."""
    out: set[str] = set()
    for e in entries:
        try:
            d = engine.evaluate(e.facts(), ruleset_id=ref[0], version=ref[1])
        except FactsError:
            continue  # a register row the contract rejects qualifies for nothing
        if d.status == DecisionStatus.ELIGIBLE and "LDTT" in d.titles:
            out.add(e.staff_code)
    return out


def _from_roster(
    c: Candidate,
    submitted: dict[str, Any],
    flags: list[Flag],
    on_roster: Sequence[RosterMember],
    by_staff: Mapping[str, CandidateResult],
    roster: RosterBasis,
    engine: RulesEngine,
    ruleset: tuple[str, str],
) -> CandidateResult:
    """Rule 5 from the whole roster, then rules 1, 2 and 4 for the collective."""
    register = roster.entries()
    nominees = {m.staff_code: by_staff[m.staff_code] for m in on_roster if m.staff_code in by_staff}
    outside = [
        register[m.staff_code]
        for m in on_roster
        if m.staff_code not in nominees and m.staff_code in register
    ]
    ldtt = _register_ldtt(outside, engine, c.pinned or ruleset)
    computed, changes, basis = roster_collective_facts(
        submitted, on_roster, nominees, register, ldtt
    )
    unregistered = [
        m.staff_code
        for m in on_roster
        if m.staff_code not in register and m.staff_code not in nominees
    ]
    basis_vi = roster_basis_vi(len(on_roster), roster.year, unregistered)
    extra = collective_flags(list(nominees.values()), changes, computed, basis_vi)
    result = assess(c, computed, [*flags, *extra], engine, ruleset)
    return result.model_copy(update={"member_basis": basis})
