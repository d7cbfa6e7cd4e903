"""Version 2 of the shipped ruleset (LDTT needs 9 months of service instead of 10) and its golden cases."""

from __future__ import annotations

import yaml

from rules.registry import DEFAULT_DIRECTORY

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
