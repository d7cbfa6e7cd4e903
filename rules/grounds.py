"""Which initiatives ground which award, read from what the rules fired; and the awards when an
initiative grounds one of them only.

Official Letter 5007/BNV-TĐKT: an initiative may ground only one title or form (not both
CSTĐCS and a Bằng khen proposal). Nothing here restates a criterion: the ruleset's own condition
trees are evaluated on the facts with and without initiatives, and ``catalogue.INITIATIVE_FIELDS``
says which derived fields count which initiatives.

- A fired ``grant``/``propose`` rule **rests on initiatives** when it reads a field computed from
  the initiatives and its conditions no longer hold once every initiative is removed from the
  facts (its ``requires`` taken as granted: a Bằng khen resting on two years of CSTĐCS rests on
  those titles, not on the initiative behind this year's CSTĐCS). Its grounds are the
  initiatives behind the initiative fields it reads.
- An award **rests on initiatives** when every fired rule giving it does; its grounds are the
  union of theirs. An award that some fired rule gives without initiatives has no grounds.
- :func:`ground` with ``removed`` evaluates each award's rules on the facts without the
  initiatives ``removed[code]`` (hold and disqualify rules read every initiative), in the
  ruleset's order of ``requires``: "the other award is evaluated without that initiative".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from rules.catalogue import INITIATIVE_FIELDS, Value, extract
from rules.decision import DecisionStatus, classify
from rules.explain import holds
from rules.facts import CollectiveFacts, IndividualFacts, parse_facts
from rules.model import Rule
from rules.registry import LoadedRuleset

FactsLike = Mapping[str, Any] | IndividualFacts | CollectiveFacts


@dataclass(frozen=True)
class Grounded:
    """The awards of one evaluation and the initiatives each rests on."""

    status: DecisionStatus
    titles: list[str]
    proposals: list[str]
    fired: frozenset[str]
    grounds: dict[str, list[str]] = field(default_factory=dict)
    """Award code → the initiatives (ids, in the facts' order) it rests on; only awards that
    rest on initiatives are listed."""


def _without(facts: IndividualFacts, removed: Collection[str]) -> IndividualFacts:
    if not removed:
        return facts
    return facts.model_copy(
        update={"initiatives": [i for i in facts.initiatives if i.id not in removed]}
    )


def _initiative_reads(rule: Rule) -> list[str]:
    names = [n for lf in rule.leaves for n in (lf.field, lf.field_ref) if n is not None]
    return [n for n in dict.fromkeys(names) if n in INITIATIVE_FIELDS]


def ground(
    lr: LoadedRuleset, facts: FactsLike, removed: Mapping[str, Collection[str]] | None = None
) -> Grounded:
    """Evaluate ``facts`` with ``lr``'s condition trees and say which initiatives ground which
    award (see the module's docstring). ``removed``: award code → initiatives its rules must
    not count. Raises FactsError on invalid facts."""
    model = facts if isinstance(facts, IndividualFacts | CollectiveFacts) else parse_facts(facts)
    rs = lr.ruleset
    thematic = rs.thematic_titles
    removed = removed or {}
    cache: dict[frozenset[str], tuple[IndividualFacts | CollectiveFacts, dict[str, Value]]] = {}

    def seen(
        without: Collection[str],
    ) -> tuple[IndividualFacts | CollectiveFacts, dict[str, Value]]:
        key = frozenset(without) if isinstance(model, IndividualFacts) else frozenset()
        hit = cache.get(key)
        if hit is None:
            m = _without(model, key) if isinstance(model, IndividualFacts) else model
            hit = (m, extract(m, thematic))
            cache[key] = hit
        return hit

    kind = model.kind
    granted: set[str] = set()
    fired: set[str] = set()
    by_rule: dict[str, list[str] | None] = {}
    for rule in rs.rules:  # topological order of `requires`
        if kind not in rule.applies_to:
            continue
        gone = removed.get(rule.target or "", ()) if rule.outcome in ("grant", "propose") else ()
        m, values = seen(gone)
        if not (holds(rule.when, values) and all(c in granted for c in rule.requires)):
            continue
        fired.add(rule.id)
        if rule.target is not None:
            granted.add(rule.target)
        reads = _initiative_reads(rule)
        if not reads or not isinstance(m, IndividualFacts):
            by_rule[rule.id] = None
            continue
        _, bare = seen([i.id for i in m.initiatives] + list(gone))
        if holds(rule.when, bare):
            by_rule[rule.id] = None  # it holds without any initiative
            continue
        ids = [i for name in reads for i in INITIATIVE_FIELDS[name](m)]
        by_rule[rule.id] = list(dict.fromkeys(ids))
    status, titles, proposals, _ = classify(
        fired, {r.id: (r.outcome, r.target) for r in rs.rules}, rs.titles
    )
    grounds: dict[str, list[str]] = {}
    for code in (*titles, *proposals):
        rules = [r for r in rs.rules if r.id in fired and r.target == code]
        per = [by_rule.get(r.id) for r in rules]
        if per and all(g for g in per):
            grounds[code] = list(dict.fromkeys(i for g in per if g for i in g))
    return Grounded(status, titles, proposals, frozenset(fired), grounds)
