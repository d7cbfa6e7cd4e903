"""Rule 6 of the appraisal: the tie-break, each title's list, the overall order and ranks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rules.registry import LoadedRuleset
from thidua.domain.appraisal.models import Appraisal, CandidateResult, Flag, Outcome, as_int

_DEFAULT_TIE_BREAK_FEMALE_RATIO = 0.7


def _female_ratio(facts: Mapping[str, Any]) -> float:
    total = as_int(facts.get("members_total"))
    female = as_int(facts.get("female_members"))
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


def assemble(results: Iterable[CandidateResult], lr: LoadedRuleset, flags: list[Flag]) -> Appraisal:
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
