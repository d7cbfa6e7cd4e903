"""Writing cells that a spreadsheet can never run as formulas (CSV/formula injection, OWASP).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(``FORMULA_START``) would be taken as a formula by Excel or LibreOffice:

- in .xlsx every text cell is written as a string cell (``data_type = "s"``) with Excel's
  quote prefix, so its value is kept exactly (``=HYPERLINK(...)`` reads back as that text) and
  editing the cell in Excel does not turn it into a formula;
- in .csv, which has no types, such a text gets a leading apostrophe (OWASP's advice); our
  readers (``thidua.app.org_tables.cell_text``) drop it again.

Numbers (and dates, booleans) stay what they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from thidua.app.org_tables import FORMULA_START


def formula_like(value: Any) -> bool:
    """A text a spreadsheet would take as the start of a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """A CSV cell: a formula-like text with a leading apostrophe, anything else as is."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)``, every text cell a string (never a formula); numbers stay numbers."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            guard_cell(cell)


def guard_cell(cell: Any) -> None:
    """A text cell as a plain string: openpyxl takes any text starting with ``=`` as a
    formula (``data_type`` ``f``)."""
    cell.data_type = "s"
    if formula_like(cell.value):
        cell.quotePrefix = True
