"""Self-contained HTML renderer (UTF-8, lang="vi", A4 print CSS), same structure as the .docx."""

from __future__ import annotations

from html import escape
from pathlib import Path

from thidua.domain.documents.models import (
    AnyDoc,
    CouncilMinutesDoc,
    DecisionDoc,
    ReportDoc,
    RevocationDoc,
    Signer,
    SubmissionDoc,
    VoteCountDoc,
)

from .blocks import (
    TEXT_WIDTH_MM,
    Block,
    Closing,
    DualSignature,
    Header,
    PageBreak,
    Para,
    Rule,
    Table,
    wrap_name,
)
from .layout import layout

__all__ = ["render_html", "render_html_blocks", "render_html_string"]

_CSS = f"""
@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
* {{ box-sizing: border-box; }}
html {{ background: #e8e8e8; }}
body {{ margin: 0; font-family: "Times New Roman", Times, "Liberation Serif", serif;
  font-size: 14pt; line-height: 1.25; color: #000; }}
.sheet {{ width: 210mm; min-height: 297mm; margin: 10mm auto; background: #fff;
  padding: 20mm 15mm 20mm 30mm; box-shadow: 0 0 4px rgba(0,0,0,.3); }}
p {{ margin: 0 0 6pt 0; }}
.j {{ text-align: justify; }} .c {{ text-align: center; }} .l {{ text-align: left; }}
.r {{ text-align: right; }} .ind {{ text-indent: 10mm; }}
.hdr {{ width: {TEXT_WIDTH_MM + 10}mm; margin-left: -10mm; border-collapse: collapse; }}
.hdr td {{ vertical-align: top; text-align: center; padding: 0 1mm; }}
.hdr p {{ margin: 0; }}
.u {{ text-decoration: underline; }}
.rule {{ border: 0; border-top: 1px solid #000; margin: 3pt auto 6pt auto; height: 0; }}
.grid {{ width: 100%; border-collapse: collapse; margin: 0; }}
.grid th, .grid td {{ border: 1px solid #000; padding: 2pt 4pt; vertical-align: middle; }}
.grid th {{ font-weight: bold; text-align: center; }}
.grid thead {{ display: table-header-group; }}
.grid tr {{ break-inside: avoid; page-break-inside: avoid; }}
.closing {{ width: 100%; border-collapse: collapse; margin-top: 8pt; break-inside: avoid;
  page-break-inside: avoid; }}
.closing td {{ vertical-align: top; padding: 0 1mm; }}
.recipients p {{ margin: 0; font-size: 11pt; }}
.recipients p.head {{ font-size: 12pt; font-weight: bold; font-style: italic; }}
.sign p {{ margin: 0; text-align: center; font-weight: bold; }}
.sign .space {{ height: 24mm; }}
.sign p.note {{ font-weight: normal; }}
.page-break {{ break-before: page; page-break-before: always; }}
@media print {{
  html {{ background: none; }}
  .sheet {{ width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }}
}}
"""

_ALIGN = {"left": "l", "center": "c", "right": "r", "justify": "j"}


def _style(size: float, before: float, after: float) -> str:
    return f"font-size:{size:g}pt;margin:{before:g}pt 0 {after:g}pt 0"


def _para(block: Para, *, page_break: bool = False) -> str:
    classes = [_ALIGN[block.align]]
    if block.first_indent:
        classes.append("ind")
    if page_break:
        classes.append("page-break")
    inner = []
    for run in block.runs:
        text = escape(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.underline:
            text = f'<span class="u">{text}</span>'
        inner.append(text)
    body = "".join(inner) or "&nbsp;"
    style = _style(block.size, block.space_before, block.space_after)
    return f'<p class="{" ".join(classes)}" style="{style}">{body}</p>'


def _header(block: Header) -> str:
    name = "<br>".join(escape(line) for line in wrap_name(block.name.upper()))
    return (
        '<table class="hdr"><colgroup><col style="width:78mm"><col></colgroup>'
        "<tr><td>"
        f'<p style="font-size:12.5pt">{escape(block.parent.upper())}</p>'
        f'<p style="font-size:12.5pt"><b>{name}</b></p>'
        '<hr class="rule" style="width:25mm">'
        "</td><td>"
        f'<p style="font-size:12.5pt"><b>{escape(block.motto)}</b></p>'
        f'<p style="font-size:14pt"><b class="u">{escape(block.slogan)}</b></p>'
        "</td></tr><tr><td>"
        f'<p style="font-size:13pt;margin-top:4pt">{escape(block.number_line)}</p>'
        "</td><td>"
        f'<p style="font-size:14pt;margin-top:4pt"><i>{escape(block.place_date)}</i></p>'
        "</td></tr></table>"
    )


def _table(block: Table) -> str:
    cols = "".join(f'<col style="width:{c.width_mm:g}mm">' for c in block.columns)
    head = "".join(f"<th>{escape(c.title)}</th>" for c in block.columns)
    rows = []
    for cells in block.rows:
        tds = []
        index = 0
        for cell in cells:
            align = cell.align or block.columns[index].align
            text = "<br>".join(escape(line) for line in cell.text.split("\n"))
            if cell.bold:
                text = f"<b>{text}</b>"
            if cell.italic:
                text = f"<i>{text}</i>"
            span = f' colspan="{cell.span}"' if cell.span > 1 else ""
            tds.append(f'<td class="{_ALIGN[align]}"{span}>{text}</td>')
            index += cell.span
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return (
        f'<table class="grid" style="font-size:{block.size:g}pt"><colgroup>{cols}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _signer(signer: Signer) -> str:
    lines = []
    if signer.on_behalf:
        lines.append(f"<p>{escape(signer.on_behalf.upper())}</p>")
    lines.append(f"<p>{escape(signer.position.upper())}</p>")
    if signer.note:
        lines.append(f'<p class="note"><i>{escape(signer.note)}</i></p>')
    lines.append('<div class="space"></div>')
    lines.append(f"<p>{escape(signer.name)}</p>")
    return f'<div class="sign">{"".join(lines)}</div>'


def _recipients(recipients: tuple[str, ...]) -> str:
    items = "".join(
        f"<p>{escape(r if r.lstrip().startswith('-') else '- ' + r)}</p>" for r in recipients
    )
    return f'<div class="recipients"><p class="head">Nơi nhận:</p>{items}</div>'


def _closing(block: Closing) -> str:
    return (
        '<table class="closing"><colgroup><col style="width:80mm"><col></colgroup><tr>'
        f"<td>{_recipients(block.recipients)}</td><td>{_signer(block.signer)}</td>"
        "</tr></table>"
    )


def _dual(block: DualSignature) -> str:
    html = (
        '<table class="closing"><colgroup><col style="width:50%"><col></colgroup><tr>'
        f"<td>{_signer(block.left)}</td><td>{_signer(block.right)}</td></tr></table>"
    )
    if block.recipients:
        html += _recipients(block.recipients)
    return html


def render_html_string(blocks: list[Block], title: str) -> str:
    parts: list[str] = []
    pending_break = False
    for block in blocks:
        if isinstance(block, PageBreak):
            pending_break = True
            continue
        if pending_break:
            # On screen: start a new sheet; in print the break comes from .page-break.
            parts.append('</div><div class="sheet page-break">')
            pending_break = False
        if isinstance(block, Para):
            parts.append(_para(block))
        elif isinstance(block, Rule):
            parts.append(f'<hr class="rule" style="width:{block.width_mm:g}mm">')
        elif isinstance(block, Header):
            parts.append(_header(block))
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Closing):
            parts.append(_closing(block))
        elif isinstance(block, DualSignature):
            parts.append(_dual(block))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f'<body>\n<div class="sheet">\n{body}\n</div>\n</body>\n</html>\n'
    )


def render_html_blocks(blocks: list[Block], path: Path, title: str = "Văn bản") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html_string(blocks, title), encoding="utf-8")
    return path


def _title(doc: AnyDoc) -> str:
    kinds = {
        DecisionDoc: "Quyết định",
        SubmissionDoc: "Tờ trình",
        CouncilMinutesDoc: "Biên bản",
        ReportDoc: "Báo cáo",
        RevocationDoc: "Quyết định",
        VoteCountDoc: "Biên bản kiểm phiếu",
    }
    kind = kinds.get(type(doc), "Văn bản")
    return f"{kind} {doc.number}".strip()


def render_html(doc: AnyDoc, path: Path) -> Path:
    """Render a document model to a self-contained HTML file at ``path``."""
    return render_html_blocks(layout(doc), path, _title(doc))
