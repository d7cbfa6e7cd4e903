"""The organisation's tables as files: which tables exist, their columns, and how a table is read
from CSV text (stdlib only, so the seed can load the sample data set without an adapter).

Tables: ``units``, ``staff``, ``council`` (organisation) and ``ratings`` (the annual register).
Each has required columns (the fixed contract) and optional ones; any other column is ignored.
A .xlsx file names its tables by sheet name (``thidua.adapters.tabular.org``); a .csv holds one
table, whose kind is the one table whose required columns its header row holds.

Cells are kept as text (``None`` when empty): the use cases (``thidua.app.org``) validate them and
report each problem with the sheet, the row as the spreadsheet numbers it (header = 1) and the
column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

#: Required columns of each table (the fixed contract), in the order files are written.
COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("code", "name", "kind", "abbreviation"),
    "staff": ("code", "full_name", "gender", "unit", "position", "joined", "left"),
    "council": ("year", "staff_code", "role"),
    "ratings": (
        "year",
        "staff_code",
        "rating",
        "months_worked",
        "maternity_months",
        "discipline",
        "discipline_until",
    ),
}
#: Optional columns read when present (``unit_from``: the date a changed unit takes effect).
OPTIONAL: dict[str, tuple[str, ...]] = {
    "units": (),
    "staff": ("category", "birth_year", "unit_from"),
    "council": (),
    "ratings": (),
}
#: The tables ``thidua org import`` reads, and the one ``thidua ratings import`` reads.
ORG_TABLES = ("units", "staff", "council")
RATINGS_TABLES = ("ratings",)

#: The characters a spreadsheet takes as the start of a formula: a text cell starting with one
#: is written with a leading apostrophe in CSV (and as a text cell in .xlsx), which readers drop.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OrgFileError(Exception):
    """The file itself cannot be read as these tables (format, header, missing sheet)."""


@dataclass(frozen=True)
class CellError:
    """One problem: the sheet (table), the spreadsheet row (header = 1), the column and what."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"sheet {self.sheet}, dòng {self.row}, cột {self.column}: {self.message}"


@dataclass(frozen=True)
class TableRow:
    """A non-blank row: its spreadsheet number and its cells (column → text, None if empty)."""

    row: int
    cells: dict[str, str | None]

    def get(self, column: str) -> str | None:
        return self.cells.get(column)


@dataclass
class Table:
    """One table read from a file (a sheet, or a whole .csv)."""

    kind: str
    rows: list[TableRow] = field(default_factory=list)
    columns: tuple[str, ...] = ()


def cell_text(value: Any) -> str | None:
    """A cell as text (None when empty): dates as ISO, whole floats as integers, and the
    apostrophe that guards a formula-like text dropped."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        text = text[1:]
    return text or None


def column_name(value: Any) -> str:
    """A header cell as a column name (``Full Name`` → ``full_name``)."""
    return (cell_text(value) or "").lower().replace(" ", "_")


def missing_columns(kind: str, columns: Iterable[str]) -> list[str]:
    present = set(columns)
    return [c for c in COLUMNS[kind] if c not in present]


def kind_of_header(columns: Sequence[str]) -> str:
    """The table a CSV header row belongs to: the one whose required columns it all holds (the
    one with the most, if several do); OrgFileError naming each table's missing columns else."""
    matches = [k for k in COLUMNS if not missing_columns(k, columns)]
    if matches:
        return max(matches, key=lambda k: len(COLUMNS[k]))
    lacks = "; ".join(f"{k} thiếu cột {', '.join(missing_columns(k, columns))}" for k in COLUMNS)
    raise OrgFileError(
        f"dòng tiêu đề (dòng 1) không khớp bảng nào ({lacks}). Dòng 1 phải là tiêu đề của một "
        "trong các bảng units, staff, council, ratings."
    )


def table_from_rows(
    kind: str, header: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]]
) -> Table:
    """A table from its header row and its numbered rows; a missing required column is an
    OrgFileError naming the sheet and the columns."""
    columns = [column_name(h) for h in header]
    missing = missing_columns(kind, columns)
    if missing:
        raise OrgFileError(
            f"sheet {kind}, dòng 1: thiếu cột {', '.join(missing)} "
            f"(cần: {', '.join(COLUMNS[kind])})."
        )
    wanted = set(COLUMNS[kind]) | set(OPTIONAL[kind])
    table = Table(kind, columns=tuple(c for c in columns if c in wanted))
    for row_no, values in rows:
        texts = [cell_text(v) for v in values]
        if all(t is None for t in texts):
            continue  # a blank line
        cells = {
            col: texts[i] if i < len(texts) else None
            for i, col in enumerate(columns)
            if col in wanted
        }
        table.rows.append(TableRow(row_no, cells))
    return table


def read_csv_table(data: bytes, *, accept: Sequence[str], name: str = "tệp CSV") -> Table:
    """One table from CSV bytes (UTF-8 with or without a BOM; comma, semicolon or tab): its kind
    from the header row, refused unless it is one of ``accept``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OrgFileError(f"{name} phải mã hoá UTF-8 ({exc}).") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise OrgFileError(f"{name} trống: thiếu dòng tiêu đề.")
    kind = kind_of_header([column_name(h) for h in header])
    if kind not in accept:
        raise OrgFileError(
            f"{name} là bảng {kind} (theo dòng tiêu đề); lệnh này nhận bảng {', '.join(accept)}."
        )
    return table_from_rows(kind, header, enumerate(reader, start=2))


def guard_formula(text: str) -> str:
    """A text cell for CSV: a leading apostrophe when it would start a formula in a spreadsheet
    (``cell_text`` drops it on reading)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv_table(kind: str, rows: Sequence[dict[str, str]], extra: Sequence[str] = ()) -> bytes:
    """One table as CSV (UTF-8 with a BOM, for Excel), formula-like cells guarded."""
    columns = [*COLUMNS[kind], *extra]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([guard_formula(r.get(c, "") or "") for c in columns])
    return out.getvalue().encode("utf-8-sig")
