"""The organisation's tables (``units``, ``staff``, ``council``, ``ratings``) in files: a .xlsx
holds them as sheets named after the tables; a .csv holds one table, whose kind its header row
decides (``thidua.app.org_tables``).

Writing guards against formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a CR
is written as a text cell in .xlsx (never a formula) and with a leading apostrophe in .csv.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from thidua.adapters.tabular.cells import guard_cell
from thidua.app.org_tables import (
    COLUMNS,
    OPTIONAL,
    OrgFileError,
    Table,
    read_csv_table,
    table_from_rows,
    write_csv_table,
)

SUFFIXES = (".xlsx", ".csv")


def read_tables(
    data: bytes, suffix: str, accept: Sequence[str], name: str = "tệp"
) -> dict[str, Table]:
    """The tables among ``accept`` in a file's bytes (``suffix``: ``.xlsx`` or ``.csv``)."""
    suffix = suffix.lower()
    if suffix == ".csv":
        table = read_csv_table(data, accept=accept, name=name)
        return {table.kind: table}
    if suffix != ".xlsx":
        raise OrgFileError(f"{name}: chỉ nhận tệp .xlsx hoặc .csv.")
    return _read_xlsx(data, accept, name)


def read_path(path: Path, accept: Sequence[str]) -> dict[str, Table]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OrgFileError(f"{path}: không tìm thấy tệp.") from None
    return read_tables(data, path.suffix, accept, str(path))


def _read_xlsx(data: bytes, accept: Sequence[str], name: str) -> dict[str, Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise OrgFileError(f"{name}: không đọc được tệp Excel (.xlsx): {exc}") from None
    try:
        tables: dict[str, Table] = {}
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        for kind in accept:
            ws = sheets.get(kind)
            if ws is None:
                continue
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                raise OrgFileError(f"sheet {kind}, dòng 1: thiếu dòng tiêu đề.")
            tables[kind] = table_from_rows(kind, header, enumerate(it, start=2))
        if not tables:
            raise OrgFileError(
                f"{name}: không có sheet nào tên {', '.join(accept)} "
                f"(các sheet có: {', '.join(ws.title for ws in wb.worksheets)})."
            )
        return tables
    finally:
        wb.close()


def _extra(kind: str, rows: Sequence[Mapping[str, str]]) -> list[str]:
    """The optional columns some row fills."""
    return [c for c in OPTIONAL[kind] if any(r.get(c) for r in rows)]


def write_xlsx(tables: Mapping[str, Sequence[Mapping[str, str]]]) -> bytes:
    """Sheets named after the tables, a bold header row, every cell as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for kind, rows in tables.items():
        ws = wb.create_sheet(kind)
        columns = [*COLUMNS[kind], *_extra(kind, rows)]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for n, r in enumerate(rows, start=2):
            for i, column in enumerate(columns, start=1):
                text = r.get(column) or ""
                if not text:
                    continue
                cell = ws.cell(row=n, column=i)
                cell.value = text
                guard_cell(cell)  # never a formula, whatever the text starts with
        for i, column in enumerate(columns):
            ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(column) + 4)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_csv(kind: str, rows: Sequence[Mapping[str, str]]) -> bytes:
    return write_csv_table(kind, [dict(r) for r in rows], _extra(kind, rows))


def kind_for_csv(path: Path, kinds: Sequence[str], table: str | None) -> str:
    """Which table a .csv export holds: ``table`` if given, else the file's stem when it names
    one (``staff.csv``)."""
    kind = table or path.stem.lower()
    if kind not in kinds:
        raise OrgFileError(
            f"{path}: tệp .csv chỉ chứa một bảng: đặt tên tệp theo bảng "
            f"({', '.join(f'{k}.csv' for k in kinds)}) hoặc dùng --table."
        )
    return kind


def write_path(
    path: Path, tables: Mapping[str, Sequence[Mapping[str, str]]], *, table: str | None = None
) -> Path:
    """Write ``tables`` to ``path`` (.xlsx: every table; .csv: the one ``kind_for_csv`` picks)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        path.write_bytes(write_xlsx(tables))
    elif suffix == ".csv":
        kind = kind_for_csv(path, list(tables), table)
        path.write_bytes(write_csv(kind, tables[kind]))
    else:
        raise OrgFileError(f"{path}: chỉ ghi được tệp .xlsx hoặc .csv.")
    return path
