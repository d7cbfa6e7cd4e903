"""A what-if report as rows of cells (Vietnamese headings) and as an .xlsx workbook.

``cells`` is the one rendering of a change as a row: the workbook here and the CLI's table use it.
"""

from __future__ import annotations

from pathlib import Path

from thidua.adapters.tabular.cells import append_row
from thidua.app.evaluation_views import WhatIfReport, WhatIfRow
from thidua.domain.labels import (
    ELIGIBILITY_LABEL_VI,
    WHATIF_CHANGE_LABEL_VI,
    WHATIF_SOURCE_LABEL_VI,
)

HEADINGS_VI = (
    "Hồ sơ",
    "Đơn vị",
    "Đối tượng",
    "Danh hiệu / hình thức",
    "Thay đổi",
    "Quy tắc",
    "Lý do",
    "Kết quả cũ → mới",
)


def cells(r: WhatIfRow) -> list[str]:
    """One change as the cells under ``HEADINGS_VI``."""
    old = ELIGIBILITY_LABEL_VI.get(r.old_status, r.old_status)
    new = ELIGIBILITY_LABEL_VI.get(r.new_status, r.new_status)
    return [
        r.nomination,
        r.unit,
        r.nominee_name,
        r.title_vi if r.title is None else f"{r.title} ({r.title_vi})",
        WHATIF_CHANGE_LABEL_VI[r.change],
        r.rule or "",
        r.reason_vi,
        f"{old} → {new}",
    ]


def write_xlsx(report: WhatIfReport, path: str | Path) -> None:
    """Two sheets: the changes (Vietnamese headings) and the summary per title; text cells are
    string cells, never formulas (a reason or a name may start with ``=``)."""
    from openpyxl import Workbook  # imported on first use: keeps the processes' startup short
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Thay đổi"
    ws.append([*HEADINGS_VI, "Bộ tiêu chí cũ", "Lần xét / đợt xét"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in report.rows:
        append_row(ws, [*cells(r), r.old_ruleset, r.evaluation_id or r.round])
    for col, width in zip("ABCDEFGHIJ", (28, 10, 30, 34, 12, 22, 70, 40, 14, 10), strict=True):
        ws.column_dimensions[col].width = width
    summary = wb.create_sheet("Tổng hợp")
    d = report.draft
    append_row(summary, ["Bộ tiêu chí dự thảo", f"{d['id']}@{d['version']}", d["source"]])
    append_row(summary, ["Phong trào", report.movement or "(tất cả)", report.year or ""])
    append_row(summary, ["Dữ liệu xét", WHATIF_SOURCE_LABEL_VI[report.source]])
    append_row(summary, ["Số hồ sơ", report.snapshots])
    append_row(summary, ["Số hồ sơ thay đổi", report.changed_nominations])
    append_row(summary, [])
    append_row(summary, ["Danh hiệu / hình thức", "Tên", "Mất", "Được thêm"])
    for code, c in report.by_title.items():
        append_row(summary, [code, c.name_vi, c.lose, c.gain])
    wb.save(str(path))
