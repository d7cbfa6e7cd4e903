"""The Office's appraisal of a whole round at its closing (rules 1 to 6)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rules.engine import RulesEngine
from thidua.domain.appraisal.candidates import assess
from thidua.domain.appraisal.collectives import collective_facts, collective_flags
from thidua.domain.appraisal.initiatives import apply_initiative_rules
from thidua.domain.appraisal.models import (
    Appraisal,
    Candidate,
    CandidateResult,
    Flag,
    PastInitiativeUse,
)
from thidua.domain.appraisal.ranking import assemble

_EMPTY_TOTALS: Mapping[str, int] = MappingProxyType({})


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
    round_flags = apply_initiative_rules(candidates, facts, past_uses, flags)

    results: dict[str, CandidateResult] = {}
    individuals = [c for c in candidates if c.kind == "individual"]
    for c in individuals:
        results[c.key] = assess(c, facts[c.key], flags[c.key], engine, ruleset)
    for c in candidates:
        if c.kind != "collective":
            continue
        members = [results[m.key] for m in individuals if m.unit == c.unit]
        computed, changes = collective_facts(facts[c.key], members, members_total.get(c.unit))
        extra = collective_flags(members, changes, computed)
        results[c.key] = assess(c, computed, [*flags[c.key], *extra], engine, ruleset)
    return assemble((results[c.key] for c in candidates), lr, round_flags)
