"""The round's documents as pure data, and how they are built.

``models`` (pydantic document models) and ``text`` (wording conventions) are the vocabulary;
``snapshot`` is what a round's documents are built from; ``wording`` the fixed wording (kinds,
symbols, numbering); the law and decree cited and the money come from the law's dated values
(``rules/law``) on the document's date; ``decision`` (the annual titles' decision and the
thematic movement's), ``revocation``, ``submission``, ``minutes``, ``vote_count`` (the counting
board's record) and ``report`` the builders, one module per document.
Laying them out and rendering Word, HTML and PDF files is the adapters' work
(``thidua.adapters.documents``); numbering and recording them, the use case's
(``thidua.app.documents``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from rules.registry import LoadedRuleset
from thidua.domain.agency import AgencyProfile
from thidua.domain.documents.context import RoundContext, document_title, signing_director
from thidua.domain.documents.decision import build_decision, build_movement_decision
from thidua.domain.documents.minutes import build_minutes
from thidua.domain.documents.models import AnyDoc
from thidua.domain.documents.report import build_report
from thidua.domain.documents.revocation import build_revocation
from thidua.domain.documents.snapshot import RoundSnapshot
from thidua.domain.documents.submission import achievements_summary, build_submission
from thidua.domain.documents.vote_count import build_vote_count
from thidua.domain.documents.wording import COUNCIL_KINDS, REVOCATION_KIND, base_kind

__all__ = ["achievements_summary", "build_document", "document_date", "document_title"]


def document_date(snapshot: RoundSnapshot, kind: str, issued_on: date) -> date:
    """The date a document bears (the council's documents: the meeting's), so the profile in
    force on it."""
    if kind in COUNCIL_KINDS and snapshot.meeting is not None:
        return snapshot.meeting.held_on
    return issued_on


def build_document(
    snapshot: RoundSnapshot,
    ruleset: LoadedRuleset,
    kind: str,
    number: str,
    issued_on: date,
    numbers: Mapping[str, str],
    profile: AgencyProfile,
    dates: Mapping[str, date] = MappingProxyType({}),
) -> AnyDoc | None:
    """The document ``kind`` of the round numbered ``number`` (None when the round has none).

    ``numbers`` and ``dates`` hold the numbers and dates of the round's documents issued so far
    (the decisions cite the minutes' and the report's, a revocation its decision's);
    ``profile`` is the agency's profile in force on the document's date (``document_date``).
    Raises ``LookupError`` when nobody can sign for the head or no law or decree in
    ``rules/law`` is in force on the document's date.
    """
    director = signing_director(snapshot, profile)
    ctx = RoundContext(snapshot, ruleset, profile, director, dict(numbers), dict(dates))
    if kind == "report":
        return build_report(ctx, number, issued_on)
    if kind == "minutes":
        return build_minutes(ctx, number, issued_on)
    if kind == "decision":
        return build_decision(ctx, number, issued_on)
    if kind == "decision_movement":
        return build_movement_decision(ctx, number, issued_on)
    if base_kind(kind) == REVOCATION_KIND:
        return build_revocation(ctx, int(kind.rpartition("-")[2]), number, issued_on)
    if kind == "submission":
        return build_submission(ctx, number, issued_on)
    if kind == "vote_count":
        return build_vote_count(ctx, number, issued_on)
    raise ValueError(f"unknown document kind: {kind}")
