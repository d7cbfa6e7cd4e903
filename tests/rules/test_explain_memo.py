"""The explainer memoises finished rule traces: they must equal freshly built ones, exactly."""

from __future__ import annotations

import json

from rules.catalogue import Value, extract
from rules.decision import RuleTrace
from rules.explain import Explainer
from rules.facts import parse_facts
from rules.generate import nominees
from rules.registry import LoadedRuleset


def _values(lr: LoadedRuleset, raw: object) -> dict[str, Value]:
    return extract(parse_facts(raw), lr.ruleset.thematic_titles)


def test_memoised_traces_equal_fresh_ones(ntm: LoadedRuleset) -> None:
    """3,000 generated nominees through one (memoising) explainer give, as JSON, exactly what
    a new explainer per nominee gives: the memo key covers everything a trace depends on."""
    shared = Explainer(ntm.ruleset)
    for raw in nominees(3_000, seed=7):
        values = _values(ntm, raw)
        memo_traces, memo_fired = shared.explain(values)
        fresh_traces, fresh_fired = Explainer(ntm.ruleset).explain(values)
        assert memo_fired == fresh_fired
        assert json.dumps(memo_traces, ensure_ascii=False) == json.dumps(
            fresh_traces, ensure_ascii=False
        )
    assert any(plan.traces for plan in shared._plans), "the memo was never used"


def test_equal_values_of_another_type_are_not_confused(ntm: LoadedRuleset) -> None:
    """``12`` and ``12.0`` are equal in Python but not in the stored JSON: a trace memoised for
    one must not be served for the other (the decision hash would no longer reproduce)."""
    explainer = Explainer(ntm.ruleset)
    raw = next(iter(nominees(1, seed=3)))
    values = _values(ntm, raw)
    field = next(
        name
        for name, v in values.items()
        if isinstance(v, int)
        and not isinstance(v, bool)
        and name != "year"
        and any(name in plan.reads for plan in explainer._plans)
    )
    as_int = explainer.explain(values)[0]
    as_float = explainer.explain({**values, field: float(values[field])})[0]

    def actuals(traces: list[RuleTrace]) -> list[object]:
        return [c["actual"] for t in traces for c in t["conditions"] if c["field"] == field]

    assert actuals(as_int) and all(type(a) is int for a in actuals(as_int))
    assert all(type(a) is float for a in actuals(as_float))
