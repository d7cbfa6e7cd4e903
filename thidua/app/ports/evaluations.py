"""Ports of the decision explorer and what-if: the stored rules evaluations (decisions) and the
facts snapshots they were made on, including those of the rounds' appraisals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rules.canonical import Encoding


@dataclass(frozen=True)
class DecisionFilter:
    movement: str | None = None
    unit: str | None = None
    year: int | None = None
    kind: str | None = None
    title: str | None = None
    rule: str | None = None
    rule_outcome: str = "fired"
    outcome: str | None = None
    ruleset_id: str | None = None
    version: str | None = None
    nomination: str | None = None
    phase: str | None = None


@dataclass(frozen=True)
class StoredDecision:
    """One stored evaluation with its nomination: the facts, the version, the explained result
    and the canonical JSON encoding its decision hash is made with."""

    id: int
    nomination: str
    movement: str
    year: int
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    phase: str
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    status: str
    titles: list[str]
    proposals: list[str]
    facts: dict[str, Any]
    result: dict[str, Any]
    evaluated_at: dt.datetime  # UTC
    hash_encoding: Encoding


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The facts a nominee was decided on (raw JSON text: what-if parses it itself) and the
    decision taken: ``evaluation_id`` for a stored evaluation, ``round`` and ``stored`` (the
    decision) for a round's appraisal."""

    evaluation_id: int | None
    nomination: str
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    status: str
    titles: tuple[str, ...]
    proposals: tuple[str, ...]
    ruleset: str
    facts_json: str
    round: str | None = None
    stored: dict[str, Any] | None = None


@dataclass(frozen=True)
class RoundAppraisal:
    """A round's appraisal: one item per candidate (its key, unit, kind, name, the facts the
    Office used and the decision taken on them, if it was evaluated)."""

    round: str
    results: list[dict[str, Any]]


class EvaluationStore(Protocol):
    """What the decision explorer and what-if read in one transaction.

    ``scope`` is the units whose decisions may be read (``policy.visible_units``; None: all).
    """

    def decisions(
        self,
        scope: Sequence[str] | None,
        f: DecisionFilter,
        *,
        after_id: int | None = None,
        limit: int = 200,
    ) -> list[StoredDecision]:
        """Up to ``limit`` decisions matching ``f`` (all but its ``rule``) after ``after_id``,
        by id."""
        ...

    def decision(
        self, scope: Sequence[str] | None, evaluation_id: int
    ) -> StoredDecision | None: ...

    def appraisals(self, *, movement: str | None, year: int | None) -> list[RoundAppraisal]:
        """Every round's appraisal (of a movement, a year), in the order the rounds opened."""
        ...

    def latest_snapshots(self, *, movement: str | None, year: int | None) -> list[Snapshot]:
        """The latest stored evaluation of every nomination (of a movement, a year), by id."""
        ...

    def results(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The explained results of these evaluations, by id."""
        ...
