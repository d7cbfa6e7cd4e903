"""The rules explanation of a stored evaluation, in plain Vietnamese, for the console."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from thidua.domain.labels import (
    EXCLUSION_RULE_KINDS,
    KIND_LABEL_VI,
    OPERATOR_LABEL_VI,
    rule_outcome_label_vi,
)


@dataclass
class ConditionLine:
    label: str
    operator: str
    expected: str
    actual: str
    passed: bool


@dataclass
class RuleLine:
    id: str
    title: str
    outcome: str
    outcome_vi: str
    message: str
    legal_basis: str
    unconfirmed: bool
    verdict: str  # good | bad | neutral, for the reader (an exclusion that applies is bad)
    exclusion: bool
    conditions: list[ConditionLine] = field(default_factory=list)


@dataclass
class Explanation:
    status: str | None
    titles: list[str]
    proposals: list[str]
    ruleset: str
    rules: list[RuleLine]
    labels: dict[str, str] = field(default_factory=dict)


def field_labels(lr: Any) -> dict[str, tuple[str, str]]:
    """Field → (Vietnamese label, unit) of a loaded ruleset."""
    return {name: (spec.label_vi, spec.unit or "") for name, spec in lr.fields.items()}


FACT_VALUE_VI = {
    **KIND_LABEL_VI,
    "none": "không",
    "nam": "nam",
    "nu": "nữ",
}


def plain_value(value: Any) -> str:
    """A stored fact as an official reads it (yes/no, known codes in Vietnamese)."""
    if isinstance(value, str):
        return FACT_VALUE_VI.get(value, value)
    return _value(value, "")


def _value(value: Any, unit: str) -> str:
    if value is None:
        return "(không có)"
    if value is True:
        return "có"
    if value is False:
        return "không"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, "") for v in value) or "(trống)"
    if unit == "ratio" and isinstance(value, int | float):
        return f"{float(value) * 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def explain(
    evaluation: dict[str, Any] | None,
    labels: dict[str, tuple[str, str]],
    titles: Mapping[str, str] | None = None,
) -> Explanation | None:
    """The stored evaluation as lines to read; ``labels`` (field → label, unit) and ``titles``
    (code → name) from the ruleset that decided (a code it does not name reads as the code)."""
    titles = titles or {}
    if not evaluation:
        return None
    ruleset = evaluation.get("ruleset") or {}
    lines: list[RuleLine] = []
    for rule in evaluation.get("rules", []):
        conditions = []
        for c in rule.get("conditions", []):
            name = str(c.get("field", ""))
            if name.startswith("granted."):
                code = name.split(".", 1)[1]
                label, unit = f"Đã đạt «{titles.get(code, code)}»", ""
            else:
                label, unit = labels.get(name, (name, ""))
            conditions.append(
                ConditionLine(
                    label=label,
                    operator=OPERATOR_LABEL_VI.get(str(c.get("operator")), str(c.get("operator"))),
                    expected=_value(c.get("expected"), unit),
                    actual=_value(c.get("actual"), unit),
                    passed=bool(c.get("passed")),
                )
            )
        outcome = str(rule.get("outcome", ""))
        kind = str(rule.get("kind", ""))
        exclusion = kind in EXCLUSION_RULE_KINDS  # "fired" means the exclusion applies
        verdict = (
            "neutral"
            if outcome not in ("fired", "not_fired")
            else ("good" if (outcome == "fired") != exclusion else "bad")
        )
        lines.append(
            RuleLine(
                id=str(rule.get("id", "")),
                title=str(rule.get("title_vi") or rule.get("id", "")),
                outcome=outcome,
                outcome_vi=rule_outcome_label_vi(kind, outcome),
                message=str(rule.get("message_vi") or ""),
                legal_basis=str(rule.get("legal_basis") or ""),
                unconfirmed=bool(rule.get("unconfirmed")),
                verdict=verdict,
                exclusion=exclusion,
                conditions=conditions,
            )
        )
    return Explanation(
        status=evaluation.get("status"),
        titles=list(evaluation.get("titles", [])),
        proposals=list(evaluation.get("proposals", [])),
        ruleset=f"{ruleset.get('id', '?')} phiên bản {ruleset.get('version', '?')}",
        rules=lines,
        labels={name: label for name, (label, _unit) in labels.items()},
    )
