"""Rule 3 of the appraisal: an initiative counts once (Decree 98 art. 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from thidua.domain.appraisal.models import Candidate, Flag, PastInitiativeUse, as_int, label


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
