"""Reading and writing the organisation's tables: kinds from headers, sheets, cell text, errors
with sheet/row/column, and formula injection guarded on export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from thidua.adapters.tabular.org import read_tables, write_csv, write_xlsx
from thidua.app.org import TEMPLATE
from thidua.app.org_tables import OrgFileError, cell_text, kind_of_header, read_csv_table

STAFF_HEADER = "code,full_name,gender,unit,position,joined,left"


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class TestCsvKind:
    def test_header_decides_the_table(self) -> None:
        """A staff header makes a staff table; extra columns are allowed."""
        t = read_csv_table(f"{STAFF_HEADER},note\nA1,An,nam,VP,CV,,,x\n".encode(), accept=["staff"])
        assert t.kind == "staff" and t.rows[0].row == 2 and t.rows[0].get("unit") == "VP"
        assert "note" not in t.rows[0].cells

    def test_ratings_header_is_not_taken_for_council(self) -> None:
        """The ratings header holds year and staff_code but no role: ratings."""
        header = "year,staff_code,rating,months_worked,maternity_months,discipline,discipline_until"
        assert kind_of_header(header.split(",")) == "ratings"

    def test_unknown_header_names_missing_columns(self) -> None:
        """A header matching no table is refused, naming each table's missing columns."""
        with pytest.raises(OrgFileError) as caught:
            read_csv_table(b"code,name\nVP,V\n", accept=["units"])
        assert "units thiếu cột kind, abbreviation" in str(caught.value)

    def test_table_of_another_command_is_refused(self) -> None:
        """An org import given a ratings CSV says which table it is."""
        data = (
            b"year,staff_code,rating,months_worked,maternity_months,discipline,discipline_until\n"
        )
        with pytest.raises(OrgFileError, match="là bảng ratings"):
            read_csv_table(data, accept=["units", "staff", "council"])


class TestXlsx:
    def test_reads_named_sheets_and_iso_dates(self) -> None:
        """Sheets are found by name; a date cell reads as ISO text; blank rows are skipped."""
        data = _xlsx(
            {
                "ghi chú": [["x"]],
                "staff": [
                    STAFF_HEADER.split(","),
                    [],
                    ["A1", "An", "nam", "VP", "CV", date(2020, 1, 2)],
                ],
            }
        )
        tables = read_tables(data, ".xlsx", ["units", "staff"])
        assert list(tables) == ["staff"]
        row = tables["staff"].rows[0]
        assert row.row == 3 and row.get("joined") == "2020-01-02" and row.get("left") is None

    def test_missing_column_names_the_sheet(self) -> None:
        """A sheet without a required column: the sheet, row 1 and the columns are named."""
        data = _xlsx({"units": [["code", "name", "kind"]]})
        with pytest.raises(OrgFileError, match="sheet units, dòng 1: thiếu cột abbreviation"):
            read_tables(data, ".xlsx", ["units"])

    def test_no_known_sheet_is_refused(self) -> None:
        """A workbook with none of the tables lists the sheets it has."""
        with pytest.raises(OrgFileError, match="Sheet1"):
            read_tables(_xlsx({"Sheet1": [["a"]]}), ".xlsx", ["units", "staff"])

    def test_not_a_workbook(self) -> None:
        """Bytes that are not a workbook are a clear error, not a traceback."""
        with pytest.raises(OrgFileError, match="không đọc được tệp Excel"):
            read_tables(b"not a zip", ".xlsx", ["units"])


class TestFormulaInjection:
    def test_xlsx_writes_formula_like_text_as_text(self) -> None:
        """A name starting with '=' is a text cell, and reads back as written."""
        rows = [
            {
                "code": "X",
                "name": '=HYPERLINK("http://x")',
                "kind": "division",
                "abbreviation": "@X",
            }
        ]
        wb = load_workbook(io.BytesIO(write_xlsx({"units": rows})))
        cell = wb["units"]["B2"]
        assert cell.data_type == "s" and cell.value == rows[0]["name"]
        back = read_tables(write_xlsx({"units": rows}), ".xlsx", ["units"])["units"].rows[0]
        assert back.get("name") == rows[0]["name"] and back.get("abbreviation") == "@X"

    def test_csv_prefixes_an_apostrophe_that_reading_drops(self) -> None:
        """In CSV a formula-like cell gets a leading apostrophe; the reader removes it."""
        rows = [{"code": "X", "name": "+cmd", "kind": "division", "abbreviation": "-X"}]
        data = write_csv("units", rows)
        assert "'+cmd" in data.decode("utf-8-sig")
        back = read_csv_table(data, accept=["units"]).rows[0]
        assert back.get("name") == "+cmd" and back.get("abbreviation") == "-X"


class TestTemplate:
    def test_template_has_four_sheets_with_an_example_row(self) -> None:
        """The template's sheets are units, staff, council, ratings, each header + one row."""
        wb = load_workbook(io.BytesIO(write_xlsx(TEMPLATE)))
        assert wb.sheetnames == ["units", "staff", "council", "ratings"]
        assert all(wb[name].max_row == 2 for name in wb.sheetnames)


class TestCellText:
    def test_whole_floats_and_blanks(self) -> None:
        """Excel's 2026.0 reads as 2026; blank text as None."""
        assert cell_text(2026.0) == "2026" and cell_text("  ") is None
