"""Movement files (thidua.domain.movements): what a valid file holds, errors naming each key, the
sample NTM-2024 as data; and the not_registered flag (thidua.domain.appraisal.registrations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.registry import RulesRegistry
from thidua.app.sample_data import MOVEMENT
from thidua.domain.appraisal import Appraisal, CandidateResult, Outcome
from thidua.domain.appraisal.registrations import (
    NOT_REGISTERED,
    RegistrationBook,
    flag_unregistered,
)
from thidua.domain.movements import (
    MovementKind,
    Phase,
    is_late,
    parse_movement_yaml,
    parse_movements_yaml,
)
from thidua.domain.refusals import Refusal, RefusalCode

SAMPLE = Path(__file__).resolve().parents[2] / "thidua" / "datasets" / "sample" / "movements.yaml"

VALID: dict[str, Any] = {
    "code": "TDHN-2026",
    "kind": "annual_review",
    "name": "Bình xét danh hiệu thi đua năm 2026",
    "year": 2026,
    "plan": {"number": "12/KH-SNV", "date": "2026-01-05"},
    "opens": "2026-01-10",
    "closes": "2026-12-15",
    "awards": ["LDTT", "CSTDCS"],
    "phases": [
        {"phase": "registration", "starts": "2026-01-10", "ends": "2026-01-31"},
        {"phase": "interim_review", "starts": "2026-06-15", "ends": "2026-06-30"},
        {"phase": "final_review", "starts": "2026-11-15", "ends": "2026-12-15"},
    ],
}


def parse(**changes: Any) -> Any:
    data = {**VALID, **changes}
    for key in [k for k, v in changes.items() if v is None]:
        del data[key]
    return parse_movement_yaml(yaml.safe_dump(data, allow_unicode=True), "tdhn.yaml")


def refused(**changes: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        parse(**changes)
    assert info.value.code is RefusalCode.INVALID
    return info.value


def fields(r: Refusal) -> dict[str, str]:
    return {e.field: e.message for e in r.errors}


class TestMovementSpec:
    def test_a_valid_annual_review_reads_with_its_phases_in_order(self) -> None:
        """An annual review with its three phases reads; phases are looked up by name."""
        spec = parse()
        assert spec.kind is MovementKind.ANNUAL_REVIEW
        assert spec.plan.number == "12/KH-SNV"
        registration = spec.phase(Phase.REGISTRATION)
        assert registration is not None and registration.ends.isoformat() == "2026-01-31"

    def test_a_missing_key_is_named(self) -> None:
        """A missing required key is named in the refusal, in Vietnamese."""
        r = refused(plan=None)
        assert fields(r) == {"plan": "thiếu khóa bắt buộc"}
        assert r.message.startswith("tdhn.yaml: phong trào không hợp lệ: plan: thiếu khóa bắt buộc")

    def test_an_unknown_key_and_a_bad_date_are_named_each(self) -> None:
        """Every fault is listed at its key: an unknown key, a nested date."""
        r = refused(budget=100, plan={"number": "1/KH", "date": "05/01/2026"})
        assert fields(r) == {
            "budget": "khóa không được hỗ trợ",
            "plan.date": "phải là ngày dạng YYYY-MM-DD",
        }

    def test_an_unknown_kind_lists_the_kinds(self) -> None:
        """A kind outside the two lists them."""
        assert "annual_review" in fields(refused(kind="campaign"))["kind"]

    def test_a_phase_ending_before_it_starts_is_refused(self) -> None:
        """starts after ends names the phase's index."""
        phases = [{"phase": "registration", "starts": "2026-02-01", "ends": "2026-01-10"}]
        assert "phases[0]" in fields(refused(phases=phases))

    def test_a_phase_given_twice_is_refused(self) -> None:
        """Each phase at most once."""
        phase = {"phase": "registration", "starts": "2026-01-10", "ends": "2026-01-31"}
        assert "khai hai lần" in fields(refused(phases=[phase, phase]))["phases[1].phase"]

    def test_phases_out_of_order_are_refused(self) -> None:
        """The interim review must start after the registration phase ends."""
        phases = [
            {"phase": "interim_review", "starts": "2026-01-20", "ends": "2026-02-28"},
            {"phase": "registration", "starts": "2026-01-10", "ends": "2026-01-31"},
        ]
        message = fields(refused(phases=phases))["phases[0].starts"]
        assert "registration" in message and "31/01/2026" in message

    def test_a_phase_far_from_the_year_is_refused(self) -> None:
        """A phase date two years away from the movement's year is refused."""
        phases = [{"phase": "registration", "starts": "2029-01-10", "ends": "2029-01-31"}]
        assert set(fields(refused(phases=phases))) == {"phases[0].starts", "phases[0].ends"}

    def test_a_thematic_movement_needs_contents(self) -> None:
        """A thematic movement without contents is refused at ``contents``."""
        assert "contents" in fields(refused(kind="thematic"))

    def test_award_codes_are_checked_for_format_and_duplicates(self) -> None:
        """Lower-case and repeated award codes are named by index."""
        got = fields(refused(awards=["LDTT", "ldtt", "LDTT"]))
        assert set(got) == {"awards[1]", "awards[2]"}

    def test_invalid_yaml_names_line_and_column(self) -> None:
        """Text that is not YAML is refused with its line and column."""
        with pytest.raises(Refusal) as info:
            parse_movement_yaml("code: [unclosed\nkind: x\n", "bad.yaml")
        assert (
            info.value.message.startswith("bad.yaml: ") and "không phải YAML" in info.value.message
        )

    def test_a_list_of_movements_names_the_index(self) -> None:
        """In a data set's list, keys are named with the movement's index."""
        text = yaml.safe_dump([VALID, {**VALID, "code": "X-2026", "year": "năm"}])
        with pytest.raises(Refusal) as info:
            parse_movements_yaml(text)
        assert fields(info.value) == {"[1].year": "phải là số nguyên"}


class TestSampleMovementFile:
    def test_it_holds_ntm_2024_exactly_as_the_sample_data(self) -> None:
        """movements.yaml is the sample movement: same code, name, plan, dates and description."""
        (spec,) = parse_movements_yaml(SAMPLE.read_text(encoding="utf-8"))
        assert (spec.code, spec.kind, spec.name, spec.year) == (
            MOVEMENT.code,
            MovementKind.THEMATIC,
            MOVEMENT.name,
            MOVEMENT.year,
        )
        assert (spec.plan.number, spec.plan.date) == (MOVEMENT.plan_number, MOVEMENT.plan_date)
        assert (spec.opens, spec.closes) == (MOVEMENT.opens, MOVEMENT.closes)
        assert spec.description == MOVEMENT.description
        assert spec.phases == []

    def test_contents_are_the_plans_four_and_awards_the_rulesets(self) -> None:
        """Contents c1..c4 of the 2024 plan; awards are the 2024 ruleset's titles."""
        (spec,) = parse_movements_yaml(SAMPLE.read_text(encoding="utf-8"))
        assert [c.code for c in spec.contents] == ["c1", "c2", "c3", "c4"]
        assert "nông thôn mới" in spec.contents[0].text and "2024" in spec.contents[1].text
        ruleset = RulesRegistry.from_directory().get("ntm-2024", "1")
        assert spec.awards == list(ruleset.titles)


def _result(key: str, kind: str, titles: list[str], outcome: Outcome) -> CandidateResult:
    return CandidateResult(
        key=key,
        kind=kind,  # type: ignore[arg-type]
        unit="LDVL",
        name=key,
        outcome=outcome,
        reason_vi=None,
        titles=titles,
        proposals=[],
        decision=None,
        facts_used={},
        flags=[],
        rank=0,
    )


APPRAISAL = Appraisal(
    results=[
        _result("M-1_2026_NV018", "individual", ["LDTT", "CSTDCS"], Outcome.RECOMMENDED),
        _result("M-1_2026_NV019", "individual", ["LDTT"], Outcome.RECOMMENDED),
        _result("M-1_2026_LDVL", "collective", ["TTLDTT"], Outcome.RECOMMENDED),
        _result("M-1_2026_NV020", "individual", [], Outcome.RETURNED),
    ],
    by_title={},
    by_unit={},
    flags=[],
)


class TestNotRegisteredFlag:
    def test_titles_not_registered_are_flagged_with_their_names(self) -> None:
        """A recommended title outside the registration, or with none, is flagged by name."""
        book = RegistrationBook(
            "M-1",
            2026,
            has_phase=True,
            titles={("individual", "NV018"): ("LDTT",), ("collective", "LDVL"): ("TTLDTT",)},
        )
        out = flag_unregistered(APPRAISAL, book, {"CSTDCS": "Chiến sĩ thi đua cơ sở"})
        flags = {r.key: [f for f in r.flags if f.code == NOT_REGISTERED] for r in out.results}
        assert "Chiến sĩ thi đua cơ sở (CSTDCS)" in flags["M-1_2026_NV018"][0].message_vi
        assert "chưa đăng ký thi đua" in flags["M-1_2026_NV019"][0].message_vi
        assert flags["M-1_2026_LDVL"] == [] and flags["M-1_2026_NV020"] == []

    def test_a_movement_without_a_registration_phase_flags_nothing(self) -> None:
        """No registration phase: the appraisal is left as it is."""
        book = RegistrationBook("M-1", 2026, has_phase=False)
        assert flag_unregistered(APPRAISAL, book) == APPRAISAL

    def test_late_is_outside_the_registration_phase_in_vietnam_time(self) -> None:
        """A registration at 18:00 UTC on the last day is already the next day in Vietnam."""
        from datetime import UTC, datetime

        phases = [{"phase": "registration", "starts": "2026-01-10", "ends": "2026-01-31"}]
        assert not is_late(phases, datetime(2026, 1, 31, 10, 0, tzinfo=UTC))
        assert is_late(phases, datetime(2026, 1, 31, 18, 0, tzinfo=UTC))
        assert not is_late([], datetime(2030, 1, 1, tzinfo=UTC))
