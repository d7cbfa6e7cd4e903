"""Versions side by side: selection by as-of date, pinning, sha256 stability."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from rules.engine import RulesEngine
from rules.errors import RulesFileError
from rules.loader import load_ruleset
from rules.registry import (
    DEFAULT_DIRECTORY,
    AmbiguousRuleset,
    NoRulesetInForce,
    RulesRegistry,
    UnknownRuleset,
)

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"
# The shipped v1's content hash as computed before rules/canonical.py existed: stored pins and the
# seeded version reference it, so it must never change.
SHIPPED_SHA256 = "6491f865a866ab6749a4f331fd1a23462c2c41394fc4feae7558734c5e8a63e6"

WriteRules = Callable[..., Path]
FACTS = {"kind": "individual", "id": "cn-9", "year": 2025, "rating": "HTTNV", "months_worked": 9}


@pytest.fixture()
def two_versions(write_rules: WriteRules) -> RulesRegistry:
    """v1 (shipped) until 2025-06-30 and a v2 from 2025-07-01 with min_months 9."""
    v1 = write_rules(name="ntm-2024.v1.yaml")
    v2 = write_rules(
        ('version: "1"', 'version: "2"'),
        ("effective_from: 2024-01-01\neffective_to: 2025-06-30", "effective_from: 2025-07-01"),
        ("    type: integer\n    value: 10\n", "    type: integer\n    value: 9\n"),
        name="ntm-2024.v2.yaml",
    )
    return RulesRegistry.from_files([v1, v2])


class TestVersionSelection:
    def test_in_force_picks_version_by_date(self, two_versions: RulesRegistry) -> None:
        """The as-of date chooses the version whose period contains it."""
        assert two_versions.in_force(dt.date(2024, 12, 20)).version == "1"
        assert two_versions.in_force(dt.date(2025, 6, 30)).version == "1"
        assert two_versions.in_force(dt.date(2025, 7, 1)).version == "2"
        assert two_versions.in_force(dt.date(2030, 1, 1)).version == "2"

    def test_no_ruleset_before_first_version(self, two_versions: RulesRegistry) -> None:
        """Before the first version's effective date nothing is in force."""
        with pytest.raises(NoRulesetInForce):
            two_versions.in_force(dt.date(2023, 12, 31))

    def test_engine_uses_version_in_force(self, two_versions: RulesRegistry) -> None:
        """The same facts get a different decision under each version (9 months)."""
        engine = RulesEngine(two_versions)
        old = engine.evaluate(FACTS, as_of=dt.date(2025, 1, 10))
        new = engine.evaluate(FACTS, as_of=dt.date(2025, 12, 20))
        assert (old.ruleset.version, old.titles) == ("1", [])
        assert (new.ruleset.version, new.titles) == ("2", ["LDTT"])

    def test_pinning_a_version_ignores_the_date(self, two_versions: RulesRegistry) -> None:
        """ruleset_id + version pins the version whatever the date."""
        engine = RulesEngine(two_versions)
        d = engine.evaluate(FACTS, ruleset_id="ntm-2024", version="1")
        assert d.ruleset.version == "1" and d.titles == []
        assert two_versions.get("ntm-2024", "2").params["min_months"] == 9

    def test_unknown_version(self, two_versions: RulesRegistry) -> None:
        """Asking for a version that does not exist raises UnknownRuleset."""
        with pytest.raises(UnknownRuleset):
            two_versions.get("ntm-2024", "3")
        with pytest.raises(UnknownRuleset):
            two_versions.in_force(dt.date(2024, 5, 1), ruleset_id="other")

    def test_overlapping_versions_rejected(self, write_rules: WriteRules) -> None:
        """Two versions of one ruleset in force on the same day is an error."""
        v1 = write_rules(name="a.yaml")
        v2 = write_rules(('version: "1"', 'version: "2"'), name="b.yaml")
        with pytest.raises(RulesFileError) as info:
            RulesRegistry.from_files([v1, v2])
        assert info.value.issues[0].code == "overlap"

    def test_duplicate_version_rejected(self, write_rules: WriteRules) -> None:
        """The same id@version twice is an error."""
        with pytest.raises(RulesFileError):
            RulesRegistry.from_files([write_rules(name="a.yaml"), write_rules(name="b.yaml")])

    def test_two_rulesets_in_force_need_an_id(self, write_rules: WriteRules) -> None:
        """Different rulesets in force on the same date are ambiguous without ruleset_id."""
        other = write_rules(("id: ntm-2024", "id: other-2024"), name="other.yaml")
        reg = RulesRegistry.from_files([SHIPPED, other])
        with pytest.raises(AmbiguousRuleset):
            reg.in_force(dt.date(2024, 12, 1))
        assert reg.in_force(dt.date(2024, 12, 1), ruleset_id="other-2024").id == "other-2024"

    def test_default_directory_ships_ntm_2024(self) -> None:
        """from_directory() without arguments loads the shipped rulesets."""
        reg = RulesRegistry.from_directory()
        assert reg.in_force(dt.date(2024, 12, 20)).id == "ntm-2024"


class TestSha256:
    def test_sha_is_stable_across_loads(self) -> None:
        """Loading the same file twice gives the same hash."""
        assert load_ruleset(SHIPPED).sha256 == load_ruleset(SHIPPED).sha256

    def test_sha_ignores_comments_and_formatting(self, write_rules: WriteRules) -> None:
        """Comments and YAML layout do not change the canonical content hash."""
        p = write_rules(("id: ntm-2024\n", "# a comment\nid:   ntm-2024\n"))
        assert load_ruleset(p).sha256 == load_ruleset(SHIPPED).sha256

    def test_sha_changes_with_content(self, write_rules: WriteRules) -> None:
        """Changing a parameter changes the hash."""
        p = write_rules(
            ("    type: integer\n    value: 10\n", "    type: integer\n    value: 11\n")
        )
        assert load_ruleset(p).sha256 != load_ruleset(SHIPPED).sha256

    def test_shipped_hash_is_unchanged(self) -> None:
        """The shipped v1 keeps the hash that stored pins and the seeded version reference."""
        assert load_ruleset(SHIPPED).sha256 == SHIPPED_SHA256

    def test_known_hash_of_shipped_file(self, engine: RulesEngine) -> None:
        """The decision carries the file's hash, a 64-hex sha256."""
        d = engine.evaluate(FACTS, ruleset_id="ntm-2024", version="1")
        assert d.ruleset.sha256 == load_ruleset(SHIPPED).sha256
        assert len(d.ruleset.sha256) == 64


class TestLoadedRuleset:
    def test_params(self, registry: RulesRegistry) -> None:
        """Parameters are exposed by name."""
        lr = registry.get("ntm-2024", "1")
        assert lr.params["ldtt_min_ratio"] == 0.7
        assert lr.params["base_salary_vnd"] == 2_340_000


class TestDefaultAsOf:
    def test_engine_default_as_of_is_end_of_review_year(self, two_versions: RulesRegistry) -> None:
        """Without as_of or version the version in force on 31 December of the facts' year decides."""
        engine = RulesEngine(two_versions)
        assert engine.evaluate(dict(FACTS, year=2024)).ruleset.version == "1"
        assert engine.evaluate(dict(FACTS, year=2025)).ruleset.version == "2"
