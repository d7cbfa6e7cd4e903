"""Our per-rule verdicts equal what durable_rules fired, on goldens and generated facts."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.catalogue import Value, extract
from rules.engine import RulesEngine
from rules.facts import parse_facts
from rules.generate import collective, individual, nominees
from rules.golden import load_golden
from rules.registry import DEFAULT_DIRECTORY, LoadedRuleset, RulesRegistry

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"

N_GENERATED = 12_000


def _values(lr: LoadedRuleset, raw: dict[str, Any]) -> dict[str, Value]:
    return extract(parse_facts(raw), lr.ruleset.thematic_titles)


class TestAgreement:
    def test_goldens_agree(self, engine: RulesEngine, ntm: LoadedRuleset) -> None:
        """On every golden case durable_rules fires exactly the rules our evaluation fires."""
        assert ntm.golden_path is not None
        cases = load_golden(ntm.golden_path).cases
        values = [_values(ntm, c.facts) for c in cases]
        durable = engine.durable_fired_many(ntm, values)
        explainer = engine.explainer(ntm)
        for case, v, d in zip(cases, values, durable, strict=True):
            assert explainer.explain(v)[1] == d, case.id
            assert explainer.verdicts(v) == d, case.id

    def test_generated_fact_sets_agree(self, engine: RulesEngine, ntm: LoadedRuleset) -> None:
        """On 12,000 seeded random nominees both engines fire the same rules."""
        raws = nominees(N_GENERATED, seed=7, collective_share=0.35)
        values = [_values(ntm, r) for r in raws]
        durable = engine.durable_fired_many(ntm, values)
        explainer = engine.explainer(ntm)
        mismatches = [
            (raw["id"], sorted(d), sorted(explainer.verdicts(v)))
            for raw, v, d in zip(raws, values, durable, strict=True)
            if explainer.verdicts(v) != d
        ]
        assert not mismatches, mismatches[:5]
        # the sample must exercise every rule both ways
        fired = set().union(*durable)
        assert {r.id for r in ntm.rules} <= fired

    def test_generated_traces_agree_with_verdicts(
        self, engine: RulesEngine, ntm: LoadedRuleset
    ) -> None:
        """The explained trace marks exactly the rules the fast verdict path fires."""
        explainer = engine.explainer(ntm)
        for raw in nominees(2_000, seed=11):
            v = _values(ntm, raw)
            traces, fired = explainer.explain(v)
            assert fired == explainer.verdicts(v)
            assert {t["id"] for t in traces if t["outcome"] == "fired"} == fired

    @settings(max_examples=300, deadline=None)
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1), coll=st.booleans())
    def test_hypothesis_nominees_agree(
        self, engine: RulesEngine, ntm: LoadedRuleset, seed: int, coll: bool
    ) -> None:
        """Hypothesis-chosen seeds: durable_rules and our evaluation agree."""
        rng = random.Random(seed)
        raw = collective(rng, seed) if coll else individual(rng, seed)
        v = _values(ntm, raw)
        assert engine.durable_fired(ntm, v) == engine.explainer(ntm).verdicts(v)


class TestAgreementTdkt2025:
    """The same agreement on the ruleset for reviews from 1 July 2025 (tdkt-2025@1)."""

    def test_goldens_and_generated_agree(
        self, engine: RulesEngine, registry: RulesRegistry
    ) -> None:
        """Golden cases and 4,000 seeded nominees: durable_rules and our evaluation fire the same
        rules, and the sample exercises every rule (cstdcs-initiative included)."""
        lr = registry.get("tdkt-2025", "1")
        assert lr.golden_path is not None
        raws = [c.facts for c in load_golden(lr.golden_path).cases]
        raws += nominees(4_000, seed=25, collective_share=0.35)
        values = [_values(lr, r) for r in raws]
        durable = engine.durable_fired_many(lr, values)
        explainer = engine.explainer(lr)
        mismatches = [
            (raw["id"], sorted(d), sorted(explainer.verdicts(v)))
            for raw, v, d in zip(raws, values, durable, strict=True)
            if explainer.verdicts(v) != d
        ]
        assert not mismatches, mismatches[:5]
        assert {r.id for r in lr.rules} <= set().union(*durable)


_OPS_RULES = """
rules:
  - id: lt-lte
    title_vi: lt lte
    title_en: lt lte
    legal_basis: test
    applies_to: individual
    when:
      all:
        - {field: months_worked, op: lt, value: 11}
        - {field: maternity_months, op: lte, value: 3}
        - {field: months_effective, op: gt, value: 8}
    outcome: {grant: LDTT}
  - id: ne-not-in
    title_vi: ne not_in
    title_en: ne not_in
    legal_basis: test
    applies_to: individual
    requires: [LDTT]
    when:
      all:
        - {field: rating, op: ne, value: KHTNV}
        - {field: discipline, op: not_in, value: [canh_cao, cach_chuc]}
        - not: {any: [{field: gender, op: eq, value: nam}, {field: research_accepted, op: gte, value: 2}]}
    outcome: {grant: CSTDCS}
  - id: field-refs
    title_vi: field refs
    title_en: field refs
    legal_basis: test
    applies_to: collective
    when:
      any:
        - {field: members_cstdcs, op: lt, field_ref: members_ldtt}
        - all:
            - {field: female_members, op: gte, field_ref: members_ldtt}
            - {field: members_disciplined, op: ne, field_ref: members_total}
        - {field: female_ratio, op: gt, param: tie_break_female_ratio}
    outcome: {grant: TTLDTT}
  - id: ratio-lte
    title_vi: ratio lte
    title_en: ratio lte
    legal_basis: test
    applies_to: collective
    requires: [TTLDTT]
    when:
      all:
        - {field: ldtt_ratio, op: lte, value: 0.7}
        - not: {field: unit_type, op: eq, value: phong}
    outcome: {propose: TTLDXS}
  - id: both-kinds
    title_vi: both
    title_en: both
    legal_basis: test
    applies_to: both
    requires: [GIAY_KHEN]
    when:
      all:
        - {field: movement.c1, op: in, value: [xuat_sac, tot]}
        - {field: year, op: gte, value: 2024}
        - not: {field: htxsnv_last_year, op: eq, value: false}
    outcome: {propose: BANG_KHEN_UBND_TINH}
  - id: gk-both
    title_vi: gk
    title_en: gk
    legal_basis: test
    applies_to: both
    when:
      any:
        - {field: movement_excellent_count, op: gte, value: 1}
        - {field: movement_good_or_better_count, op: eq, value: 3}
    outcome: {grant: GIAY_KHEN}
  - id: hold-any
    title_vi: hold
    title_en: hold
    legal_basis: test
    applies_to: both
    when:
      all:
        - {field: under_review, op: ne, value: false}
    outcome: hold
"""


class TestAgreementAllOperators:
    def test_every_operator_agrees(self, tmp_path: Path) -> None:
        """A ruleset using every operator, not, field_ref and requires agrees with durable_rules."""
        text = SHIPPED.read_text(encoding="utf-8")
        p = tmp_path / "ops.yaml"
        p.write_text(text[: text.index("\nrules:")] + _OPS_RULES, encoding="utf-8")
        reg = RulesRegistry.from_files([p])
        engine = RulesEngine(reg)
        (lr,) = reg.all()
        raws = nominees(4_000, seed=99, collective_share=0.5)
        values = [_values(lr, r) for r in raws]
        durable = engine.durable_fired_many(lr, values)
        explainer = engine.explainer(lr)
        for raw, v, d in zip(raws, values, durable, strict=True):
            assert explainer.verdicts(v) == d, raw["id"]
        fired = set().union(*durable)
        assert fired == {r.id for r in lr.rules}
