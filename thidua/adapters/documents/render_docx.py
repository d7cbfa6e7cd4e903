"""Word (.docx) renderer: A4, Times New Roman, margins and header per Decree 30/2020/NĐ-CP."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from thidua.domain.documents.models import AnyDoc, Signer

from .blocks import (
    HEADER_PT,
    TEXT_WIDTH_MM,
    Block,
    Closing,
    DualSignature,
    Header,
    PageBreak,
    Para,
    Rule,
    Run,
    Table,
    wrap_name,
)
from .layout import layout

__all__ = ["FONT", "MARGINS_MM", "render_docx", "render_docx_blocks", "render_docx_bytes"]

FONT = "Times New Roman"
#: top, bottom, left, right (Decree 30: 20–25, 20–25, 30–35, 15–20 mm).
MARGINS_MM = (20.0, 20.0, 30.0, 15.0)
#: The header table reaches 10 mm into the left margin (as official templates do) so the motto
#: fits on one line and the agency name breaks after "THƯƠNG BINH".
HEADER_OUTDENT_MM = 10.0
HEADER_LEFT_MM = 78.0
HEADER_RIGHT_MM = TEXT_WIDTH_MM + HEADER_OUTDENT_MM - HEADER_LEFT_MM
HEADER_NAME_PT = 12.5
CELL_PAD_MM = 1.0

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}

# Children of w:pPr that must follow w:pBdr (schema order matters to Word).
_PBDR_SUCCESSORS = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    # Drop theme fonts so Times New Roman applies to every script (Vietnamese uses hAnsi).
    for rfonts in document.styles.element.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(6)
    fmt.line_spacing = 1.0
    fmt.widow_control = True
    _page_numbers(section)


def _page_numbers(section: Any) -> None:
    """Page number centred in the top margin, not on the first page (Decree 30)."""
    section.different_first_page_header_footer = True
    par = section.header.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = par.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
        else:
            fld = OxmlElement("w:instrText")
            fld.set(qn("xml:space"), "preserve")
            fld.text = f" {text} "
        run._r.append(fld)


def _clear(cell: Any) -> Any:
    """Remove a new cell's placeholder paragraph(s) so content starts at the top."""
    for par in list(cell.paragraphs):
        par._p.getparent().remove(par._p)
    return cell


def _paragraph(
    container: Any,
    runs: tuple[Run, ...],
    *,
    align: str = "justify",
    size: float = 14.0,
    before: float = 0.0,
    after: float = 6.0,
    first_indent: bool = False,
    keep: bool = False,
    page_break: bool = False,
    line_spacing: float | None = None,
) -> Any:
    par = container.add_paragraph()
    fmt = par.paragraph_format
    fmt.alignment = _ALIGN[align]
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if first_indent:
        fmt.first_line_indent = Cm(1)
    if keep:
        fmt.keep_with_next = True
    if page_break:
        fmt.page_break_before = True
    if line_spacing is not None:
        fmt.line_spacing = line_spacing
    for r in runs:
        run = par.add_run(r.text)
        run.bold, run.italic = r.bold or None, r.italic or None
        if r.underline:
            run.underline = True
        run.font.size = Pt(size)
    return par


def _text(container: Any, text: str, **kw: Any) -> Any:
    bold, italic, underline = kw.pop("bold", False), kw.pop("italic", False), kw.pop("u", False)
    return _paragraph(container, (Run(text, bold, italic, underline),), **kw)


def _rule(container: Any, width_mm: float, available_mm: float, *, after: float = 0.0) -> None:
    """An empty paragraph whose top border draws a short centred line."""
    par = container.add_paragraph()
    ppr = par._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        top.set(qn(f"w:{key}"), value)
    border.append(top)
    ppr.insert_element_before(border, *_PBDR_SUCCESSORS)
    indent = max((available_mm - width_mm) / 2, 0)
    fmt = par.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(indent)
    fmt.space_before, fmt.space_after = Pt(3), Pt(after)
    fmt.line_spacing = Pt(4)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cell_setup(cell: Any, width_mm: float, *, pad_mm: float | None = None) -> None:
    cell.width = Mm(width_mm)
    if pad_mm is not None:
        tcpr = cell._tc.get_or_add_tcPr()
        mar = OxmlElement("w:tcMar")
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(int(pad_mm * 56.7)))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        tcpr.append(mar)


def _borderless(document: Any, widths: tuple[float, ...], rows: int) -> Any:
    table = document.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = Mm(width)
        for cell in table.columns[i].cells:
            _cell_setup(_clear(cell), width, pad_mm=CELL_PAD_MM)
    for row in table.rows:
        _cant_split(row)
    return table


def _table_indent(table: Any, mm: float) -> None:
    tblpr = table._tbl.tblPr
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), str(int(mm * 56.7)))
    ind.set(qn("w:type"), "dxa")
    # w:tblInd follows w:tblW/w:jc/w:tblCellSpacing and precedes borders, shading, layout, margins.
    tblpr.insert_element_before(
        ind, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"
    )


def _table_cell_margins(table: Any, mm: float) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(mm * 56.7)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.insert_element_before(mar, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _cant_split(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    trpr.append(el)


def _header(document: Any, block: Header) -> None:
    table = _borderless(document, (HEADER_LEFT_MM, HEADER_RIGHT_MM), 2)
    table.alignment = None
    _table_indent(table, -HEADER_OUTDENT_MM)
    left, right = table.rows[0].cells
    inner_left = HEADER_LEFT_MM - 2 * CELL_PAD_MM
    _text(left, block.parent.upper(), align="center", size=HEADER_NAME_PT, after=0)
    for line in wrap_name(block.name.upper()):
        _text(left, line, bold=True, align="center", size=HEADER_NAME_PT, after=0)
    _rule(left, 25, inner_left)
    _text(right, block.motto, bold=True, align="center", size=12.5, after=0)
    _text(right, block.slogan, bold=True, u=True, align="center", size=HEADER_PT + 1, after=0)
    number, place_date = table.rows[1].cells
    _text(number, block.number_line, align="center", size=HEADER_PT, before=4, after=0)
    _text(place_date, block.place_date, italic=True, align="center", size=14, before=4, after=0)


def _signer_lines(cell: Any, signer: Signer) -> None:
    if signer.on_behalf:
        _text(cell, signer.on_behalf.upper(), bold=True, align="center", after=0)
    _text(cell, signer.position.upper(), bold=True, align="center", after=0)
    if signer.note:
        _text(cell, signer.note, italic=True, align="center", after=0)
    _text(cell, "", align="center", after=0, size=14, before=60)
    _text(cell, signer.name, bold=True, align="center", after=0)


def _recipients(cell: Any, recipients: tuple[str, ...]) -> None:
    _text(cell, "Nơi nhận:", bold=True, italic=True, align="left", size=12, after=0)
    for item in recipients:
        line = item if item.lstrip().startswith("-") else f"- {item}"
        _text(cell, line, align="left", size=11, after=0, line_spacing=1.0)


def _closing(document: Any, block: Closing) -> None:
    _text(document, "", after=0, size=8, keep=True)
    table = _borderless(document, (80.0, TEXT_WIDTH_MM - 80.0), 1)
    left, right = table.rows[0].cells
    _recipients(left, block.recipients)
    _signer_lines(right, block.signer)


def _dual(document: Any, block: DualSignature) -> None:
    _text(document, "", after=0, size=8, keep=True)
    half = TEXT_WIDTH_MM / 2
    table = _borderless(document, (half, half), 1)
    left, right = table.rows[0].cells
    _signer_lines(left, block.left)
    _signer_lines(right, block.right)
    if block.recipients:
        _text(document, "", after=0)
        _recipients(document, block.recipients)


def _table(document: Any, block: Table) -> None:
    cols = block.columns
    table = document.add_table(rows=0, cols=len(cols))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_cell_margins(table, CELL_PAD_MM)
    head = table.add_row()
    _cant_split(head)
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for cell, col in zip(head.cells, cols, strict=True):
        _text(_clear(cell), col.title, bold=True, align="center", size=block.size, after=0)
    for cells in block.rows:
        row = table.add_row()
        _cant_split(row)
        index = 0
        for c in cells:
            target = row.cells[index]
            if c.span > 1:
                target = target.merge(row.cells[index + c.span - 1])
            align = c.align or cols[index].align
            _clear(target)
            for line in c.text.split("\n"):
                _text(
                    target,
                    line,
                    bold=c.bold,
                    italic=c.italic,
                    align=align,
                    size=block.size,
                    after=0,
                    line_spacing=1.0,
                )
            index += c.span
    for i, col in enumerate(cols):
        table.columns[i].width = Mm(col.width_mm)
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Mm(cols[min(i, len(cols) - 1)].width_mm)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def render_docx_blocks(blocks: list[Block], path: Path) -> Path:
    """Write blocks to a .docx file at ``path``."""
    document = _document(blocks)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def render_docx_bytes(blocks: list[Block]) -> bytes:
    """The .docx file of ``blocks``, in memory (a document served, not kept)."""
    out = io.BytesIO()
    _document(blocks).save(out)
    return out.getvalue()


def _document(blocks: list[Block]) -> Any:
    document = Document()
    _setup(document)
    pending_break = False
    for block in blocks:
        if isinstance(block, PageBreak):
            pending_break = True
            continue
        if pending_break and not isinstance(block, Para):
            _text(document, "", after=0, page_break=True)
            pending_break = False
        if isinstance(block, Para):
            _paragraph(
                document,
                block.runs,
                align=block.align,
                size=block.size,
                before=block.space_before,
                after=block.space_after,
                first_indent=block.first_indent,
                keep=block.keep_with_next,
                page_break=pending_break,
            )
            pending_break = False
        elif isinstance(block, Rule):
            _rule(document, block.width_mm, TEXT_WIDTH_MM, after=6)
        elif isinstance(block, Header):
            _header(document, block)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Closing):
            _closing(document, block)
        elif isinstance(block, DualSignature):
            _dual(document, block)
    return document


def render_docx(doc: AnyDoc, path: Path) -> Path:
    """Render a document model to a Word file at ``path`` and return the path."""
    return render_docx_blocks(layout(doc), path)
