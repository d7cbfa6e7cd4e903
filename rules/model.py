"""The parsed, validated form of a rules file (immutable), built by rules.loader; its operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from rules.catalogue import FieldType, Kind, Value

Op = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in"]
OutcomeKind = Literal["grant", "propose", "disqualify", "hold"]
TitleKind = Literal["title", "proposal"]
ParamType = Literal["integer", "number", "boolean", "string", "string_list", "integer_list"]

OPS: tuple[Op, ...] = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in")
NEGATED: dict[Op, Op] = {
    "eq": "ne",
    "ne": "eq",
    "lt": "gte",
    "gte": "lt",
    "lte": "gt",
    "gt": "lte",
    "in": "not_in",
    "not_in": "in",
}
OP_SYMBOLS: dict[Op, str] = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "in": "∈",
    "not_in": "∉",
}

ParamValue = bool | int | float | str | tuple[str, ...] | tuple[int, ...]
LeafValue = Value | tuple[Value, ...] | None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field of the file's fact schema."""

    name: str
    type: FieldType
    applies_to: frozenset[Kind]
    derived: bool
    values: tuple[str, ...] | None
    unit: str | None
    label_vi: str
    label_en: str
    description_vi: str
    description_en: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """A named parameter (threshold) an administrator tunes."""

    name: str
    type: ParamType
    value: ParamValue
    unit: str | None
    description_vi: str
    description_en: str
    unconfirmed: bool = False


@dataclass(frozen=True, slots=True)
class Title:
    """A title the Director grants, or a form the Department proposes to the province."""

    code: str
    kind: TitleKind
    applies_to: frozenset[Kind]
    name_vi: str
    name_en: str
    thematic: bool = False
    award_coefficient_param: str | None = None
    vote_ratio_param: str | None = None


@dataclass(frozen=True, slots=True)
class Leaf:
    """One comparison, after `not` has been pushed inwards (negation normal form)."""

    field: str
    op: Op
    value: LeafValue
    param: str | None
    field_ref: str | None
    path: str
    index: int = 0


@dataclass(frozen=True, slots=True)
class Group:
    """All (`all`) or at least one (`any`) of its children hold."""

    mode: Literal["all", "any"]
    children: tuple[Node, ...]


Node = Leaf | Group


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: who it applies to, its conditions, what it decides."""

    id: str
    title_vi: str
    title_en: str
    legal_basis: str
    applies_to: frozenset[Kind]
    when: Node
    outcome: OutcomeKind
    target: str | None
    requires: tuple[str, ...]
    priority: int
    unconfirmed: bool
    note: str | None
    position: int
    leaves: tuple[Leaf, ...] = ()


def granting(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    """The rules that grant (or propose) each title, in the order given."""
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.target is not None:
            out.setdefault(rule.target, []).append(rule)
    return out


@dataclass(frozen=True)
class Ruleset:
    """A whole validated rules file.

    `rules` are in topological order of `requires` (a rule after the rules granting what it
    requires). `sha256` identifies the content: the hash of the parsed document (`raw`, so
    comments and layout do not count) in `Encoding.SORTED_JSON`, dates as ISO text. That
    encoding stays for good: stored pins and the seeded version reference these hashes.
    """

    id: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    legal_basis: str
    description: str
    titles: dict[str, Title]
    fields: dict[str, FieldSpec]
    params: dict[str, Param]
    rules: tuple[Rule, ...]
    sha256: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    # Free text on where the version stands (sources checked, pending amendments); optional.
    notes: str | None = None

    @property
    def thematic_titles(self) -> frozenset[str]:
        return frozenset(t.code for t in self.titles.values() if t.thematic)
