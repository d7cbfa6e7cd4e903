"""Reading the ``registrations`` sheet of an .xlsx workbook: emulation registrations.

Columns (extra columns are ignored): ``movement, kind, code, unit, titles`` (titles separated by
commas). Rows are numbered as the spreadsheet numbers them (header = row 1); blank rows are
skipped. A file that is not a workbook, a missing sheet or a missing column is a
``BulkFileError`` whose message names the sheet (and row 1 and the column).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from thidua.adapters.tabular.cells import append_row
from thidua.adapters.tabular.readers import BulkFileError

SHEET = "registrations"
COLUMNS = ("movement", "kind", "code", "unit", "titles")
REQUIRED = ("movement", "kind", "code", "titles")

Row = tuple[int, dict[str, str | None]]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    text = str(value).strip()
    return text or None


def read_registrations_xlsx(data: bytes) -> list[Row]:
    """The non-blank rows of the ``registrations`` sheet, each with its spreadsheet row number."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise BulkFileError(f"không đọc được tệp Excel (.xlsx): {exc}") from None
    try:
        if SHEET not in wb.sheetnames:
            raise BulkFileError(
                f"tệp không có trang «{SHEET}» (có: {', '.join(wb.sheetnames) or 'không có'})."
            )
        it = wb[SHEET].iter_rows(values_only=True)
        header = [(_text(h) or "").lower() for h in next(it, None) or ()]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise BulkFileError(
                f"trang «{SHEET}», dòng 1: thiếu cột {', '.join(f'«{c}»' for c in missing)} "
                f"(các cột: {', '.join(COLUMNS)})."
            )
        at = {c: header.index(c) for c in COLUMNS if c in header}
        rows: list[Row] = []
        for number, values in enumerate(it, start=2):
            cells = {c: _text(values[i]) if i < len(values) else None for c, i in at.items()}
            if any(v is not None for v in cells.values()):
                rows.append((number, cells))
        return rows
    except BulkFileError:
        raise
    except Exception as exc:  # a damaged workbook fails while its rows are read
        raise BulkFileError(f"không đọc được trang «{SHEET}» của tệp Excel: {exc}") from None
    finally:
        wb.close()


def write_registrations_xlsx(rows: list[dict[str, str]]) -> bytes:
    """A ``registrations`` sheet with the header and ``rows`` (templates and tests)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for r in rows:
        append_row(ws, [r.get(c, "") for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
