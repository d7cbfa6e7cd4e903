"""Malformed rules files give RulesFileError with `file:line:col: message` issues, never a crash."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.errors import Issue, RulesFileError
from rules.loader import load_ruleset
from rules.registry import DEFAULT_DIRECTORY
from rules.yamlsrc import MAX_DEPTH

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"
SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")
SHIPPED_DATA: dict[str, Any] = yaml.safe_load(SHIPPED_TEXT)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(RulesFileError) as info:
        load_ruleset(path)
    assert info.value.issues, "a RulesFileError always lists issues"
    return info.value.issues


def _line(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def _one(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert found, f"no issue with code {code}: {[str(i) for i in issues]}"
    return found[0]


WriteRules = Callable[..., Path]


class TestSpecificErrors:
    def test_shipped_file_is_valid(self) -> None:
        """The shipped ruleset loads without issues."""
        rs = load_ruleset(SHIPPED)
        assert rs.id == "ntm-2024" and rs.version == "1"

    def test_yaml_syntax_error_is_located(self, write_rules: WriteRules) -> None:
        """A YAML syntax error reports its line and column."""
        p = write_rules(("title_vi: Lao động tiên tiến", "title_vi: Lao động: tiên tiến"))
        issue = _one(_issues(p), "yaml")
        assert issue.line == _line(p, "title_vi: Lao động: tiên tiến")
        assert str(issue).startswith(f"{p}:{issue.line}:{issue.column}: YAML không hợp lệ")

    def test_string_where_number_declared_in_parameter(self, write_rules: WriteRules) -> None:
        """A quoted "10" for an integer parameter is rejected at the value's position."""
        p = write_rules(
            ("    type: integer\n    value: 10\n", '    type: integer\n    value: "10"\n')
        )
        issue = _one(_issues(p), "type")
        assert issue.line == _line(p, 'value: "10"')
        assert "số nguyên" in issue.message and "chuỗi" in issue.message

    def test_string_literal_against_integer_field(self, write_rules: WriteRules) -> None:
        """A "1" string literal compared with an integer field is rejected (durable would mis-compare)."""
        p = write_rules(
            (
                "{field: initiatives_in_year, op: gte, value: 1}",
                '{field: initiatives_in_year, op: gte, value: "1"}',
            )
        )
        issue = _one(_issues(p), "literal-type")
        assert issue.line == _line(p, 'value: "1"')
        assert "initiatives_in_year" in issue.message

    def test_unknown_operator_with_suggestion(self, write_rules: WriteRules) -> None:
        """An unknown operator is reported with the closest valid one."""
        p = write_rules(
            (
                "{field: months_effective, op: gte, param: min_months}",
                "{field: months_effective, op: gtee, param: min_months}",
            )
        )
        issue = _one(_issues(p), "unknown-op")
        assert issue.line == _line(p, "op: gtee")
        assert "'gtee'" in issue.message and "gte" in issue.message

    def test_unknown_field(self, write_rules: WriteRules) -> None:
        """A condition on an undeclared field is rejected."""
        p = write_rules(
            ("{field: discipline, op: eq, value: none}", "{field: disciplin, op: eq, value: none}")
        )
        issue = _one(_issues(p), "unknown-field")
        assert issue.line == _line(p, "field: disciplin,")
        assert "'discipline'" in issue.message

    def test_unknown_param(self, write_rules: WriteRules) -> None:
        """A condition naming an unknown parameter is rejected."""
        p = write_rules(("param: min_months}", "param: min_month}"))
        issue = _one(_issues(p), "unknown-param")
        assert issue.line == _line(p, "param: min_month}")

    def test_enum_value_not_allowed(self, write_rules: WriteRules) -> None:
        """A rating literal outside the schema's values is rejected with the allowed values."""
        p = write_rules(
            ("{field: rating, op: eq, value: KHTNV}", "{field: rating, op: eq, value: KHTN}")
        )
        issue = _one(_issues(p), "literal-type")
        assert "HTXSNV" in issue.message and "KHTNV" in issue.message

    def test_duplicate_rule_ids(self, write_rules: WriteRules) -> None:
        """A second rule with the same id is rejected at its id."""
        p = write_rules(("  - id: cstdcs\n", "  - id: ldtt\n"))
        issue = _one(_issues(p), "duplicate-rule")
        lines = p.read_text(encoding="utf-8").splitlines()
        second = [n for n, x in enumerate(lines, start=1) if x == "  - id: ldtt"][1]
        assert (issue.line, issue.column) == (second, 9)
        assert "'ldtt'" in issue.message

    def test_contradictory_eq_conditions_never_fire(self, write_rules: WriteRules) -> None:
        """Two eq conditions on the same field with different values make a never-firing rule."""
        p = write_rules(
            (
                "        - {field: discipline, op: eq, value: none}\n",
                "        - {field: discipline, op: eq, value: none}\n"
                "        - {field: discipline, op: eq, value: canh_cao}\n",
            )
        )
        issue = _one(_issues(p), "never-fires")
        assert "'ldtt'" in issue.message and "discipline" in issue.message

    def test_numeric_range_contradiction_never_fires(self, write_rules: WriteRules) -> None:
        """months ≥ 10 and months < 5 together can never hold."""
        p = write_rules(
            (
                "        - {field: discipline, op: eq, value: none}\n",
                "        - {field: discipline, op: eq, value: none}\n"
                "        - {field: months_effective, op: lt, value: 5}\n",
            )
        )
        assert "months_effective" in _one(_issues(p), "never-fires").message

    def test_condition_outside_field_domain_never_fires(self, write_rules: WriteRules) -> None:
        """months_effective > 12 is outside the field's domain (0..12)."""
        p = write_rules(
            (
                "{field: months_effective, op: gte, param: min_months}",
                "{field: months_effective, op: gt, value: 12}",
            )
        )
        assert "0..12" in _one(_issues(p), "never-fires").message

    def test_negated_condition_contradiction(self, write_rules: WriteRules) -> None:
        """`not` is pushed inwards before the analysis: eq X and not eq X never holds."""
        p = write_rules(
            (
                "        - {field: discipline, op: eq, value: none}\n",
                "        - {field: discipline, op: eq, value: none}\n"
                "        - not: {field: discipline, op: in, value: [none, canh_cao]}\n",
            )
        )
        assert "discipline" in _one(_issues(p), "never-fires").message

    def test_requires_title_nobody_grants(self, write_rules: WriteRules) -> None:
        """Requiring a title no rule can grant to that kind (TTLDTT for individuals) never fires."""
        p = write_rules(("    requires: [LDTT]\n", "    requires: [TTLDTT]\n"))
        issue = _one(_issues(p), "never-fires")
        assert "'cstdcs'" in issue.message and "'TTLDTT'" in issue.message

    def test_requires_unknown_title(self, write_rules: WriteRules) -> None:
        """Requiring an undeclared title is rejected at the list item."""
        p = write_rules(("    requires: [LDTT]\n", "    requires: [LDT]\n"))
        issue = _one(_issues(p), "unknown-title")
        assert issue.line == _line(p, "requires: [LDT]")

    def test_requires_cycle(self, write_rules: WriteRules) -> None:
        """LDTT requiring CSTDCS while CSTDCS requires LDTT is a cycle."""
        p = write_rules(
            (
                "    priority: 10\n    unconfirmed: true\n    note: >-\n      Chưa xác nhận: loại trừ",
                "    priority: 10\n    requires: [CSTDCS]\n    unconfirmed: true\n    note: >-\n      Chưa xác nhận: loại trừ",
            )
        )
        assert "vòng lặp" in _one(_issues(p), "cycle").message

    def test_version_must_be_a_string(self, write_rules: WriteRules) -> None:
        """`version: 1` (a number) asks for quotes."""
        p = write_rules(('version: "1"', "version: 1"))
        issue = _one(_issues(p), "type")
        assert issue.line == _line(p, "version: 1") and '"1"' in issue.message

    def test_unknown_top_level_key_points_at_the_key(self, write_rules: WriteRules) -> None:
        """A misspelt top-level key is reported at the key with a suggestion."""
        p = write_rules(("legal_basis: >-\n  Luật", "legal_bases: >-\n  Luật"))
        issues = _issues(p)
        issue = _one(issues, "unknown-key")
        assert (issue.line, issue.column) == (_line(p, "legal_bases:"), 1)
        assert "legal_basis" in issue.message
        assert _one(issues, "missing-key")

    def test_duplicate_yaml_key(self, write_rules: WriteRules) -> None:
        """A key repeated in one mapping is an error (YAML would silently keep the last)."""
        p = write_rules(
            (
                "    priority: 20\n    requires: [LDTT]\n",
                "    priority: 20\n    priority: 5\n    requires: [LDTT]\n",
            )
        )
        issue = _one(_issues(p), "duplicate-key")
        assert issue.line == _line(p, "priority: 5")

    def test_unconfirmed_rule_needs_a_note(self, write_rules: WriteRules) -> None:
        """`unconfirmed: true` without a note saying what is unconfirmed is rejected."""
        p = write_rules(
            (
                "    priority: 20\n    requires: [LDTT]\n",
                "    priority: 20\n    unconfirmed: true\n    requires: [LDTT]\n",
            )
        )
        assert "note" in _one(_issues(p), "missing-key").message

    def test_grant_of_a_proposal_is_rejected(self, write_rules: WriteRules) -> None:
        """TTLDXS is decided by the province: `grant` must be `propose`."""
        p = write_rules(("outcome: {propose: TTLDXS}", "outcome: {grant: TTLDXS}"))
        assert "propose" in _one(_issues(p), "outcome-kind").message

    def test_schema_type_must_match_catalogue(self, write_rules: WriteRules) -> None:
        """Declaring months_effective as a number disagrees with the engine's catalogue."""
        p = write_rules(
            ("  months_effective:\n    type: integer", "  months_effective:\n    type: number")
        )
        assert "months_effective" in _one(_issues(p), "schema-mismatch").message

    def test_derived_field_must_say_so(self, write_rules: WriteRules) -> None:
        """A derived field declared without `derived: true` is rejected."""
        p = write_rules(("    unit: month\n    derived: true\n", "    unit: month\n"))
        assert "derived: true" in _one(_issues(p), "schema-mismatch").message

    def test_field_of_other_kind_in_rule(self, write_rules: WriteRules) -> None:
        """An individual rule may not read a collective-only field."""
        p = write_rules(
            (
                "{field: research_accepted, op: gte, value: 1}",
                "{field: members_total, op: gte, value: 1}",
            )
        )
        assert "members_total" in _one(_issues(p), "applies-to").message

    def test_operator_not_allowed_for_type(self, write_rules: WriteRules) -> None:
        """Ordering operators do not apply to strings."""
        p = write_rules(
            ("{field: rating, op: eq, value: KHTNV}", "{field: rating, op: gt, value: KHTNV}")
        )
        assert _one(_issues(p), "op-type")

    def test_deeply_nested_yaml(self, tmp_path: Path) -> None:
        """Nesting deeper than the limit is refused before composing."""
        p = tmp_path / "deep.yaml"
        p.write_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5), encoding="utf-8")
        assert _one(_issues(p), "depth")

    def test_deeply_nested_conditions(self, write_rules: WriteRules) -> None:
        """Conditions nested beyond the limit are refused."""
        deep = "{field: discipline, op: eq, value: none}"
        for _ in range(14):
            deep = "{not: " + deep + "}"
        p = write_rules(("{field: discipline, op: eq, value: none}", deep))
        assert _one(_issues(p), "depth")

    def test_huge_file(self, tmp_path: Path) -> None:
        """A file over the size limit is refused without parsing."""
        p = tmp_path / "huge.yaml"
        p.write_bytes(b"# " + b"x" * 1_100_000 + b"\n")
        assert _one(_issues(p), "size")

    def test_invalid_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are located."""
        p = tmp_path / "bytes.yaml"
        p.write_bytes(b"id: ntm\nversion: \xff\xfe\n")
        issue = _one(_issues(p), "encoding")
        assert (issue.line, issue.column) == (2, 10)

    def test_aliases_refused(self, tmp_path: Path) -> None:
        """YAML anchors and aliases are refused (no billion-laughs expansion)."""
        p = tmp_path / "alias.yaml"
        p.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
        assert _one(_issues(p), "alias").line == 2

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is an issue, not an OSError."""
        assert _one(_issues(tmp_path / "nope.yaml"), "io")


# -- property test: thousands of broken files, only RulesFileError --------------------------------
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


_ALL_PATHS = _paths(SHIPPED_DATA)[1:]


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    import copy

    root = copy.deepcopy(data)
    parent = root
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = value
    elif action == "nest":
        node = parent[key]
        for _ in range(random.Random(str(value)).randint(1, 60)):
            node = [node] if isinstance(value, bool) else {"all": [node]}
        parent[key] = node
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    return root


def _load_expect_only_rules_file_error(raw: bytes) -> None:
    try:
        load_ruleset("mutant.yaml", raw)
    except RulesFileError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.code != "internal", str(issue)
            assert issue.line >= 1 and issue.column >= 1


class TestBrokenFilesProperty:
    @settings(
        max_examples=800,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        path=st.sampled_from(_ALL_PATHS),
        action=st.sampled_from(["delete", "replace", "replace", "nest", "duplicate"]),
        value=_VALUES,
    )
    def test_structural_mutations_raise_only_rules_file_error(
        self, path: tuple[Any, ...], action: str, value: Any
    ) -> None:
        """Deleting keys, swapping in wrong types, deep nesting, duplicating: only RulesFileError."""
        mutant = _mutate(SHIPPED_DATA, path, action, value)
        try:
            raw = yaml.dump(mutant, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).encode(
                "utf-8"
            )
        except (yaml.YAMLError, RecursionError):
            return
        _load_expect_only_rules_file_error(raw)

    @settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cut=st.integers(min_value=0, max_value=len(SHIPPED_TEXT.encode("utf-8"))),
        junk=st.binary(max_size=40),
        mode=st.sampled_from(["insert", "overwrite", "truncate"]),
    )
    def test_byte_mutations_raise_only_rules_file_error(
        self, cut: int, junk: bytes, mode: str
    ) -> None:
        """Random bytes inserted, overwritten or the file truncated: only RulesFileError."""
        base = SHIPPED_TEXT.encode("utf-8")
        if mode == "insert":
            raw = base[:cut] + junk + base[cut:]
        elif mode == "overwrite":
            raw = base[:cut] + junk + base[cut + len(junk) :]
        else:
            raw = base[:cut]
        _load_expect_only_rules_file_error(raw)

    @settings(max_examples=500, deadline=None)
    @given(raw=st.binary(max_size=400))
    def test_arbitrary_bytes_raise_only_rules_file_error(self, raw: bytes) -> None:
        """Any bytes at all: RulesFileError or (never) a valid ruleset, nothing else."""
        _load_expect_only_rules_file_error(raw)
