"""Version 2 of the shipped ruleset (LDTT needs 9 months of service instead of 10) and its golden cases."""

from __future__ import annotations

import datetime as dt

import yaml

from rules.loader import load_ruleset
from rules.registry import DEFAULT_DIRECTORY, LoadedRuleset, RulesRegistry

V1_TEXT = (DEFAULT_DIRECTORY / "ntm-2024.v1.yaml").read_text(encoding="utf-8")
V1_GOLDEN = (DEFAULT_DIRECTORY / "ntm-2024.v1.golden.yaml").read_text(encoding="utf-8")
# The ruleset for reviews from 1 July 2025 (seeded by migration 0010).
TDKT_TEXT = (DEFAULT_DIRECTORY / "tdkt-2025.v1.yaml").read_text(encoding="utf-8")
TDKT_GOLDEN = (DEFAULT_DIRECTORY / "tdkt-2025.v1.golden.yaml").read_text(encoding="utf-8")
# Cases of v1 whose expectation changes when min_months goes from 10 to 9.
CHANGED_CASES = {
    "ldtt-months-9-short",
    "ldtt-maternity-makes-only-9",
    "cstdcs-requires-ldtt-months",
}


def v2_content() -> str:
    """Version 2: LDTT needs 9 months of service instead of 10."""
    text = V1_TEXT.replace('version: "1"', 'version: "2"', 1)
    old = "  min_months:\n    type: integer\n    value: 10\n"
    assert old in text
    return text.replace(old, "  min_months:\n    type: integer\n    value: 9\n", 1)


def v2_golden(*, green: bool) -> str:
    """v1's golden cases for version 2; unless ``green``, they still expect 10 months."""
    data = yaml.safe_load(V1_GOLDEN)
    data["version"] = "2"
    if green:
        data["cases"] = [c for c in data["cases"] if c["id"] not in CHANGED_CASES]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# A ruleset in which one initiative can ground two awards (as the reported draft amendment of
# the Law would: CSTDCS needs an excellent rating AND an initiative): tdkt-2025@2 with rule
# cstdcs requiring an initiative of the year and rule cstdcs-initiative removed. Named
# `sk-test`, version "1", in force from 2030 so it never overlaps a shipped ruleset.
TDKT_V2_TEXT = (DEFAULT_DIRECTORY / "tdkt-2025.v2.yaml").read_text(encoding="utf-8")


def initiative_twice_content() -> str:
    """The ruleset text (see above)."""
    data = yaml.safe_load(TDKT_V2_TEXT)
    data["id"] = "sk-test"
    data["version"] = "1"
    data["effective_from"] = dt.date(2030, 1, 1)
    rules = []
    for rule in data["rules"]:
        if rule["id"] == "cstdcs-initiative":
            continue
        if rule["id"] == "cstdcs":
            rule["when"] = {
                "all": [
                    {"field": "rating", "op": "eq", "value": "HTXSNV"},
                    {"field": "initiatives_in_year", "op": "gte", "value": 1},
                ]
            }
        rules.append(rule)
    data["rules"] = rules
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def initiative_twice_registry() -> RulesRegistry:
    """The shipped rulesets and ``sk-test@1``."""
    extra = LoadedRuleset(load_ruleset("sk-test.v1.yaml", initiative_twice_content()))
    return RulesRegistry([*RulesRegistry.from_directory().all(), extra])
