"""Console form parsing: errors name the field that is wrong, good forms become service requests."""

from __future__ import annotations

import pytest

from thidua.entrypoints.web.explain import explain
from thidua.entrypoints.web.forms import (
    FormError,
    council_request,
    decision_request,
    resubmit_request,
)
from thidua.entrypoints.web.screens.decisions import csv_cell
from thidua.entrypoints.web.screens.rules import numbered


def council_form(**overrides: str) -> dict[str, str]:
    form = {
        "held_on": "2024-12-22",
        "members": "Trương Minh Khôi\nLê Văn Thắng (vắng, gửi phiếu)\nPhạm Hữu Lộc (vắng)\n",
        "ballot_count": "1",
        "b0_nomination": "NTM-2024_2024_NV020",
        "b0_title": "LDTT",
        "b0_label": "Lê Thị Thùy Dung",
        "b0_in_favour": "2",
        "b0_against": "0",
        "b0_abstain": "0",
    }
    form.update(overrides)
    return form


class TestCouncilForm:
    def test_members_lines_become_attendance(self) -> None:
        """Each line is a member; «(vắng, gửi phiếu)» and «(vắng)» mark absences."""
        body = council_request(council_form())
        assert [(m.name, m.present, m.written_vote) for m in body.members] == [
            ("Trương Minh Khôi", True, False),
            ("Lê Văn Thắng", False, True),
            ("Phạm Hữu Lộc", False, False),
        ]
        assert body.ballots[0].title == "LDTT" and body.ballots[0].in_favour == 2

    @pytest.mark.parametrize(
        ("override", "field", "words"),
        [
            ({"held_on": "22/12/2024"}, "held_on", "Ngày họp"),
            ({"members": "  \n"}, "members", "ít nhất một thành viên"),
            ({"b0_in_favour": ""}, "b0_in_favour", "Lê Thị Thùy Dung – LDTT, tán thành"),
            ({"b0_against": "-1"}, "b0_against", "không phải số phiếu hợp lệ"),
        ],
    )
    def test_a_bad_field_is_named(self, override: dict[str, str], field: str, words: str) -> None:
        """The error says which field (and which nomination) is wrong."""
        with pytest.raises(FormError) as exc:
            council_request(council_form(**override))
        assert exc.value.field == field and words in exc.value.message


class TestDecisionForm:
    def test_rejected_items_need_a_reason(self) -> None:
        """A ticked item without a reason is refused at that item's reason field."""
        form = {
            "action": "approve",
            "item_count": "2",
            "i0_nomination": "K0",
            "i0_title": "LDTT",
            "i1_nomination": "K1",
            "i1_title": "GIAY_KHEN",
            "i1_label": "Nguyễn Văn A",
            "i1_reject": "1",
        }
        with pytest.raises(FormError) as exc:
            decision_request(form)
        assert exc.value.field == "i1_reason" and "Nguyễn Văn A" in exc.value.message
        body = decision_request({**form, "i1_reason": "Chưa tiêu biểu"})
        assert [(r.nomination, r.title, r.reason) for r in body.reject] == [
            ("K1", "GIAY_KHEN", "Chưa tiêu biểu")
        ]

    def test_returning_the_list_needs_a_reason(self) -> None:
        """Returning to the Office without a reason is refused at the reason field."""
        with pytest.raises(FormError) as exc:
            decision_request({"action": "return", "reason": " "})
        assert exc.value.field == "reason"
        assert decision_request({"action": "return", "reason": "Bổ sung"}).reason == "Bổ sung"


class TestExplanation:
    def test_an_exclusion_that_does_not_apply_reads_as_good(self) -> None:
        """A hold rule that did not fire is 'không vướng' (good); a grant that fired is good."""
        evaluation = {
            "status": "eligible",
            "titles": ["LDTT"],
            "ruleset": {"id": "ntm-2024", "version": "1"},
            "rules": [
                {"id": "hold", "kind": "hold", "outcome": "not_fired", "conditions": []},
                {
                    "id": "ldtt",
                    "kind": "grant",
                    "outcome": "fired",
                    "title_vi": "Lao động tiên tiến",
                    "conditions": [
                        {"field": "months_worked", "operator": "gte", "expected": 10,
                         "actual": 12, "passed": True}
                    ],
                },
            ],
        }  # fmt: skip
        out = explain(evaluation, {"months_worked": ("số tháng công tác", "month")})
        assert out is not None
        hold, ldtt = out.rules
        assert (hold.verdict, hold.outcome_vi) == ("good", "Không vướng")
        assert (ldtt.verdict, ldtt.outcome_vi) == ("good", "Đạt")
        assert (
            ldtt.conditions[0].operator == "≥" and ldtt.conditions[0].label == "số tháng công tác"
        )


def test_numbered_listing_keeps_context_around_bad_lines() -> None:
    """Only lines near an error are listed, numbered, the bad one marked."""
    text = "\n".join(f"dòng {i}" for i in range(1, 21))
    rows = numbered(text, {10})
    assert [n for n, _, _ in rows] == list(range(7, 14))
    assert [n for n, _, bad in rows if bad] == [10]


def test_csv_cells_never_start_a_formula() -> None:
    """Exported names that look like formulas are quoted for spreadsheets."""
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("Nguyễn Văn A") == "Nguyễn Văn A" and csv_cell(12) == "12"


class TestResubmitForm:
    def test_broken_json_and_bad_facts_are_named(self) -> None:
        """JSON errors give line and column; a wrong fact value names its field."""
        with pytest.raises(FormError) as exc:
            resubmit_request({"facts": '{\n  "kind": "individual",\n  rating: 1\n}'})
        assert exc.value.field == "facts" and "dòng 3" in exc.value.message
        facts = '{"kind": "individual", "id": "NV020", "year": 2024, "rating": "GIOI"}'
        with pytest.raises(FormError) as exc:
            resubmit_request({"facts": facts})
        assert exc.value.field == "facts" and "rating" in exc.value.message

    def test_the_dossier_lines_become_evidence(self) -> None:
        """Evidence is one document per line; empty fields are left out."""
        body = resubmit_request(
            {
                "facts": '{"kind": "individual", "id": "NV020", "year": 2024, "rating": "HTTNV"}',
                "achievement_report": "BCTT.pdf",
                "evidence": "a.pdf\n\n b.pdf \n",
                "reason": "",
            }
        )
        assert body.dossier is not None and body.dossier.evidence == ["a.pdf", "b.pdf"]
        assert body.dossier.review_minutes is None and body.reason is None
