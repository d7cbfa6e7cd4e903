"""Rule 3 of the appraisal: an initiative counts once (Decree 98 art. 4), across nominations
and rounds; and rule 3b: within one nomination an initiative grounds one title or form only
(Official Letter 5007/BNV-TĐKT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rules.catalogue import INITIATIVE_FIELDS
from rules.errors import FactsError
from rules.grounds import ground
from rules.registry import LoadedRuleset
from thidua.domain.appraisal.models import (
    Candidate,
    Flag,
    InitiativeConflict,
    PastInitiativeUse,
    as_int,
    label,
)


def initiative_ids(facts: Mapping[str, Any]) -> list[str]:
    raw = facts.get("initiatives")
    if not isinstance(raw, list):
        return []
    out: list[str] = []
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            out.append(item["id"])
    return out


def without_initiatives(facts: dict[str, Any], removed: set[str]) -> dict[str, Any]:
    raw = facts.get("initiatives")
    if not removed or not isinstance(raw, list):
        return facts
    kept = [i for i in raw if not (isinstance(i, Mapping) and i.get("id") in removed)]
    return {**facts, "initiatives": kept}


def claims_grounds(facts: Mapping[str, Any]) -> bool:
    research = as_int(facts.get("research_accepted"))
    return bool(initiative_ids(facts)) or (research is not None and research > 0)


def apply_initiative_rules(
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
        for ini in dict.fromkeys(initiative_ids(c.facts)):
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
                        f"không tính cho: {', '.join(label(by_key[k]) for k in claimers)}"
                    ),
                    related=[*claimers, *past[ini]],
                )
            )
            continue
        if len(claimers) < 2:
            continue
        keeper, others = claimers[0], claimers[1:]
        kept_by = label(by_key[keeper])
        others_txt = ", ".join(label(by_key[k]) for k in others)
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
        facts[k] = without_initiatives(facts[k], ids)
    return round_flags


# ---- rule 3b: one initiative, one award within a nomination ---------------------------------


def _award_rank(lr: LoadedRuleset, code: str) -> tuple[int, int]:
    """How high an award stands for the default choice: a form proposed to the province above a
    title the Director decides, then the later in the ruleset's ``titles``."""
    titles = list(lr.ruleset.titles)
    t = lr.ruleset.titles.get(code)
    return (1 if t is not None and t.kind == "proposal" else 0, titles.index(code) if t else -1)


def _name(lr: LoadedRuleset, code: str) -> str:
    t = lr.ruleset.titles.get(code)
    return t.name_vi if t is not None else code


def _names(lr: LoadedRuleset, codes: Sequence[str]) -> str:
    return ", ".join(_name(lr, c) for c in codes)


def one_award_per_initiative(
    candidate: Candidate,
    facts: Mapping[str, Any],
    awards: tuple[list[str], list[str]],
    lr: LoadedRuleset,
    choices: Mapping[str, str],
) -> tuple[list[str], list[str], dict[str, list[str]], list[InitiativeConflict], list[Flag]]:
    """Rule 3b for a RECOMMENDED individual: an initiative grounds one title or form only.

    Which awards rest on which initiatives is read from the rules that fired
    (``rules.grounds``). An initiative grounding two or more awards is a conflict: it is kept by
    the award the Office chose (``choices``: initiative → award code), else by the highest award
    (a form proposed to the province above a Director's title, then the later in the ruleset's
    titles) until the Office chooses; every other award is evaluated without it and kept only if
    it still holds (flag ``initiative_grounds_twice``, which stays while the conflict exists,
    naming the initiative, the awards, who keeps it and what is lost). A choice naming an award
    the initiative does not ground is ignored (the default applies, and the flag says so).

    Returns (titles, proposals, grounds by award, conflicts, flags).
    """
    titles, proposals = awards
    try:
        g0 = ground(lr, facts)
    except FactsError:
        return titles, proposals, {}, [], []
    if (g0.titles, g0.proposals) != (titles, proposals):
        return titles, proposals, {}, [], []  # not the evaluation we explain: leave it alone
    by_initiative: dict[str, list[str]] = {}
    for code in (*g0.titles, *g0.proposals):
        for ini in g0.grounds.get(code, []):
            by_initiative.setdefault(ini, []).append(code)
    contested = {ini: codes for ini, codes in by_initiative.items() if len(codes) > 1}
    if not contested:
        return titles, proposals, g0.grounds, [], []
    keeper: dict[str, tuple[str, bool]] = {}
    for ini, codes in contested.items():
        chosen = choices.get(ini)
        if chosen in codes:
            keeper[ini] = (chosen, True)
        else:
            keeper[ini] = (max(codes, key=lambda c: _award_rank(lr, c)), False)
    removed: dict[str, set[str]] = {}
    for code in lr.ruleset.titles:
        removed[code] = {ini for ini, (k, _) in keeper.items() if k != code}
    g1 = ground(lr, facts, removed)
    before = [*g0.titles, *g0.proposals]
    after = {*g1.titles, *g1.proposals}
    lost = [c for c in before if c not in after]
    conflicts: list[InitiativeConflict] = []
    flags: list[Flag] = []
    for ini, codes in contested.items():
        kept, by_office = keeper[ini]
        conflict = InitiativeConflict(
            initiative=ini, awards=codes, kept_by=kept, chosen=by_office, lost=lost
        )
        conflicts.append(conflict)
        flags.append(
            Flag(
                code="initiative_grounds_twice",
                message_vi=_conflict_vi(lr, conflict, choices.get(ini)),
                related=[candidate.key],
            )
        )
    return g1.titles, g1.proposals, g1.grounds, conflicts, flags


def _conflict_vi(lr: LoadedRuleset, c: InitiativeConflict, asked: str | None) -> str:
    others = [code for code in c.awards if code != c.kept_by]
    head = (
        f"Sáng kiến “{c.initiative}” là căn cứ của cả {_names(lr, c.awards)}; một sáng kiến "
        "chỉ làm căn cứ cho một danh hiệu hoặc hình thức khen thưởng (Công văn 5007/BNV-TĐKT)"
    )
    if c.chosen:
        who = f"Văn phòng Sở đã chọn tính sáng kiến cho {_name(lr, c.kept_by)}"
    else:
        ignored = (
            f" (lựa chọn {asked} không hợp lệ vì sáng kiến không là căn cứ của hình thức đó)"
            if asked
            else ""
        )
        who = (
            f"Văn phòng Sở chưa chọn{ignored}: tạm tính sáng kiến cho {_name(lr, c.kept_by)} "
            "(hình thức cao hơn)"
        )
    if c.lost:
        rest = (
            f"xét {_names(lr, others)} không có sáng kiến này: không còn đủ tiêu chuẩn "
            f"{_names(lr, c.lost)}"
        )
    else:
        rest = f"xét {_names(lr, others)} không có sáng kiến này: vẫn đạt"
    return f"{head}. {who}; {rest}."


def reads_initiatives(lr: LoadedRuleset, code: str) -> bool:
    """Whether some rule of ``lr`` giving ``code`` reads a field counted from initiatives (an
    award no rule of which does — LĐTT, TTLĐTT… — can never consume an initiative). A code
    ``lr`` does not know is assumed to read them."""
    rules = [r for r in lr.ruleset.rules if r.target == code]
    if not rules:
        return True
    return any(
        name in INITIATIVE_FIELDS
        for r in rules
        for lf in r.leaves
        for name in (lf.field, lf.field_ref)
        if name is not None
    )


def counts_as_used(use: PastInitiativeUse, lr: LoadedRuleset) -> bool:
    """Whether a past use stands: recorded grounds always; an award finalised before grounds
    were recorded only when it may rest on initiatives under ``lr`` (:func:`reads_initiatives`)."""
    return use.recorded or use.code is None or reads_initiatives(lr, use.code)
