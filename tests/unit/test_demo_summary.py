"""The demo's printed summary names titles as the round's ruleset does (no table of its own)."""

from __future__ import annotations

from rules.registry import RulesRegistry
from thidua.entrypoints.demo.summary import summarize, title_label

NTM = RulesRegistry.from_directory().get("ntm-2024", "1")


class TestTitleNames:
    """Each title reads as the ruleset names it; province-level forms say they go upward."""

    def test_a_title_reads_as_its_name_without_the_word_danh_hieu(self) -> None:
        """LDTT: the ruleset's «danh hiệu Lao động tiên tiến», capitalised, without «danh hiệu»."""
        assert NTM.titles["LDTT"].name_vi == "danh hiệu Lao động tiên tiến"
        assert title_label(NTM, "LDTT") == "Lao động tiên tiến"

    def test_a_proposal_says_it_goes_to_the_province(self) -> None:
        """A proposal (a province-level form) is marked «(trình tỉnh)»."""
        assert title_label(NTM, "BANG_KHEN_UBND_TINH") == (
            "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh (trình tỉnh)"
        )

    def test_an_unknown_ruleset_or_code_reads_as_the_code(self) -> None:
        """Without a ruleset (or for a code it does not know) the code is shown."""
        assert title_label(None, "LDTT") == "LDTT"
        assert title_label(NTM, "XYZ") == "XYZ"

    def test_the_summary_orders_titles_as_the_ruleset_and_counts_proposals_upward(self) -> None:
        """A round's items are grouped in the ruleset's title order; proposals count as sent up."""
        item = {"council_status": "passed", "director_status": "approved", "level": "director"}
        view = {
            "key": "R",
            "stage": "decided",
            "ruleset": {"id": "ntm-2024", "version": "1"},
            "items": [
                {**item, "code": "TTLDXS", "province_status": "approved"},
                {**item, "code": "CSTDCS"},
                {**item, "code": "LDTT"},
            ],
        }
        summary = summarize(view, set(), 0, 3)
        assert list(summary.titles) == ["LDTT", "CSTDCS", "TTLDXS"]
        assert summary.province_level == ["TTLDXS"]
        assert summary.titles["TTLDXS"].submitted_to_province == 1
        assert summary.titles["LDTT"].submitted_to_province == 0
