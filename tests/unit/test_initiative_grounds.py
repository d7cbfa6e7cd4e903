"""An initiative grounds one title or form only (rule 3b of the appraisal), which initiatives an
award rests on (rules/grounds.py), past uses, and the discipline's end date in the facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rules.engine import RulesEngine
from rules.errors import FactsError
from rules.grounds import ground
from rules.registry import RulesRegistry
from tests.support.rulesets import initiative_twice_registry
from thidua.domain.appraisal import (
    Candidate,
    CandidateResult,
    Dossier,
    InitiativeChoice,
    Outcome,
    PastInitiativeUse,
    appraise,
)
from thidua.domain.roster import RegisterEntry, prefill_individual

TWICE = ("sk-test", "1")
FULL = Dossier(achievement_report="bctt.pdf", review_minutes="bbhx.pdf", evidence=["qd.pdf"])


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(initiative_twice_registry())


def nominee(key: str = "NV1", order: int = 1, **facts: Any) -> Candidate:
    base: dict[str, Any] = {
        "kind": "individual",
        "id": key,
        "year": 2030,
        "rating": "HTXSNV",
        "history": [{"year": 2029, "rating": "HTXSNV", "titles": ["LDTT"]}],
        "initiatives": [
            {"id": "sk-a", "year": 2029, "applied": True},
            {"id": "sk-b", "year": 2030, "applied": True},
        ],
    }
    base.update(facts)
    return Candidate(
        key=key, kind="individual", unit="P1", name=key, facts=base, dossier=FULL, order=order
    )


def only(results: list[CandidateResult]) -> CandidateResult:
    (r,) = results
    return r


class TestGrounds:
    """Which initiatives an award rests on, read from the rules that fired."""

    def test_both_awards_rest_on_the_initiative_of_the_year(self, engine: RulesEngine) -> None:
        """CSTĐCS rests on sk-b (the year's initiative), the Bằng khen on sk-a and sk-b."""
        lr = engine.resolve(ruleset_id="sk-test", version="1")
        g = ground(lr, nominee().facts)
        assert (g.titles, g.proposals) == (["LDTT", "CSTDCS"], ["BANG_KHEN_UBND_TINH"])
        assert g.grounds == {"CSTDCS": ["sk-b"], "BANG_KHEN_UBND_TINH": ["sk-a", "sk-b"]}

    def test_an_award_given_on_titles_rests_on_no_initiative(self) -> None:
        """tdkt-2025: CSTĐCS on sk-d; the Bằng khen on two CSTĐCS years, not on sk-d."""
        lr = RulesRegistry.from_directory().get("tdkt-2025", "1")
        facts = {
            "kind": "individual",
            "id": "cn-123",
            "year": 2026,
            "rating": "HTTNV",
            "history": [{"year": 2025, "rating": "HTTNV", "titles": ["LDTT", "CSTDCS"]}],
            "initiatives": [
                {"id": "sk-c", "year": 2025, "applied": True},
                {"id": "sk-d", "year": 2026, "applied": True},
            ],
        }
        g = ground(lr, facts)
        assert g.proposals == ["BANG_KHEN_UBND_TINH"]
        assert g.grounds == {"CSTDCS": ["sk-d"]}

    def test_ldtt_never_rests_on_an_initiative(self) -> None:
        """LĐTT reads no initiative: an approved LĐTT consumes none."""
        lr = RulesRegistry.from_directory().get("tdkt-2025", "2")
        facts = {
            "kind": "individual",
            "id": "cn-1",
            "year": 2026,
            "rating": "HTTNV",
            "initiatives": [{"id": "sk-1", "year": 2024}],
        }
        g = ground(lr, facts)
        assert g.titles == ["LDTT"] and g.grounds == {}


class TestOneAwardPerInitiative:
    """Rule 3b: within one nomination an initiative grounds one title or form."""

    def test_until_the_office_chooses_the_higher_award_keeps_it(self, engine: RulesEngine) -> None:
        """Flagged; the Bằng khen (a proposal to the province) keeps sk-b; CSTĐCS evaluated
        without it is lost."""
        r = only(appraise([nominee()], engine, ruleset=TWICE).results)
        assert r.outcome == Outcome.RECOMMENDED
        assert (r.titles, r.proposals) == (["LDTT"], ["BANG_KHEN_UBND_TINH"])
        (flag,) = [f for f in r.flags if f.code == "initiative_grounds_twice"]
        assert "“sk-b”" in flag.message_vi
        assert "danh hiệu Chiến sĩ thi đua cơ sở" in flag.message_vi
        assert "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in flag.message_vi
        assert "chưa chọn" in flag.message_vi
        (c,) = r.initiative_conflicts
        assert (c.initiative, c.awards, c.kept_by, c.chosen, c.lost) == (
            "sk-b",
            ["CSTDCS", "BANG_KHEN_UBND_TINH"],
            "BANG_KHEN_UBND_TINH",
            False,
            ["CSTDCS"],
        )
        assert r.initiative_grounds == {"BANG_KHEN_UBND_TINH": ["sk-a", "sk-b"]}

    def test_the_office_choice_keeps_cstdcs_and_drops_the_bang_khen(
        self, engine: RulesEngine
    ) -> None:
        """Chosen for CSTĐCS: the Bằng khen evaluated without sk-b has one applied initiative
        (two needed) and is lost; the flag says the Office chose."""
        choice = InitiativeChoice(nomination="NV1", initiative="sk-b", award="CSTDCS")
        a = appraise([nominee()], engine, ruleset=TWICE, choices=[choice])
        r = only(a.results)
        assert (r.titles, r.proposals) == (["LDTT", "CSTDCS"], [])
        assert r.initiative_grounds == {"CSTDCS": ["sk-b"]}
        (c,) = r.initiative_conflicts
        assert (c.kept_by, c.chosen, c.lost) == ("CSTDCS", True, ["BANG_KHEN_UBND_TINH"])
        assert any("đã chọn" in f.message_vi for f in r.flags)
        assert [f.code for f in a.flags] == ["initiative_grounds_twice"]
        assert a.by_title["BANG_KHEN_UBND_TINH"] == [] and a.by_title["CSTDCS"] == ["NV1"]

    def test_the_other_award_kept_when_it_holds_without_the_initiative(
        self, engine: RulesEngine
    ) -> None:
        """Three applied initiatives: the Bằng khen still holds without sk-b (flag says so)."""
        facts = nominee().facts
        facts["initiatives"] = [
            *facts["initiatives"],
            {"id": "sk-c", "year": 2030, "applied": True},
        ]
        choice = InitiativeChoice(nomination="NV1", initiative="sk-b", award="CSTDCS")
        cand = nominee().model_copy(update={"facts": facts})
        r = only(appraise([cand], engine, ruleset=TWICE, choices=[choice]).results)
        assert (r.titles, r.proposals) == (["LDTT", "CSTDCS"], ["BANG_KHEN_UBND_TINH"])
        assert {c.initiative for c in r.initiative_conflicts} == {"sk-b", "sk-c"}
        assert all(not c.lost for c in r.initiative_conflicts)

    def test_a_choice_of_an_award_it_does_not_ground_is_ignored(self, engine: RulesEngine) -> None:
        """A stale choice (LDTT) leaves the default and the flag names it."""
        choice = InitiativeChoice(nomination="NV1", initiative="sk-b", award="LDTT")
        r = only(appraise([nominee()], engine, ruleset=TWICE, choices=[choice]).results)
        assert r.proposals == ["BANG_KHEN_UBND_TINH"] and "CSTDCS" not in r.titles
        assert any("LDTT không hợp lệ" in f.message_vi for f in r.flags)

    def test_no_flag_when_only_one_award_rests_on_it(self, engine: RulesEngine) -> None:
        """Rated HTTNV: the Bằng khen path needs HTXSNV; nothing is contested."""
        r = only(appraise([nominee(rating="HTTNV")], engine, ruleset=TWICE).results)
        assert r.initiative_conflicts == [] and r.titles == ["LDTT"]
        assert not [f for f in r.flags if f.code == "initiative_grounds_twice"]

    def test_shipped_golden_case_is_not_flagged(self) -> None:
        """tdkt-2025's all-titles case: CSTĐCS on the rating, the Bằng khen on the titles."""
        engine = RulesEngine(RulesRegistry.from_directory())
        cand = nominee(
            year=2026,
            history=[{"year": 2025, "rating": "HTXSNV", "titles": ["LDTT", "CSTDCS"]}],
            initiatives=[
                {"id": "sk-a", "year": 2025, "applied": True},
                {"id": "sk-b", "year": 2026, "applied": True},
            ],
        )
        r = only(appraise([cand], engine, ruleset=("tdkt-2025", "2")).results)
        assert r.initiative_conflicts == []
        assert (r.titles, r.proposals) == (["LDTT", "CSTDCS"], ["BANG_KHEN_UBND_TINH"])


class TestPastUses:
    """An initiative used before: recorded grounds; old items without grounds."""

    def test_an_old_ldtt_item_consumes_no_initiative(self, engine: RulesEngine) -> None:
        """An LĐTT finalised before grounds were recorded does not take sk-b away."""
        past = [PastInitiativeUse(initiative_id="sk-b", used_by="OLD", code="LDTT", recorded=False)]
        r = only(appraise([nominee()], engine, ruleset=TWICE, past_uses=past).results)
        assert not [f for f in r.flags if f.code == "initiative_used_before"]
        assert any(i["id"] == "sk-b" for i in r.facts_used["initiatives"])

    def test_an_old_cstdcs_item_still_consumes_its_initiatives(self, engine: RulesEngine) -> None:
        """An old CSTĐCS keeps the old behaviour: every initiative of its nomination is used."""
        past = [
            PastInitiativeUse(initiative_id="sk-b", used_by="OLD", code="CSTDCS", recorded=False)
        ]
        r = only(appraise([nominee()], engine, ruleset=TWICE, past_uses=past).results)
        assert [f.code for f in r.flags if f.code == "initiative_used_before"] == [
            "initiative_used_before"
        ]
        assert r.titles == ["LDTT"] and r.proposals == []


class TestDisciplineEndDate:
    """The discipline's end date in the facts contract and from the ratings register."""

    def test_ended_before_the_year_counts_as_none(self) -> None:
        """tdkt-2025@2: a reprimand ended 31/12/2025 does not bar LĐTT 2026; one ending
        01/01/2026 does."""
        engine = RulesEngine(RulesRegistry.from_directory())
        base = {"kind": "individual", "id": "x", "year": 2026, "rating": "HTTNV"}
        ended = {**base, "discipline": "khien_trach", "discipline_ends_on": "2025-12-31"}
        running = {**ended, "discipline_ends_on": "2026-01-01"}
        d1 = engine.evaluate(ended, ruleset_id="tdkt-2025", version="2")
        d2 = engine.evaluate(running, ruleset_id="tdkt-2025", version="2")
        assert d1.titles == ["LDTT"] and d1.derived["discipline_in_period"] == "none"
        assert d2.titles == [] and d2.derived["discipline_in_period"] == "khien_trach"
        assert d1.facts["discipline_ends_on"] == dt.date(2025, 12, 31)

    def test_v1_ignores_the_end_date(self) -> None:
        """tdkt-2025@1 (published) reads `discipline` as before."""
        engine = RulesEngine(RulesRegistry.from_directory())
        facts = {
            "kind": "individual",
            "id": "x",
            "year": 2026,
            "rating": "HTTNV",
            "discipline": "khien_trach",
            "discipline_ends_on": "2025-12-31",
        }
        assert engine.evaluate(facts, ruleset_id="tdkt-2025", version="1").titles == []

    def test_a_decision_without_the_end_date_stores_no_such_key(self) -> None:
        """Decisions made before the field reproduce byte for byte: absent means absent."""
        engine = RulesEngine(RulesRegistry.from_directory())
        facts = {"kind": "individual", "id": "x", "year": 2024, "rating": "HTTNV"}
        d = engine.evaluate(facts, ruleset_id="ntm-2024", version="1")
        assert "discipline_ends_on" not in d.facts

    def test_a_number_is_not_a_date(self) -> None:
        """A timestamp-like number is refused, naming the field."""
        engine = RulesEngine(RulesRegistry.from_directory())
        facts = {
            "kind": "individual",
            "id": "x",
            "year": 2026,
            "rating": "HTTNV",
            "discipline_ends_on": 1767225600,
        }
        with pytest.raises(FactsError) as info:
            engine.evaluate(facts, ruleset_id="tdkt-2025", version="2")
        assert info.value.errors[0]["loc"] == "discipline_ends_on"

    def test_the_register_prefills_the_end_date(self) -> None:
        """A nomination without discipline takes the register's measure and its end date."""
        entry = RegisterEntry(
            "NV1", 2026, "HTTNV", 12, 0, "canh_cao", discipline_until=dt.date(2026, 3, 31)
        )
        out = prefill_individual({"kind": "individual", "id": "NV1", "year": 2026}, entry)
        assert out["discipline"] == "canh_cao" and out["discipline_ends_on"] == "2026-03-31"
        kept = prefill_individual(
            {"kind": "individual", "id": "NV1", "year": 2026, "discipline": "none"}, entry
        )
        assert kept["discipline"] == "none" and "discipline_ends_on" not in kept

    def test_register_facts_carry_the_end_date(self) -> None:
        """Rule 5 evaluates register rows with their end dates."""
        entry = RegisterEntry(
            "NV1", 2026, "HTTNV", 12, 0, "khien_trach", discipline_until=dt.date(2025, 11, 30)
        )
        assert entry.facts()["discipline_ends_on"] == "2025-11-30"
        plain = RegisterEntry("NV2", 2026, "HTTNV", 12, 0, "none")
        assert "discipline_ends_on" not in plain.facts()
