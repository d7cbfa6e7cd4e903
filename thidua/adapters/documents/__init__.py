"""Official Vietnamese administrative documents (Decree 30/2020/NĐ-CP format).

Models (pydantic, pure data) -> :func:`layout` (format-neutral blocks) -> renderers:
:func:`render_docx` (python-docx), :func:`render_html` (self-contained HTML with print CSS)
and :func:`render_pdf` (LibreOffice, optional).
"""

from __future__ import annotations

from .layout import AnyDoc, decision_title, layout
from .models import (
    Agency,
    AwardLine,
    CouncilMinutesDoc,
    CouncilVote,
    DecisionDoc,
    ProposalLine,
    ReportDoc,
    ReportUnitStats,
    Signer,
    SubmissionDoc,
)
from .pdf import find_soffice, render_pdf
from .render_docx import render_docx
from .render_html import render_html
from .samples import (
    sample_agency,
    sample_decision,
    sample_minutes,
    sample_movement_decision,
    sample_report,
    sample_submission,
)

__all__ = [
    "Agency",
    "AnyDoc",
    "AwardLine",
    "CouncilMinutesDoc",
    "CouncilVote",
    "DecisionDoc",
    "ProposalLine",
    "ReportDoc",
    "ReportUnitStats",
    "Signer",
    "SubmissionDoc",
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
    "sample_submission",
]
