"""The round's documents as pure data, and how they are built.

``models`` (pydantic document models) and ``text`` (wording conventions) are the vocabulary;
``snapshot`` is what a round's documents are built from; ``wording`` the fixed wording (agency,
legal bases, recipients, numbering); ``decision``, ``submission``, ``minutes`` and ``report``
the builders, one module per document.
Laying them out and rendering Word, HTML and PDF files is the adapters' work
(``thidua.adapters.documents``); numbering and recording them, the use case's
(``thidua.app.documents``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from rules.registry import LoadedRuleset
from thidua.domain.documents.context import RoundContext, document_title, signing_director
from thidua.domain.documents.decision import build_decision
from thidua.domain.documents.minutes import build_minutes
from thidua.domain.documents.models import AnyDoc
from thidua.domain.documents.report import build_report
from thidua.domain.documents.snapshot import RoundSnapshot
from thidua.domain.documents.submission import achievements_summary, build_submission

__all__ = ["achievements_summary", "build_document", "document_title"]


def build_document(
    snapshot: RoundSnapshot,
    ruleset: LoadedRuleset,
    kind: str,
    number: str,
    issued_on: date,
    numbers: Mapping[str, str],
) -> AnyDoc | None:
    """The document ``kind`` of the round numbered ``number`` (None when the round has none).

    ``numbers`` holds the numbers of the round's documents issued so far (the decision cites the
    minutes'). Raises ``LookupError`` when nobody can sign for the Director.
    """
    ctx = RoundContext(snapshot, ruleset, signing_director(snapshot), dict(numbers))
    if kind == "report":
        return build_report(ctx, number, issued_on)
    if kind == "minutes":
        return build_minutes(ctx, number, issued_on)
    if kind == "decision":
        return build_decision(ctx, number, issued_on)
    if kind == "submission":
        return build_submission(ctx, number, issued_on)
    raise ValueError(f"unknown document kind: {kind}")
