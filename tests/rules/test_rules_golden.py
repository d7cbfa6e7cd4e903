"""Every golden case of every shipped ruleset gives the expected decision."""

from __future__ import annotations

import pytest

from rules.engine import RulesEngine
from rules.golden import GoldenCase, check_case, load_golden
from rules.registry import LoadedRuleset, RulesRegistry

_REGISTRY = RulesRegistry.from_directory()


def _cases() -> list[tuple[LoadedRuleset, GoldenCase]]:
    out = []
    for lr in _REGISTRY.all():
        assert lr.golden_path is not None and lr.golden_path.exists(), f"no golden file for {lr.id}"
        for case in load_golden(lr.golden_path).cases:
            out.append((lr, case))
    return out


_CASES = _cases()


class TestGoldenCases:
    @pytest.mark.parametrize(
        ("lr", "case"), _CASES, ids=[f"{lr.id}@{lr.version}:{c.id}" for lr, c in _CASES]
    )
    def test_case_gives_expected_decision(
        self, engine: RulesEngine, lr: LoadedRuleset, case: GoldenCase
    ) -> None:
        """The decision's status, titles, proposals (and fired rules if given) match the case."""
        result = check_case(engine, _REGISTRY.get(lr.id, lr.version), case)
        assert result.passed, result.problems

    def test_every_shipped_ruleset_has_at_least_40_cases(self) -> None:
        """Each shipped ruleset ships at least 40 golden cases."""
        for lr in _REGISTRY.all():
            assert lr.golden_path is not None
            assert len(load_golden(lr.golden_path).cases) >= 40

    def test_every_rule_fires_in_some_case_and_fails_in_another(self, engine: RulesEngine) -> None:
        """Golden cases cover every rule both firing and not firing."""
        for lr in _REGISTRY.all():
            assert lr.golden_path is not None
            fired: set[str] = set()
            not_fired: set[str] = set()
            for case in load_golden(lr.golden_path).cases:
                decision = engine.evaluate_many([case.facts], ruleset=lr)[0]
                for r in decision.rules:
                    (fired if r["outcome"] == "fired" else not_fired).add(r["id"])
            ids = {r.id for r in lr.rules}
            assert ids <= fired, f"never fired: {ids - fired}"
            assert ids <= not_fired, f"never not-fired: {ids - not_fired}"
