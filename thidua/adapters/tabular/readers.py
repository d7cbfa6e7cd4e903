"""Reading a list of nominations from a file: .xlsx (first sheet), .csv (UTF-8, with or without
a BOM; comma, semicolon or tab) or .jsonl (one submission per line, nested or a flat row).

A reader only turns the file into raw rows (with the problems of its cells); the bulk use cases
(``thidua.app.bulk``) validate them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from thidua.adapters.tabular.layout import KNOWN, flat_to_raw, header_name, text_of
from thidua.app.ports.tabular import WHOLE_ROW, RawFile, RawRow, RowError

SUFFIXES = (".xlsx", ".csv", ".jsonl")


class BulkFileError(Exception):
    """The file itself cannot be read (wrong format, not a spreadsheet, no header)."""


def _rows_from_table(header: Sequence[Any], rows: Iterable[tuple[int, Sequence[Any]]]) -> RawFile:
    out = RawFile()
    columns = [header_name(h) for h in header]
    if not any(columns):
        raise BulkFileError("dòng 1 phải là dòng tiêu đề (movement, unit, kind, id, ...).")
    for name in columns:
        if name and name not in KNOWN:
            out.errors.append(
                RowError(1, name, "cột không được hỗ trợ (xem danh sách cột trong tài liệu)")
            )
    for row_no, values in rows:
        if all(text_of(v) is None for v in values):
            continue  # blank line
        cells = {
            col: values[i] if i < len(values) else None
            for i, col in enumerate(columns)
            if col in KNOWN
        }
        raw, cell_errors = flat_to_raw(row_no, cells)
        out.rows.append(RawRow(row_no, raw, flat=True, errors=cell_errors))
    return out


def read_xlsx(data: bytes) -> RawFile:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise BulkFileError(f"không đọc được tệp Excel (.xlsx): {exc}") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise BulkFileError("bảng tính trống: thiếu dòng tiêu đề.")
        return _rows_from_table(header, ((n, r) for n, r in enumerate(it, start=2)))
    finally:
        wb.close()


def read_csv(data: bytes) -> RawFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"tệp CSV phải mã hoá UTF-8 ({exc}).") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise BulkFileError("tệp CSV trống: thiếu dòng tiêu đề.")
    return _rows_from_table(header, ((n, r) for n, r in enumerate(reader, start=2)))


def read_jsonl(data: bytes) -> RawFile:
    """One submission per line: nested ``{movement, unit, facts, dossier}`` or a flat row."""
    out = RawFile()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"tệp JSONL phải mã hoá UTF-8 ({exc}).") from None
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            error = RowError(line_no, WHOLE_ROW, f"không phải JSON hợp lệ ({exc.msg})")
            out.rows.append(RawRow(line_no, None, flat=False, errors=[error]))
            continue
        if isinstance(obj, dict) and "facts" not in obj:
            unknown = [RowError(line_no, k, "cột không được hỗ trợ") for k in obj if k not in KNOWN]
            raw, cell_errors = flat_to_raw(line_no, {k: v for k, v in obj.items() if k in KNOWN})
            if unknown or cell_errors:  # a flat line is validated only when all its cells read
                out.rows.append(RawRow(line_no, None, flat=True, errors=unknown + cell_errors))
            else:
                out.rows.append(RawRow(line_no, raw, flat=True))
        else:
            out.rows.append(RawRow(line_no, obj, flat=False))
    return out


def read_bytes(data: bytes, suffix: str) -> RawFile:
    """Read ``data`` by its file name's ``suffix`` (.xlsx, .csv or .jsonl)."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise BulkFileError(
            f"định dạng «{suffix}» không được hỗ trợ; dùng .xlsx, .csv hoặc .jsonl."
        )
    read = {".xlsx": read_xlsx, ".csv": read_csv, ".jsonl": read_jsonl}[suffix]
    return read(data)


def read_file(path: Path) -> RawFile:
    """Read ``path`` (.xlsx, .csv or .jsonl) into raw rows."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BulkFileError(f"{path}: không tìm thấy tệp.") from None
    return read_bytes(data, path.suffix)
