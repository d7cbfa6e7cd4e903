"""Format-neutral layout of the documents: a list of blocks both renderers consume.

Each document type is laid out once, in its own module (``decision``, ``revocation``,
``submission``, ``minutes``, ``vote_count``, ``report``: text, order, emphasis, tables); the Word
and HTML renderers only map blocks to their format, so both outputs carry the same content.
"""

from __future__ import annotations

from thidua.domain.documents.models import (
    AnyDoc,
    CouncilMinutesDoc,
    DecisionDoc,
    ReportDoc,
    RevocationDoc,
    SubmissionDoc,
    VoteCountDoc,
)

from .blocks import Block
from .decision import decision_blocks, decision_title
from .minutes import minutes_blocks
from .report import report_blocks
from .revocation import revocation_blocks
from .submission import submission_blocks
from .vote_count import vote_count_blocks

__all__ = ["decision_title", "layout"]


def layout(doc: AnyDoc) -> list[Block]:
    """The blocks of any supported document."""
    if isinstance(doc, DecisionDoc):
        return decision_blocks(doc)
    if isinstance(doc, SubmissionDoc):
        return submission_blocks(doc)
    if isinstance(doc, CouncilMinutesDoc):
        return minutes_blocks(doc)
    if isinstance(doc, ReportDoc):
        return report_blocks(doc)
    if isinstance(doc, RevocationDoc):
        return revocation_blocks(doc)
    if isinstance(doc, VoteCountDoc):
        return vote_count_blocks(doc)
    raise TypeError(f"unsupported document: {type(doc).__name__}")
