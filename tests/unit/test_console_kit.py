"""What the console's screens share: titles' names from the ruleset, the label filters."""

from __future__ import annotations

import pytest

from rules.engine import RulesEngine
from rules.registry import RulesRegistry
from thidua.entrypoints.web import kit
from thidua.entrypoints.web.explain import explain


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(RulesRegistry.from_directory())


class TestTitleNames:
    def test_names_and_order_come_from_the_ruleset(self, engine: RulesEngine) -> None:
        """Each title reads the ruleset's ``name_vi``, in the ruleset's order of its titles."""
        lr = engine.registry.get("ntm-2024", "1")
        names = kit.title_names(engine, [("ntm-2024", "1"), ("ntm-2024", "1")])
        assert names == {code: t.name_vi for code, t in lr.titles.items()}
        assert list(names) == list(lr.titles)
        codes = ["X", *reversed(lr.titles)]
        assert kit.in_title_order(codes, names) == [*lr.titles, "X"]  # unknown codes last

    def test_an_unknown_version_leaves_the_codes(self, engine: RulesEngine) -> None:
        """A ruleset the registry cannot give names nothing: its codes read as they are."""
        assert kit.title_names(engine, [("ntm-2024", "999"), None]) == {}
        assert kit.ruleset_of(engine, None, "1") is None

    def test_pages_and_their_macros_read_the_page_s_names(self) -> None:
        """``title_vi`` reads the page's ``title_names``, in the page and in imported macros."""
        page = kit.environment().from_string(
            '{% from "_macros.html" import titles with context %}'
            "{{ 'LDTT' | title_vi }}|{{ titles(['LDTT', 'OTHER']) }}"
        )
        html = page.render(title_names={"LDTT": "danh hiệu Lao động tiên tiến"})
        assert html.startswith("danh hiệu Lao động tiên tiến|")
        assert 'title="danh hiệu Lao động tiên tiến">LDTT' in html
        assert 'title="OTHER">OTHER' in html

    def test_a_granted_title_condition_reads_the_title_s_name(self) -> None:
        """«Already granted X» conditions name the title as the ruleset does."""
        evaluation = {
            "status": "eligible",
            "rules": [
                {
                    "id": "cstdcs",
                    "kind": "grant",
                    "outcome": "fired",
                    "conditions": [
                        {"field": "granted.LDTT", "operator": "eq", "expected": True,
                         "actual": True, "passed": True}
                    ],
                }
            ],
        }  # fmt: skip
        out = explain(evaluation, {}, {"LDTT": "danh hiệu Lao động tiên tiến"})
        assert out is not None
        assert out.rules[0].conditions[0].label == "Đã đạt «danh hiệu Lao động tiên tiến»"
        unnamed = explain(evaluation, {})
        assert unnamed is not None and unnamed.rules[0].conditions[0].label == "Đã đạt «LDTT»"


class TestLabelFilters:
    def test_eligibility_reads_as_in_the_decision_explorer(self) -> None:
        """One wording for an evaluation's status across the console and the explorer."""
        status_vi = kit.environment().filters["status_vi"]
        assert [status_vi(s) for s in ("eligible", "not_eligible", "on_hold", None)] == [
            "Đủ điều kiện",
            "Không đủ điều kiện",
            "Tạm dừng xét",
            "—",
        ]

    def test_times_are_shown_in_vietnam_time(self) -> None:
        """Stored UTC times are shown as officials typed them (UTC+7)."""
        assert kit.fmt_iso("2024-12-01T01:30:00+00:00") == "01/12/2024 08:30"
        assert kit.fmt_iso("không phải ngày") == "không phải ngày" and kit.fmt_dt(None) == "—"
