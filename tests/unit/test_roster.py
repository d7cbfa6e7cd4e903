"""Rosters and the register in the pure domain: the transfer rule, prefill, disagreements, and
rule 5 of the appraisal counted from the whole roster (with the council's vote after it)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules.engine import RulesEngine
from rules.registry import DEFAULT_DIRECTORY, RulesRegistry
from thidua.app.rules_versions.store import parse_content
from thidua.domain.appraisal import Candidate, Dossier, Outcome, appraise, recompute_after_vote
from thidua.domain.refusals import Refusal
from thidua.domain.roster import (
    Assignment,
    RegisterEntry,
    RosterBasis,
    RosterMember,
    members_by_unit,
    prefill_collective,
    prefill_individual,
    register_differences,
    roster_rule,
)

RULESET = ("ntm-2024", "1")
FULL = Dossier(achievement_report="bctt.pdf", review_minutes="bbhx.pdf", evidence=["qd.pdf"])


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(RulesRegistry.from_directory())


def entry(code: str, rating: str = "HTTNV", **record: Any) -> RegisterEntry:
    return RegisterEntry(
        staff_code=code,
        year=2024,
        rating=rating,
        months_worked=record.get("months_worked", 12),
        maternity_months=record.get("maternity_months", 0),
        discipline=record.get("discipline", "none"),
    )


def member(code: str, unit: str = "P1", gender: str = "nam") -> RosterMember:
    return RosterMember(code, f"Cán bộ {code}", gender, unit)


def basis(
    members: list[RosterMember],
    register: list[RegisterEntry],
    assignments: list[Assignment] | None = None,
) -> RosterBasis:
    return RosterBasis(
        year=2024,
        review_date=date(2024, 12, 20),
        on_review_date=members,
        assignments=assignments or [],
        register={e.staff_code: e for e in register},
    )


def ind(key: str, unit: str = "P1", **facts: Any) -> Candidate:
    base: dict[str, Any] = {"kind": "individual", "id": key, "year": 2024, "rating": "HTTNV"}
    return Candidate(
        key=key, kind="individual", unit=unit, name=key, facts={**base, **facts}, dossier=FULL,
        order=0,
    )  # fmt: skip


def col(unit: str = "P1", **facts: Any) -> Candidate:
    base: dict[str, Any] = {"kind": "collective", "id": unit, "year": 2024, "rating": "HTTNV",
                            "members_total": 3}  # fmt: skip
    return Candidate(
        key=f"c-{unit}", kind="collective", unit=unit, name=unit, facts={**base, **facts},
        dossier=FULL, order=0,
    )  # fmt: skip


class TestTransferRule:
    MOVED = (
        Assignment("S1", "A", date(2020, 1, 1), date(2024, 6, 30)),
        Assignment("S1", "B", date(2024, 7, 1), None),
    )

    def test_default_is_review_date(self) -> None:
        """A ruleset without roster_rule: review_date; an unknown value is an error."""
        assert roster_rule({}) == "review_date"
        assert roster_rule({"roster_rule": "longest_service"}) == "longest_service"
        with pytest.raises(ValueError, match="roster_rule"):
            roster_rule({"roster_rule": "first_unit"})

    def test_review_date_keeps_the_unit_on_the_review_date(self) -> None:
        """review_date: the unit whose roster holds them on the review date."""
        units = members_by_unit(basis([member("S1", "B")], [], list(self.MOVED)), "review_date")
        assert list(units) == ["B"]

    def test_longest_service_picks_the_unit_with_most_days(self) -> None:
        """Moved on 1 October: 274 days in A against 92 in B → A."""
        moved = [
            Assignment("S1", "A", date(2020, 1, 1), date(2024, 9, 30)),
            Assignment("S1", "B", date(2024, 10, 1), None),
        ]
        units = members_by_unit(basis([member("S1", "B")], [], moved), "longest_service")
        assert [(u, [m.unit_code for m in ms]) for u, ms in units.items()] == [("A", ["A"])]

    def test_longest_service_tie_goes_to_the_later_unit(self) -> None:
        """183 days each (2024 is a leap year): the later assignment's unit."""
        tied = [
            Assignment("S1", "A", date(2020, 1, 1), date(2024, 7, 1)),
            Assignment("S1", "B", date(2024, 7, 2), None),
        ]
        units = members_by_unit(basis([member("S1", "B")], [], tied), "longest_service")
        assert list(units) == ["B"]

    def test_longest_service_without_assignments_in_the_year_keeps_the_roster_unit(
        self,
    ) -> None:
        """No assignment overlapping the year: the unit on the review date."""
        units = members_by_unit(basis([member("S1", "B")], []), "longest_service")
        assert list(units) == ["B"]


class TestPrefill:
    def test_absent_fields_come_from_the_register(self) -> None:
        """Only absent fields are filled; sent ones are kept."""
        raw = {"kind": "individual", "id": "S1", "year": 2024, "months_worked": 12}
        out = prefill_individual(raw, entry("S1", "HTXSNV", months_worked=9, maternity_months=3))
        assert out == {**raw, "rating": "HTXSNV", "maternity_months": 3, "discipline": "none"}
        assert prefill_individual(raw, None) == raw

    def test_collective_members_total_from_the_roster(self) -> None:
        """members_total absent → the roster size; sent → kept."""
        assert prefill_collective({"id": "P1"}, 7) == {"id": "P1", "members_total": 7}
        assert prefill_collective({"members_total": 5}, 7) == {"members_total": 5}

    def test_differences_name_each_field_with_both_values(self) -> None:
        """Each differing field with both values; an absent field is the contract's default."""
        facts = {"rating": "HTXSNV", "discipline": "khien_trach"}
        diffs = register_differences(facts, entry("S1", "HTTNV", months_worked=10))
        assert diffs == [
            "xếp loại: hồ sơ HTXSNV, sổ xếp loại HTTNV",
            "số tháng làm việc: hồ sơ 12, sổ xếp loại 10",
            "kỷ luật: hồ sơ khien_trach, sổ xếp loại none",
        ]
        assert register_differences({"rating": "HTTNV"}, entry("S1")) == []


class TestRuleFiveFromTheRoster:
    def ten(self, qualifying: int) -> RosterBasis:
        codes = [f"S{i}" for i in range(1, 11)]
        register = [entry(c) for c in codes[:qualifying]]
        register += [entry(c, "HTNV") for c in codes[qualifying:]]
        return basis([member(c, gender="nu" if i < 3 else "nam") for i, c in enumerate(codes)],
                     register)  # fmt: skip

    def test_seven_of_ten_with_three_nominated_gets_ttldtt(self, engine: RulesEngine) -> None:
        """3 nominees + 4 qualified by the register = 7/10 → TTLDTT; counts and flag."""
        cands = [ind("S1"), ind("S2"), ind("S3"), col()]
        a = appraise(cands, engine, ruleset=RULESET, roster=self.ten(7))
        c = next(r for r in a.results if r.key == "c-P1")
        assert c.outcome == Outcome.RECOMMENDED and "TTLDTT" in c.titles
        f = c.facts_used
        assert (f["members_total"], f["members_ldtt"], f["female_members"]) == (10, 7, 3)
        assert c.member_basis == {"members": 10, "register_ldtt": 4, "nominees": ["S1", "S2", "S3"]}
        flag = next(x for x in c.flags if x.code == "collective_facts_computed")
        assert flag.message_vi.startswith(
            "Số liệu tập thể được tính từ danh sách 10 thành viên và sổ xếp loại năm 2024: "
        )

    def test_six_of_ten_does_not(self, engine: RulesEngine) -> None:
        """6/10 < 70% → no TTLDTT."""
        a = appraise([ind("S1"), col()], engine, ruleset=RULESET, roster=self.ten(6))
        c = next(r for r in a.results if r.key == "c-P1")
        assert c.facts_used["members_ldtt"] == 6 and "TTLDTT" not in c.titles

    def test_a_nominee_returned_counts_by_the_round_not_the_register(
        self, engine: RulesEngine
    ) -> None:
        """A nominated member's round outcome decides even when the register qualifies them."""
        returned = ind("S1").model_copy(update={"dossier": None})
        a = appraise([returned, col()], engine, ruleset=RULESET, roster=self.ten(7))
        c = next(r for r in a.results if r.key == "c-P1")
        assert c.facts_used["members_ldtt"] == 6
        assert any(x.code == "members_pending" for x in c.flags)

    def test_without_register_rows_for_the_unit_rule_five_is_unchanged(
        self, engine: RulesEngine
    ) -> None:
        """The roster holds the unit but the register has none of it: nominees only."""
        roster = basis([member(f"S{i}") for i in range(1, 11)], [])
        with_roster = appraise([ind("S1"), col()], engine, ruleset=RULESET, roster=roster)
        without = appraise([ind("S1"), col()], engine, ruleset=RULESET)
        assert with_roster == without

    def test_facts_differing_from_the_register_are_flagged(self, engine: RulesEngine) -> None:
        """HTXSNV submitted, HTTNV in the register: flag with both values."""
        a = appraise([ind("S1", rating="HTXSNV")], engine, ruleset=RULESET, roster=self.ten(7))
        (flag,) = [f for f in a.results[0].flags if f.code == "facts_differ_from_register"]
        assert flag.message_vi == (
            "Thông tin hồ sơ khác sổ xếp loại năm 2024: xếp loại: hồ sơ HTXSNV, sổ xếp loại HTTNV"
        )

    def test_vote_recounts_from_the_roster(self, engine: RulesEngine) -> None:
        """A nominee's LDTT failing the vote: 6/10 (the register's 4 still count) → TTLDTT lost."""
        cands = [ind("S1"), ind("S2"), ind("S3"), col()]
        a = appraise(cands, engine, ruleset=RULESET, roster=self.ten(7))
        after = recompute_after_vote(a, {("S1", "LDTT"): False}, engine, ruleset=RULESET)
        c = next(r for r in after.results if r.key == "c-P1")
        assert c.facts_used["members_ldtt"] == 6 and c.facts_used["members_total"] == 10
        assert "TTLDTT" not in c.titles
        assert any(x.code == "lost_by_member_vote" for x in c.flags)


class TestRosterRuleInARulesFile:
    def test_an_unknown_roster_rule_is_refused_at_upload_naming_its_line(self) -> None:
        """A rules text declaring roster_rule: first_unit is invalid, with the line; a known one loads."""
        text = (DEFAULT_DIRECTORY / "ntm-2024.v1.yaml").read_text(encoding="utf-8")

        def declaring(value: str) -> str:
            param = (
                "parameters:\n  roster_rule:\n    type: string\n    value: " + value + "\n"
                "    description_vi: Quy tắc điều chuyển.\n    description_en: Transfer rule.\n"
            )
            return text.replace("parameters:\n", param, 1)

        assert parse_content(declaring("longest_service")).params["roster_rule"].value == (
            "longest_service"
        )
        with pytest.raises(Refusal) as info:
            parse_content(declaring("first_unit"))
        assert "roster_rule" in info.value.message and "longest_service" in info.value.message
        line = declaring("first_unit").splitlines().index("  roster_rule:") + 1
        assert [(e.field, e.line) for e in info.value.errors] == [("content", line)]
