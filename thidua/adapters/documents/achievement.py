"""The layout of the nominee's achievement report (báo cáo thành tích), and its files in memory.

The report is built per request and served, never kept (it takes no number: the nominee's own
report, not an agency document), so it is rendered to bytes (Word) or a string (HTML). Blanks
the records cannot fill are printed as dotted lines for the nominee to write on.
"""

from __future__ import annotations

from thidua.domain.documents.achievement import (
    AchievementReportDoc,
    Entry,
    FillIn,
    Grid,
    Item,
    Text,
)
from thidua.domain.documents.models import Signer

from .blocks import (
    MOTTO,
    SLOGAN,
    TABLE_PT,
    Block,
    Cell,
    Column,
    DualSignature,
    Header,
    Para,
    Rule,
    Run,
    Table,
    p,
)
from .render_docx import render_docx_bytes
from .render_html import render_html_string

__all__ = ["DOTS", "achievement_blocks", "achievement_docx", "achievement_html"]

#: A blank to fill in, inside a line ("Quê quán: ……………").
DOTS = "…………………………………………"
#: A whole line to write on.
DOTTED_LINE = "……………………………………………………………………………………………"
#: A blank table cell.
CELL_DOTS = "…………"
#: The date line: the nominee dates the report when signing it.
UNDATED = "ngày …… tháng …… năm ……"


def _entry(item: Entry) -> Para:
    value = Run(item.value) if item.value is not None else Run(DOTS)
    return Para((Run(f"- {item.label}: "), value), first_indent=True, space_after=3)


def _fill_in(item: FillIn) -> list[Block]:
    out: list[Block] = []
    if item.hint:
        out.append(p(f"({item.hint})", italic=True, after=0))
    out += [p(DOTTED_LINE, indent=False, align="left", after=0) for _ in range(item.lines)]
    out.append(p("", after=3))
    return out


def _grid(item: Grid) -> list[Block]:
    columns = tuple(
        Column(title, width, "center" if i == 0 else "left")
        for i, (title, width) in enumerate(zip(item.columns, item.widths_mm, strict=True))
    )
    rows = tuple(
        tuple(Cell(text if text is not None else CELL_DOTS) for text in row) for row in item.rows
    )
    return [Table(columns, rows, size=TABLE_PT), p("", after=3)]


def _item(item: Item) -> list[Block]:
    if isinstance(item, Entry):
        return [_entry(item)]
    if isinstance(item, Text):
        return [p(item.text, after=3)]
    if isinstance(item, FillIn):
        return _fill_in(item)
    return _grid(item)


def achievement_blocks(doc: AchievementReportDoc) -> list[Block]:
    """The report's blocks: the form's label, the header (the agency over the unit, no number),
    the title and purpose, the form's sections with their parts, the two signatures."""
    blocks: list[Block] = [
        p(doc.form_label, italic=True, align="right", indent=False, size=11, after=3),
        Header(
            parent=doc.governing_body,
            name=doc.unit_name,
            number_line="",
            motto=MOTTO,
            slogan=SLOGAN,
            place_date=f"{doc.place}, {UNDATED}",
        ),
        p(doc.title, bold=True, align="center", indent=False, before=18, after=0, keep=True),
        p(
            doc.purpose if doc.purpose is not None else f"Đề nghị {DOTS}",
            bold=True,
            align="center",
            indent=False,
            after=0,
            keep=True,
        ),
        Rule(),
    ]
    for section in doc.sections:
        blocks.append(p(section.heading, bold=True, indent=not section.group, keep=True))
        for item in section.items:
            blocks += _item(item)
    left, right = doc.signatures
    blocks.append(
        DualSignature(
            left=Signer(position=left.caption, note=left.note, name=left.name or ""),
            right=Signer(position=right.caption, note=right.note, name=right.name or ""),
        )
    )
    return blocks


def _title(doc: AchievementReportDoc) -> str:
    return f"Báo cáo thành tích – {doc.nominee_name} ({doc.nomination})"


def achievement_docx(doc: AchievementReportDoc) -> bytes:
    """The report as a Word file."""
    return render_docx_bytes(achievement_blocks(doc))


def achievement_html(doc: AchievementReportDoc) -> str:
    """The report as a self-contained HTML page (print CSS, A4)."""
    return render_html_string(achievement_blocks(doc), _title(doc))
