"""Unit tests of the rules package's pieces: derived values, compilation, analysis, YAML marks."""

from __future__ import annotations

from rules.analysis import conflict
from rules.canonical import canonical_json
from rules.catalogue import extract
from rules.durable_backend import compile_ruleset, durable_key, durable_name
from rules.facts import parse_facts
from rules.loader import load_ruleset
from rules.model import Group, Leaf
from rules.registry import DEFAULT_DIRECTORY
from rules.yamlsrc import read_yaml

RS = load_ruleset(DEFAULT_DIRECTORY / "ntm-2024.v1.yaml")


def _leaf(field: str, op: str, value: object, index: int = 0) -> Leaf:
    return Leaf(field, op, value, None, None, f"when[{index}]", index)  # type: ignore[arg-type]


class TestDerivedValues:
    def test_months_effective_counts_maternity_capped_at_12(self) -> None:
        """months_effective = min(12, months_worked + maternity_months)."""
        f = parse_facts(
            {
                "kind": "individual",
                "id": "a",
                "year": 2024,
                "rating": "HTTNV",
                "months_worked": 9,
                "maternity_months": 5,
            }
        )
        assert extract(f)["months_effective"] == 12

    def test_history_ignores_thematic_titles(self) -> None:
        """A GIAY_KHEN in last year's history never counts as CSTDCS-like grounds."""
        f = parse_facts(
            {
                "kind": "individual",
                "id": "a",
                "year": 2024,
                "rating": "HTTNV",
                "history": [{"year": 2023, "titles": ["GIAY_KHEN", "CSTDCS"]}],
            }
        )
        assert extract(f, {"CSTDCS"})["cstdcs_last_year"] is False
        assert extract(f, {"GIAY_KHEN"})["cstdcs_last_year"] is True

    def test_applied_initiatives_window_is_two_years(self) -> None:
        """Only applied initiatives of the review year and the year before count."""
        f = parse_facts(
            {
                "kind": "individual",
                "id": "a",
                "year": 2024,
                "rating": "HTTNV",
                "initiatives": [
                    {"id": "x", "year": 2024, "applied": True},
                    {"id": "y", "year": 2023, "applied": True},
                    {"id": "z", "year": 2022, "applied": True},
                    {"id": "w", "year": 2024, "applied": False},
                ],
            }
        )
        v = extract(f)
        assert (v["applied_initiatives_2y"], v["initiatives_in_year"]) == (2, 2)

    def test_ratio_zero_members(self) -> None:
        """A collective with no members has an LDTT ratio of 0, not a division error."""
        f = parse_facts(
            {"kind": "collective", "id": "p", "year": 2024, "rating": "HTTNV", "members_total": 0}
        )
        assert extract(f)["ldtt_ratio"] == 0.0

    def test_exact_decimal_ratio(self) -> None:
        """14/20 is exactly the float 0.7, so the 70% boundary holds."""
        f = parse_facts(
            {
                "kind": "collective",
                "id": "p",
                "year": 2024,
                "rating": "HTTNV",
                "members_total": 20,
                "members_ldtt": 14,
            }
        )
        ratio = extract(f)["ldtt_ratio"]
        assert isinstance(ratio, float) and ratio >= 0.7


class TestCompile:
    def test_names_and_keys_are_sanitised(self) -> None:
        """Dots leave field keys; odd characters leave ruleset names."""
        assert durable_key("movement.c1") == "movement__c1"
        assert durable_name("ntm-2024", "2024.1") == "ntm-2024@2024.1"
        assert durable_name("a b", "1/2") == "a_b@1_2"

    def test_requires_is_inlined(self) -> None:
        """CSTDCS's durable expression contains LDTT's conditions (chaining in one pass)."""
        definition, ids = compile_ruleset(RS, "x")
        cstdcs = definition[f"r{ids.index('cstdcs')}_cstdcs"]
        text = canonical_json(cstdcs)
        assert '"months_effective":10' in text and '"run":"x#' in text
        assert cstdcs["pri"] == 20

    def test_in_and_not_in_compile_to_or_and(self) -> None:
        """in -> $or of equalities; not_in -> $and of $neq."""
        from rules.durable_backend import _leaf_expr

        assert _leaf_expr(_leaf("rating", "in", ("A", "B"))) == {
            "$or": [{"rating": "A"}, {"rating": "B"}]
        }
        assert _leaf_expr(_leaf("rating", "not_in", ("A",))) == {
            "$and": [{"$neq": {"rating": "A"}}]
        }
        assert _leaf_expr(_leaf("year", "lte", 3)) == {"$lte": {"year": 3}}


class TestAnalysis:
    def test_disjoint_equalities_conflict(self) -> None:
        """eq none and eq canh_cao on the same field cannot both hold."""
        node = Group(
            "all",
            (_leaf("discipline", "eq", "none"), _leaf("discipline", "eq", "canh_cao", 1)),
        )
        assert conflict(node, "individual", RS.fields) is not None

    def test_any_is_satisfiable_if_one_branch_is(self) -> None:
        """An any-group is fine when one branch can hold."""
        node = Group(
            "any",
            (
                Group(
                    "all",
                    (_leaf("months_effective", "gt", 12), _leaf("months_effective", "lt", 0, 1)),
                ),
                _leaf("months_effective", "eq", 10, 2),
            ),
        )
        assert conflict(node, "individual", RS.fields) is None

    def test_integer_gap_conflict(self) -> None:
        """months > 9 and months < 10 has no integer solution."""
        node = Group(
            "all",
            (_leaf("months_effective", "gt", 9), _leaf("months_effective", "lt", 10, 1)),
        )
        assert conflict(node, "individual", RS.fields) is not None

    def test_number_gap_is_fine(self) -> None:
        """ratio > 0.69 and ratio < 0.7 has real solutions."""
        node = Group("all", (_leaf("ldtt_ratio", "gt", 0.69), _leaf("ldtt_ratio", "lt", 0.7, 1)))
        assert conflict(node, "collective", RS.fields) is None


class TestYamlMarks:
    def test_marks_are_one_based(self) -> None:
        """Every path gets the 1-based line and column of its value."""
        src = read_yaml("t.yaml", "a:\n  b: [1, 2]\n")
        assert src.where(("a", "b", 1)) == (2, 10)
        assert src.where(("a", "b"), at_key=True) == (2, 3)
