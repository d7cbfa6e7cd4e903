"""What the decision explorer and what-if return: their views (the API's response models too).

Plain pydantic models, apart from the use cases (``thidua.app.decisions``, ``thidua.app.whatif``)
so each of those stays one subject.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from rules.decision import RulesetRef

Change = Literal["gain", "lose", "status"]
Source = Literal["evaluations", "appraisal"]


# ---- the decision explorer ---------------------------------------------------------------------


class DecisionSummary(BaseModel):
    id: int
    nomination: str
    movement: str
    year: int
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    phase: str
    ruleset: RulesetRef
    status: str
    status_vi: str
    titles: list[str]
    proposals: list[str]
    evaluated_at: dt.datetime


class DecisionPage(BaseModel):
    items: list[DecisionSummary]
    next_cursor: int | None


class ConditionView(BaseModel):
    field: str
    label_vi: str
    operator: str
    operator_vi: str
    expected: Any
    expected_vi: str
    actual: Any
    actual_vi: str
    passed: bool
    param: str | None
    path: str


class RuleView(BaseModel):
    id: str
    title_vi: str
    kind: str
    target: str | None
    outcome: str
    outcome_vi: str
    message_vi: str
    unconfirmed: bool
    legal_basis: str
    conditions: list[ConditionView]


class DecisionDetail(DecisionSummary):
    withheld: list[str]
    as_of: str | None
    facts: dict[str, Any]
    derived: dict[str, Any]
    rules: list[RuleView]
    decision_hash: str


class Reproduction(BaseModel):
    id: int | None = Field(description="Số lần xét (evaluations); trống với quyết định của đợt xét")
    source: Literal["evaluation", "appraisal"] = "evaluation"
    round: str | None = Field(default=None, description="Đợt xét (quyết định khi thẩm định đợt)")
    nomination: str
    ruleset: RulesetRef
    identical: bool
    stored_hash: str
    reproduced_hash: str | None
    sha256_matches: bool
    problem_vi: str | None = None
    differences: list[str] = []


class ReproductionSummary(BaseModel):
    total: int
    identical: int
    different: list[Reproduction]


# ---- what-if ------------------------------------------------------------------------------------


class ConditionChange(BaseModel):
    field: str
    label_vi: str
    operator: str
    actual: Any
    expected: Any
    param: str | None
    passed: bool
    was_passed: bool | None
    text_vi: str


class WhatIfRow(BaseModel):
    nomination: str
    unit: str
    kind: str
    nominee_code: str
    nominee_name: str
    title: str | None
    title_vi: str
    change: Change
    rule: str | None
    rule_title_vi: str
    reason_vi: str
    conditions: list[ConditionChange]
    old_status: str
    new_status: str
    evaluation_id: int | None = Field(description="Lần xét đã lưu (nguồn evaluations)")
    round: str | None = Field(default=None, description="Đợt xét (nguồn appraisal)")
    old_ruleset: str


class TitleCounts(BaseModel):
    name_vi: str
    gain: int = 0
    lose: int = 0


class InvalidSnapshot(BaseModel):
    nomination: str
    evaluation_id: int | None
    round: str | None = None
    error: str


class WhatIfTimings(BaseModel):
    load_s: float
    evaluate_s: float
    explain_s: float
    total_s: float
    snapshots_per_s: float


class WhatIfReport(BaseModel):
    draft: dict[str, str]
    source: Source = "evaluations"
    movement: str | None
    year: int | None
    snapshots: int
    changed_nominations: int
    gains: int
    losses: int
    status_changes: int
    by_title: dict[str, TitleCounts]
    rows: list[WhatIfRow]
    invalid: list[InvalidSnapshot] = Field(default_factory=list)
    workers: int = 1
    timings: WhatIfTimings
