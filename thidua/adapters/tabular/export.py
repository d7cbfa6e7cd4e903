"""Writing nominations to a spreadsheet (.xlsx) or a CSV file, with a Vietnamese header row.

No cell is ever written as a formula (``thidua.adapters.tabular.cells``): in .xlsx text cells are
string cells, in .csv a formula-like text gets a leading apostrophe."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from thidua.adapters.tabular.cells import append_row, csv_row
from thidua.adapters.tabular.readers import BulkFileError
from thidua.app.ports.nominations import NominationView
from thidua.domain.labels import ELIGIBILITY_LABEL_VI, STAGE_LABEL_VI
from thidua.domain.nominations import Stage

EXPORT_HEADER = (
    "Mã hồ sơ",
    "Đơn vị",
    "Người/tập thể",
    "Bước",
    "Kết quả tiêu chí",
    "Danh hiệu",
    "Đề nghị cấp trên",
    "Bộ tiêu chí",
    "Cập nhật",
)
_WIDTHS = (30, 9, 34, 24, 16, 20, 20, 22, 17)


def _export_row(v: NominationView) -> list[str]:
    try:
        stage = STAGE_LABEL_VI[Stage(v.stage)]
    except ValueError:
        stage = v.stage
    ruleset = f"{v.ruleset.id} {v.ruleset.version}" if v.ruleset else ""
    updated: datetime = v.updated_at
    return [
        v.id,
        v.unit,
        f"{v.nominee_name} ({v.nominee_code})",
        stage,
        ELIGIBILITY_LABEL_VI.get(v.status or "", v.status or ""),
        ", ".join(v.titles),
        ", ".join(v.proposals),
        ruleset,
        f"{updated:%d/%m/%Y %H:%M}",
    ]


def export_rows(views: Sequence[NominationView], fmt: Literal["xlsx", "csv"], path: Path) -> Path:
    """Write ``views`` to ``path`` with a Vietnamese header row (CSV with a BOM, for Excel)."""
    rows = [_export_row(v) for v in views]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_HEADER)
            writer.writerows(csv_row(r) for r in rows)
        return path
    if fmt != "xlsx":
        raise BulkFileError(f"định dạng xuất «{fmt}» không được hỗ trợ; dùng xlsx hoặc csv.")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Hồ sơ đề nghị"
    ws.append(list(EXPORT_HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(ws, r)
    for i, w in enumerate(_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"
    wb.save(path)
    return path
