"""The vocabulary of an explained decision, without the engine that makes it.

What a decision says and how it is stored: its status, the ruleset version that decided it, each
rule's trace condition by condition, and `classify`, which turns the rules that fired into a
status, titles, proposals and withheld titles. Importing this module loads neither
durable_rules nor a ruleset: readers of stored decisions (and what-if) need only this.

Status: `on_hold` if a hold rule fired; else `not_eligible` if a disqualify rule fired; else
`eligible` if any title or proposal; else `not_eligible`. Holds and disqualifiers override grants:
the titles/proposals they suppress are listed in `withheld`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict

RuleOutcome = Literal["fired", "not_fired", "skipped"]


class DecisionStatus(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    ON_HOLD = "on_hold"


class RulesetRef(BaseModel):
    """Which ruleset version decided (the hash identifies its exact content)."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    sha256: str


class ConditionTrace(TypedDict):
    """One comparison as evaluated: what was expected, what the facts had, whether it held."""

    field: str
    operator: str
    expected: Any
    actual: Any
    passed: bool
    param: str | None
    field_ref: str | None
    path: str


class RuleTrace(TypedDict):
    """One rule's verdict with its conditions and a plain-language message."""

    id: str
    title_vi: str
    title_en: str
    legal_basis: str
    unconfirmed: bool
    note: str | None
    outcome: RuleOutcome
    kind: str
    target: str | None
    conditions: list[ConditionTrace]
    message_vi: str
    message_en: str


class Decision(BaseModel):
    """The explained decision for one nominee. `facts` + `ruleset` reproduce it exactly."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["individual", "collective"]
    year: int
    status: DecisionStatus
    titles: list[str]
    proposals: list[str]
    withheld: list[str]
    ruleset: RulesetRef
    as_of: dt.date | None
    rules: list[RuleTrace]
    facts: dict[str, Any]
    derived: dict[str, Any]

    def rule(self, rule_id: str) -> RuleTrace:
        """The trace of one rule by id."""
        for r in self.rules:
            if r["id"] == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def fired(self) -> list[str]:
        return [r["id"] for r in self.rules if r["outcome"] == "fired"]


def classify(
    fired: Iterable[str], outcomes: dict[str, tuple[str, str | None]], order: Iterable[str]
) -> tuple[DecisionStatus, list[str], list[str], list[str]]:
    """Status, titles, proposals and withheld titles from the ids of the rules that fired.

    ``outcomes`` maps a rule id to its (kind, target); ``order`` is the ruleset's title order.
    A hold or a disqualification withholds every title and proposal; a hold wins.
    """
    hold = disq = False
    granted: set[str] = set()
    proposed: set[str] = set()
    for rule_id in fired:
        kind, target = outcomes[rule_id]
        if kind == "hold":
            hold = True
        elif kind == "disqualify":
            disq = True
        elif kind == "grant":
            granted.add(target or "")
        else:
            proposed.add(target or "")
    titles = [c for c in order if c in granted]
    proposals = [c for c in order if c in proposed]
    if hold or disq:
        status = DecisionStatus.ON_HOLD if hold else DecisionStatus.NOT_ELIGIBLE
        return status, [], [], titles + proposals
    if titles or proposals:
        return DecisionStatus.ELIGIBLE, titles, proposals, []
    return DecisionStatus.NOT_ELIGIBLE, [], [], []
