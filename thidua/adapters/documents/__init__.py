"""Official Vietnamese administrative documents (Decree 30/2020/NĐ-CP format) as files.

The models are the domain's (``thidua.domain.documents``); here :func:`layout` turns one into
format-neutral blocks and the renderers write them: :func:`render_docx` (python-docx),
:func:`render_html` (self-contained HTML with print CSS) and :func:`render_pdf` (LibreOffice,
optional). :class:`FileDocumentRenderer` writes a round's files; ``samples`` builds realistic
documents from the sample data (tests and previews).
"""

from __future__ import annotations

from .files import FileDocumentRenderer
from .layout import decision_title, layout
from .pdf import find_soffice, render_pdf
from .render_docx import render_docx
from .render_html import render_html
from .samples import (
    sample_agency,
    sample_decision,
    sample_minutes,
    sample_movement_decision,
    sample_report,
    sample_revocation,
    sample_submission,
)

__all__ = [
    "FileDocumentRenderer",
    "decision_title",
    "find_soffice",
    "layout",
    "render_docx",
    "render_html",
    "render_pdf",
    "sample_agency",
    "sample_decision",
    "sample_minutes",
    "sample_movement_decision",
    "sample_report",
    "sample_revocation",
    "sample_submission",
]
